// The Merkle tree math against published RFC 6962 vectors, against a plain
// reference implementation for every size up to 256, and against tampering.
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ledger/base/encoding.h"
#include "ledger/merkle/compact_range.h"
#include "ledger/merkle/hasher.h"
#include "ledger/merkle/proof.h"
#include "ledger/merkle/verify.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/merkle/reference_tree.h"

namespace kpledger::merkle {
namespace {

using ::kpledger::testing::StatusIs;

Hash H(absl::string_view hex) {
  Hash h;
  HashFromBytes(*base::HexDecode(hex), &h);
  return h;
}

// The eight leaf inputs of the RFC 6962 test data (certificate-transparency
// and transparency-dev/merkle test vectors).
std::vector<std::string> Rfc6962Leaves() {
  std::vector<std::string> out;
  for (const char* hex :
       {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
        "606162636465666768696a6b6c6d6e6f"}) {
    out.push_back(*base::HexDecode(hex));
  }
  return out;
}

// Roots of the trees of size 1..8 over those leaves.
const char* const kRfc6962Roots[] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

// An in-memory node store built through CompactRange, as the RocksDB store
// builds its own.
class MemoryTree {
 public:
  void Append(absl::string_view leaf) {
    range_.Append(HashLeaf(leaf), [&](const NodeId& id, const Hash& h) {
      nodes_[{id.level, id.index}] = h;
    });
  }
  absl::StatusOr<std::vector<Hash>> Read(const std::vector<NodeId>& ids) const {
    std::vector<Hash> out;
    for (const NodeId& id : ids) {
      auto it = nodes_.find({id.level, id.index});
      if (it == nodes_.end()) return absl::NotFoundError("node missing");
      out.push_back(it->second);
    }
    return out;
  }
  // A callable to pass where a NodeReader is wanted (a FunctionRef must not
  // outlive the call it is made for).
  auto reader() const {
    return [this](const std::vector<NodeId>& ids) { return Read(ids); };
  }
  const CompactRange& range() const { return range_; }
  size_t stored_nodes() const { return nodes_.size(); }

