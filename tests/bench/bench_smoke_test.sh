#!/usr/bin/env bash
# Runs ledger_bench on 20,000 entries (batches of 100, so both the one-at-a-
# time and the pipelined chunks run) and checks that it reports every figure.
set -euo pipefail
out=$("$1" --entries 20000 --batch 100 --proofs 2000)
echo "$out"
for want in "ed25519 verify:" "one batch at a time" "pipelined" "inclusion proof:" \
            "consistency proof:" "root at old size:" "memory after proofs:"; do
  if ! grep -q "$want" <<<"$out"; then
    echo "ledger_bench did not report \"$want\"" >&2
    exit 1
  fi
done
