#!/usr/bin/env bash
# kpctl's node commands against the real kpnode, on a ledger this test
# makes as deploy/quickstart.sh does: key files (kpctl keygen), a genesis
# with checkpoint threshold 1 (kpctl genesis), one kpnode on port 0, and a
# custody story through kpctl submit (registrations, two imports, transfers
# signed by both parties, a lab assessment, an export signed by the KP
# Authority and customs). Then every node command and its exit codes:
# status, parcel show/history/list, certificate find, tail (and --follow),
# provenance then verify, the reports, submit (accepted; refused by the
# rules: wrong role, expired certificate, missing co-signature, stale head,
# replay; malformed), audit; and a second kpnode serving mutual TLS. Both
# nodes stop on SIGTERM with exit 0. Exit codes: 0 ok, 1 no, 2 unusable
# input, 3 no node.
#
#   kpctl_node_test.sh KPCTL KPNODE
set -euo pipefail
kpctl=$(realpath "$1")
kpnode=$(realpath "$2")
# The quickstart's events as JSON: qs_genesis_config, qs_register, ...
source "$(realpath "$3")"
dir="${TEST_TMPDIR:-$(mktemp -d)}/kpctl-node"
rm -rf "$dir" && mkdir -p "$dir/keys" "$dir/events"
cd "$dir"
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_exit() {  # expect_exit CODE OUTPUT-FILE COMMAND...
  local want="$1" out="$2"; shift 2
  set +e; "$@" >"$out" 2>&1; local got=$?; set -e
  [ "$got" = "$want" ] || { cat "$out"; fail "exit $got, want $want: $*"; }
}
contains() { grep -qF -- "$2" "$1" || { cat "$1"; fail "output lacks: $2"; }; }
lacks() { ! grep -qF -- "$2" "$1" || { cat "$1"; fail "output has: $2"; }; }
matches() { grep -Eq -- "$2" "$1" || { cat "$1"; fail "no line matches: $2"; }; }

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
start_node() {  # start_node NAME [FLAGS...]: kpnode on NAME/data; sets $server
  local name="$1"; shift
  mkdir -p "$name"
  "$kpnode" --data-dir "$name/data" --genesis genesis.json \
    --node-key keys/node-1.key --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
    --ready-file "$name/ready" --checkpoint-interval-ms 100 "$@" \
    2>"$name/kpnode.log" &
  node_pid=$!
  pids+=("$node_pid")
  for _ in $(seq 200); do
    [ -s "$name/ready" ] && grep -q '^http=' "$name/ready" && break
    kill -0 "$node_pid" 2>/dev/null || { cat "$name/kpnode.log" >&2; fail "kpnode $name exited"; }
    sleep 0.05
  done
  grep -q '^grpc=' "$name/ready" || { cat "$name/kpnode.log" >&2; fail "kpnode $name did not start"; }
  server=$(sed -n 's/^grpc=//p' "$name/ready")
}
stop_node() {  # stop_node PID NAME: SIGTERM, and kpnode must exit 0
  kill -TERM "$1"
  set +e; wait "$1"; local rc=$?; set -e
  [ "$rc" = 0 ] || { cat "$2/kpnode.log" >&2; fail "kpnode $2 exited $rc after SIGTERM, want 0"; }
}

# 1. Keys and the genesis (quickstart step 1 and 2).
for name in governance-1 governance-2 customs-baku lab-baku vault-baku \
  kpa-baku caspian-gems lab-ganja node-1; do
  "$kpctl" keygen --name "$name" --out "keys/$name.key" >/dev/null
done
pub() { sed -n 's/.*"publicKey": *"\([^"]*\)".*/\1/p' "keys/$1.key.pub"; }
qs_genesis_config >genesis.config.json
expect_exit 0 out "$kpctl" genesis --config genesis.config.json \
  --sign keys/governance-1.key --sign keys/governance-2.key --out genesis.json
contains out "checkpoints   1 of 1 node keys: node-1"

# 2. One kpnode on port 0.
start_node plain
plain_pid=$node_pid
plain_server=$server
k() { "$kpctl" --server "$server" "$@"; }

expect_exit 0 out k status
contains out "kpnode node-1 at $server"
contains out "node key      in force"
contains out "origin        kpledger.az/custody"
contains out "tree size     1"

