#!/usr/bin/env bash
# A three-agency cluster on one machine, for development: three etcd members
# (the ordering service) and three kpnodes using them, all on 127.0.0.1 with
# mutual TLS everywhere. Says what it does as it goes:
#   1. installs what is missing and builds kpnode and kpctl (Bazel, offline);
#      skipped when KPLEDGER_BIN_DIR names a folder holding prebuilt
#      `kpnode` and `kpctl`;
#   2. a development CA and certificates in DIR/certs (deploy/dev-certs.sh);
#   3. key files in DIR/keys (kpctl keygen: two governance keys, three node
#      keys) and DIR/genesis.json (kpctl genesis: both governance keys sign,
#      two of the three nodes cosign a checkpoint), made only if absent, so
#      running this again after deploy/cluster-down.sh resumes the same ledger;
#   4. etcd members etcd-0..2 (data DIR/etcd-N, log DIR/etcd-N.log), each
#      awaited until `etcdctl endpoint health` says healthy;
#   5. kpnodes node-0..2 (data DIR/node-N, log DIR/node-N.log) with the etcd
#      sequencer, each awaited until it writes DIR/node-N.ready;
#   6. a table of what runs where, and commands to try.
# Pids go to DIR/*.pid; deploy/cluster-down.sh DIR stops everything. If a
# step fails, what this run started is stopped again (logs are kept).
#
#   deploy/cluster-up.sh [DIR]                 (default DIR: ./cluster)
#
#   member N   etcd client     etcd peer       kpnode gRPC       kpnode HTTP
#   0          127.0.0.1:32379 127.0.0.1:32380 127.0.0.1:7400    127.0.0.1:7401
#   1          127.0.0.1:32389 127.0.0.1:32390 127.0.0.1:7410    127.0.0.1:7411
#   2          127.0.0.1:32399 127.0.0.1:32400 127.0.0.1:7420    127.0.0.1:7421
#
# Environment: KPLEDGER_ETCD_PORT_BASE (32379) and KPLEDGER_NODE_PORT_BASE
# (7400), the first ports used; KPLEDGER_BIN_DIR (above); KPLEDGER_KPNODE_FLAGS,
# extra kpnode flags for every node (e.g. "--log-level debug").
set -euo pipefail

die() { echo "cluster-up: $*" >&2; exit 1; }
step() { printf '\n==> %s\n' "$*"; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  -*) usage >&2; die "unknown option $1" ;;
esac
[ $# -le 1 ] || die "one DIR only"
repo=$(cd "$(dirname "$0")/.." && pwd)
down="$(dirname "$0")/cluster-down.sh"  # as the caller spells it, for messages
dir="${1:-./cluster}"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd -P)
start=$(date +%s)

members=(0 1 2)
etcd_base=${KPLEDGER_ETCD_PORT_BASE:-32379}
node_base=${KPLEDGER_NODE_PORT_BASE:-7400}
etcd_client_port() { echo $((etcd_base + 10 * $1)); }
etcd_peer_port() { echo $((etcd_base + 1 + 10 * $1)); }
node_grpc_port() { echo $((node_base + 10 * $1)); }
node_http_port() { echo $((node_base + 1 + 10 * $1)); }
etcd_endpoints=""
initial_cluster=""
for i in "${members[@]}"; do
  etcd_endpoints+="${etcd_endpoints:+,}127.0.0.1:$(etcd_client_port "$i")"
  initial_cluster+="${initial_cluster:+,}etcd-$i=https://127.0.0.1:$(etcd_peer_port "$i")"
done
certs="$dir/certs"
etcdctl_tls=(--cacert "$certs/ca.crt" --cert "$certs/client.crt" --key "$certs/client.key")

