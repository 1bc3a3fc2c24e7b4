// Merkle proof verification, exactly RFC 9162 §2.1.3.2 (inclusion) and
// §2.1.4.2 (consistency). Pure: needs no store, only the proof, the leaf or
// roots, and the sizes; the offline verifier uses these same functions.
//
// Errors:
//   OutOfRange       index >= size, or old size > new size
//   InvalidArgument  wrong number of hashes ("inclusion proof has 7 hashes,
//                    want 9 (index 12, tree size 300)")
//   FailedPrecondition  the proof is well-formed but does not lead to the
//                    given root: the data or the root is not what it claims
// Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_MERKLE_VERIFY_H_
#define KPLEDGER_LEDGER_MERKLE_VERIFY_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/merkle/hasher.h"

namespace kpledger::merkle {

// The root that `proof` leads to from `leaf_hash` at `index` in a tree of
// `size` leaves.
absl::StatusOr<Hash> RootFromInclusionProof(uint64_t index, uint64_t size,
                                            const Hash& leaf_hash,
                                            const std::vector<Hash>& proof);

absl::Status VerifyInclusion(uint64_t index, uint64_t size,
                             const Hash& leaf_hash,
                             const std::vector<Hash>& proof, const Hash& root);

// Verifies that the tree of `old_size` with `old_root` is a prefix of the
// tree of `new_size` with `new_root`.
absl::Status VerifyConsistency(uint64_t old_size, uint64_t new_size,
                               const std::vector<Hash>& proof,
                               const Hash& old_root, const Hash& new_root);

}  // namespace kpledger::merkle

#endif  // KPLEDGER_LEDGER_MERKLE_VERIFY_H_
