// The checkpointer's cosigning round (node/checkpoint/checkpointer.h) with
// fake peers: who is asked, with which signatures.
#include "node/checkpoint/checkpointer.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "ledger/apply/applier.h"
#include "ledger/apply/checkpoint_body.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/checkpoint/note.h"
#include "ledger/checkpoint/policy_line.h"
#include "ledger/store/store.h"
#include "tests/testing/custody_builder.h"
#include "tests/testing/day_batch.h"
#include "tests/testing/fresh_dir.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::node {
namespace {

// A peer that records how many signatures each request carried and either
// cosigns with its node key or refuses, as a node whose root differs does
// while the threshold has not signed.
class FakePeer final : public Cosigner {
 public:
  FakePeer(std::string address, std::optional<checkpoint::NoteSigner> signer)
      : address_(std::move(address)), signer_(std::move(signer)) {}

  const std::string& address() const override { return address_; }

  absl::StatusOr<std::string> Cosign(const std::string& note) override {
    absl::StatusOr<checkpoint::SignedNote> parsed = checkpoint::ParseNote(note);
    if (!parsed.ok()) return parsed.status();
    {
      absl::MutexLock lock(&mu_);
      seen_.push_back(parsed->signatures.size());
    }
    if (!signer_.has_value()) {
      return absl::FailedPreconditionError(
          "not cosigning a checkpoint this node did not compute");
    }
    absl::StatusOr<checkpoint::NoteSignature> sig = signer_->Sign(parsed->text);
    if (!sig.ok()) return sig.status();
    std::string line = checkpoint::FormatSignatureLine(*sig);
    line.pop_back();  // the newline
    return line;
  }

  // The signatures on each request, in order.
  std::vector<size_t> seen() const {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

 private:
  const std::string address_;
  const std::optional<checkpoint::NoteSigner> signer_;
  mutable absl::Mutex mu_;
  std::vector<size_t> seen_ ABSL_GUARDED_BY(mu_);
};

class CheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KP_ASSERT_OK_AND_ASSIGN(store_,
                            store::Store::Open(testing::FreshDir("store")));
    KP_ASSERT_OK_AND_ASSIGN(applier_, apply::Applier::Open(store_.get()));
    KP_ASSERT_OK(applier_->Bootstrap(b_.genesis_envelope()));
    ASSERT_EQ(b_.genesis().checkpoint_threshold(), 2u);
  }

  // Node 0's latest cosigned checkpoint, with `peers` to ask.
  absl::StatusOr<v1::Checkpoint> CosignWith(
      std::vector<std::unique_ptr<Cosigner>> peers) {
    absl::StatusOr<crypto::PrivateKey> key =
        crypto::PrivateKey::FromSeed(b_.node_key(0).seed());
    if (!key.ok()) return key.status();
    absl::StatusOr<std::unique_ptr<Checkpointer>> checkpointer =
        Checkpointer::Create(store_.get(), b_.genesis(), *std::move(key), "");
    if (!checkpointer.ok()) return checkpointer.status();
    checkpointer_ = *std::move(checkpointer);
    checkpointer_->SetPeers(std::move(peers), CheckpointerHooks{});
    checkpointer_->Start(absl::Milliseconds(10));
    absl::StatusOr<v1::Checkpoint> cp =
        checkpointer_->Cosigned(store_->size(), absl::Seconds(10));
    checkpointer_->Stop();
    return cp;
  }

  // The peers to ask, in order.
  static std::vector<std::unique_ptr<Cosigner>> InOrder(
      std::unique_ptr<FakePeer> first, std::unique_ptr<FakePeer> second) {
    std::vector<std::unique_ptr<Cosigner>> peers;
    peers.push_back(std::move(first));
    peers.push_back(std::move(second));
    return peers;
  }

  // Applies `events` as the next batch; each must be accepted.
  void Apply(const std::vector<v1::Envelope>& events) {
    KP_ASSERT_OK_AND_ASSIGN(
        apply::BatchResult r,
        applier_->Apply(testing::DayBatch(++position_, 1, events)));
    for (const v1::Receipt& receipt : r.receipts) {
      ASSERT_EQ(receipt.outcome(), v1::Receipt::ACCEPTED) << receipt.reason();
    }
  }

  testing::CustodyBuilder b_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<apply::Applier> applier_;
  uint64_t position_ = 0;
  std::unique_ptr<Checkpointer> checkpointer_;
};

