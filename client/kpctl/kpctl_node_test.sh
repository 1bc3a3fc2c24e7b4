#!/usr/bin/env bash
# kpctl's node commands against fake_kpnode, which serves the demo's ledger
# (2,009 entries; parcel AZ-P-0001 imported, assessed, in the vault):
# status, parcel, certificate, tail, provenance then verify, the reports,
# submit (filled in and accepted; refused, as a receipt and as a gRPC
# status), and audit of an honest and of a tampered node.
set -euo pipefail
kpctl="$1"
demo="$2"
fake="$3"
dir="${TEST_TMPDIR:-$(mktemp -d)}/kpctl-node"
rm -rf "$dir" && mkdir -p "$dir"
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_exit() {  # expect_exit CODE OUTPUT-FILE COMMAND...
  local want="$1" out="$2"; shift 2
  set +e; "$@" >"$out" 2>&1; local got=$?; set -e
  [ "$got" = "$want" ] || { cat "$out"; fail "exit $got, want $want: $*"; }
}
contains() { grep -qF -- "$2" "$1" || { cat "$1"; fail "output lacks: $2"; }; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
start_node() {  # start_node PORT-FILE [FLAGS...]; sets $server
  local port_file="$1"; shift
  "$fake" --dir "$dir/demo" --port-file "$port_file" "$@" >"$port_file.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.1; done
  [ -s "$port_file" ] || { cat "$port_file.log" >&2; fail "fake_kpnode did not start"; }
  server="127.0.0.1:$(cat "$port_file")"
}
stop_nodes() {  # one node at a time may open the store
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=()
}

"$demo" --dir "$dir/demo" >/dev/null
start_node "$dir/port"
k() { "$kpctl" --server "$server" "$@"; }

expect_exit 0 "$dir/out" k status
contains "$dir/out" "origin        kpledger.demo/az-custody"
contains "$dir/out" "tree size     2009"
expect_exit 0 "$dir/out" k --json status
contains "$dir/out" '"treeSize": "2009"'

expect_exit 0 "$dir/out" k parcel show AZ-P-0001
contains "$dir/out" "status        ACTIVE"
contains "$dir/out" "custodian     vault-baku"
contains "$dir/out" "mass          1,248.300 ct (declared 1,250.000 ct)"
contains "$dir/out" "origins       BW 80%, NA 20%"
contains "$dir/out" "certificates  import BW-2026-004512, export -"
expect_exit 1 "$dir/out" k parcel show AZ-P-9999
contains "$dir/out" "kpctl parcel show: NOT_FOUND: "
expect_exit 0 "$dir/out" k parcel history AZ-P-0001
contains "$dir/out" "Parcel AZ-P-0001: 4 entries"
grep -Eq '^ +7  2026-09-06T00:00:00Z  lab_assessment ' "$dir/out" || { cat "$dir/out"; fail "no lab assessment row"; }
expect_exit 0 "$dir/out" k parcel list --custodian vault-baku
contains "$dir/out" "1 parcels"

expect_exit 0 "$dir/out" k certificate find BW-2026-004512
contains "$dir/out" "parcel        AZ-P-0001"
contains "$dir/out" "recorded      entry 5 at 2026-09-03T00:00:00Z, import"
expect_exit 1 "$dir/out" k certificate find XX-0
contains "$dir/out" "NOT_FOUND"

expect_exit 0 "$dir/out" k tail --from 2007
[ "$(wc -l <"$dir/out")" = 2 ] || { cat "$dir/out"; fail "tail --from 2007: want 2 lines"; }
grep -Eq '^2008  2026-09-10T00:00:00Z  import  .*  AZ-P-' "$dir/out" || { cat "$dir/out"; fail "tail line"; }
expect_exit 0 "$dir/out" k --json tail --from 2008
contains "$dir/out" '"index":"2008"'

expect_exit 0 "$dir/out" k provenance AZ-P-0001 --out "$dir/p.bundle.json"
contains "$dir/out" "provenance bundle of parcel AZ-P-0001 written to $dir/p.bundle.json"
expect_exit 2 "$dir/out" k provenance AZ-P-0001 --out "$dir/p.bundle.json"
expect_exit 0 "$dir/out" k provenance AZ-P-0001 --out "$dir/p.bundle.json" --force
expect_exit 0 "$dir/out" "$kpctl" verify --bundle "$dir/p.bundle.json" --genesis "$dir/demo/genesis.json"
contains "$dir/out" "Provenance of parcel AZ-P-0001: verified"

expect_exit 0 "$dir/out" k report kp-stats --period 2026-Q3
contains "$dir/out" "2026-07-01T00:00:00Z to 2026-10-01T00:00:00Z"
contains "$dir/out" "Total                        23,253.000 ct"
expect_exit 0 "$dir/out" k report balance --as-of 2026-09-30
contains "$dir/out" "In custody"
expect_exit 0 "$dir/out" k report anomalies --as-of 2026-09-30
contains "$dir/out" "Anomalies as of 2026-09-30T23:59:59.999999999Z"

# submit: origin, createdAt and the head filled in; one signature short.
keys="$dir/demo/keys"
cat >"$dir/transfer.json" <<'JSON'
{"custodyTransfer": {"parcelId": "AZ-P-0001", "fromCustodian": "vault-baku",
                     "toCustodian": "lab-baku"},
 "parcels": [{"parcelId": "AZ-P-0001"}]}
JSON
expect_exit 1 "$dir/out" k submit "$dir/transfer.json" --key "$keys/vault-baku.key"
contains "$dir/out" "filled origin kpledger.demo/az-custody (the node's)"
contains "$dir/out" "filled head of AZ-P-0001 776785ee"
contains "$dir/out" "refused: PERMISSION_DENIED: "
expect_exit 0 "$dir/out" k submit "$dir/transfer.json" --key "$keys/vault-baku.key" \
  --key "$keys/lab-baku.key"
grep -Eq '^accepted: event [0-9a-f]{64} at entry 2009, ledger time .*, flags none$' "$dir/out" \
  || { cat "$dir/out"; fail "no accepted line"; }
# The same transfer again: the parcel is with the lab now.
expect_exit 1 "$dir/out" k --json submit "$dir/transfer.json" --key "$keys/vault-baku.key" \
  --key "$keys/lab-baku.key"
contains "$dir/out" '"outcome": "REFUSED"'
contains "$dir/out" '"code": 9'
# Without filling, the empty origin is the node's to refuse.
expect_exit 1 "$dir/out" k submit --no-fill "$dir/transfer.json" --key "$keys/lab-baku.key"
contains "$dir/out" "refused: "
grep -q "filled" "$dir/out" && fail "--no-fill filled something"

expect_exit 0 "$dir/out" k audit
contains "$dir/out" "audit: checked 2010 entries"
contains "$dir/out" "audit OK: kpnode at $server"
contains "$dir/out" "cosigned      tree size 2010, root matches"
expect_exit 0 "$dir/out" k --json audit
contains "$dir/out" '"outcome": "VERIFIED"'

stop_nodes

# A node that answers refusals with a gRPC status: the same receipt line.
start_node "$dir/port2" --refuse-as-status
expect_exit 1 "$dir/out" k submit "$dir/transfer.json" --key "$keys/vault-baku.key"
contains "$dir/out" "refused: FAILED_PRECONDITION: custody_transfer.from_custodian"
stop_nodes

# A node whose entry 7 (the lab assessment) has a flipped signature byte.
start_node "$dir/port3" --tamper-entry 7
expect_exit 1 "$dir/out" k audit
contains "$dir/out" "audit: checked 7 entries"
contains "$dir/out" "audit FAILED at entry 7: refused on replay: UNAUTHENTICATED"
expect_exit 1 "$dir/out" k --json audit
contains "$dir/out" '"outcome": "FAILED"'
contains "$dir/out" '"failedEntry": "7"'
echo "kpctl node test: all checks passed"
