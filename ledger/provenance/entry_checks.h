// The checks of a bundle's entries that need nothing but the entry, the
// checkpoint and public keys (verify.h, step 3, and the events'
// signatures). They are most of the cost of a verification, an Ed25519
// verify per signature, and independent of each other, so they run on all
// cores; the replay of the rules, which is sequential, then uses their
// results.
//
// A signature is checked here only with a key the bundle itself carries: a
// governance key of the genesis, or the key of a RegisterActor or RotateKey
// entry. A key id is the SHA-256 of its key, so it names the same key the
// replayed state will hold; whether that key belongs to an actor allowed to
// sign at that point stays the rules' question, asked during the replay.
// An event signed by a key the bundle does not carry keeps its signers
// unset, and the rules refuse it as signed by an unknown key.
// Thread-safe: pure functions (CheckEntries starts and joins its threads).
#ifndef KPLEDGER_LEDGER_PROVENANCE_ENTRY_CHECKS_H_
#define KPLEDGER_LEDGER_PROVENANCE_ENTRY_CHECKS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kpledger/v1/genesis.pb.h"
#include "kpledger/v1/provenance.pb.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/entry/leaf.h"
#include "ledger/rules/signed_event.h"

namespace kpledger::provenance {

struct CheckedEntry {
  // The decoded leaf; it points into the bundle, which must outlive it.
  absl::StatusOr<entry::LeafView> leaf;
  // Set only if the leaf decodes: the proof's verdict (ProveEntry) and the
  // event, its signatures checked with the keys the bundle carries.
  absl::Status proof;
  absl::StatusOr<rules::SignedEvent> event = absl::UnknownError("unchecked");
};

// One CheckedEntry per bundle.entries(), in bundle order.
std::vector<CheckedEntry> CheckEntries(const v1::ProvenanceBundle& bundle,
                                       const checkpoint::CheckpointBody& cp,
                                       const v1::Genesis& genesis);

// Verifies `e`'s inclusion proof for leaf `index` (the index its leaf
// carries) against the checkpoint: InvalidArgument for a proof of another
// leaf or tree size or a hash that is not 32 bytes; merkle::VerifyInclusion's
// errors otherwise. Messages start with "entry <index>: ".
absl::Status ProveEntry(const v1::BundleEntry& e, uint64_t index,
                        const checkpoint::CheckpointBody& cp);

}  // namespace kpledger::provenance

#endif  // KPLEDGER_LEDGER_PROVENANCE_ENTRY_CHECKS_H_