# 3. The custody story (quickstart step 4), dates relative to today (UTC).
issued=$(qs_day -3); expires=$(qs_day 57); long_ago=$(qs_day -400)
expired=$(qs_day -340)
accepted_at() {  # accepted_at ENTRY OUTPUT-FILE
  matches "$2" "^accepted: event [0-9a-f]{64} at entry $1, ledger time [0-9TZ:.-]+, flags "
}
register() {  # register ENTRY ID ROLE NAME [LICENCE]
  qs_register "${@:2}" >"events/register-$2.json"
  expect_exit 0 out k submit "events/register-$2.json" \
    --key keys/governance-1.key --key keys/governance-2.key
  contains out "filled in: origin kpledger.az/custody (the node's); createdAt "
  accepted_at "$1" out
}
register 1 customs-baku CUSTOMS "State Customs Committee, Baku"
register 2 lab-baku LAB "Azerbaijan State Gemological Laboratory"
register 3 vault-baku VAULT "Central Bank Vault, Baku"
register 4 kpa-baku KP_AUTHORITY "KP Authority of Azerbaijan"
register 5 caspian-gems TRADER "Caspian Gem Trading LLC" AZ-LIC-0192

qs_import AZ-P-0001 BW-2026-004512 "$issued" "$expires" 1250000 250000000 >events/import-1.json
expect_exit 0 out k submit events/import-1.json --key keys/customs-baku.key
accepted_at 6 out
lacks out "head of"  # a new parcel keeps its empty head
qs_import AZ-P-0002 BW-2026-004513 "$issued" "$expires" 800000 120000000 >events/import-2.json
expect_exit 0 out k submit events/import-2.json --key keys/customs-baku.key
accepted_at 7 out

transfer() {  # transfer ENTRY PARCEL FROM TO
  qs_transfer "$2" "$3" "$4" "AZ-SEAL-$1" >"events/transfer-$2-$4.json"
  expect_exit 0 out k submit "events/transfer-$2-$4.json" --key "keys/$3.key" --key "keys/$4.key"
  contains out "; head of $2 "
  accepted_at "$1" out
}
transfer 8 AZ-P-0001 vault-baku lab-baku
qs_assessment >events/assessment-1.json
expect_exit 0 out k submit events/assessment-1.json --key keys/lab-baku.key
accepted_at 9 out
transfer 10 AZ-P-0001 lab-baku vault-baku
transfer 11 AZ-P-0001 vault-baku caspian-gems
qs_export >events/export-1.json
expect_exit 0 out k submit events/export-1.json --key keys/kpa-baku.key --key keys/customs-baku.key
accepted_at 12 out
wait_cosigned() {  # wait_cosigned SIZE: until the node has cosigned SIZE
  for _ in $(seq 200); do
    k status >out 2>&1 && grep -qF "cosigned      tree size $1," out && return 0
    sleep 0.05
  done
  cat out; fail "no cosigned checkpoint at tree size $1"
}
wait_cosigned 13

# 4. status, parcel, certificate, tail.
expect_exit 0 out k status
contains out "tree size     13"
contains out "sequencer     local, applied position 12"
contains out "cosigned      tree size 13, root "
contains out "diverged      no"
expect_exit 0 out k --json status
contains out '"nodeName": "node-1"'
contains out '"treeSize": "13"'

