#!/usr/bin/env bash
# Runs kpbench with tiny numbers (2,000 events, 16 clients, a 2,000-entry
# log for GetProvenance) and checks that it ran every phase and printed
# every figure. It asserts no speed: PASS or MISS is the bench's business.
set -euo pipefail
kpbench=$1
kpnode=$2
out=$("$kpbench" --kpnode "$kpnode" --events 2000 --warmup 200 --clients 16 \
        --seconds 1 --provenance-entries 2000 --provenance-calls 20 \
        --verify-seconds 0.2 --dir "$TEST_TMPDIR/kpbench")
echo "$out"
for want in "ed25519 verify:" "ingest: .* events/s (.* of the .*-core verify rate" \
            "p50 .* ms, p99 .* ms" "half rate: .* events/s offered" \
            "provenance: GetProvenance(M-1) in a .*-entry log" \
            "bundle: .* verified offline"; do
  if ! grep -q -- "$want" <<<"$out"; then
    echo "kpbench did not report \"$want\"" >&2
    exit 1
  fi
done
# SubmitStream: the same phases over streams.
out=$("$kpbench" --kpnode "$kpnode" --events 2000 --warmup 200 --clients 64 \
        --channels 2 --stream --stream-batch 16 --seconds 0.5 \
        --provenance-entries 0 --verify-seconds 0.2 \
        --dir "$TEST_TMPDIR/kpbench-stream")
echo "$out"
for want in "ingest: .* events/s (.* of the .*-core verify rate" \
            "half rate: .* events/s offered"; do
  if ! grep -q -- "$want" <<<"$out"; then
    echo "kpbench --stream did not report \"$want\"" >&2
    exit 1
  fi
done
json=$("$kpbench" --kpnode "$kpnode" --events 300 --warmup 0 --clients 4 \
         --seconds 0.2 --provenance-entries 0 --verify-seconds 0.1 --json \
         --dir "$TEST_TMPDIR/kpbench-json")
echo "$json"
for want in '"ratio":' '"ingest":' '"half_rate":'; do
  if ! grep -q -- "$want" <<<"$json"; then
    echo "kpbench --json did not report $want" >&2
    exit 1
  fi
done
# A --latency-csv it cannot write is refused before any work, by name.
if err=$("$kpbench" --kpnode "$kpnode" --latency-csv "$TEST_TMPDIR" \
           --dir "$TEST_TMPDIR/kpbench-bad-csv" 2>&1); then
  echo "kpbench took a directory as its --latency-csv" >&2
  exit 1
fi
if ! grep -q -- "cannot write --latency-csv $TEST_TMPDIR" <<<"$err"; then
  echo "kpbench did not name the bad --latency-csv: $err" >&2
  exit 1
fi