# ---- refuse to start twice ----------------------------------------------------
# running PID: the process exists and has not exited (a child of this script
# that exited stays a zombie until the script ends).
running() {
  kill -0 "$1" 2>/dev/null &&
    [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# alive PIDFILE: its process runs and was started for this folder (its command
# line names a path in it; a recycled pid does not count).
alive() {
  local pid
  pid=$(head -n 1 "$1" 2>/dev/null || true)
  [[ "$pid" =~ ^[0-9]+$ ]] && running "$pid" || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$dir/"
}
for f in "$dir"/*.pid; do
  [ -e "$f" ] || continue
  if alive "$f"; then
    die "$(basename "$f" .pid) of $dir is already running (pid $(head -n 1 "$f")); stop the cluster first: $down $dir"
  fi
  rm -f "$f"  # stale: its process is gone
done
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for i in "${members[@]}"; do
  for p in "etcd-$i client:$(etcd_client_port "$i")" "etcd-$i peer:$(etcd_peer_port "$i")" \
    "node-$i gRPC:$(node_grpc_port "$i")" "node-$i HTTP:$(node_http_port "$i")"; do
    if port_in_use "${p##*:}"; then
      die "port ${p##*:} (${p%:*}) is in use on 127.0.0.1 (another cluster, or another program); free it first"
    fi
  done
done

# From here on, a failure stops what this run started.
started=0
finished=0
on_exit() {
  if [ "$started" -eq 1 ] && [ "$finished" -eq 0 ]; then
    echo "cluster-up: failed; stopping what this run started (logs kept in $dir)" >&2
    bash "$repo/deploy/cluster-down.sh" "$dir" >&2 || true
  fi
}
trap on_exit EXIT

# ---- 1. binaries ---------------------------------------------------------------
if [ -n "${KPLEDGER_BIN_DIR:-}" ]; then
  step "1. Prebuilt kpnode and kpctl from $KPLEDGER_BIN_DIR (KPLEDGER_BIN_DIR set: no install, no build)"
  bin_dir=$(cd "$KPLEDGER_BIN_DIR" 2>/dev/null && pwd) ||
    die "KPLEDGER_BIN_DIR=$KPLEDGER_BIN_DIR: no such folder"
  kpnode="$bin_dir/kpnode"
  kpctl="$bin_dir/kpctl"
else
  step "1. Installing what is missing, building kpnode and kpctl (Bazel, offline)"
  bash "$repo/deploy/install-deps.sh"
  (cd "$repo" && bazel build --color=no --curses=no --noshow_progress \
    //node/server:kpnode //client/kpctl:kpctl)
  kpnode="$repo/bazel-bin/node/server/kpnode"
  kpctl="$repo/bazel-bin/client/kpctl/kpctl"
fi
for b in "$kpnode" "$kpctl"; do
  [ -x "$b" ] || die "$b: not found or not executable"
done
for t in etcd etcdctl openssl; do
  command -v "$t" >/dev/null || die "$t not found (deploy/install-deps.sh installs it)"
done

# ---- 2. certificates -------------------------------------------------------------
step "2. Development CA and certificates in $certs (kept if already there)"
bash "$repo/deploy/dev-certs.sh" "$certs" | sed 's/^/    /'

# ---- 3. keys and genesis ---------------------------------------------------------
step "3. Key files and the genesis"
mkdir -p "$dir/keys"
keygen() {  # keygen FILE-STEM NAME
  if [ -f "$dir/keys/$1.key" ]; then
    echo "    keys/$1.key (kept)"
  else
    "$kpctl" keygen --name "$2" --out "$dir/keys/$1.key" >/dev/null
    echo "    keys/$1.key (new; public half in keys/$1.key.pub)"
  fi
}
if [ -f "$dir/genesis.json" ]; then
  for i in "${members[@]}"; do
    [ -f "$dir/keys/node-$i.key" ] ||
      die "$dir/genesis.json exists but keys/node-$i.key does not: the genesis names that key, so node-$i cannot start (start over: $down --wipe $dir)"
  done
  echo "    genesis.json and keys/ kept: resuming the same ledger"
else
  keygen governance-1 governance-1
  keygen governance-2 governance-2
  for i in "${members[@]}"; do keygen "node-$i" "node-$i.kpledger.local"; done
  # Like deploy/quickstart_events.sh's qs_genesis_config, with three node
  # keys of which two must sign a checkpoint for it to be cosigned.
  cat >"$dir/genesis.config.json" <<'JSON'
{
  "origin": "kpledger.az/dev-cluster",
  "countryCode": "AZ",
  "governanceKeys": [{"file": "keys/governance-1.key.pub"},
                     {"file": "keys/governance-2.key.pub"}],
  "governanceThreshold": 2,
  "nodeKeys": [{"file": "keys/node-0.key.pub"},
               {"file": "keys/node-1.key.pub"},
               {"file": "keys/node-2.key.pub"}],
  "checkpointThreshold": 2,
  "policy": {
    "massTolerancePpm": 5000, "valueBandPpm": 250000, "lossTolerancePpm": 1000,
    "sanctionedOrigins": [
      {"country": "RU", "action": "SANCTION_REFUSE", "effectiveFrom": "2022-06-03T00:00:00Z"},
      {"country": "VE", "action": "SANCTION_FLAG", "effectiveFrom": "2008-01-01T00:00:00Z"}],
    "confirmationPeriodDays": 60, "quickReexportDays": 7,
    "transferSealsRequired": true
  }
}
JSON
  echo "    \$ kpctl genesis --config genesis.config.json --sign keys/governance-1.key --sign keys/governance-2.key --out genesis.json"
  (cd "$dir" && "$kpctl" genesis --config genesis.config.json \
    --sign keys/governance-1.key --sign keys/governance-2.key \
    --out genesis.json) | sed 's/^/    /'
  [ -f "$dir/genesis.json" ] || die "kpctl genesis wrote no $dir/genesis.json"
fi

# wait_for NAME PID LOG CHECK...: until CHECK succeeds (60 s at most); on
# failure, the log's tail and exit 1.
wait_for() {
  local name="$1" pid="$2" log="$3"
  shift 3
  local deadline=$((SECONDS + 60))
  until "$@" >/dev/null 2>&1; do
    if ! running "$pid"; then
      echo "cluster-up: $name exited during startup; the end of $log:" >&2
      tail -n 25 "$log" | sed 's/^/    /' >&2
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "cluster-up: $name not ready after 60 s; the end of $log:" >&2
      tail -n 25 "$log" | sed 's/^/    /' >&2
      exit 1
    fi
    sleep 0.25
  done
}

# ---- 4. etcd ----------------------------------------------------------------------
step "4. etcd members (mutual TLS for clients and peers)"
for i in "${members[@]}"; do
  data="$dir/etcd-$i"
  # "new" bootstraps the cluster; a member with data rejoins it (etcd then
  # ignores the --initial-* flags anyway).
  state=existing
  [ -d "$data/member" ] || state=new
  c="https://127.0.0.1:$(etcd_client_port "$i")"
  p="https://127.0.0.1:$(etcd_peer_port "$i")"
  started=1
  nohup etcd --name "etcd-$i" --data-dir "$data" --logger zap \
    --listen-client-urls "$c" --advertise-client-urls "$c" \
    --listen-peer-urls "$p" --initial-advertise-peer-urls "$p" \
    --initial-cluster "$initial_cluster" --initial-cluster-token kpledger-dev \
    --initial-cluster-state "$state" \
    --cert-file "$certs/etcd-$i.crt" --key-file "$certs/etcd-$i.key" \
    --trusted-ca-file "$certs/ca.crt" --client-cert-auth \
    --peer-cert-file "$certs/etcd-$i.crt" --peer-key-file "$certs/etcd-$i.key" \
    --peer-trusted-ca-file "$certs/ca.crt" --peer-client-cert-auth \
    --max-request-bytes 1572864 --quota-backend-bytes 2147483648 \
    </dev/null >"$dir/etcd-$i.log" 2>&1 &
  echo $! >"$dir/etcd-$i.pid"
  echo "    etcd-$i: client $c, peer $p, data etcd-$i/ ($state), pid $!"
done
for i in "${members[@]}"; do
  wait_for "etcd-$i" "$(cat "$dir/etcd-$i.pid")" "$dir/etcd-$i.log" \
    etcdctl --endpoints "https://127.0.0.1:$(etcd_client_port "$i")" \
    "${etcdctl_tls[@]}" --dial-timeout 2s --command-timeout 3s endpoint health
  echo "    etcd-$i healthy"
done

# ---- 5. kpnodes ---------------------------------------------------------------------
step "5. kpnodes (etcd sequencer; gRPC with mutual TLS; peers cosign checkpoints)"
read -r -a extra_flags <<<"${KPLEDGER_KPNODE_FLAGS:-}"
for i in "${members[@]}"; do
  peers=""
  for j in "${members[@]}"; do
    [ "$j" = "$i" ] || peers+="${peers:+,}127.0.0.1:$(node_grpc_port "$j")"
  done
  rm -f "$dir/node-$i.ready"  # a stale one would pass for ready
  nohup "$kpnode" --data-dir "$dir/node-$i" --genesis "$dir/genesis.json" \
    --node-key "$dir/keys/node-$i.key" \
    --listen "127.0.0.1:$(node_grpc_port "$i")" \
    --http-listen "127.0.0.1:$(node_http_port "$i")" \
    --ready-file "$dir/node-$i.ready" \
    --tls-cert "$certs/node-$i.crt" --tls-key "$certs/node-$i.key" \
    --tls-client-ca "$certs/ca.crt" \
    --sequencer etcd --etcd-endpoints "$etcd_endpoints" \
    --etcd-ca "$certs/ca.crt" --etcd-cert "$certs/node-$i.crt" \
    --etcd-key "$certs/node-$i.key" \
    --peers "$peers" --peer-ca "$certs/ca.crt" \
    ${extra_flags[@]+"${extra_flags[@]}"} \
    </dev/null >"$dir/node-$i.log" 2>&1 &
  echo $! >"$dir/node-$i.pid"
  echo "    node-$i: gRPC 127.0.0.1:$(node_grpc_port "$i"), peers $peers, data node-$i/, pid $!"
done
for i in "${members[@]}"; do
  wait_for "node-$i" "$(cat "$dir/node-$i.pid")" "$dir/node-$i.log" \
    test -s "$dir/node-$i.ready"
  echo "    node-$i ready"
done
finished=1

# ---- 6. what runs where -------------------------------------------------------------
step "6. Cluster up in $(( $(date +%s) - start )) s, in $dir"
printf '\n    %-7s %-17s %-17s %-6s  %-16s %-16s %s\n' \
  member "etcd client" "etcd peer" pid "kpnode gRPC" "kpnode HTTP" pid
for i in "${members[@]}"; do
  printf '    %-7s %-17s %-17s %-6s  %-16s %-16s %s\n' "$i" \
    "127.0.0.1:$(etcd_client_port "$i")" "127.0.0.1:$(etcd_peer_port "$i")" \
    "$(cat "$dir/etcd-$i.pid")" "127.0.0.1:$(node_grpc_port "$i")" \
    "127.0.0.1:$(node_http_port "$i")" "$(cat "$dir/node-$i.pid")"
done
cat <<EOF

    Logs: $dir/etcd-N.log, $dir/node-N.log. Genesis: $dir/genesis.json.
    Certificates (development CA): $certs; keys: $dir/keys.

    Try:
      $kpctl --server 127.0.0.1:$(node_grpc_port 0) \\
          --tls-ca $certs/ca.crt --tls-cert $certs/client.crt --tls-key $certs/client.key status
      curl -s http://127.0.0.1:$(node_http_port 0)/healthz; curl -s http://127.0.0.1:$(node_http_port 1)/metrics | head
      etcdctl --endpoints $etcd_endpoints \\
          --cacert $certs/ca.crt --cert $certs/client.crt --key $certs/client.key \\
          endpoint status -w table
    Stop (data kept; add --wipe to delete $dir):
      $down $dir
EOF
