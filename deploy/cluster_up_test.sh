#!/usr/bin/env bash
# deploy/cluster-up.sh end to end, on the binaries Bazel built: a 3-member
# etcd cluster with mutual TLS and 3 kpnodes with mutual TLS to etcd, to
# clients and between each other. An event submitted through one node is
# applied and cosigned on all three; a client without a certificate is
# refused; cluster-down stops everything.
set -euo pipefail
cluster_up=$(realpath "$1"); cluster_down=$(realpath "$2")
events=$(realpath "$3"); kpnode=$(realpath "$4"); kpctl=$(realpath "$5")

bin="$TEST_TMPDIR/bin"; dir="$TEST_TMPDIR/cluster"
mkdir -p "$bin"; ln -sf "$kpnode" "$bin/kpnode"; ln -sf "$kpctl" "$bin/kpctl"
# Ports of their own, below the ephemeral range, away from the defaults.
slot=$(( $$ % 40 ))
export KPLEDGER_ETCD_PORT_BASE=$(( 21000 + 40 * slot ))
export KPLEDGER_NODE_PORT_BASE=$(( 24000 + 40 * slot ))
export KPLEDGER_BIN_DIR="$bin"
trap 'bash "$cluster_down" "$dir" >/dev/null 2>&1 || true' EXIT

bash "$cluster_up" "$dir"

node() { echo "127.0.0.1:$(( KPLEDGER_NODE_PORT_BASE + 10 * $1 ))"; }
tls=(--tls-ca "$dir/certs/ca.crt" --tls-cert "$dir/certs/client.crt"
     --tls-key "$dir/certs/client.key")
cd "$dir"
# shellcheck source=deploy/quickstart_events.sh
source "$events"
"$kpctl" keygen --name lab-1 --out keys/lab-1.key >/dev/null
qs_register lab-1 LAB "Lab One" >register.json
"$kpctl" --server "$(node 1)" "${tls[@]}" submit register.json \
  --key keys/governance-1.key --key keys/governance-2.key

for i in 0 1 2; do
  ok=""
  for _ in $(seq 100); do
    status=$("$kpctl" --server "$(node "$i")" "${tls[@]}" --json status)
    if grep -q '"treeSize": "2"' <<<"$status" &&
       grep -A3 '"latestCosigned"' <<<"$status" | grep -q '"treeSize": "2"'; then
      ok=1; break
    fi
    sleep 0.2
  done
  [ -n "$ok" ] || { echo "node $i did not apply and cosign the event:"; echo "$status"; exit 1; }
done

# Mutual TLS: no client certificate, no service.
if "$kpctl" --server "$(node 0)" --tls-ca "$dir/certs/ca.crt" status >/dev/null 2>&1; then
  echo "a client without a certificate was served"; exit 1
fi
bash "$cluster_down" "$dir"
trap - EXIT
for f in "$dir"/*.pid; do
  [ -e "$f" ] && { echo "cluster-down left $f"; exit 1; }
done
echo "cluster-up: 3 nodes applied and cosigned an event over mutual TLS"