expect_exit 0 out k parcel show AZ-P-0001
contains out "Parcel AZ-P-0001"
contains out "status        CLOSED"
contains out "custodian     caspian-gems"
contains out "mass          1,249.400 ct (declared 1,250.000 ct), 412 stones"
contains out "value         \$2,500,000.00"
contains out "origins       BW 80%, NA 20%"
contains out "certificates  import BW-2026-004512, export AZ-2026-000101"
contains out "flags         QUICK_REEXPORT"
matches out "^  created       entry 6 at "
expect_exit 0 out k --json parcel show AZ-P-0002
contains out '"status": "ACTIVE"'
contains out '"custodian": "vault-baku"'
expect_exit 1 out k parcel show AZ-P-9999
contains out "kpctl parcel show: NOT_FOUND: no parcel AZ-P-9999"
expect_exit 0 out k parcel history AZ-P-0001
contains out "Parcel AZ-P-0001: 6 entries"
matches out '^ +6  [0-9T:.Z-]+ +import +[0-9a-f]{12}'
matches out '^ +9  [0-9T:.Z-]+ +lab_assessment +[0-9a-f]{12}… +lab-baku +AZ-P-0001: measured 1,249.400 ct, 412 stones'
matches out '^ +8  [0-9T:.Z-]+ +custody_transfer +[0-9a-f]{12}… +vault-baku, lab-baku +AZ-P-0001 from vault-baku to lab-baku under seal AZ-SEAL-8$'
matches out '^ +12  [0-9T:.Z-]+ +export +[0-9a-f]{12}.*AZ-P-0001 on certificate AZ-2026-000101 to BE$'
expect_exit 1 out k parcel history AZ-P-9999
contains out "NOT_FOUND"
expect_exit 0 out k parcel list
contains out "2 parcels"
expect_exit 0 out k parcel list --status ACTIVE
contains out "1 parcels"
matches out '^AZ-P-0002  ACTIVE  vault-baku +800.000 ct'
expect_exit 0 out k parcel list --custodian caspian-gems
contains out "1 parcels"
matches out '^AZ-P-0001  CLOSED  caspian-gems '

expect_exit 0 out k actors
matches out '^[0-9]+ actors$'
matches out '^lab-baku +LAB +.* +[0-9a-f]{12}… +active +[0-9]+$'
expect_exit 0 out k actors --role VAULT
contains out "1 actors"
matches out '^vault-baku +VAULT '
lacks out "lab-baku"
expect_exit 2 out k actors --role SMUGGLER
contains out "--role SMUGGLER is not KP_AUTHORITY"
expect_exit 0 out k --json actors --role LAB
contains out '"actorId": "lab-baku"'

expect_exit 0 out k nodes
matches out '^1 node keys, 1 in force at tree size [0-9]+; a checkpoint is cosigned with 1 of their signatures$'
contains out "Governance adds node keys (RegisterActor, role NODE)"
matches out '^node-1 +[0-9a-f]{12}… +genesis +in force$'
expect_exit 0 out k --json nodes
contains out '"checkpointThreshold": 1'

expect_exit 0 out k policy
contains out "Policy in force (the genesis policy)"
contains out "  mass tolerance      0.5% of the declared mass"
matches out '^  sanctioned origins  RU refused for certificates issued from 2022-06-03T00:00:00Z$'
matches out '^                      VE flagged for certificates issued from 2008-01-01T00:00:00Z$'
contains out "  quick re-export     exports of a parcel unchanged within 7 days"
contains out "  transfer seals      required"
expect_exit 0 out k --json policy
contains out '"transferSealsRequired": true'

expect_exit 0 out k certificate find BW-2026-004512
contains out "Certificate BW-2026-004512"
contains out "parcel        AZ-P-0001"
contains out "mass          1,250.000 ct, 1 parcel(s), HS 7102.31"
matches out '^  recorded      entry 6 at [0-9T:.Z-]+, import, event [0-9a-f]{64}$'
contains out "confirmation  none"
expect_exit 0 out k certificate find AZ-2026-000101
contains out "from          AZ (KP Authority of Azerbaijan) to BE"
matches out '^  recorded      entry 12 at [0-9T:.Z-]+, export, '
expect_exit 1 out k certificate find XX-0
contains out "kpctl certificate find: NOT_FOUND: "

expect_exit 0 out k tail
[ "$(wc -l <out)" = 13 ] || { cat out; fail "tail: want 13 lines"; }
matches out '^0  [0-9T:.Z-]+  genesis +[0-9a-f]{12}.*  -$'
expect_exit 0 out k tail --from 10
[ "$(wc -l <out)" = 3 ] || { cat out; fail "tail --from 10: want 3 lines"; }
matches out '^10  [0-9T:.Z-]+  custody_transfer +[0-9a-f]{12}.*  AZ-P-0001$'
matches out '^12  [0-9T:.Z-]+  export +[0-9a-f]{12}.*  AZ-P-0001$'
expect_exit 0 out k --json tail --from 12
[ "$(wc -l <out)" = 1 ] || { cat out; fail "--json tail --from 12: want 1 line"; }
contains out '"index":"12"'
expect_exit 0 out k tail --from 13
[ -s out ] && { cat out; fail "tail --from 13 (the size): want nothing"; }
expect_exit 1 out k tail --from 99
contains out "kpctl tail: OUT_OF_RANGE: "

