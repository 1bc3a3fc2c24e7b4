#!/usr/bin/env bash
# kpctl without a node: keygen; genesis from the example config and its
# refusals; verify on the provenance bundle and genesis the demo writes,
# untouched and tampered; the node commands' refusals that need no node (a
# malformed file, an unreachable node, bad flags); --help of every command.
# Exit codes: 0 ok, 1 refused / not verified, 2 unusable input, 3 no node.
set -euo pipefail
kpctl="$1"
demo="$2"
example_config="$3"
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
# A parcel id that tries to print a verdict line of its own stays on the
# one NOT VERIFIED line.
sed 's/"parcelId": "AZ-P-0001"/"parcelId": "X\\nProvenance of parcel X: verified"/' \
  "$bundle" >"$dir/fake.json"
expect_exit 1 "$dir/out" "$kpctl" verify --bundle "$dir/fake.json" --genesis "$genesis"
[ "$(wc -l <"$dir/out")" = 1 ] || fail "a bundle's parcel id broke the verdict line"
grep -q '^Provenance of parcel' "$dir/out" && fail "a bundle printed a verdict"
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
# --- genesis from the example config -----------------------------------
g="$dir/genesis"
mkdir -p "$g/keys"
for name in governance-1 governance-2; do
  "$kpctl" keygen --name "$name" --out "$g/keys/$name.key" >/dev/null
done
for name in customs authority lab; do
  "$kpctl" keygen --name "node-$name.kpledger.az" \
    --out "$g/keys/node-$name.key" >/dev/null
done
cp "$example_config" "$g/config.json"
expect_exit 0 "$dir/out" "$kpctl" genesis --config "$g/config.json" \
  --sign "$g/keys/governance-1.key" --out "$g/genesis.json"
contains "$dir/out" "genesis written to $g/genesis.json"
contains "$dir/out" "origin        kpledger.az/custody (country AZ)"
contains "$dir/out" "checkpoints   2 of 3 node keys: node-customs.kpledger.az"
grep -q '"payloadType": "application/vnd.kpledger.genesis.v1+proto"' \
  "$g/genesis.json" || fail "genesis.json is not a genesis envelope"
# verify reads it as a genesis (exit 1: the demo's bundle is another
# ledger's), not as unusable input (exit 2).
expect_exit 1 "$dir/out" "$kpctl" verify --bundle "$bundle" --genesis "$g/genesis.json"
contains "$dir/out" "NOT VERIFIED"
expect_exit 0 "$dir/out" "$kpctl" --json genesis --config "$g/config.json" \
  --sign "$g/keys/governance-1.key" --sign "$g/keys/governance-2.key" \
  --out "$g/genesis2.json"
contains "$dir/out" '"genesisHash"'

# Refusals: exit 2, the reason named, nothing written.
expect_exit 2 "$dir/out" "$kpctl" genesis --config "$g/config.json" \
  --sign "$g/keys/governance-1.key" --out "$g/genesis.json"
contains "$dir/out" "$g/genesis.json exists; not overwriting it"
sed 's/governance-2.key.pub/missing.key.pub/' "$g/config.json" >"$g/missing.json"
expect_exit 2 "$dir/out" "$kpctl" genesis --config "$g/missing.json" \
  --sign "$g/keys/governance-1.key" --out "$g/x.json"
contains "$dir/out" "governanceKeys[1]: cannot open key file"
sed 's/"checkpointThreshold": 2/"checkpointThreshold": 4/' "$g/config.json" >"$g/threshold.json"
expect_exit 2 "$dir/out" "$kpctl" genesis --config "$g/threshold.json" \
  --sign "$g/keys/governance-1.key" --out "$g/x.json"
contains "$dir/out" "is not a valid genesis: genesis checkpoint_threshold: is 4, want 1 to 3"
echo '{"origin": "kpledger.az/custody",' >"$g/broken.json"
expect_exit 2 "$dir/out" "$kpctl" genesis --config "$g/broken.json" \
  --sign "$g/keys/governance-1.key" --out "$g/x.json"
contains "$dir/out" "broken.json is not JSON of a kpledger.kpctl.GenesisConfig"
echo '{"orgin": "typo"}' >"$g/typo.json"
expect_exit 2 "$dir/out" "$kpctl" genesis --config "$g/typo.json" \
  --sign "$g/keys/governance-1.key" --out "$g/x.json"
contains "$dir/out" "orgin: Cannot find field"
expect_exit 2 "$dir/out" "$kpctl" genesis --config "$g/config.json" \
  --sign "$g/keys/node-lab.key" --out "$g/x.json"
contains "$dir/out" "is not one of the genesis' governance keys"
[ -e "$g/x.json" ] && fail "a refused genesis was written"

# --- node commands, without a node --------------------------------------
nowhere=127.0.0.1:1  # nothing listens on port 1
echo '{"hold": {"parcelId": "AZ-P-0001", "reason": "seal check"},' >"$dir/bad-event.json"
expect_exit 2 "$dir/out" "$kpctl" --server "$nowhere" submit "$dir/bad-event.json" \
  --key "$g/keys/governance-1.key"
