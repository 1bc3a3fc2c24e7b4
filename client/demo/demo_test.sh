#!/usr/bin/env bash
# The README's main job must really work: run the demo on a fresh folder and
# check every step reported success and every refusal named its reason.
set -euo pipefail
dir="${TEST_TMPDIR:-$(mktemp -d)}/demo"
out=$("$1" --dir "$dir")
echo "$out"
expect() {
  grep -qF -- "$1" <<<"$out" || { echo "demo output lacks: $1" >&2; exit 1; }
}
expect "verified against the genesis node keys: 2 of 3 signed"
expect "is included in tree 5: OK"
expect "tree 5 is a prefix of tree 2005"
expect "does not verify over the payload and its type"
expect "unknown key id"
expect "checkpoint has 1 valid node signature, want 2"
expect "inclusion proof has 11 hashes, want 3 (index 3, tree size 5)"
expect "audit: 2005 entries re-read"
expect "same root: yes"
mode=$(stat -c %a "$dir/keys/customs-baku.key")
[ "$mode" = 600 ] || { echo "private key file mode $mode, want 600" >&2; exit 1; }
