#!/usr/bin/env bash
# Runs apply_bench on 3 batches of 200 and checks it reports its figures.
set -euo pipefail
out=$("$1" --batches 3 --batch 200 --dir "$TEST_TMPDIR/apply-bench")
echo "$out"
for want in "ed25519 verify:" "apply:" "ratio: apply / verify"; do
  if ! grep -q "$want" <<<"$out"; then
    echo "apply_bench did not report \"$want\"" >&2
    exit 1
  fi
done