contains "$dir/out" "bad-event.json is not JSON of a kpledger.v1.CustodyEvent"
grep -q "cannot reach" "$dir/out" && fail "a malformed event was sent"
echo '{"hold": {"parcelId": "AZ-P-0001"}, "bogus": 1}' >"$dir/unknown-field.json"
expect_exit 2 "$dir/out" "$kpctl" --server "$nowhere" submit "$dir/unknown-field.json" \
  --key "$g/keys/governance-1.key"
contains "$dir/out" "bogus: Cannot find field"
echo '{}' >"$dir/no-body.json"
expect_exit 2 "$dir/out" "$kpctl" --server "$nowhere" submit "$dir/no-body.json" \
  --key "$g/keys/governance-1.key"
contains "$dir/out" "holds an event without a body"
echo '{"hold": {"parcelId": "AZ-P-0001", "reason": "seal check"}}' >"$dir/hold.json"
expect_exit 2 "$dir/out" "$kpctl" --server "$nowhere" submit "$dir/hold.json"
contains "$dir/out" "an unsigned event needs at least one --key"
expect_exit 2 "$dir/out" "$kpctl" --server "$nowhere" submit "$dir/hold.json" \
  --key "$dir/none.key"
contains "$dir/out" "--key: "
expect_exit 3 "$dir/out" "$kpctl" --server "$nowhere" submit "$dir/hold.json" \
  --key "$g/keys/governance-1.key"
contains "$dir/out" "kpctl submit: cannot reach kpnode at $nowhere: UNAVAILABLE"
# Global flags also after the command; the server also from KPCTL_SERVER.
expect_exit 3 "$dir/out" "$kpctl" status --server "$nowhere"
contains "$dir/out" "kpctl status: cannot reach kpnode at $nowhere"
KPCTL_SERVER=127.0.0.1:2 expect_exit 3 "$dir/out" "$kpctl" parcel show AZ-P-0001
contains "$dir/out" "cannot reach kpnode at 127.0.0.1:2"
expect_exit 2 "$dir/out" "$kpctl" --server "$nowhere" --tls-cert "$g/genesis.json" status
contains "$dir/out" "--tls-cert and --tls-key go together"

# Report periods: exit 2 before any call.
for bad in 2026-Q5 2026-13 26-Q3 2026Q3 Q3; do
  expect_exit 2 "$dir/out" "$kpctl" --server "$nowhere" report kp-stats --period "$bad"
  contains "$dir/out" "--period \"$bad\" is not a year (2026), a quarter (2026-Q3) or a month (2026-07)"
done
expect_exit 2 "$dir/out" "$kpctl" --server "$nowhere" report kp-stats
contains "$dir/out" "give either --period or --from and --to"
expect_exit 2 "$dir/out" "$kpctl" --server "$nowhere" report kp-stats --period 2026-Q3 --from 2026-07-01
expect_exit 2 "$dir/out" "$kpctl" --server "$nowhere" report kp-stats --from 2026-08-01 --to 2026-07-01
contains "$dir/out" "is not after --from"
expect_exit 2 "$dir/out" "$kpctl" --server "$nowhere" report balance --as-of yesterday
contains "$dir/out" "--as-of \"yesterday\" is not a date"
expect_exit 3 "$dir/out" "$kpctl" --server "$nowhere" report kp-stats --period 2026-Q3
contains "$dir/out" "cannot reach kpnode"
expect_exit 2 "$dir/out" "$kpctl" --server "$nowhere" parcel list --status OPEN
contains "$dir/out" "--status OPEN is not ACTIVE, HELD or CLOSED"

# provenance never overwrites without --force (checked before connecting).
expect_exit 2 "$dir/out" "$kpctl" --server "$nowhere" provenance AZ-P-0001 --out "$bundle"
contains "$dir/out" "exists; not overwriting it (--force to)"

# --help works for every command and shows an example.
for cmd in keygen genesis verify submit "parcel" "parcel show" "parcel history" \
    "parcel list" "certificate" "certificate find" policy actors provenance tail report \
    "report kp-stats" "report balance" "report anomalies" status audit; do
  # shellcheck disable=SC2086
  expect_exit 0 "$dir/out" "$kpctl" $cmd --help
  contains "$dir/out" "Usage:"
done
for cmd in keygen genesis verify submit "parcel show" "parcel history" \
    "certificate find" policy actors provenance tail "report kp-stats" "report balance" \
    "report anomalies" status audit; do
  # shellcheck disable=SC2086
  "$kpctl" $cmd --help >"$dir/out" 2>&1
  contains "$dir/out" "Example"
done
expect_exit 0 "$dir/out" "$kpctl" --help
contains "$dir/out" "Exit codes"
echo "kpctl test: all checks passed"
