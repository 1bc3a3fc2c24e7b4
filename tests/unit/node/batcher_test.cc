// The batcher's contract (node/batcher/batcher.h): when batches close, that
// every submission is answered exactly once, backpressure, and stopping.
#include "node/batcher/batcher.h"

#include <atomic>
#include <deque>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "node/sequencer/local_sequencer.h"

namespace kpledger::node {
namespace {

// A sequencer that keeps what is proposed, for the test to look at and
// complete; or refuses every proposal.
class RecordingSequencer : public Sequencer {
 public:
  std::string name() const override { return "recording"; }
  absl::Status Start(uint64_t, Deliver) override { return absl::OkStatus(); }
  absl::Status Propose(ProposedBatch batch) override {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](bool* held) { return !*held; }, &held_));
    if (!refuse_.ok()) return refuse_;
    proposed_.push_back(std::move(batch));
    return absl::OkStatus();
  }
  void Stop() override {}

  // While held, Propose waits (a sequencer slow to order a batch).
  void Hold(bool held) {
    absl::MutexLock lock(&mu_);
    held_ = held;
  }
  void Refuse(absl::Status status) {
    absl::MutexLock lock(&mu_);
    refuse_ = std::move(status);
  }
  // Waits for the n-th proposal (1-based) and returns a copy.
  ProposedBatch WaitFor(size_t n) {
    absl::MutexLock lock(&mu_);
    std::pair<RecordingSequencer*, size_t> arg(this, n);
    mu_.Await(absl::Condition(
        +[](std::pair<RecordingSequencer*, size_t>* a)
             ABSL_NO_THREAD_SAFETY_ANALYSIS {
               return a->first->proposed_.size() >= a->second;
             },
        &arg));
    return proposed_[n - 1];
  }
  size_t count() {
    absl::MutexLock lock(&mu_);
    return proposed_.size();
  }

 private:
  absl::Mutex mu_;
  absl::Status refuse_;
  bool held_ = false;
  std::deque<ProposedBatch> proposed_;
};

entry::LedgerTime Clock() { return entry::LedgerTime{1788220800, 0}; }

// Collects the answers of submissions.
struct Answers {
  absl::Mutex mu;
  std::vector<absl::StatusOr<v1::Receipt>> got;
  ReceiptCallback Callback() {
    return [this](absl::StatusOr<v1::Receipt> r) {
      absl::MutexLock lock(&mu);
      got.push_back(std::move(r));
    };
  }
  size_t size() {
    absl::MutexLock lock(&mu);
    return got.size();
  }
};

std::vector<v1::Receipt> Receipts(const ProposedBatch& batch) {
  std::vector<v1::Receipt> out(batch.envelopes.size());
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].set_outcome(v1::Receipt::ACCEPTED);
    out[i].set_event_id(batch.envelopes[i]);  // which one it answers
  }
  return out;
}

TEST(BatcherTest, ABatchClosesWhenFullAndReceiptsGoToTheirSubmitters) {
  RecordingSequencer seq;
  BatcherOptions options;
  options.max_events = 3;
  options.max_delay = absl::Seconds(60);  // only "full" closes it
  Answers answers;  // outlives the batcher, which answers at Stop
  Batcher batcher(options, "node-a", &seq, Clock);
  for (const char* e : {"e1", "e2", "e3", "e4"}) {
    ASSERT_TRUE(batcher.Submit(e, answers.Callback()).ok());
  }
  const ProposedBatch first = seq.WaitFor(1);
  EXPECT_EQ(first.proposer, "node-a");
  EXPECT_EQ(first.envelopes, (std::vector<std::string>{"e1", "e2", "e3"}));
  EXPECT_EQ(first.proposed_time, Clock());
  EXPECT_EQ(batcher.pending(), 4u);
  EXPECT_EQ(answers.size(), 0u);  // nothing is answered before it is applied

  batcher.Complete(first.nonce, Receipts(first));
  ASSERT_EQ(answers.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(answers.got[i]->event_id(), first.envelopes[i]);
  }
  EXPECT_EQ(batcher.pending(), 1u);
  // A nonce it never proposed (an earlier process's batch) is ignored.
  batcher.Complete(first.nonce + 1000, std::vector<v1::Receipt>{});
  EXPECT_EQ(answers.size(), 3u);
}

