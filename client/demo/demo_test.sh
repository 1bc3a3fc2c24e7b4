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
# The rules decide: accepted events get entries, refusals their reasons.
expect "entry 4  "
expect "RegisterActor kpa-baku as KP_AUTHORITY"
expect "needs the signature of vault-baku (the receiving custodian)"
expect "BW-2026-004512 of BW was already used by the import at entry 5"
expect "stale head for parcel AZ-P-0001"
expect "is already entry 5; it is not applied twice"
expect "signed, verified, checked by the rules and appended 2000 events"
# Checkpoints and proofs.
expect "verified against the genesis node keys: 2 of 3 signed"
expect "entry 7 (ledger time 1788652800) is included in tree 9: OK"
expect "tree 9 is a prefix of tree 2009"
expect "does not verify over the payload and its type"
expect "unknown key id"
expect "checkpoint has 1 valid node signature, want 2"
expect "inclusion proof has 11 hashes, want 4 (index 3, tree size 9)"
# Provenance, verified offline; a changed byte is caught.
expect "Provenance of parcel AZ-P-0001: verified"
expect "origins    BW 80%, NA 20%"
expect "custodian  vault-baku"
expect "refused the bundle with one byte of an entry changed"
# Reports projected from the log.
expect "Imports by HS code, origin and provenance"
expect "2001 parcels"
# The store itself.
expect "audit: 2009 entries re-read"
expect "same root: yes"
mode=$(stat -c %a "$dir/keys/customs-baku.key")
[ "$mode" = 600 ] || { echo "private key file mode $mode, want 600" >&2; exit 1; }
