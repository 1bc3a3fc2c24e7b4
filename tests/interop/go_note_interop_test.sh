#!/usr/bin/env bash
# Checkpoints must verify with Go's golang.org/x/mod/sumdb/note (Debian's
# golang-golang-x-mod-dev), and Go's signed notes must verify with ours.
set -euo pipefail
tool="$1"
go_src="$2"
work="${TEST_TMPDIR:-$(mktemp -d)}/interop"
mkdir -p "$work"
export HOME="$work" GOCACHE="$work/gocache" GOPATH=/usr/share/gocode \
       GO111MODULE=off GOFLAGS= GOTOOLCHAIN=local
cp "$go_src" "$work/note_interop.go"
go build -o "$work/note_interop" "$work/note_interop.go"

echo "--- kpledger signs, Go verifies"
"$tool" sign "$work" >/dev/null
"$work/note_interop" verify "$work/checkpoint.note" "$work/verifiers.txt"

echo "--- Go refuses a kpledger checkpoint whose tree size was altered"
sed 's/^1234567$/1234568/' "$work/checkpoint.note" > "$work/tampered.note"
if "$work/note_interop" verify "$work/tampered.note" "$work/verifiers.txt" 2>"$work/err"; then
  echo "FAIL: Go accepted a tampered checkpoint" >&2
  exit 1
fi
grep -q "invalid signature" "$work/err" || { cat "$work/err" >&2; exit 1; }

echo "--- Go refuses one whose policy line was altered (extension lines are signed)"
grep -qx 'kpledger/policy-updates 2' "$work/checkpoint.note"
sed 's|^kpledger/policy-updates 2$|kpledger/policy-updates 1|' \
  "$work/checkpoint.note" > "$work/tampered.note"
if "$work/note_interop" verify "$work/tampered.note" "$work/verifiers.txt" 2>"$work/err"; then
  echo "FAIL: Go accepted a checkpoint with an altered policy line" >&2
  exit 1
fi
grep -q "invalid signature" "$work/err" || { cat "$work/err" >&2; exit 1; }

echo "--- Go signs, kpledger verifies"
"$work/note_interop" sign "$work" kpledger.test/custody
"$tool" verify "$work/go.note" "$work/go.vkey" kpledger.test/custody 1

echo "--- kpledger refuses a Go note below the threshold"
if "$tool" verify "$work/go.note" "$work/go.vkey" kpledger.test/custody 2 2>"$work/err"; then
  echo "FAIL: threshold 2 met by one signature" >&2
  exit 1
fi
grep -q "want 2" "$work/err" || { cat "$work/err" >&2; exit 1; }
echo "interop ok"
