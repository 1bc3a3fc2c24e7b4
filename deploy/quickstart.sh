#!/usr/bin/env bash
# The main job, for a newcomer on a fresh machine: installs what is missing,
# builds kpnode and kpctl offline, then runs deploy/quickstart_story.sh (one
# agency's ledger in a scratch folder, played through kpctl; see there).
#
#   deploy/quickstart.sh [--dir FOLDER]    (default: a new temporary folder)
set -euo pipefail
caller_dir=$PWD
cd "$(dirname "$0")/.."
start=$(date +%s)

echo "==> Installing what is missing (Debian packages)"
bash deploy/install-deps.sh

echo "==> Building kpnode and kpctl (Bazel, offline)"
bazel build --color=no --curses=no --noshow_progress \
  //node/server:kpnode //client/kpctl

dir=""
if [ "${1:-}" = "--dir" ] && [ -n "${2:-}" ]; then
  dir="$2"
  case "$dir" in /*) ;; *) dir="$caller_dir/$dir" ;; esac
else
  dir=$(mktemp -d -t kpledger-quickstart.XXXXXX)
fi
bash deploy/quickstart_story.sh "$PWD/bazel-bin/node/server/kpnode" \
  "$PWD/bazel-bin/client/kpctl/kpctl" "$dir"
echo "==> Done in $(( $(date +%s) - start )) s, build included."
