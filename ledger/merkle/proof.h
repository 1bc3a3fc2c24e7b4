// Merkle root, inclusion proof and consistency proof generation, RFC 9162
// §2.1.3.1 (PATH) and §2.1.4.1 (PROOF / SUBPROOF).
//
// The tree math is pure: a proof is planned as a list of subtree ranges, the
// perfect nodes behind them are read in one call to `read` (the store does
// one RocksDB MultiGet), and each range's hash is folded from its nodes. A
// proof therefore costs O(log n) point reads and O(log n) memory, never a
// scan. Thread-safe: pure functions; `read` must be safe for the caller's use.
#ifndef KPLEDGER_LEDGER_MERKLE_PROOF_H_
#define KPLEDGER_LEDGER_MERKLE_PROOF_H_

#include <cstdint>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "ledger/merkle/hasher.h"
#include "ledger/merkle/node_id.h"

namespace kpledger::merkle {

// Returns the stored hash of each perfect node in `ids`, in order.
// NotFound / DataLoss from the reader are passed through.
using NodeReader = absl::FunctionRef<absl::StatusOr<std::vector<Hash>>(
    const std::vector<NodeId>& ids)>;

// MTH of the first `size` leaves. REQUIRES: the reader holds every perfect
// node of a tree of at least `size` leaves.
absl::StatusOr<Hash> RootAt(uint64_t size, NodeReader read);

// Audit path for leaf `index` in the tree of `size` leaves, leaf side first.
// OutOfRange unless index < size.
absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size,
                                                 NodeReader read);

// Consistency proof from `old_size` to `new_size`. Empty when old_size is 0
// or equal to new_size. OutOfRange unless old_size <= new_size.
absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t old_size,
                                                   uint64_t new_size,
                                                   NodeReader read);

// The number of hashes RFC 9162 proofs have, for messages and checks.
int InclusionProofSize(uint64_t index, uint64_t size);
int ConsistencyProofSize(uint64_t old_size, uint64_t new_size);

}  // namespace kpledger::merkle

#endif  // KPLEDGER_LEDGER_MERKLE_PROOF_H_
