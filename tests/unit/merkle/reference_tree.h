// A plain, recursive RFC 9162 §2.1 Merkle tree (MTH, PATH, PROOF) over
// in-memory leaves: the reference the production tree math is checked
// against. Subtree hashes are memoized so exhaustive tests stay fast.
#ifndef KPLEDGER_TESTS_UNIT_MERKLE_REFERENCE_TREE_H_
#define KPLEDGER_TESTS_UNIT_MERKLE_REFERENCE_TREE_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ledger/merkle/hasher.h"

namespace kpledger::merkle {

class ReferenceTree {
 public:
  explicit ReferenceTree(std::vector<std::string> leaves)
      : leaves_(std::move(leaves)) {}

  // MTH(D[begin:end]).
  Hash Mth(size_t begin, size_t end) {
    if (begin == end) return EmptyRoot();
    auto key = std::make_pair(begin, end);
    auto it = memo_.find(key);
    if (it != memo_.end()) return it->second;
    Hash h;
    if (end - begin == 1) {
      h = HashLeaf(leaves_[begin]);
    } else {
      const size_t k = LargestPowerOfTwoBelow(end - begin);
      h = HashChildren(Mth(begin, begin + k), Mth(begin + k, end));
    }
    memo_[key] = h;
    return h;
  }

  // PATH(m, D[begin:end]).
  std::vector<Hash> Path(size_t m, size_t begin, size_t end) {
    const size_t n = end - begin;
    if (n == 1) return {};
    const size_t k = LargestPowerOfTwoBelow(n);
    std::vector<Hash> out;
    if (m < k) {
      out = Path(m, begin, begin + k);
      out.push_back(Mth(begin + k, end));
    } else {
      out = Path(m - k, begin + k, end);
      out.push_back(Mth(begin, begin + k));
    }
    return out;
  }

  // PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true).
  std::vector<Hash> Proof(size_t m, size_t n) {
    if (m == 0 || m == n) return {};
    return SubProof(m, 0, n, true);
  }

 private:
  static size_t LargestPowerOfTwoBelow(size_t n) {
    size_t k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  }

  std::vector<Hash> SubProof(size_t m, size_t begin, size_t end, bool b) {
    const size_t n = end - begin;
    if (m == n) {
      if (b) return {};
      return {Mth(begin, end)};
    }
    const size_t k = LargestPowerOfTwoBelow(n);
    std::vector<Hash> out;
    if (m <= k) {
      out = SubProof(m, begin, begin + k, b);
      out.push_back(Mth(begin + k, end));
    } else {
      out = SubProof(m - k, begin + k, end, false);
      out.push_back(Mth(begin, begin + k));
    }
    return out;
  }

  std::vector<std::string> leaves_;
  std::map<std::pair<size_t, size_t>, Hash> memo_;
};

}  // namespace kpledger::merkle

#endif  // KPLEDGER_TESTS_UNIT_MERKLE_REFERENCE_TREE_H_
