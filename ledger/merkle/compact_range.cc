#include "ledger/merkle/compact_range.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace kpledger::merkle {

absl::StatusOr<CompactRange> CompactRange::FromHashes(
    uint64_t size, std::vector<Hash> hashes) {
  const size_t want = static_cast<size_t>(std::popcount(size));
  if (hashes.size() != want) {
    return absl::InvalidArgumentError(absl::StrCat("compact range of size ",
                                                   size, " has ", hashes.size(),
                                                   " hashes, want ", want));
  }
  CompactRange r;
  r.size_ = size;
  r.hashes_ = std::move(hashes);
  return r;
}

Hash CompactRange::Root() const {
  if (hashes_.empty()) return EmptyRoot();
  // MTH of a non-perfect range: the perfect subtrees folded right to left.
  Hash h = hashes_.back();
  for (size_t i = hashes_.size() - 1; i-- > 0;) h = HashChildren(hashes_[i], h);
  return h;
}

}  // namespace kpledger::merkle
