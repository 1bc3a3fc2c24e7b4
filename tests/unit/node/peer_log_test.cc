// A peer's log is checked against its cosigned checkpoint before anything
// of it is applied; applied as batches, it gives this node the peer's root,
// position and ledger time.
#include "node/sync/peer_log.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/apply/applier.h"
#include "ledger/apply/checkpoint_body.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/checkpoint/policy_line.h"
#include "ledger/entry/leaf.h"
#include "ledger/merkle/hasher.h"
#include "ledger/store/store.h"
#include "tests/testing/custody_builder.h"
#include "tests/testing/day_batch.h"
#include "tests/testing/fresh_dir.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::node {
namespace {

using ::kpledger::testing::CustodyBuilder;
using ::kpledger::testing::DayBatch;
using ::kpledger::testing::FreshDir;
using ::kpledger::testing::ImportEvent;
using ::kpledger::testing::IncomingCertificate;
using ::kpledger::testing::StatusIs;

class PeerLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The peer: genesis, then 3 batches at etcd-like positions 5, 9, 12;
    // the last refuses its only event (a duplicate) but moves time on.
    KP_ASSERT_OK_AND_ASSIGN(peer_, store::Store::Open(FreshDir("peer")));
    KP_ASSERT_OK_AND_ASSIGN(peer_applier_, apply::Applier::Open(peer_.get()));
    KP_ASSERT_OK(peer_applier_->Bootstrap(b_.genesis_envelope()));
    const v1::Envelope customs = b_.Register("customs-1", v1::CUSTOMS);
    ASSERT_TRUE(peer_applier_
                    ->Apply(DayBatch(
                        5, 0, {customs, b_.Register("vault-1", v1::VAULT)}))
                    .ok());
    std::vector<v1::Envelope> imports;
    for (int i = 0; i < 3; ++i) imports.push_back(Import(i));
    ASSERT_TRUE(peer_applier_->Apply(DayBatch(9, 1, imports)).ok());
    ASSERT_TRUE(peer_applier_->Apply(DayBatch(12, 2, {customs})).ok());
    ASSERT_EQ(peer_->size(), 6u);

    KP_ASSERT_OK_AND_ASSIGN(local_, store::Store::Open(FreshDir("local")));
    KP_ASSERT_OK_AND_ASSIGN(local_applier_, apply::Applier::Open(local_.get()));
    KP_ASSERT_OK(local_applier_->Bootstrap(b_.genesis_envelope()));

    log_.from_index = 1;
    for (uint64_t i = 1; i < peer_->size(); ++i) {
      log_.leaves.push_back(peer_->GetLeaf(i).value());
    }
    log_.checkpoint = Checkpoint(peer_->head().root, 2);
    log_.position = 12;
    log_.ledger_time = peer_applier_->ledger_time();
  }

  v1::Envelope Import(int i) {
    const std::string id = absl::StrCat("P-", i);
    return b_.Sign(testing::ImportEvent(
                       id, "vault-1",
                       IncomingCertificate("BW-" + id, "BW", 10000, 1000000)),
                   {"customs-1"});
  }

  // The peer's checkpoint with `root`, signed by `signers` node keys, with
  // the peer's policy line unless `extensions` are given.
  v1::Checkpoint Checkpoint(
      const merkle::Hash& root, int signers,
      std::optional<std::vector<std::string>> extensions = std::nullopt) {
    checkpoint::CheckpointBody body;
    body.origin = b_.genesis().origin();
    body.tree_size = peer_->size();
    body.root = root;
    body.extensions = extensions.value_or(
        std::vector<std::string>{checkpoint::PolicyUpdatesLine(
            apply::PolicyUpdatesBelow(*peer_, peer_->size()).value())});
    v1::Checkpoint cp;
    cp.set_note(
        checkpoint::SignCheckpoint(body, b_.NodeSigners(signers)).value());
    cp.set_tree_size(body.tree_size);
    cp.set_root_hash(std::string(root.begin(), root.end()));
    return cp;
  }

  absl::Status Verify() {
    return VerifyPeerLog(*local_, b_.genesis(), log_).status();
  }

  CustodyBuilder b_;
  std::unique_ptr<store::Store> peer_, local_;
  std::unique_ptr<apply::Applier> peer_applier_, local_applier_;
  PeerLog log_;
};

