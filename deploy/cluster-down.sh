#!/usr/bin/env bash
# Stops the local cluster deploy/cluster-up.sh started in DIR: the kpnodes
# first (SIGTERM: they finish and answer the batches they hold, then exit),
# then the etcd members; each group gets up to 20 s before SIGKILL. Removes
# the pid and ready files and keeps everything else (certificates, keys,
# genesis, the nodes' and etcd's data, the logs), so deploy/cluster-up.sh DIR
# resumes the same ledger. With --wipe it then deletes DIR as well.
#
#   deploy/cluster-down.sh [--wipe] [DIR]     (default DIR: ./cluster)
set -euo pipefail

die() { echo "cluster-down: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

wipe=0
dir=""
for arg in "$@"; do
  case "$arg" in
    --wipe) wipe=1 ;;
    -h|--help) usage; exit 0 ;;
    -*) usage >&2; die "unknown option $arg" ;;
    *) [ -z "$dir" ] || die "one DIR only (got \"$dir\" and \"$arg\")"; dir="$arg" ;;
  esac
done
dir="${dir:-./cluster}"
[ -d "$dir" ] || die "$dir: no such folder (nothing to stop)"
dir=$(cd "$dir" && pwd -P)

# ours PID: a live (not zombie) process started for this folder (its command
# line names a path in it), so a stale pid file never gets a stranger killed.
ours() {
  local pid="$1" state
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ "$state" != Z ] || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$dir/"
}

# stop GROUP: SIGTERM every process of DIR/GROUP-*.pid, wait up to 20 s,
# SIGKILL what is left, remove the pid files.
stop() {
  local group="$1" f name pid left deadline
  local -a pids=() names=()
  for f in "$dir/$group"-*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid)
    pid=$(head -n 1 "$f" 2>/dev/null || true)
    if ours "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      echo "cluster-down: $name (pid $pid): SIGTERM"
      pids+=("$pid")
      names+=("$name")
    else
      echo "cluster-down: $name: not running (pid file removed)"
    fi
    rm -f "$f" "$dir/$name.ready"
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  deadline=$((SECONDS + 20))
  while :; do
    left=0
    for pid in "${pids[@]}"; do ours "$pid" && left=1; done
    if [ "$left" -eq 0 ] || [ "$SECONDS" -ge "$deadline" ]; then break; fi
    sleep 0.2
  done
  for i in "${!pids[@]}"; do
    if ours "${pids[$i]}"; then
      kill -KILL "${pids[$i]}" 2>/dev/null || true
      echo "cluster-down: ${names[$i]} (pid ${pids[$i]}): still running after 20 s, SIGKILL"
    else
      echo "cluster-down: ${names[$i]} stopped"
    fi
  done
}

stop node
stop etcd

if [ "$wipe" -eq 1 ]; then
  # Only a folder cluster-up.sh made: never $HOME, / or a stranger's folder.
  if [ "$dir" = / ] || [ "$dir" = "${HOME:-/}" ] ||
    { [ ! -f "$dir/genesis.json" ] && [ ! -f "$dir/certs/ca.crt" ] &&
      [ ! -d "$dir/etcd-0" ]; }; then
    die "--wipe: $dir does not look like a cluster-up.sh folder (no genesis.json, certs/ca.crt or etcd-0/); not deleting it"
  fi
  rm -rf "$dir"
  echo "cluster-down: deleted $dir"
else
  echo "cluster-down: data kept in $dir (deploy/cluster-up.sh $dir resumes; --wipe deletes it)"
fi
