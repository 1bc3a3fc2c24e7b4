// Addresses of perfect subtrees in an RFC 6962 Merkle tree.
//
// NodeId{level, index} is the root of the perfect subtree over leaves
// [index * 2^level, (index + 1) * 2^level); level 0 nodes are leaf hashes.
// Only perfect subtrees are ever stored: every other node of a tree (the
// "ephemeral" right edge) is folded from them. Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_MERKLE_NODE_ID_H_
#define KPLEDGER_LEDGER_MERKLE_NODE_ID_H_

#include <cstdint>
#include <vector>

namespace kpledger::merkle {

struct NodeId {
  uint32_t level = 0;
  uint64_t index = 0;

  uint64_t begin() const { return index << level; }
  uint64_t end() const { return (index + 1) << level; }
  bool operator==(const NodeId& o) const {
    return level == o.level && index == o.index;
  }
};

// The perfect subtrees that cover leaves [begin, end), left to right, largest
// first. REQUIRES: begin < end, and [begin, end) is a subtree range of an
// RFC 6962 tree (begin is a multiple of the smallest power of two >=
// end - begin), as every range in a root or proof computation is.
std::vector<NodeId> PerfectNodes(uint64_t begin, uint64_t end);

// The largest power of two strictly less than n. REQUIRES: n >= 2.
uint64_t SplitPoint(uint64_t n);

}  // namespace kpledger::merkle

#endif  // KPLEDGER_LEDGER_MERKLE_NODE_ID_H_