TEST(BatcherTest, ABatchClosesAfterTheDelayAndWithTooManyBytes) {
  RecordingSequencer seq;
  BatcherOptions options;
  options.max_events = 1000;
  options.max_bytes = 10;
  options.max_delay = absl::Milliseconds(20);
  Answers answers;  // outlives the batcher, which answers at Stop
  Batcher batcher(options, "node-a", &seq, Clock);
  ASSERT_TRUE(batcher.Submit("small", answers.Callback()).ok());
  const absl::Time start = absl::Now();
  EXPECT_EQ(seq.WaitFor(1).envelopes.size(), 1u);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(15));
  ASSERT_TRUE(batcher.Submit("twelve bytes", answers.Callback()).ok());
  EXPECT_EQ(seq.WaitFor(2).envelopes,
            (std::vector<std::string>{"twelve bytes"}));
}

TEST(BatcherTest, GroupCommitWhileBatchesAreInFlight) {
  RecordingSequencer seq;
  BatcherOptions options;
  options.max_delay = absl::Milliseconds(1);
  options.max_in_flight = 1;
  Answers answers;  // outlives the batcher, which answers at Stop
  Batcher batcher(options, "node-a", &seq, Clock);
  ASSERT_TRUE(batcher.Submit("a", answers.Callback()).ok());
  const ProposedBatch first = seq.WaitFor(1);
  // While the first batch is being applied, later events gather into one.
  for (const char* e : {"b", "c", "d"}) {
    ASSERT_TRUE(batcher.Submit(e, answers.Callback()).ok());
  }
  absl::SleepFor(absl::Milliseconds(30));
  EXPECT_EQ(seq.count(), 1u);
  // Its delay ran out long ago: the batch applied is what closes it, at
  // once (the batcher waits for that, it does not poll for it).
  const absl::Time completed = absl::Now();
  batcher.Complete(first.nonce, Receipts(first));
  EXPECT_EQ(seq.WaitFor(2).envelopes,
            (std::vector<std::string>{"b", "c", "d"}));
  EXPECT_LT(absl::Now() - completed, absl::Milliseconds(500));
}

TEST(BatcherTest, ReportsTheRoundOfEachAnsweredBatch) {
  RecordingSequencer seq;
  BatcherOptions options;
  options.max_events = 1;
  absl::Mutex mu;
  std::vector<absl::Duration> rounds;
  BatcherHooks hooks;
  hooks.batch_answered = [&](absl::Duration round) {
    absl::MutexLock lock(&mu);
    rounds.push_back(round);
  };
  Answers answers;  // outlives the batcher, which answers at Stop
  Batcher batcher(options, "node-a", &seq, Clock, hooks);
  ASSERT_TRUE(batcher.Submit("a", answers.Callback()).ok());
  ASSERT_TRUE(batcher.Submit("b", answers.Callback()).ok());
  const ProposedBatch first = seq.WaitFor(1);
  const ProposedBatch second = seq.WaitFor(2);
  absl::SleepFor(absl::Milliseconds(20));
  batcher.Complete(first.nonce, Receipts(first));
  // A batch that failed was not applied: it has no round to report.
  batcher.Complete(second.nonce, absl::UnavailableError("no quorum"));
  ASSERT_EQ(answers.size(), 2u);
  absl::MutexLock lock(&mu);
  ASSERT_EQ(rounds.size(), 1u);
  EXPECT_GE(rounds[0], absl::Milliseconds(20));
  EXPECT_LT(rounds[0], absl::Seconds(10));
}

