#!/usr/bin/env bash
# Runs cluster_bench with tiny numbers (1,000 events) and checks that it ran
# every phase and printed every figure. It asserts no speed: PASS or MISS is
# the bench's business (docs/benchmarks.md has full runs).
set -euo pipefail

# expect_reports WHO OUTPUT PATTERN...: fails unless OUTPUT matches every
# PATTERN.
expect_reports() {
  local who=$1 output=$2 want
  shift 2
  for want in "$@"; do
    if ! grep -q -- "$want" <<<"$output"; then
      echo "$who did not report \"$want\"" >&2
      exit 1
    fi
  done
}

# A --latency-csv it cannot write is refused before any work, by name.
if err=$("$1" --kpnode "$2" --latency-csv "$TEST_TMPDIR" 2>&1); then
  echo "cluster_bench took a directory as its --latency-csv" >&2
  exit 1
fi
if ! grep -q -- "cannot write --latency-csv $TEST_TMPDIR" <<<"$err"; then
  echo "cluster_bench did not name the bad --latency-csv: $err" >&2
  exit 1
fi

latencies="$TEST_TMPDIR/latencies.csv"
out=$("$1" --kpnode "$2" --events 1000 --clients 8 --etcd-seconds 0.5 \
        --latency-seconds 0.5 --verify-seconds 0.2 \
        --latency-csv "$latencies" --dir "$TEST_TMPDIR/cluster-bench")
echo "$out"
expect_reports cluster_bench "$out" \
  "ed25519 verify: .*/s on one core" "etcd: .* puts/s" \
  "ingest, .* bulk submitters .*: .* events/s (.* accepted, 0 refused)" \
  "ingest, .* one call in flight each: .* events/s (.* accepted, 0 refused)" \
  "node 0: batches of .* events; per batch, etcd put [0-9.]* ms" \
  "cpu: [0-9.]* of [0-9]* cores busy (.* us an event): nodes [0-9.]*, etcd [0-9.]*" \
  "bound: one call in flight per submitter, .* = [0-9]* events/s" \
  "bound: 3 nodes check every signature on [0-9]* cores: .* reached [0-9.]* of it" \
  "half rate, .* bulk submitters .* p99 .* ms" \
  "half rate, .* one call in flight each: .* p99 .* ms" \
  "catch-up: .* entries in .* s"

# The latency file holds one line per accepted event of each phase.
for phase in "bulk:^ingest, .*bulk submitters" \
             "single:^ingest, .*one call in flight each" \
             "half rate bulk:^half rate, .*bulk submitters" \
             "half rate single:^half rate, .*one call in flight each"; do
  name=${phase%%:*}
  accepted=$(grep -- "${phase#*:}" <<<"$out" |
               sed -n 's/.*(\([0-9]*\) accepted.*/\1/p')
  lines=$(grep -c "^$name,[0-9.]*,[0-9.]*$" "$latencies" || true)
  if [[ -z "$accepted" || "$lines" != "$accepted" ]]; then
    echo "latency file has $lines $name lines for ${accepted:-?} accepted" >&2
    exit 1
  fi
done

# --all-to-node-0: every submitter on node 0, and every event still on
# every node (the catch-up phase checks node 2 holds them all).
out=$("$1" --kpnode "$2" --events 600 --clients 4 --etcd-seconds 0.2 \
        --latency-seconds 0.3 --verify-seconds 0.1 --all-to-node-0 \
        --dir "$TEST_TMPDIR/cluster-bench-node-0")
echo "$out"
expect_reports "cluster_bench --all-to-node-0" "$out" \
  "4 submitters, all on node 0" \
  "ingest, .* bulk submitters .*: .* events/s (.* accepted, 0 refused)" \
  "catch-up: .* entries in .* s"
if grep -q -- "FAILED\|DID NOT CATCH UP" <<<"$out"; then
  echo "cluster_bench --all-to-node-0 failed" >&2
  exit 1
fi