TEST_F(PeerLogTest, AppliedItGivesThePeersRootPositionAndTime) {
  ASSERT_TRUE(Verify().ok()) << Verify();
  for (SequencedBatch& b : PeerLogBatches(log_, 0, /*index_positions=*/false)) {
    apply::OrderedBatch ob{b.position, b.batch.proposed_time,
                           std::move(b.batch.envelopes), b.from_peer, b.sync};
    absl::StatusOr<apply::BatchResult> r = local_applier_->Apply(std::move(ob));
    ASSERT_TRUE(r.ok()) << r.status();
    for (const v1::Receipt& receipt : r->receipts) {
      EXPECT_EQ(receipt.outcome(), v1::Receipt::ACCEPTED);
    }
  }
  EXPECT_EQ(local_->head().size, peer_->head().size);
  EXPECT_EQ(local_->head().root, peer_->head().root);
  EXPECT_EQ(local_applier_->applied_position(), 12u);
  EXPECT_EQ(local_applier_->ledger_time(), peer_applier_->ledger_time());
}

TEST_F(PeerLogTest, OnlyTheLastBatchIsSynced) {
  for (bool index_positions : {false, true}) {
    std::vector<SequencedBatch> batches =
        PeerLogBatches(log_, 0, index_positions);
    ASSERT_GE(batches.size(), 2u);
    for (size_t i = 0; i + 1 < batches.size(); ++i) {
      EXPECT_FALSE(batches[i].sync) << i;
    }
    EXPECT_TRUE(batches.back().sync);
  }
}

TEST_F(PeerLogTest, MirrorPositionsAreTreeSizes) {
  ASSERT_TRUE(Verify().ok());
  uint64_t last = 0;
  for (SequencedBatch& b : PeerLogBatches(log_, 1, /*index_positions=*/true)) {
    EXPECT_GT(b.position, last);
    last = b.position;
    ASSERT_TRUE(
        local_applier_
            ->Apply(apply::OrderedBatch{b.position, b.batch.proposed_time,
                                        std::move(b.batch.envelopes)})
            .ok());
  }
  EXPECT_EQ(last, peer_->size());
  EXPECT_EQ(local_->head().root, peer_->head().root);
}

TEST_F(PeerLogTest, RefusesAChangedEntry) {
  log_.leaves[2][log_.leaves[2].size() - 5] ^= 1;
  const absl::Status st = Verify();
  EXPECT_TRUE(absl::IsDataLoss(st)) << st;
  EXPECT_THAT(st.message(), ::testing::HasSubstr("changed an entry"));
}

TEST_F(PeerLogTest, RefusesAMissingOrExtraEntry) {
  log_.leaves.pop_back();
  EXPECT_TRUE(absl::IsDataLoss(Verify()));
}

TEST_F(PeerLogTest, RefusesAWrongRootOrTooFewSignatures) {
  merkle::Hash wrong{};
  wrong.fill(9);
  log_.checkpoint = Checkpoint(wrong, 2);
  EXPECT_TRUE(absl::IsDataLoss(Verify()));
  log_.checkpoint = Checkpoint(peer_->head().root, 1);  // threshold is 2
  EXPECT_TRUE(absl::IsUnauthenticated(Verify())) << Verify();
}

TEST_F(PeerLogTest, GivesTheCheckpointsCountLines) {
  log_.checkpoint =
      Checkpoint(peer_->head().root, 2,
                 std::vector<std::string>{checkpoint::PolicyUpdatesLine(4)});
  KP_ASSERT_OK_AND_ASSIGN(checkpoint::CheckpointBody body,
                          VerifyPeerLog(*local_, b_.genesis(), log_));
  KP_ASSERT_OK_AND_ASSIGN(uint64_t count, checkpoint::PolicyUpdateCount(body));
  EXPECT_EQ(count, 4u);
  // A peer of an earlier release, whose checkpoints have no policy line:
  // refused before anything is applied.
  log_.checkpoint =
      Checkpoint(peer_->head().root, 2, std::vector<std::string>{});
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kInvalidArgument,
                                 "has no \"kpledger/policy-updates <count>\""));
}

