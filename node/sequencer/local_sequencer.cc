#include "node/sequencer/local_sequencer.h"

#include <utility>

#include "ledger/base/thread_name.h"
#include "spdlog/spdlog.h"

namespace kpledger::node {

LocalSequencer::~LocalSequencer() { Stop(); }

absl::Status LocalSequencer::Start(uint64_t applied_position, Deliver deliver) {
  absl::MutexLock lock(&mu_);
  if (started_) return absl::FailedPreconditionError("sequencer started twice");
  started_ = true;
  last_position_ = applied_position;
  deliver_ = std::move(deliver);
  thread_ = std::thread([this] {
    base::NameThisThread("kp-sequencer");
    Run();
  });
  return absl::OkStatus();
}

absl::Status LocalSequencer::Propose(ProposedBatch batch) {
  absl::MutexLock lock(&mu_);
  if (!started_ || stopping_) {
    return absl::UnavailableError("the node is stopping");
  }
  queue_.push_back(SequencedBatch{++last_position_, std::move(batch)});
  return absl::OkStatus();
}

void LocalSequencer::Run() {
  while (true) {
    SequencedBatch next;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](LocalSequencer* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu_) {
            return s->stopping_ || !s->queue_.empty();
          },
          this));
      if (stopping_) return;
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    const uint64_t position = next.position;
    if (absl::Status st = deliver_(std::move(next)); !st.ok()) {
      spdlog::critical("batch at position {} could not be applied: {}",
                       position, st.ToString());
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      return;
    }
  }
}

void LocalSequencer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace kpledger::node