# 5. Provenance, verified offline against the genesis alone.
expect_exit 0 out k provenance AZ-P-0001 --out AZ-P-0001.bundle.json
contains out "provenance bundle of parcel AZ-P-0001 written to AZ-P-0001.bundle.json"
contains out "11 entries and the genesis, against checkpoint tree size 13 signed by node-1"
expect_exit 2 out k provenance AZ-P-0001 --out AZ-P-0001.bundle.json
contains out "kpctl provenance: AZ-P-0001.bundle.json exists; not overwriting it (--force to)"
expect_exit 0 out k provenance AZ-P-0001 --out AZ-P-0001.bundle.json --force
expect_exit 0 out "$kpctl" verify --bundle AZ-P-0001.bundle.json --genesis genesis.json
contains out "Provenance of parcel AZ-P-0001: verified"
contains out "cosigned by node-1"
contains out "status     CLOSED (exported on AZ-2026-000101)"
expect_exit 1 out k provenance AZ-P-9999 --out none.json
contains out "kpctl provenance: NOT_FOUND: "
[ -e none.json ] && fail "provenance of an unknown parcel wrote a file"

# 6. The reports. Imported: 1,250 + 800 ct ($2.5M + $1.2M), 80% BW, 20% NA;
# exported: the assessed 1,249.400 ct for $2.5M; measured 0.6 ct short.
from=$(date -u -d '-1 day' +%F); to=$(date -u -d '+2 day' +%F)
expect_exit 0 out k report kp-stats --from "$from" --to "$to"
matches out '^7102\.31  BW  +BW +1,640\.000 ct +\$2,960,000\.00 +2$'
matches out '^7102\.31  NA  +BW +410\.000 ct +\$740,000\.00 +2$'
matches out '^Total +2,050\.000 ct +\$3,700,000\.00 +2$'
matches out '^Total +1,249\.400 ct +\$2,500,000\.00 +1$'
matches out '^7102\.31  BW  +BE +999\.520 ct '
expect_exit 0 out k report kp-stats --period 2020
lacks out "ct"
expect_exit 2 out k report kp-stats --period 2026-Q5
expect_exit 0 out k report balance
matches out '^Imported +2,050\.000 ct +\$3,700,000\.00$'
matches out '^Exported +1,249\.400 ct +\$2,500,000\.00$'
matches out '^Lab re-measurement +-0\.600 ct$'
matches out '^In custody +800\.000 ct +1 parcel$'
expect_exit 0 out k report anomalies
matches out '^Anomalies as of [0-9T:.Z-]+: 1$'
matches out '^ +12  [0-9T:.Z-]+  QUICK_REEXPORT  AZ-P-0001  AZ-2026-000101  exported unchanged '

# 7. submit refused by the rules (exit 1, the reason shown), each leaving
# the log as it was.
qs_import AZ-P-0004 BW-2026-004600 "$issued" "$expires" 500000 60000000 >events/import-by-lab.json
expect_exit 1 out k submit events/import-by-lab.json --key keys/lab-baku.key
contains out "refused: PERMISSION_DENIED: import.signatures: needs the signature of a CUSTOMS actor"
qs_import AZ-P-0003 BW-2025-000777 "$long_ago" "$expired" 500000 60000000 >events/import-expired.json
expect_exit 1 out k submit events/import-expired.json --key keys/customs-baku.key
contains out "refused: FAILED_PRECONDITION: import.certificate.expires_at: certificate BW-2025-000777 expired at $expired"
cat >events/transfer-one-signature.json <<'EOF2'
{"parcels": [{"parcelId": "AZ-P-0002"}],
 "custodyTransfer": {"parcelId": "AZ-P-0002", "fromCustodian": "vault-baku", "toCustodian": "lab-baku"}}
