#include "node/batcher/batcher.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/thread_name.h"

namespace kpledger::node {

Batcher::Batcher(const BatcherOptions& options, std::string proposer,
                 Sequencer* sequencer, std::function<entry::LedgerTime()> clock,
                 BatcherHooks hooks)
    : options_(options),
      proposer_(std::move(proposer)),
      sequencer_(sequencer),
      clock_(std::move(clock)),
      hooks_(std::move(hooks)) {
  // Nonces must not repeat across restarts either (a sequencer may deliver
  // a batch of an earlier process after this one started): start from the
  // wall clock, in nanoseconds.
  next_nonce_ = static_cast<uint64_t>(absl::ToUnixNanos(absl::Now()));
  thread_ = std::thread([this] {
    base::NameThisThread("kp-batcher");
    Run();
  });
}

Batcher::~Batcher() { Stop(); }

absl::Status Batcher::Submit(std::string envelope, ReceiptCallback done) {
  absl::MutexLock lock(&mu_);
  if (!abandoned_.ok()) return abandoned_;
  if (stopping_ || draining_) {
    return absl::UnavailableError("the node is stopping");
  }
  if (pending_ >= options_.max_pending) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the node has ", pending_,
        " events waiting to be applied (its limit); retry shortly"));
  }
  ++pending_;
  // An event that would take the open batch past its byte limit starts the
  // next one.
  if (!open_.envelopes.empty() &&
      open_.bytes + envelope.size() > options_.max_bytes) {
    full_.push_back(std::exchange(open_, Open{}));
  }
  if (open_.envelopes.empty()) open_.first_at = absl::Now();
  open_.bytes += envelope.size();
  open_.envelopes.push_back(std::move(envelope));
  open_.callbacks.push_back(std::move(done));
  if (open_.envelopes.size() >= options_.max_events ||
      open_.bytes >= options_.max_bytes) {
    full_.push_back(std::exchange(open_, Open{}));
  }
  return absl::OkStatus();
}

bool Batcher::ShouldClose() const {
  if (stopping_ || !full_.empty()) return true;
  if (open_.envelopes.empty()) return false;
  if (draining_) return true;
  return in_flight_.size() < options_.max_in_flight &&
         absl::Now() - open_.first_at >= options_.max_delay;
}

void Batcher::Run() {
  while (true) {
    ProposedBatch batch;
    std::vector<ReceiptCallback> callbacks;
    {
      absl::MutexLock lock(&mu_);
      while (!ShouldClose()) {
        // Wait for the open batch's delay to run out, or, while there is
        // no open batch, for its first event (which starts the delay), or
        // for a change that closes it (full, a batch applied, Stop). Once
        // the delay has run out only such a change can close it (too many
        // batches are in flight): polling then would wake this thread
        // thousands of times a second under load for nothing.
        const bool empty = open_.envelopes.empty();
        const absl::Duration left =
            empty ? absl::ZeroDuration()
                  : options_.max_delay - (absl::Now() - open_.first_at);
        const absl::Duration wait = left > absl::ZeroDuration()
                                        ? std::max(absl::Microseconds(50), left)
                                        : absl::Seconds(1);
        struct Wake {
          Batcher* b;
          bool empty;
        } wake{this, empty};
        mu_.AwaitWithTimeout(
            absl::Condition(
                +[](Wake* w) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                  return w->b->ShouldClose() ||
                         (w->empty && !w->b->open_.envelopes.empty());
                },
                &wake),
            wait);
      }
      if (stopping_) return;
      Open closing;
      if (!full_.empty()) {
        closing = std::move(full_.front());
        full_.pop_front();
      } else {
        closing = std::exchange(open_, Open{});
      }
      batch.proposer = proposer_;
      batch.nonce = next_nonce_++;
      batch.envelopes = std::move(closing.envelopes);
      callbacks = std::move(closing.callbacks);
      const size_t bytes = closing.bytes;
      if (hooks_.batch_closed)
        hooks_.batch_closed(batch.envelopes.size(), bytes);
      in_flight_.emplace(batch.nonce,
                         Proposed{std::move(callbacks), absl::Now()});
    }
    batch.proposed_time = clock_();
    const uint64_t nonce = batch.nonce;
    if (absl::Status st = sequencer_->Propose(std::move(batch)); !st.ok()) {
      Complete(nonce, st);
    }
  }
}

void Batcher::Complete(uint64_t nonce,
                       absl::StatusOr<std::vector<v1::Receipt>> result) {
  std::vector<ReceiptCallback> callbacks;
  absl::Time proposed_at;
  {
    absl::MutexLock lock(&mu_);
    auto it = in_flight_.find(nonce);
    if (it == in_flight_.end()) return;
    callbacks = std::move(it->second.callbacks);
    proposed_at = it->second.at;
    in_flight_.erase(it);
    pending_ -= callbacks.size();
  }
  if (!result.ok()) {
    Fail(callbacks, result.status());
    return;
  }
  if (result->size() != callbacks.size()) {
    Fail(callbacks, absl::InternalError(absl::StrCat(
                        "batch ", nonce, " came back with ", result->size(),
                        " receipts for ", callbacks.size(), " events")));
    return;
  }
  for (size_t i = 0; i < callbacks.size(); ++i) {
    callbacks[i](std::move((*result)[i]));
  }
  if (hooks_.batch_answered) hooks_.batch_answered(absl::Now() - proposed_at);
}

void Batcher::Fail(std::vector<ReceiptCallback>& callbacks,
                   const absl::Status& status) {
  for (ReceiptCallback& cb : callbacks) cb(status);
}

void Batcher::Drain(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  draining_ = true;
  mu_.AwaitWithTimeout(
      absl::Condition(
          +[](Batcher* b) ABSL_EXCLUSIVE_LOCKS_REQUIRED(b->mu_) {
            return b->stopping_ || (b->open_.envelopes.empty() &&
                                    b->full_.empty() && b->in_flight_.empty());
          },
          this),
      timeout);
}

std::vector<ReceiptCallback> Batcher::TakeWaiting() {
  std::vector<ReceiptCallback> waiting = std::move(open_.callbacks);
  open_ = Open{};
  for (Open& full : full_) {
    for (ReceiptCallback& cb : full.callbacks) waiting.push_back(std::move(cb));
  }
  full_.clear();
  for (auto& [nonce, proposed] : in_flight_) {
    for (ReceiptCallback& cb : proposed.callbacks) {
      waiting.push_back(std::move(cb));
    }
  }
  in_flight_.clear();
  pending_ = 0;
  return waiting;
}

void Batcher::Stop() {
  std::vector<ReceiptCallback> waiting;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    waiting = TakeWaiting();
  }
  if (thread_.joinable()) thread_.join();
  Fail(waiting, absl::UnavailableError(
                    "the node stopped before the event was applied; it may "
                    "or may not be in the log: submit it again (a duplicate "
                    "is answered with the original receipt)"));
}

void Batcher::Abandon(const absl::Status& why) {
  std::vector<ReceiptCallback> waiting;
  {
    absl::MutexLock lock(&mu_);
    if (abandoned_.ok()) abandoned_ = why;
    waiting = TakeWaiting();
  }
  Fail(waiting, why);
}

size_t Batcher::pending() const {
  absl::MutexLock lock(&mu_);
  return pending_;
}

}  // namespace kpledger::node
