#!/usr/bin/env bash
# One agency's ledger in a scratch folder, played through kpctl: what the
# quickstart shows a newcomer (deploy/quickstart.sh builds the binaries and
# runs this; the quickstart test runs it on the binaries Bazel built).
#   1. key files for governance, one node and five actors (kpctl keygen);
#   2. a genesis from a config (kpctl genesis), signed by both governance keys;
#   3. one kpnode on 127.0.0.1 (the local sequencer: no other service);
#   4. the custody story through kpctl submit: actors registered by
#      governance, two imports with their KP certificates, a lab assessment,
#      custody transfers signed by both sides, an export, and two attempts
#      the rules refuse (an expired certificate, a lab signing an import);
#   5. a parcel's history, its provenance bundle verified offline (kpctl
#      verify, trusting only the genesis), the KP reports, the node's status;
#   6. the node stopped with SIGTERM.
#
#   deploy/quickstart_story.sh KPNODE KPCTL FOLDER
set -euo pipefail
# The story's events as JSON (shared with kpctl's node test).
source "$(dirname "$(realpath "$0")")/quickstart_events.sh"
kpnode="$(realpath "$1")"
kpctl_bin="$(realpath "$2")"
dir="$3"
start=$(date +%s)
step() { printf '\n==> %s\n' "$*"; }
show() { printf '    $ %s\n' "$*"; }
mkdir -p "$dir"
cd "$dir"
# It clears what an earlier run left here, so it only runs in a folder
# that is empty or that it made itself.
if [ -n "$(ls -A)" ] && [ ! -e .kpledger-quickstart ]; then
  echo "quickstart: $PWD is not empty and was not made by the quickstart;" \
    "give --dir a new or empty folder" >&2
  exit 2
fi
touch .kpledger-quickstart
rm -rf keys data events genesis.json genesis.config.json ready \
  AZ-P-0001.bundle.json kpnode.log
mkdir -p keys events

kpctl() { show "kpctl $*"; "$kpctl_bin" "$@"; }

step "1. Key files (private keys mode 0600, public halves beside them)"
for name in governance-1 governance-2 customs-baku lab-baku vault-baku \
  kpa-baku caspian-gems; do
  "$kpctl_bin" keygen --name "$name" --out "keys/$name.key" >/dev/null
  echo "    keys/$name.key"
done
"$kpctl_bin" keygen --name node-1.kpledger.az --out keys/node-1.key >/dev/null
echo "    keys/node-1.key  (the node's checkpoint key)"
step "2. The genesis: who governs, which node signs, the custody policy"
qs_genesis_config >genesis.config.json
kpctl genesis --config genesis.config.json --sign keys/governance-1.key \
  --sign keys/governance-2.key --out genesis.json

step "3. One kpnode on 127.0.0.1 (local sequencer)"
show "kpnode --data-dir data --genesis genesis.json --node-key keys/node-1.key --listen 127.0.0.1:0 --http-listen 127.0.0.1:0"
"$kpnode" --data-dir data --genesis genesis.json --node-key keys/node-1.key \
  --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --ready-file ready \
  --checkpoint-interval-ms 200 2>kpnode.log &
node_pid=$!
trap 'kill "$node_pid" 2>/dev/null || true' EXIT
for _ in $(seq 200); do
  [ -s ready ] && break
  kill -0 "$node_pid" 2>/dev/null || { cat kpnode.log; exit 1; }
  sleep 0.05
done
[ -s ready ] || { echo "kpnode did not start"; cat kpnode.log; exit 1; }
export KPCTL_SERVER=$(sed -n 's/^grpc=//p' ready)
http=$(sed -n 's/^http=//p' ready)
echo "    gRPC on $KPCTL_SERVER, /metrics and /healthz on http://$http"

step "4. The custody story, through kpctl submit (events/ holds each event)"
issued=$(qs_day -3); expires=$(qs_day 57)
register() {  # register ID ROLE NAME [LICENCE]
  qs_register "$@" >"events/register-$1.json"
  kpctl submit "events/register-$1.json" --key keys/governance-1.key \
    --key keys/governance-2.key
}
register customs-baku CUSTOMS "State Customs Committee, Baku"
register lab-baku LAB "Azerbaijan State Gemological Laboratory"
register vault-baku VAULT "Central Bank Vault, Baku"
register kpa-baku KP_AUTHORITY "KP Authority of Azerbaijan"
register caspian-gems TRADER "Caspian Gem Trading LLC" AZ-LIC-0192

qs_import AZ-P-0001 BW-2026-004512 "$issued" "$expires" 1250000 250000000 \
  >events/import-1.json
kpctl submit events/import-1.json --key keys/customs-baku.key
qs_import AZ-P-0002 BW-2026-004513 "$issued" "$expires" 800000 120000000 \
  >events/import-2.json
kpctl submit events/import-2.json --key keys/customs-baku.key

transfer() {  # transfer PARCEL FROM TO SEAL
  qs_transfer "$@" >"events/transfer-$1-$3.json"
  kpctl submit "events/transfer-$1-$3.json" --key "keys/$2.key" --key "keys/$3.key"
}
transfer AZ-P-0001 vault-baku lab-baku AZ-SEAL-0101
qs_assessment >events/assessment-1.json
kpctl submit events/assessment-1.json --key keys/lab-baku.key
transfer AZ-P-0001 lab-baku vault-baku AZ-SEAL-0102
transfer AZ-P-0001 vault-baku caspian-gems AZ-SEAL-0103
qs_export >events/export-1.json
kpctl submit events/export-1.json --key keys/kpa-baku.key --key keys/customs-baku.key

step "   ... and two attempts the rules refuse, each with its reason"
qs_import AZ-P-0003 BW-2025-000777 "$(qs_day -400)" "$(qs_day -340)" 500000 \
  60000000 >events/import-expired.json
kpctl submit events/import-expired.json --key keys/customs-baku.key || true
qs_import AZ-P-0004 BW-2026-004600 "$issued" "$expires" 500000 60000000 \
  >events/import-by-lab.json
kpctl submit events/import-by-lab.json --key keys/lab-baku.key || true

step "5. What an inspector sees"
kpctl parcel history AZ-P-0001
kpctl provenance AZ-P-0001 --out AZ-P-0001.bundle.json
echo
echo "    Offline, trusting only the genesis (no node needed):"
kpctl verify --bundle AZ-P-0001.bundle.json --genesis genesis.json
kpctl report kp-stats --period "$(date -u +%Y)-Q$(( ($(date -u +%-m) - 1) / 3 + 1 ))"
kpctl report balance
kpctl report anomalies
kpctl status

step "6. Stopping the node (SIGTERM)"
kill -TERM "$node_pid"
wait "$node_pid" || true
trap - EXIT
tail -n 1 kpnode.log | sed 's/^/    /'
echo
echo "==> Story done in $(( $(date +%s) - start )) s. Keys, genesis, events, the node's data and log, and the bundle are in $dir"