EOF2
expect_exit 1 out k submit events/transfer-one-signature.json --key keys/vault-baku.key
contains out "; head of AZ-P-0002 "
matches out '^refused: [A-Z_]+: custody_transfer\..*lab-baku'
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
zeros=0000000000000000000000000000000000000000000000000000000000000000
cat >events/stale.json <<EOF2
{"origin": "kpledger.az/custody", "createdAt": "$now",
 "parcels": [{"parcelId": "AZ-P-0002", "head": "$zeros"}],
 "custodyTransfer": {"parcelId": "AZ-P-0002", "fromCustodian": "vault-baku", "toCustodian": "lab-baku"}}
EOF2
expect_exit 1 out k submit --no-fill events/stale.json --key keys/vault-baku.key --key keys/lab-baku.key
lacks out "filled in"
contains out "refused: FAILED_PRECONDITION: custody_transfer.parcels: stale head for parcel AZ-P-0002: the event names 000000000000"
expect_exit 1 out k --json submit --no-fill events/stale.json --key keys/vault-baku.key --key keys/lab-baku.key
contains out '"outcome": "REFUSED"'
contains out '"code": 9'
# Written in full (origin, createdAt): --no-fill sends the same bytes each
# time, so the second is a replay.
cat >events/register-lab-ganja.json <<EOF2
{"origin": "kpledger.az/custody", "createdAt": "$now",
 "registerActor": {"actorId": "lab-ganja", "role": "LAB", "name": "Ganja Gemological Laboratory",
  "publicKey": "$(pub lab-ganja)"}}
EOF2
expect_exit 0 out k submit --no-fill events/register-lab-ganja.json \
  --key keys/governance-1.key --key keys/governance-2.key
accepted_at 13 out
event_id=$(sed -n 's/^accepted: event \([0-9a-f]*\) .*/\1/p' out)
expect_exit 1 out k submit --no-fill events/register-lab-ganja.json \
  --key keys/governance-1.key --key keys/governance-2.key
contains out "refused: ALREADY_EXISTS: event ${event_id:0:12}… is already entry 13"
expect_exit 1 out k --json submit --no-fill events/register-lab-ganja.json \
  --key keys/governance-1.key --key keys/governance-2.key
contains out '"code": 6'
contains out "\"eventId\": \"$event_id\""
contains out '"leafIndex": "13"'  # the original's, from the node's receipt
# Malformed: exit 2, nothing sent.
printf '{"import": {"parcelId": ' >events/truncated.json
expect_exit 2 out k submit events/truncated.json --key keys/customs-baku.key
contains out "kpctl submit: events/truncated.json is not JSON of a kpledger.v1.CustodyEvent"
echo '{"imports": {}}' >events/misspelt.json
expect_exit 2 out k submit events/misspelt.json --key keys/customs-baku.key
contains out "imports"
echo '{"parcels": [{"parcelId": "AZ-P-0002"}]}' >events/no-body.json
expect_exit 2 out k submit events/no-body.json --key keys/customs-baku.key
contains out "holds an event without a body"
expect_exit 2 out k submit events/import-2.json
contains out "an unsigned event needs at least one --key"
expect_exit 2 out k submit events/import-2.json --key keys/none.key
expect_exit 0 out k status
contains out "tree size     14"

# 8. tail --follow prints an entry appended while it runs.
"$kpctl" --server "$server" tail --from 13 --follow >follow.out 2>&1 &
follow_pid=$!
sleep 0.5
transfer 14 AZ-P-0002 vault-baku lab-baku
for _ in $(seq 40); do grep -q '^14  ' follow.out && break; sleep 0.05; done
kill -0 "$follow_pid" 2>/dev/null || { cat follow.out; fail "tail --follow ended by itself"; }
kill "$follow_pid"
wait "$follow_pid" 2>/dev/null || true
matches follow.out '^13  [0-9T:.Z-]+  register_actor +[0-9a-f]{12}.*  -$'
matches follow.out '^14  [0-9T:.Z-]+  custody_transfer +[0-9a-f]{12}.*  AZ-P-0002$'

