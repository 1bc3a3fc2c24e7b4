// The right frontier of an append-only Merkle tree (the "compact range"
// [0, size)): the hashes of the perfect subtrees covering all leaves, one per
// set bit of size, largest first. Enough to append leaves and compute the
// root; memory is O(log size), independent of the log's length.
//
// Appending a leaf reports the leaf node and every perfect node it completes,
// so a store can persist exactly the nodes that proofs will later read.
// Not thread-safe: one writer; copy it to hand a snapshot to readers.
#ifndef KPLEDGER_LEDGER_MERKLE_COMPACT_RANGE_H_
#define KPLEDGER_LEDGER_MERKLE_COMPACT_RANGE_H_

#include <bit>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/merkle/hasher.h"
#include "ledger/merkle/node_id.h"

namespace kpledger::merkle {

class CompactRange {
 public:
  CompactRange() = default;

  // The range of a tree of `size` leaves from its frontier hashes (as
  // listed by PerfectNodes(0, size)). InvalidArgument on a count mismatch.
  static absl::StatusOr<CompactRange> FromHashes(uint64_t size,
                                                 std::vector<Hash> hashes);

  // Appends one leaf hash. Calls on_node(NodeId, const Hash&) for the leaf
  // itself and then for each perfect node it completes, bottom-up.
  template <typename OnNode>
  void Append(const Hash& leaf_hash, OnNode&& on_node);

  // RFC 9162 MTH of the leaves so far; EmptyRoot() when empty.
  Hash Root() const;

  uint64_t size() const { return size_; }
  const std::vector<Hash>& hashes() const { return hashes_; }

 private:
  uint64_t size_ = 0;
  std::vector<Hash> hashes_;
};

template <typename OnNode>
void CompactRange::Append(const Hash& leaf_hash, OnNode&& on_node) {
  Hash h = leaf_hash;
  uint32_t level = 0;
  uint64_t index = size_;
  on_node(NodeId{level, index}, h);
  // Each trailing one bit of the old size is a left sibling to merge with.
  while (index & 1) {
    h = HashChildren(hashes_.back(), h);
    hashes_.pop_back();
    index >>= 1;
    ++level;
    on_node(NodeId{level, index}, h);
  }
  hashes_.push_back(h);
  ++size_;
}

}  // namespace kpledger::merkle

#endif  // KPLEDGER_LEDGER_MERKLE_COMPACT_RANGE_H_