// With three nodes and a threshold of two, a peer asked first sees only
// this node's signature: were it not asked again, a node whose root
// differs would never see a cosigned checkpoint it disagrees with, and
// never find out it diverged.
TEST_F(CheckpointerTest, APeerThatRefusedBeforeTheThresholdIsAskedAgain) {
  auto refusing = std::make_unique<FakePeer>("first", std::nullopt);
  auto signing = std::make_unique<FakePeer>("second", b_.NodeSigners(2)[1]);
  FakePeer* first = refusing.get();
  FakePeer* second = signing.get();
  KP_ASSERT_OK_AND_ASSIGN(
      v1::Checkpoint cp,
      CosignWith(InOrder(std::move(refusing), std::move(signing))));
  EXPECT_EQ(cp.signers_size(), 2);
  const std::vector<size_t> first_saw = first->seen();
  ASSERT_GE(first_saw.size(), 2u);
  EXPECT_EQ(first_saw[0], 1u);  // this node's own signature
  EXPECT_EQ(first_saw[1], 2u) << "asked again with the cosigned checkpoint";
  EXPECT_EQ(second->seen().front(), 1u);
}

// A peer asked once the threshold had signed already saw it: it is asked
// once a round, not twice.
TEST_F(CheckpointerTest, APeerAskedAfterTheThresholdIsAskedOnce) {
  auto signing = std::make_unique<FakePeer>("first", b_.NodeSigners(2)[1]);
  auto refusing = std::make_unique<FakePeer>("second", std::nullopt);
  FakePeer* second = refusing.get();
  KP_ASSERT_OK_AND_ASSIGN(
      v1::Checkpoint cp,
      CosignWith(InOrder(std::move(signing), std::move(refusing))));
  EXPECT_EQ(cp.signers_size(), 2);
  const std::vector<size_t> second_saw = second->seen();
  ASSERT_FALSE(second_saw.empty());
  EXPECT_TRUE(std::all_of(second_saw.begin(), second_saw.end(),
                          [](size_t n) { return n == 2; }));
  // One request a round: the log did not grow, so one round.
  EXPECT_EQ(second_saw.size(), 1u);
}

// With four node keys in force the threshold is three: the first peer
// signs before the checkpoint is cosigned, and is shown the cosigned note
// after, so that it holds it too.
TEST_F(CheckpointerTest, APeerThatSignedBeforeTheThresholdIsShownTheResult) {
  Apply({b_.Register("agency", v1::NODE)});
  auto early = std::make_unique<FakePeer>("first", b_.NodeSigners(3)[1]);
  auto last = std::make_unique<FakePeer>("second", b_.NodeSigners(3)[2]);
  FakePeer* first = early.get();
  FakePeer* second = last.get();
  KP_ASSERT_OK_AND_ASSIGN(
      v1::Checkpoint cp,
      CosignWith(InOrder(std::move(early), std::move(last))));
  EXPECT_EQ(cp.signers_size(), 3);
  const std::vector<size_t> first_saw = first->seen();
  ASSERT_GE(first_saw.size(), 2u);
  EXPECT_EQ(first_saw[0], 1u);
  EXPECT_EQ(first_saw[1], 3u) << "shown the cosigned checkpoint";
  EXPECT_EQ(second->seen().front(), 2u);
}

// A node shown a cosigned note it signed already takes it as its own
// latest cosigned checkpoint.
TEST_F(CheckpointerTest, ANodeShownACosignedNoteItSignedAdoptsIt) {
  KP_ASSERT_OK_AND_ASSIGN(checkpoint::CheckpointBody body,
                          apply::StoreCheckpointBody(
                              *store_, b_.genesis().origin(), store_->size()));
  KP_ASSERT_OK_AND_ASSIGN(const std::string note,
                          checkpoint::SignCheckpoint(body, b_.NodeSigners(2)));
  KP_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Checkpointer> c,
      Checkpointer::Create(
          store_.get(), b_.genesis(),
          crypto::PrivateKey::FromSeed(b_.node_key(1).seed()).value(), ""));
  std::vector<std::unique_ptr<Cosigner>> peers;
  peers.push_back(std::make_unique<FakePeer>("other", std::nullopt));
  c->SetPeers(std::move(peers), CheckpointerHooks{});
  EXPECT_FALSE(c->Cosigned(store_->size(), absl::ZeroDuration()).ok());
  KP_ASSERT_OK(c->CosignFor(note).status());
  KP_ASSERT_OK_AND_ASSIGN(v1::Checkpoint cp,
                          c->Cosigned(store_->size(), absl::ZeroDuration()));
  EXPECT_EQ(cp.signers_size(), 2);
}