TEST(BatcherTest, BackpressureRefusesBeyondMaxPending) {
  RecordingSequencer seq;
  BatcherOptions options;
  options.max_pending = 2;
  options.max_delay = absl::Seconds(60);
  Answers answers;  // outlives the batcher, which answers at Stop
  Batcher batcher(options, "node-a", &seq, Clock);
  ASSERT_TRUE(batcher.Submit("a", answers.Callback()).ok());
  ASSERT_TRUE(batcher.Submit("b", answers.Callback()).ok());
  const absl::Status third = batcher.Submit("c", answers.Callback());
  EXPECT_EQ(third.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(third.message().find("retry"), absl::string_view::npos);
  EXPECT_EQ(answers.size(), 0u);  // a refused Submit's callback is not called
}

TEST(BatcherTest, FailuresAnswerEverySubmission) {
  RecordingSequencer seq;
  BatcherOptions options;
  options.max_events = 2;
  Answers answers;  // outlives the batcher, which answers at Stop
  Batcher batcher(options, "node-a", &seq, Clock);
  // The sequencer cannot order the batch: both are answered with its error.
  seq.Refuse(absl::UnavailableError("no quorum"));
  ASSERT_TRUE(batcher.Submit("a", answers.Callback()).ok());
  ASSERT_TRUE(batcher.Submit("b", answers.Callback()).ok());
  for (int i = 0; i < 200 && answers.size() < 2; ++i) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers.got[0].status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(batcher.pending(), 0u);

  // Receipts that do not match the batch: every submitter gets an error.
  seq.Refuse(absl::OkStatus());
  ASSERT_TRUE(batcher.Submit("c", answers.Callback()).ok());
  ASSERT_TRUE(batcher.Submit("d", answers.Callback()).ok());
  const ProposedBatch batch = seq.WaitFor(1);
  batcher.Complete(batch.nonce, std::vector<v1::Receipt>(1));
  ASSERT_EQ(answers.size(), 4u);
  EXPECT_EQ(answers.got[3].status().code(), absl::StatusCode::kInternal);
}

TEST(BatcherTest, DrainThenStopAnswersWhatWaits) {
  RecordingSequencer seq;
  BatcherOptions options;
  options.max_delay = absl::Seconds(60);
  Answers answers;  // outlives the batcher, which answers at Stop
  Batcher batcher(options, "node-a", &seq, Clock);
  ASSERT_TRUE(batcher.Submit("a", answers.Callback()).ok());
  // Drain proposes the open batch at once and waits for it (here: never
  // applied, so it times out), refusing new submissions meanwhile.
  std::thread drain([&] { batcher.Drain(absl::Milliseconds(200)); });
  EXPECT_EQ(seq.WaitFor(1).envelopes, (std::vector<std::string>{"a"}));
  drain.join();
  EXPECT_EQ(batcher.Submit("b", answers.Callback()).code(),
            absl::StatusCode::kUnavailable);
  batcher.Stop();
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers.got[0].status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(answers.got[0].status().message().find("submit it again"),
            absl::string_view::npos);
}

// The node can apply nothing more: every waiting event is answered at once,
// whether its batch is being proposed, full and waiting, or still open.
TEST(BatcherTest, AbandonAnswersEveryWaitingEventAndRefusesNewOnes) {
  RecordingSequencer seq;
  BatcherOptions options;
  options.max_events = 2;
  options.max_delay = absl::Seconds(60);
  Answers answers;
  Batcher batcher(options, "node-a", &seq, Clock);
  seq.Hold(true);
  for (const char* e : {"a", "b"}) {
    ASSERT_TRUE(batcher.Submit(e, answers.Callback()).ok());
  }
  // a and b are being proposed; c and d wait full behind them; e is open.
  absl::SleepFor(absl::Milliseconds(20));
  for (const char* e : {"c", "d", "e"}) {
    ASSERT_TRUE(batcher.Submit(e, answers.Callback()).ok());
  }
  batcher.Abandon(absl::UnavailableError("the disk failed"));
  ASSERT_EQ(answers.size(), 5u);
  for (const absl::StatusOr<v1::Receipt>& r : answers.got) {
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(r.status().message(), "the disk failed");
  }
  EXPECT_EQ(batcher.pending(), 0u);
  const absl::Status refused = batcher.Submit("f", answers.Callback());
  EXPECT_EQ(refused.message(), "the disk failed");

  // The batch that was being proposed comes back: nobody is answered twice.
  seq.Hold(false);
  const ProposedBatch first = seq.WaitFor(1);
  batcher.Complete(first.nonce, Receipts(first));
  batcher.Stop();
  EXPECT_EQ(answers.size(), 5u);
}

TEST(LocalSequencerTest, DeliversInOrderFromTheAppliedPosition) {
  LocalSequencer seq;
  absl::Mutex mu;
  std::vector<uint64_t> positions;
  std::vector<uint64_t> nonces;
  ASSERT_TRUE(seq.Start(41,
                        [&](SequencedBatch b) {
                          absl::MutexLock lock(&mu);
                          positions.push_back(b.position);
                          nonces.push_back(b.batch.nonce);
                          return absl::OkStatus();
                        })
                  .ok());
  for (uint64_t n = 1; n <= 3; ++n) {
    ProposedBatch b;
    b.nonce = n;
    ASSERT_TRUE(seq.Propose(std::move(b)).ok());
  }
  for (int i = 0; i < 200; ++i) {
    absl::MutexLock lock(&mu);
    if (positions.size() == 3) break;
    mu.Unlock();
    absl::SleepFor(absl::Milliseconds(5));
    mu.Lock();
  }
  seq.Stop();
  EXPECT_EQ(positions, (std::vector<uint64_t>{42, 43, 44}));
  EXPECT_EQ(nonces, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(seq.Propose({}).code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace kpledger::node
