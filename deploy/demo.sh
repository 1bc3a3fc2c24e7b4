#!/usr/bin/env bash
# The main job, for a newcomer on a fresh machine: installs what is missing,
# builds kpledger offline with Bazel, and runs the ledger-core demo (key
# files, genesis, signed custody events, a cosigned checkpoint, proofs,
# refusals, an audit) on a real store in a scratch folder.
#
#   deploy/demo.sh [--dir FOLDER]      (default: a new temporary folder)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

echo "==> Installing what is missing (Debian packages)"
bash deploy/install-deps.sh

echo "==> Building (Bazel, offline)"
bazel build --color=no --curses=no --noshow_progress //client/demo:kpledger_demo

dir=""
if [ "${1:-}" = "--dir" ] && [ -n "${2:-}" ]; then
  dir="$2"
else
  dir=$(mktemp -d -t kpledger-demo.XXXXXX)
fi
echo "==> Running the ledger-core demo in $dir"
./bazel-bin/client/demo/kpledger_demo --dir "$dir"
echo "==> Done in $(( $(date +%s) - start )) s. Key files and store are in $dir"
