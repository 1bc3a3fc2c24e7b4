#!/usr/bin/env bash
# The quickstart's story (deploy/quickstart_story.sh) on the built kpnode and
# kpctl: every step a newcomer sees must happen as the README says.
set -euo pipefail
story="$1"; kpnode="$2"; kpctl="$3"
dir="${TEST_TMPDIR:-$(mktemp -d)}/quickstart"
out="$dir.out"
bash "$story" "$kpnode" "$kpctl" "$dir" >"$out" 2>&1 || { cat "$out"; exit 1; }
fail() { cat "$out"; echo "FAIL: $*" >&2; exit 1; }
contains() { grep -qF -- "$1" "$out" || fail "output lacks: $1"; }
contains "genesis written to genesis.json"
[ "$(grep -c '^accepted: event' "$out")" = 12 ] || fail "want 12 accepted events"
contains "flags QUICK_REEXPORT"
contains "refused: FAILED_PRECONDITION: import.certificate.expires_at: certificate BW-2025-000777 expired"
contains "refused: PERMISSION_DENIED: import.signatures: needs the signature of a CUSTOMS actor"
contains "Parcel AZ-P-0001: 6 entries"
contains "Provenance of parcel AZ-P-0001: verified"
contains "origins    BW 80%, NA 20%"
contains "AZ-2026-000101 from AZ to BE"
contains "Balance as of "
contains "tree size     13"
contains "kpnode stopped"
# A folder the story did not make, with files in it, is left alone.
foreign="$dir.foreign"
mkdir -p "$foreign/keys" && touch "$foreign/keys/precious"
if bash "$story" "$kpnode" "$kpctl" "$foreign" >"$out" 2>&1; then
  fail "the story ran in a non-empty folder it did not make"
fi
contains "was not made by the quickstart"
[ -e "$foreign/keys/precious" ] || fail "the story deleted files it did not make"
echo "quickstart test: all checks passed"