// What `kpctl status` says of a node's key as governance adds and removes
// it (Checkpointer::KeyStanding).
TEST_F(CheckpointerTest, SaysHowItsKeyStands) {
  const crypto::PrivateKey agency = testing::CustodyBuilder::ActorKey("agency");
  KP_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Checkpointer> c,
      Checkpointer::Create(store_.get(), b_.genesis(),
                           crypto::PrivateKey::FromSeed(agency.seed()).value(),
                           "agency"));
  EXPECT_EQ(c->name(), "agency");
  EXPECT_EQ(c->KeyStanding(),
            "not in force: not a node key of this ledger up to entry 1 "
            "(governance registers it: RegisterActor, role NODE, actor id "
            "agency)");
  Apply({b_.Register("agency", v1::NODE)});
  EXPECT_EQ(c->KeyStanding(), kKeyInForce);
  v1::CustodyEvent revoke;
  revoke.mutable_revoke_actor()->set_actor_id("agency");
  revoke.mutable_revoke_actor()->set_reason("left");
  Apply({b_.Governance(revoke)});
  EXPECT_EQ(c->KeyStanding(), "not in force: revoked at entry 2");

  // Registered under another id than its file's name: restarted, the node
  // takes the ledger's name for it.
  const crypto::PrivateKey other = testing::CustodyBuilder::ActorKey("vault");
  Apply({b_.Register("vault", v1::NODE)});
  KP_ASSERT_OK_AND_ASSIGN(
      c, Checkpointer::Create(
             store_.get(), b_.genesis(),
             crypto::PrivateKey::FromSeed(other.seed()).value(), "v-node"));
  EXPECT_EQ(c->name(), "vault");
  EXPECT_EQ(c->KeyStanding(), kKeyInForce);
}

TEST_F(CheckpointerTest, RefusesAKeyFileThatNamesAnotherNodesKey) {
  const crypto::PrivateKey stray = testing::CustodyBuilder::ActorKey("stray");
  EXPECT_THAT(
      Checkpointer::Create(store_.get(), b_.genesis(),
                           crypto::PrivateKey::FromSeed(stray.seed()).value(),
                           b_.genesis().node_keys(1).name()),
      testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                        "and its name is another key's"));
  EXPECT_THAT(Checkpointer::Create(
                  store_.get(), b_.genesis(),
                  crypto::PrivateKey::FromSeed(stray.seed()).value(), "a+b"),
              testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                                "its name is not a note key name"));
}

// A checkpoint the threshold signed with this node's root but another
// count of node key changes: this node's history is not its cluster's.
TEST_F(CheckpointerTest, AThresholdSignedNodeCountOtherThanItsOwnDiverges) {
  Apply({b_.Register("agency", v1::NODE)});
  KP_ASSERT_OK_AND_ASSIGN(checkpoint::CheckpointBody body,
                          apply::StoreCheckpointBody(
                              *store_, b_.genesis().origin(), store_->size()));
  ASSERT_EQ(body.extensions.size(), 2u);
  EXPECT_EQ(body.extensions[1], checkpoint::NodeUpdatesLine(1));
  body.extensions[1] = checkpoint::NodeUpdatesLine(2);
  // Four keys are in force: the threshold is three.
  std::vector<checkpoint::NoteSigner> signers = b_.NodeSigners(3);
  KP_ASSERT_OK_AND_ASSIGN(
      const std::string note,
      checkpoint::SignCheckpoint(body, {signers[1], signers[2]}));
  KP_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Checkpointer> c,
      Checkpointer::Create(
          store_.get(), b_.genesis(),
          crypto::PrivateKey::FromSeed(b_.node_key(0).seed()).value(), ""));
  // Two signatures are not the threshold: a refusal, no divergence.
  EXPECT_THAT(c->CosignFor(note),
              testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                                "this node's log holds 1 node key update(s), "
                                "but the checkpoint signed by "));
  KP_EXPECT_OK(c->diverged());
  const crypto::PrivateKey agency = testing::CustodyBuilder::ActorKey("agency");
  signers.push_back(checkpoint::NoteSigner::Create("agency", agency).value());
  KP_ASSERT_OK_AND_ASSIGN(
      const std::string three,
      checkpoint::SignCheckpoint(body, {signers[1], signers[2], signers[3]}));
  EXPECT_FALSE(c->CosignFor(three).ok());
  EXPECT_THAT(c->diverged(),
              testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                                "counts 2, and they are the threshold of 3"));
}

}  // namespace
}  // namespace kpledger::node
