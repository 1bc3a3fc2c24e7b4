#include "ledger/merkle/node_id.h"

#include <bit>
#include <cassert>

namespace kpledger::merkle {

std::vector<NodeId> PerfectNodes(uint64_t begin, uint64_t end) {
  assert(begin < end);
  std::vector<NodeId> out;
  out.reserve(std::popcount(end - begin));
  uint64_t pos = begin;
  const uint64_t n = end - begin;
  for (int level = 63; level >= 0; --level) {
    const uint64_t width = uint64_t{1} << level;
    if ((n & width) == 0) continue;
    assert(pos % width == 0);
    out.push_back(NodeId{static_cast<uint32_t>(level), pos >> level});
    pos += width;
  }
  return out;
}

uint64_t SplitPoint(uint64_t n) {
  assert(n >= 2);
  return std::bit_floor(n - 1);
}

}  // namespace kpledger::merkle
