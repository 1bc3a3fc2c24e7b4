// A node whose disk fails: the batch being written is answered UNAVAILABLE,
// the node stops applying and says why, and every event it acknowledged
// before is in the store after a restart. A node whose batch in flight may
// never come back (it diverged, or copied its log from a peer) answers its
// submitters at once.
#include "node/core/ledger_node.h"

#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/file.h"
#include "ledger/crypto/ed25519.h"
#include "ledger/store/store.h"
#include "node/http/metrics.h"
#include "node/sequencer/local_sequencer.h"
#include "tests/testing/custody_builder.h"
#include "tests/testing/failing_disk.h"
#include "tests/testing/fresh_dir.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::node {
namespace {

using ::kpledger::testing::StatusIs;

class LedgerNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshDir("ledger-node");
    NodeOptions options;
    options.data_dir = dir_;
    options.genesis = b_.genesis_envelope();
    KP_ASSERT_OK_AND_ASSIGN(
        crypto::PrivateKey key,
        crypto::PrivateKey::FromSeed(b_.node_key(0).seed()));
    options.node_key = std::move(key);
    options.store.env = disk_.env();
    KP_ASSERT_OK_AND_ASSIGN(
        node_, LedgerNode::Open(std::move(options),
                                std::make_unique<LocalSequencer>(), &metrics_));
    KP_ASSERT_OK(node_->Start());
  }

  // Submits one envelope and waits for its answer.
  absl::StatusOr<v1::Receipt> Submit(const v1::Envelope& envelope) {
    auto answer = std::make_shared<std::promise<absl::StatusOr<v1::Receipt>>>();
    std::future<absl::StatusOr<v1::Receipt>> answered = answer->get_future();
    absl::Status queued = node_->Submit(
        envelope.SerializeAsString(),
        [answer](absl::StatusOr<v1::Receipt> r) { answer->set_value(r); });
    if (!queued.ok()) return queued;
    if (answered.wait_for(std::chrono::seconds(30)) !=
        std::future_status::ready) {
      return absl::DeadlineExceededError("no answer in 30 s");
    }
    return answered.get();
  }

  testing::CustodyBuilder b_;
  testing::FailingDisk disk_;
  std::string dir_;
  MetricsRegistry metrics_;
  std::unique_ptr<LedgerNode> node_;
};

// A node alone orders its own batches: it starts only with a node key in
// force (a key governance has not registered would add to the ledger
// unchecked).
TEST(LedgerNodeKeyTest, ANodeAloneRefusesAKeyNotInForce) {
  testing::CustodyBuilder b;
  NodeOptions options;
  options.data_dir = testing::FreshDir("ledger-node-stray");
  options.genesis = b.genesis_envelope();
  KP_ASSERT_OK_AND_ASSIGN(
      crypto::PrivateKey key,
      crypto::PrivateKey::FromSeed(
          testing::CustodyBuilder::ActorKey("stray").seed()));
  options.node_key = std::move(key);
  options.node_key_name = "stray";
  MetricsRegistry metrics;
  EXPECT_THAT(
      LedgerNode::Open(std::move(options), std::make_unique<LocalSequencer>(),
                       &metrics)
          .status(),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               "the node key stray is not in force: not a node key of this "
               "ledger up to entry 1"));
}

TEST_F(LedgerNodeTest, AFailedWriteIsNotAcknowledgedAndStopsTheNode) {
  KP_ASSERT_OK_AND_ASSIGN(v1::Receipt acked,
                          Submit(b_.Register("customs-1", v1::CUSTOMS)));
  ASSERT_EQ(acked.outcome(), v1::Receipt::ACCEPTED) << acked.reason();
  KP_ASSERT_OK(node_->health());

  disk_.fail();
  EXPECT_THAT(Submit(b_.Register("vault-1", v1::VAULT)),
              StatusIs(absl::StatusCode::kUnavailable,
                       "the node could not write the batch"));
  EXPECT_THAT(node_->health(), StatusIs(absl::StatusCode::kUnavailable,
                                        "the node stopped applying"));
  EXPECT_THAT(node_->write_failure(),
              StatusIs(absl::StatusCode::kUnavailable, "injected"));
  // Later submissions are refused at once, not queued.
  EXPECT_THAT(Submit(b_.Register("lab-1", v1::LAB)),
              StatusIs(absl::StatusCode::kUnavailable, "stopped applying"));
  node_.reset();

  // Restarted on a good disk: what was acknowledged is there, nothing else.
  KP_ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::Store> store,
                          store::Store::Open(dir_));
  EXPECT_EQ(store->size(), 2u);  // genesis, customs-1
  KP_ASSERT_OK_AND_ASSIGN(uint64_t index, store->FindEvent(acked.event_id()));
  EXPECT_EQ(index, acked.leaf_index());
}

// A sequencer that keeps what is proposed and delivers what the test says.
class HeldSequencer : public Sequencer {
 public:
  std::string name() const override { return "held"; }
  void SetNode(NodeView node) override { node_ = std::move(node); }
  absl::Status Start(uint64_t, Deliver deliver) override {
    deliver_ = std::move(deliver);
    return absl::OkStatus();
  }
  absl::Status Propose(ProposedBatch batch) override {
    absl::MutexLock lock(&mu_);
    proposed_.push_back(std::move(batch));
    return absl::OkStatus();
  }
  void Stop() override {}

