#!/usr/bin/env bash
# Every test, for a newcomer on a fresh machine and for CI: installs what is
# missing, builds everything offline with Bazel, runs every test target, and
# ends with "N passed, N failed" counted from the real per-target results.
set -uo pipefail
cd "$(dirname "$0")/.."

bash deploy/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

flags=(--color=no --curses=no --noshow_progress)
log=$(mktemp -t kpledger-test.XXXXXX)
bazel test "${flags[@]}" //... 2>&1 | tee "$log"
bazel_status=${PIPESTATUS[0]}

# Bazel prints one line per test target: "//pkg:name  (cached) PASSED in 1.2s".
passed=$(grep -cE '^//[^ ]+ +(\(cached\) +)?PASSED' "$log")
total=$(bazel query "${flags[@]}" 'tests(//...)' 2>/dev/null | grep -c '^//')
if [ "$total" -eq 0 ]; then total=$((passed + 1)); fi
failed=$((total - passed))
rm -f "$log"

echo
echo "test targets: $total"
echo "$passed passed, $failed failed"
if [ "$bazel_status" -ne 0 ] || [ "$failed" -ne 0 ]; then exit 1; fi
