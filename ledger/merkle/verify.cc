#include "ledger/merkle/verify.h"

#include "absl/strings/str_cat.h"
#include "ledger/merkle/proof.h"

namespace kpledger::merkle {

absl::StatusOr<Hash> RootFromInclusionProof(uint64_t index, uint64_t size,
                                            const Hash& leaf_hash,
                                            const std::vector<Hash>& proof) {
  if (index >= size) {
    return absl::OutOfRangeError(
        absl::StrCat("leaf index ", index, " is not in a tree of size ", size));
  }
  const int want = InclusionProofSize(index, size);
  if (static_cast<int>(proof.size()) != want) {
    return absl::InvalidArgumentError(
        absl::StrCat("inclusion proof has ", proof.size(), " hashes, want ",
                     want, " (index ", index, ", tree size ", size, ")"));
  }
  // RFC 9162 §2.1.3.2, steps 2-5.
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) break;  // unreachable after the size check; kept as the RFC
    if ((fn & 1) || fn == sn) {
      r = HashChildren(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = HashChildren(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("inclusion proof is too short (index ", index,
                     ", tree size ", size, ")"));
  }
  return r;
}

absl::Status VerifyInclusion(uint64_t index, uint64_t size,
                             const Hash& leaf_hash,
                             const std::vector<Hash>& proof, const Hash& root) {
  absl::StatusOr<Hash> got =
      RootFromInclusionProof(index, size, leaf_hash, proof);
  if (!got.ok()) return got.status();
  if (*got != root) {
    return absl::FailedPreconditionError(absl::StrCat(
        "inclusion proof for leaf ", index, " leads to root ", ShortHex(*got),
        ", want ", ShortHex(root), " (tree size ", size, ")"));
  }
  return absl::OkStatus();
}

absl::Status VerifyConsistency(uint64_t old_size, uint64_t new_size,
                               const std::vector<Hash>& proof,
                               const Hash& old_root, const Hash& new_root) {
  if (old_size > new_size) {
    return absl::OutOfRangeError(absl::StrCat("old tree size ", old_size,
                                              " is larger than new tree size ",
                                              new_size));
  }
  const int want = ConsistencyProofSize(old_size, new_size);
  if (static_cast<int>(proof.size()) != want) {
    return absl::InvalidArgumentError(
        absl::StrCat("consistency proof has ", proof.size(), " hashes, want ",
                     want, " (tree sizes ", old_size, " to ", new_size, ")"));
  }
  if (old_size == new_size) {
    if (old_root != new_root) {
      return absl::FailedPreconditionError(absl::StrCat(
          "trees of the same size ", old_size, " have different roots ",
          ShortHex(old_root), " and ", ShortHex(new_root)));
    }
    return absl::OkStatus();
  }
  if (old_size == 0)
    return absl::OkStatus();  // every tree extends the empty one

  // RFC 9162 §2.1.4.2, steps 2-7.
  std::vector<Hash> path;
  path.reserve(proof.size() + 1);
  if ((old_size & (old_size - 1)) == 0) path.push_back(old_root);  // step 2
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  while (fn & 1) {  // step 4
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0];
  Hash sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("consistency proof is too long (tree sizes ", old_size,
                       " to ", new_size, ")"));
    }
    if ((fn & 1) || fn == sn) {
      fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = HashChildren(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("consistency proof is too short (tree sizes ", old_size,
                     " to ", new_size, ")"));
  }
  if (fr != old_root) {
    return absl::FailedPreconditionError(absl::StrCat(
        "consistency proof leads to old root ", ShortHex(fr), ", want ",
        ShortHex(old_root), " (tree sizes ", old_size, " to ", new_size, ")"));
  }
  if (sr != new_root) {
    return absl::FailedPreconditionError(absl::StrCat(
        "consistency proof leads to new root ", ShortHex(sr), ", want ",
        ShortHex(new_root), " (tree sizes ", old_size, " to ", new_size, ")"));
  }
  return absl::OkStatus();
}

}  // namespace kpledger::merkle