TEST_F(PeerLogTest, RefusesCheckpointFieldsOtherThanItsSignedNote) {
  // The follower goes by the fields: a peer must not make it wait for
  // another size, or compare with another root, than the note signs.
  log_.checkpoint.set_tree_size(log_.checkpoint.tree_size() - 1);
  absl::Status st = Verify();
  EXPECT_TRUE(absl::IsDataLoss(st)) << st;
  EXPECT_THAT(st.message(), ::testing::HasSubstr("other than its signed note"));
  log_.checkpoint = Checkpoint(peer_->head().root, 2);
  (*log_.checkpoint.mutable_root_hash())[0] ^= 1;
  st = Verify();
  EXPECT_TRUE(absl::IsDataLoss(st)) << st;
  EXPECT_THAT(st.message(), ::testing::HasSubstr("other than its signed note"));
}

TEST_F(PeerLogTest, RefusesEntriesThatDoNotContinueThisLog) {
  log_.from_index = 2;
  EXPECT_TRUE(absl::IsFailedPrecondition(Verify()));
}

TEST_F(PeerLogTest, RefusesAnEntryNamingAnotherIndex) {
  std::swap(log_.leaves[0], log_.leaves[1]);
  EXPECT_TRUE(absl::IsDataLoss(Verify()));
}

// A node key registered in the peer's entries vouches for the peer's
// checkpoint, as it would once applied; one "registered" without the
// governance threshold is refused before anything is applied, or a lying
// peer could add the keys that sign its checkpoint.
TEST_F(PeerLogTest, NodeKeysRegisteredInThePeersEntriesCount) {
  const crypto::PrivateKey agency = CustodyBuilder::ActorKey("agency");
  KP_ASSERT_OK(
      peer_applier_->Apply(DayBatch(14, 3, {b_.Register("agency", v1::NODE)}))
          .status());
  log_.leaves.push_back(peer_->GetLeaf(peer_->size() - 1).value());
  KP_ASSERT_OK_AND_ASSIGN(
      checkpoint::CheckpointBody body,
      apply::StoreCheckpointBody(*peer_, b_.genesis().origin(), peer_->size()));
  // Four node keys are in force: a majority is three, which two genesis
  // keys alone are not.
  std::vector<checkpoint::NoteSigner> signers = b_.NodeSigners(2);
  log_.checkpoint.set_note(checkpoint::SignCheckpoint(body, signers).value());
  log_.checkpoint.set_tree_size(body.tree_size);
  log_.checkpoint.set_root_hash(merkle::HashToBytes(body.root));
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kUnauthenticated,
                                 "2 valid node signatures, want 3"));
  signers.push_back(checkpoint::NoteSigner::Create("agency", agency).value());
  log_.checkpoint.set_note(checkpoint::SignCheckpoint(body, signers).value());
  log_.checkpoint.set_tree_size(body.tree_size);
  log_.checkpoint.set_root_hash(merkle::HashToBytes(body.root));
  KP_EXPECT_OK(Verify());

  // The same registration with one governance signature of two.
  v1::Envelope half = b_.Register("agency", v1::NODE);
  half.mutable_signatures()->RemoveLast();
  std::string leaf = log_.leaves.back();
  const entry::LeafView view = entry::DecodeLeaf(leaf).value();
  log_.leaves.back() =
      entry::EncodeLeaf(view.index, view.time, half.SerializeAsString());
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kUnauthenticated,
                                 "the peer's entry 6: entry 6 changes the node "
                                 "keys but is not signed by the genesis' "
                                 "governance threshold of 2 keys"));
}

}  // namespace
}  // namespace kpledger::node
