#!/usr/bin/env bash
# Runs provenance_bench on a 2,000-entry log and checks that it built and
# verified the bundle and reports every figure.
set -euo pipefail
out=$("$1" --entries 2000 --runs 20)
echo "$out"
for want in "ed25519 verify:" "log built:" "bundle:" "build bundle:" \
            "verify bundle:"; do
  if ! grep -q "$want" <<<"$out"; then
    echo "provenance_bench did not report \"$want\"" >&2
    exit 1
  fi
done
