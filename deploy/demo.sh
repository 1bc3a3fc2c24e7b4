#!/usr/bin/env bash
# The main job, for a newcomer on a fresh machine: installs what is missing,
# builds kpledger offline with Bazel, runs the ledger-core demo (key files,
# genesis, actors, custody events decided by the rules, a cosigned
# checkpoint, proofs, refusals, a provenance bundle, KP reports, an audit)
# on a real store in a scratch folder, then checks the bundle it wrote the
# way an inspector would: kpctl verify, trusting only the genesis.
#
#   deploy/demo.sh [--dir FOLDER]      (default: a new temporary folder)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

echo "==> Installing what is missing (Debian packages)"
bash deploy/install-deps.sh

echo "==> Building (Bazel, offline)"
bazel build --color=no --curses=no --noshow_progress \
  //client/demo:kpledger_demo //client/kpctl

dir=""
if [ "${1:-}" = "--dir" ] && [ -n "${2:-}" ]; then
  dir="$2"
else
  dir=$(mktemp -d -t kpledger-demo.XXXXXX)
fi
echo "==> Running the ledger-core demo in $dir"
./bazel-bin/client/demo/kpledger_demo --dir "$dir"
echo
echo "==> An inspector checks the bundle offline, trusting only the genesis:"
echo "    kpctl verify --bundle $dir/AZ-P-0001.bundle.json --genesis $dir/genesis.json"
./bazel-bin/client/kpctl/kpctl verify --bundle "$dir/AZ-P-0001.bundle.json" \
  --genesis "$dir/genesis.json"
echo "==> Done in $(( $(date +%s) - start )) s. Key files, store, genesis and bundle are in $dir"