# 9. audit: the whole log replayed and checked against the checkpoints.
wait_cosigned 15
expect_exit 0 out k audit
contains out "audit: checked 15 entries in "
contains out "audit OK: kpnode at $server"
contains out "  root          "
contains out "checkpoint    tree size 15, root matches, signed by node-1: 1 of threshold 1, cosigned"
contains out "cosigned      tree size 15, root matches, signed by node-1: 1 of threshold 1"
expect_exit 0 out k --json audit
contains out '"outcome": "VERIFIED"'
contains out '"entries": "15"'
expect_exit 0 out k audit --scratch-dir "$dir"
[ -z "$(ls -d "$dir"/kpledger-replay-* 2>/dev/null)" ] || fail "audit left its scratch folder"

# 10. A second kpnode serving mutual TLS, its own ledger on the same genesis.
mkdir -p tls
(
  cd tls
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca >/dev/null 2>&1
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout other-ca.key -out other-ca.pem -days 2 -subj /CN=other-ca >/dev/null 2>&1
  for n in server client stranger; do
    ca=ca; [ "$n" = stranger ] && ca=other-ca
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout "$n.key" -out "$n.csr" -subj "/CN=$n" >/dev/null 2>&1
    printf 'subjectAltName=IP:127.0.0.1\n' >"$n.ext"
    openssl x509 -req -in "$n.csr" -CA "$ca.pem" -CAkey "$ca.key" \
      -CAcreateserial -out "$n.pem" -days 2 -extfile "$n.ext" >/dev/null 2>&1
  done
) || fail "openssl could not make the certificates"
start_node tls-node --tls-cert tls/server.pem --tls-key tls/server.key \
  --tls-client-ca tls/ca.pem
tls_pid=$node_pid
tls_server=$server
mtls=(--tls-ca tls/ca.pem --tls-cert tls/client.pem --tls-key tls/client.key)
expect_exit 0 out "$kpctl" --server "$tls_server" "${mtls[@]}" status
contains out "kpnode node-1 at $tls_server"
contains out "tree size     1"
expect_exit 0 out "$kpctl" --server "$tls_server" "${mtls[@]}" submit \
  events/register-customs-baku.json --key keys/governance-1.key --key keys/governance-2.key
accepted_at 1 out
# No client certificate: the node ends the handshake; exit 3 with a hint.
expect_exit 3 out "$kpctl" --server "$tls_server" --tls-ca tls/ca.pem status
contains out "kpctl status: cannot reach kpnode at $tls_server: UNAVAILABLE: "
contains out "if it requires client certificates (mutual TLS), pass --tls-cert and --tls-key"
# A client certificate from a CA the node does not trust.
expect_exit 3 out "$kpctl" --server "$tls_server" --tls-ca tls/ca.pem \
  --tls-cert tls/stranger.pem --tls-key tls/stranger.key status
contains out "cannot reach kpnode at $tls_server"
contains out "is --tls-cert issued by the CA the node trusts for clients?"
# Plaintext to the TLS node, TLS to the plaintext node.
expect_exit 3 out "$kpctl" --server "$tls_server" status
contains out "if it serves TLS, pass --tls-ca"
expect_exit 3 out "$kpctl" --server "$plain_server" "${mtls[@]}" status
contains out "the node does not speak TLS here"
# A node certificate the given CA did not issue; a key that is not the
# certificate's (gRPC's own log lines about it stay quiet).
expect_exit 3 out "$kpctl" --server "$tls_server" --tls-ca tls/other-ca.pem \
  --tls-cert tls/client.pem --tls-key tls/client.key status
contains out "certificate verify failed (the node's certificate is not one --tls-ca vouches for)"
expect_exit 3 out "$kpctl" --server "$tls_server" --tls-ca tls/ca.pem \
  --tls-cert tls/client.pem --tls-key tls/stranger.key status
contains out "are --tls-cert and --tls-key a certificate and its own private key?"
lacks out "ssl_transport_security"
expect_exit 2 out "$kpctl" --server "$tls_server" --tls-ca tls/ca.pem --tls-cert tls/client.pem status
contains out "--tls-cert and --tls-key go together"

# 11. SIGTERM: both nodes stop with exit 0; then nothing answers (exit 3).
stop_node "$tls_pid" tls-node
stop_node "$plain_pid" plain
pids=()
expect_exit 3 out "$kpctl" --server "$plain_server" status
contains out "kpctl status: cannot reach kpnode at $plain_server: UNAVAILABLE: "
lacks out "TLS"
echo "kpctl node test: all checks passed"