  ProposedBatch WaitForFirst() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](std::vector<ProposedBatch>* p) { return !p->empty(); },
        &proposed_));
    return proposed_.front();
  }
  Deliver deliver_;
  NodeView node_;

 private:
  absl::Mutex mu_;
  std::vector<ProposedBatch> proposed_ ABSL_GUARDED_BY(mu_);
};

class LedgerNodeInFlightTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshDir("ledger-node-in-flight");
    ASSERT_NO_FATAL_FAILURE(OpenNode());
    KP_ASSERT_OK(node_->Submit(
        b_.Register("customs-1", v1::CUSTOMS).SerializeAsString(),
        [this](absl::StatusOr<v1::Receipt> r) { answer_.set_value(r); }));
    seq_->WaitForFirst();
  }
  void TearDown() override { node_->Stop(); }

  // Opens and starts node 0 on dir_, with a held sequencer.
  void OpenNode() {
    NodeOptions options;
    options.data_dir = dir_;
    options.genesis = b_.genesis_envelope();
    KP_ASSERT_OK_AND_ASSIGN(
        crypto::PrivateKey key,
        crypto::PrivateKey::FromSeed(b_.node_key(0).seed()));
    options.node_key = std::move(key);
    auto seq = std::make_unique<HeldSequencer>();
    seq_ = seq.get();
    KP_ASSERT_OK_AND_ASSIGN(
        node_, LedgerNode::Open(std::move(options), std::move(seq), &metrics_));
    node_->SetPeers({});
    KP_ASSERT_OK(node_->Start());
  }

  absl::StatusOr<v1::Receipt> Answer() {
    std::future<absl::StatusOr<v1::Receipt>> answered = answer_.get_future();
    if (answered.wait_for(std::chrono::seconds(30)) !=
        std::future_status::ready) {
      return absl::DeadlineExceededError("no answer in 30 s");
    }
    return answered.get();
  }

  testing::CustodyBuilder b_;
  std::string dir_;
  MetricsRegistry metrics_;
  HeldSequencer* seq_ = nullptr;
  std::unique_ptr<LedgerNode> node_;
  std::promise<absl::StatusOr<v1::Receipt>> answer_;
};

TEST_F(LedgerNodeInFlightTest, ABatchACopyWentPastIsAnswered) {
  // etcd took the node's batch, then a copy from a peer took the node past
  // its revision: the watch will never deliver it.
  const ProposedBatch proposed = seq_->WaitForFirst();
  seq_->node_.lost_proposals({proposed.nonce});
  EXPECT_THAT(Answer(), StatusIs(absl::StatusCode::kUnavailable,
                                 "copied that part of the log from a peer"));
  KP_EXPECT_OK(node_->health());
  // Later submissions are taken as usual.
  KP_EXPECT_OK(
      node_->Submit(b_.Register("vault-1", v1::VAULT).SerializeAsString(),
                    [](absl::StatusOr<v1::Receipt>) {}));
}

TEST_F(LedgerNodeInFlightTest, ABatchInFlightWhenTheNodeDivergesIsAnswered) {
  node_->checkpointer().Diverge("a cosigned root differs (test)");
  EXPECT_THAT(Answer(), StatusIs(absl::StatusCode::kUnavailable,
                                 "this node diverged from its cluster"));
  EXPECT_THAT(node_->health(),
              StatusIs(absl::StatusCode::kFailedPrecondition, "diverged"));
}

// A restart must not serve the diverged history as valid again: the
// divergence is kept in the data dir until the operator replaces it.
TEST_F(LedgerNodeInFlightTest, ADivergedNodeIsStillDivergedAfterARestart) {
  node_->checkpointer().Diverge("a cosigned root differs (test)");
  EXPECT_THAT(Answer(), StatusIs(absl::StatusCode::kUnavailable,
                                 "this node diverged from its cluster"));
  node_->Stop();
  node_.reset();
  KP_ASSERT_OK_AND_ASSIGN(std::string recorded,
                          base::ReadFile(dir_ + "/DIVERGED"));
  EXPECT_EQ(recorded, "a cosigned root differs (test)\n");

  ASSERT_NO_FATAL_FAILURE(OpenNode());
  EXPECT_THAT(node_->health(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "on an earlier run: a cosigned root differs (test) (" +
                           dir_ + "/DIVERGED"));
  EXPECT_THAT(node_->checkpointer().Latest().status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, "diverged"));
  EXPECT_FALSE(
      node_
          ->Submit(b_.Register("vault-1", v1::VAULT).SerializeAsString(),
                   [](absl::StatusOr<v1::Receipt>) {})
          .ok());
  // The record says why it first diverged, not that it was restarted.
  KP_ASSERT_OK_AND_ASSIGN(recorded, base::ReadFile(dir_ + "/DIVERGED"));
  EXPECT_EQ(recorded, "a cosigned root differs (test)\n");
}

// A record that cannot be read still says the node diverged: a node that
// started healthy would serve that history as valid again.
TEST_F(LedgerNodeInFlightTest, AnUnreadableDivergedRecordStillMeansDiverged) {
  node_->Stop();
  node_.reset();
  std::filesystem::create_directory(dir_ + "/DIVERGED");
  ASSERT_NO_FATAL_FAILURE(OpenNode());
  EXPECT_THAT(node_->health(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "on an earlier run: cannot read " + dir_ + "/DIVERGED"));
}

}  // namespace
}  // namespace kpledger::node