 private:
  CompactRange range_;
  std::map<std::pair<uint32_t, uint64_t>, Hash> nodes_;
};

std::vector<std::string> NumberedLeaves(size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back("leaf-" + std::to_string(i));
  return out;
}

Hash Flip(Hash h, int bit) {
  h[bit / 8 % 32] ^= static_cast<uint8_t>(1u << (bit % 8));
  return h;
}

TEST(MerkleTest, EmptyTreeRootIsSha256OfNothing) {
  EXPECT_EQ(HashHex(EmptyRoot()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(CompactRange().Root(), EmptyRoot());
}

TEST(MerkleTest, RootsMatchRfc6962Vectors) {
  MemoryTree tree;
  std::vector<std::string> leaves = Rfc6962Leaves();
  for (size_t n = 1; n <= leaves.size(); ++n) {
    tree.Append(leaves[n - 1]);
    EXPECT_EQ(HashHex(tree.range().Root()), kRfc6962Roots[n - 1])
        << "size " << n;
    KP_ASSERT_OK_AND_ASSIGN(Hash root, RootAt(n, tree.reader()));
    EXPECT_EQ(HashHex(root), kRfc6962Roots[n - 1]) << "size " << n;
  }
}

TEST(MerkleTest, InclusionProofsMatchRfc6962Vectors) {
  MemoryTree tree;
  for (const std::string& l : Rfc6962Leaves()) tree.Append(l);
  struct Vector {
    uint64_t index, size;
    std::vector<const char*> path;
  };
  const Vector vectors[] = {
      {0, 1, {}},
      {0,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {5,
       8,
       {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2,
       3,
       {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
      {1,
       5,
       {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  for (const Vector& v : vectors) {
    KP_ASSERT_OK_AND_ASSIGN(std::vector<Hash> proof,
                            InclusionProof(v.index, v.size, tree.reader()));
    ASSERT_EQ(proof.size(), v.path.size()) << v.index << "/" << v.size;
    for (size_t i = 0; i < proof.size(); ++i) {
      EXPECT_EQ(HashHex(proof[i]), v.path[i]) << v.index << "/" << v.size;
    }
    KP_EXPECT_OK(VerifyInclusion(v.index, v.size,
                                 HashLeaf(Rfc6962Leaves()[v.index]), proof,
                                 H(kRfc6962Roots[v.size - 1])));
  }
}

TEST(MerkleTest, ConsistencyProofsMatchRfc6962Vectors) {
  MemoryTree tree;
  for (const std::string& l : Rfc6962Leaves()) tree.Append(l);
  struct Vector {
    uint64_t old_size, new_size;
    std::vector<const char*> proof;
  };
  const Vector vectors[] = {
      {1, 1, {}},
      {1,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {6,
       8,
       {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2,
       5,
       {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  for (const Vector& v : vectors) {
    KP_ASSERT_OK_AND_ASSIGN(
        std::vector<Hash> proof,
        ConsistencyProof(v.old_size, v.new_size, tree.reader()));
    ASSERT_EQ(proof.size(), v.proof.size()) << v.old_size << "->" << v.new_size;
    for (size_t i = 0; i < proof.size(); ++i) {
      EXPECT_EQ(HashHex(proof[i]), v.proof[i]);
    }
    KP_EXPECT_OK(VerifyConsistency(v.old_size, v.new_size, proof,
                                   H(kRfc6962Roots[v.old_size - 1]),
                                   H(kRfc6962Roots[v.new_size - 1])));
  }
}

TEST(MerkleTest, StoresAboutTwoNodesPerLeaf) {
  MemoryTree tree;
  for (const std::string& l : NumberedLeaves(1024)) tree.Append(l);
  EXPECT_EQ(tree.stored_nodes(), 2047u);
}

TEST(MerkleTest, EveryInclusionProofUpTo256MatchesReferenceAndVerifies) {
  const std::vector<std::string> leaves = NumberedLeaves(256);
  ReferenceTree ref(leaves);
  MemoryTree tree;
  for (uint64_t n = 1; n <= leaves.size(); ++n) {
    tree.Append(leaves[n - 1]);
    const Hash root = ref.Mth(0, n);
    ASSERT_EQ(tree.range().Root(), root) << "size " << n;
    for (uint64_t m = 0; m < n; ++m) {
      KP_ASSERT_OK_AND_ASSIGN(std::vector<Hash> proof,
                              InclusionProof(m, n, tree.reader()));
      ASSERT_EQ(proof, ref.Path(m, 0, n)) << "leaf " << m << " size " << n;
      ASSERT_EQ(static_cast<int>(proof.size()), InclusionProofSize(m, n));
      const Hash leaf = HashLeaf(leaves[m]);
      ASSERT_TRUE(VerifyInclusion(m, n, leaf, proof, root).ok())
          << "leaf " << m << " size " << n;
      // A flipped bit in any proof hash, the leaf or the root must fail.
      for (size_t i = 0; i < proof.size(); ++i) {
        std::vector<Hash> bad = proof;
        bad[i] = Flip(bad[i], static_cast<int>(m + i) % 256);
        ASSERT_FALSE(VerifyInclusion(m, n, leaf, bad, root).ok());
      }
      ASSERT_FALSE(
          VerifyInclusion(m, n, Flip(leaf, m % 256), proof, root).ok());
      ASSERT_FALSE(
          VerifyInclusion(m, n, leaf, proof, Flip(root, n % 256)).ok());
      // The same proof must not pass for a neighbouring index.
      if (m + 1 < n) {
        ASSERT_FALSE(VerifyInclusion(m + 1, n, leaf, proof, root).ok());
      }
    }
  }
}

TEST(MerkleTest, EveryConsistencyProofUpTo256MatchesReferenceAndVerifies) {
  const std::vector<std::string> leaves = NumberedLeaves(256);
  ReferenceTree ref(leaves);
  MemoryTree tree;
  for (const std::string& l : leaves) tree.Append(l);
  for (uint64_t n = 1; n <= leaves.size(); ++n) {
    const Hash new_root = ref.Mth(0, n);
    for (uint64_t m = 1; m <= n; ++m) {
      KP_ASSERT_OK_AND_ASSIGN(std::vector<Hash> proof,
                              ConsistencyProof(m, n, tree.reader()));
      ASSERT_EQ(proof, ref.Proof(m, n)) << m << " -> " << n;
      ASSERT_EQ(static_cast<int>(proof.size()), ConsistencyProofSize(m, n));
      const Hash old_root = ref.Mth(0, m);
      ASSERT_TRUE(VerifyConsistency(m, n, proof, old_root, new_root).ok())
          << m << " -> " << n;
      for (size_t i = 0; i < proof.size(); ++i) {
        std::vector<Hash> bad = proof;
        bad[i] = Flip(bad[i], static_cast<int>(m + n + i) % 256);
        ASSERT_FALSE(VerifyConsistency(m, n, bad, old_root, new_root).ok())
            << m << " -> " << n << " hash " << i;
      }
      ASSERT_FALSE(
          VerifyConsistency(m, n, proof, Flip(old_root, 3), new_root).ok());
      ASSERT_FALSE(
          VerifyConsistency(m, n, proof, old_root, Flip(new_root, 5)).ok());
    }
  }
}

TEST(MerkleTest, RootAtAnySizeFromStoredNodes) {
  const std::vector<std::string> leaves = NumberedLeaves(100);
  ReferenceTree ref(leaves);
  MemoryTree tree;
  for (const std::string& l : leaves) tree.Append(l);
  for (uint64_t n = 0; n <= 100; ++n) {
    KP_ASSERT_OK_AND_ASSIGN(Hash root, RootAt(n, tree.reader()));
    EXPECT_EQ(root, ref.Mth(0, n)) << "size " << n;
  }
}

TEST(MerkleTest, CompactRangeRestoresFromFrontier) {
  MemoryTree tree;
  for (const std::string& l : NumberedLeaves(13)) tree.Append(l);
  KP_ASSERT_OK_AND_ASSIGN(CompactRange restored,
                          CompactRange::FromHashes(13, tree.range().hashes()));
  EXPECT_EQ(restored.Root(), tree.range().Root());
  EXPECT_THAT(
      CompactRange::FromHashes(13, {}),
      StatusIs(absl::StatusCode::kInvalidArgument, "has 0 hashes, want 3"));
}

// --- Refusals ---

TEST(MerkleTest, InclusionProofOfWrongLengthNamesBothLengths) {
  MemoryTree tree;
  for (const std::string& l : NumberedLeaves(300)) tree.Append(l);
  KP_ASSERT_OK_AND_ASSIGN(std::vector<Hash> proof,
                          InclusionProof(12, 300, tree.reader()));
  proof.pop_back();
  proof.pop_back();
  EXPECT_THAT(
      VerifyInclusion(12, 300, HashLeaf("leaf-12"), proof, tree.range().Root()),
      StatusIs(
          absl::StatusCode::kInvalidArgument,
          "inclusion proof has 7 hashes, want 9 (index 12, tree size 300)"));
}

TEST(MerkleTest, ProofForWrongTreeSizeIsRefused) {
  MemoryTree tree;
  for (const std::string& l : NumberedLeaves(300)) tree.Append(l);
  KP_ASSERT_OK_AND_ASSIGN(std::vector<Hash> proof,
                          InclusionProof(12, 300, tree.reader()));
  KP_ASSERT_OK_AND_ASSIGN(Hash root_299, RootAt(299, tree.reader()));
  EXPECT_FALSE(
      VerifyInclusion(12, 299, HashLeaf("leaf-12"), proof, root_299).ok());
  KP_ASSERT_OK_AND_ASSIGN(std::vector<Hash> cproof,
                          ConsistencyProof(100, 300, tree.reader()));
  KP_ASSERT_OK_AND_ASSIGN(Hash root_100, RootAt(100, tree.reader()));
  EXPECT_THAT(
      VerifyConsistency(100, 256, cproof, root_100, tree.range().Root()),
      StatusIs(absl::StatusCode::kInvalidArgument, "consistency proof has"));
}

TEST(MerkleTest, WrongRootIsFailedPrecondition) {
  MemoryTree tree;
  for (const std::string& l : NumberedLeaves(8)) tree.Append(l);
  KP_ASSERT_OK_AND_ASSIGN(std::vector<Hash> proof,
                          InclusionProof(3, 8, tree.reader()));
  EXPECT_THAT(VerifyInclusion(3, 8, HashLeaf("leaf-3"), proof, EmptyRoot()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "inclusion proof for leaf 3 leads to root"));
}

TEST(MerkleTest, IndexPastTreeIsOutOfRange) {
  MemoryTree tree;
  for (const std::string& l : NumberedLeaves(4)) tree.Append(l);
  EXPECT_THAT(InclusionProof(4, 4, tree.reader()),
              StatusIs(absl::StatusCode::kOutOfRange,
                       "leaf index 4 is not in a tree of size 4"));
  EXPECT_THAT(VerifyInclusion(4, 4, HashLeaf("x"), {}, EmptyRoot()),
              StatusIs(absl::StatusCode::kOutOfRange, "leaf index 4"));
  EXPECT_THAT(ConsistencyProof(5, 4, tree.reader()),
              StatusIs(absl::StatusCode::kOutOfRange,
                       "old tree size 5 is larger than new tree size 4"));
}

TEST(MerkleTest, SameSizeWithDifferentRootsIsInconsistent) {
  EXPECT_THAT(VerifyConsistency(4, 4, {}, HashLeaf("a"), HashLeaf("b")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "same size 4 have different roots"));
}

TEST(MerkleTest, ProofSizesHoldForTreesOfTwoToTheSixtyThree) {
  const uint64_t big = (uint64_t{1} << 63) + 1;
  EXPECT_EQ(InclusionProofSize(1, big), 64);
  EXPECT_EQ(InclusionProofSize(big - 1, big), 1);
  EXPECT_EQ(ConsistencyProofSize(3, big), 65);  // 63 levels + 2 (cf. size 9: 5)
  EXPECT_EQ(ConsistencyProofSize(3, 9), 5);
}

TEST(MerkleTest, MissingNodeIsReportedByReader) {
  MemoryTree tree;  // empty: every read fails
  EXPECT_THAT(InclusionProof(0, 2, tree.reader()),
              StatusIs(absl::StatusCode::kNotFound, "node missing"));
}

}  // namespace
}  // namespace kpledger::merkle
