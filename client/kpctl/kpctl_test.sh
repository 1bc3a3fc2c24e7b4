#!/usr/bin/env bash
# kpctl's offline commands on real files: keygen, and verify on the
# provenance bundle and genesis the demo writes, untouched and tampered.
# Exit codes: 0 verified, 1 not verified, 2 unusable input.
set -euo pipefail
kpctl="$1"
demo="$2"
dir="${TEST_TMPDIR:-$(mktemp -d)}/kpctl"
rm -rf "$dir" && mkdir -p "$dir"
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_exit() {  # expect_exit CODE OUTPUT-FILE COMMAND...
  local want="$1" out="$2"; shift 2
  set +e; "$@" >"$out" 2>&1; local got=$?; set -e
  [ "$got" = "$want" ] || { cat "$out"; fail "exit $got, want $want: $*"; }
}
contains() { grep -qF -- "$2" "$1" || { cat "$1"; fail "output lacks: $2"; }; }

# keygen: a private file (0600) and its public half; never overwrites.
expect_exit 0 "$dir/out" "$kpctl" keygen --name lab-baku --out "$dir/lab.key"
contains "$dir/out" "key id"
[ "$(stat -c %a "$dir/lab.key")" = 600 ] || fail "private key not mode 600"
grep -q '"privateSeed"' "$dir/lab.key.pub" && fail "public file holds the seed"
expect_exit 2 "$dir/out" "$kpctl" keygen --name lab-baku --out "$dir/lab.key"
contains "$dir/out" "exists"
expect_exit 0 "$dir/out" "$kpctl" --json keygen --name vault --out "$dir/v.key"
contains "$dir/out" '"keyid"'

# A real ledger: the demo writes genesis.json and AZ-P-0001.bundle.json.
"$demo" --dir "$dir/demo" >/dev/null
bundle="$dir/demo/AZ-P-0001.bundle.json"
genesis="$dir/demo/genesis.json"

expect_exit 0 "$dir/out" "$kpctl" verify --bundle "$bundle" --genesis "$genesis"
contains "$dir/out" "Provenance of parcel AZ-P-0001: verified"
contains "$dir/out" "origins    BW 80%, NA 20%"
expect_exit 0 "$dir/out" "$kpctl" --json verify --bundle "$bundle" --genesis "$genesis"
contains "$dir/out" '"parcelId": "AZ-P-0001"'

# Tampered: the bundle claims another parcel; its checkpoint is altered.
sed 's/"parcelId": "AZ-P-0001"/"parcelId": "AZ-P-0002"/' "$bundle" >"$dir/other.json"
expect_exit 1 "$dir/out" "$kpctl" verify --bundle "$dir/other.json" --genesis "$genesis"
contains "$dir/out" "NOT VERIFIED"
# The checkpoint's parsed size disagrees with its signed note.
sed 's/"treeSize": "2009"/"treeSize": "2008"/' "$bundle" >"$dir/flipped.json"
cmp -s "$bundle" "$dir/flipped.json" && fail "the tree size was not changed"
expect_exit 1 "$dir/out" "$kpctl" verify --bundle "$dir/flipped.json" --genesis "$genesis"
contains "$dir/out" "NOT VERIFIED"
expect_exit 1 "$dir/out" "$kpctl" --json verify --bundle "$dir/flipped.json" --genesis "$genesis"
contains "$dir/out" '"outcome": "REFUSED"'

# Another ledger's genesis is not this bundle's trust root.
"$demo" --dir "$dir/other-ledger" >/dev/null
expect_exit 1 "$dir/out" "$kpctl" verify --bundle "$bundle" --genesis "$dir/other-ledger/genesis.json"
contains "$dir/out" "NOT VERIFIED"

# Unusable input: exit 2 with the file named.
expect_exit 2 "$dir/out" "$kpctl" verify --bundle "$dir/none.json" --genesis "$genesis"
contains "$dir/out" "no file $dir/none.json"
echo '{"parcelId": 7' >"$dir/broken.json"
expect_exit 2 "$dir/out" "$kpctl" verify --bundle "$dir/broken.json" --genesis "$genesis"
contains "$dir/out" "is not JSON of a kpledger.v1.ProvenanceBundle"
expect_exit 2 "$dir/out" "$kpctl" verify --bundle "$bundle" --genesis "$bundle"
expect_exit 2 "$dir/out" "$kpctl" verify --bundle "$bundle"
contains "$dir/out" "--genesis is required"
expect_exit 2 "$dir/out" "$kpctl"
echo "kpctl test: all checks passed"
