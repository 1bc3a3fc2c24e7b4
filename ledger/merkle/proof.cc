#include "ledger/merkle/proof.h"

#include <algorithm>
#include <bit>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"

namespace kpledger::merkle {
namespace {

// A subtree range [begin, end) whose MTH is one element of a proof.
struct Range {
  uint64_t begin;
  uint64_t end;
};

// RFC 9162 §2.1.3.1 PATH(m, D[0:n]), unrolled top-down; returned leaf side
// first as the RFC lists it.
std::vector<Range> InclusionRanges(uint64_t m, uint64_t n) {
  std::vector<Range> out;
  uint64_t a = 0, b = n;
  while (b - a > 1) {
    const uint64_t k = SplitPoint(b - a);
    if (m < a + k) {
      out.push_back({a + k, b});  // PATH(m, D[0:k]) : MTH(D[k:n])
      b = a + k;
    } else {
      out.push_back({a, a + k});  // PATH(m - k, D[k:n]) : MTH(D[0:k])
      a = a + k;
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// RFC 9162 §2.1.4.1 SUBPROOF(m, D[0:n], true), unrolled top-down.
// REQUIRES: 0 < m < n.
std::vector<Range> ConsistencyRanges(uint64_t m, uint64_t n) {
  std::vector<Range> out;
  uint64_t a = 0, b = n;
  bool whole_old_tree = true;  // SUBPROOF's b flag
  while (true) {
    if (m == b) {
      if (!whole_old_tree) out.push_back({a, b});  // MTH(D[m])
      break;
    }
    const uint64_t k = SplitPoint(b - a);
    if (m <= a + k) {
      out.push_back({a + k, b});  // SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
      b = a + k;
    } else {
      out.push_back({a, a + k});  // SUBPROOF(m-k, D[k:n], false) : MTH(D[0:k])
      a = a + k;
      whole_old_tree = false;
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// Reads every perfect node behind `ranges` in one call and folds each range.
absl::StatusOr<std::vector<Hash>> ResolveRanges(
    const std::vector<Range>& ranges, NodeReader read) {
  std::vector<NodeId> ids;
  std::vector<size_t> starts;
  starts.reserve(ranges.size() + 1);
  for (const Range& r : ranges) {
    starts.push_back(ids.size());
    std::vector<NodeId> nodes = PerfectNodes(r.begin, r.end);
    ids.insert(ids.end(), nodes.begin(), nodes.end());
  }
  starts.push_back(ids.size());
  KP_ASSIGN_OR_RETURN(std::vector<Hash> hashes, read(ids));
  if (hashes.size() != ids.size()) {
    return absl::InternalError(absl::StrCat("node reader returned ",
                                            hashes.size(), " hashes for ",
                                            ids.size(), " nodes"));
  }
  std::vector<Hash> out;
  out.reserve(ranges.size());
  for (size_t r = 0; r < ranges.size(); ++r) {
    // MTH of a range: its perfect subtrees folded right to left.
    Hash h = hashes[starts[r + 1] - 1];
    for (size_t i = starts[r + 1] - 1; i-- > starts[r];) {
      h = HashChildren(hashes[i], h);
    }
    out.push_back(h);
  }
  return out;
}

}  // namespace

absl::StatusOr<Hash> RootAt(uint64_t size, NodeReader read) {
  if (size == 0) return EmptyRoot();
  KP_ASSIGN_OR_RETURN(std::vector<Hash> root,
                      ResolveRanges({Range{0, size}}, read));
  return root[0];
}

absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size,
                                                 NodeReader read) {
  if (index >= size) {
    return absl::OutOfRangeError(
        absl::StrCat("leaf index ", index, " is not in a tree of size ", size));
  }
  return ResolveRanges(InclusionRanges(index, size), read);
}

absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t old_size,
                                                   uint64_t new_size,
                                                   NodeReader read) {
  if (old_size > new_size) {
    return absl::OutOfRangeError(absl::StrCat("old tree size ", old_size,
                                              " is larger than new tree size ",
                                              new_size));
  }
  if (old_size == 0 || old_size == new_size) return std::vector<Hash>{};
  return ResolveRanges(ConsistencyRanges(old_size, new_size), read);
}

namespace {

// v >> n, also for n = 64 (where the C++ shift is undefined).
uint64_t ShiftRight(uint64_t v, int n) { return n >= 64 ? 0 : v >> n; }

}  // namespace

int InclusionProofSize(uint64_t index, uint64_t size) {
  // Levels below the point where the paths to `index` and to the last leaf
  // fork, plus one hash per left sibling above it.
  const int inner = std::bit_width(index ^ (size - 1));
  return inner + std::popcount(ShiftRight(index, inner));
}

int ConsistencyProofSize(uint64_t old_size, uint64_t new_size) {
  if (old_size == 0 || old_size == new_size) return 0;
  const int shift = std::countr_zero(old_size);
  const int inner = std::bit_width((old_size - 1) ^ (new_size - 1)) - shift;
  const int border = std::popcount(ShiftRight(old_size - 1, inner + shift));
  const bool old_is_perfect = old_size == (uint64_t{1} << shift);
  return (old_is_perfect ? 0 : 1) + inner + border;
}

}  // namespace kpledger::merkle
