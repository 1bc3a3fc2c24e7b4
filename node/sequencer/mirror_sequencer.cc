#include "node/sequencer/mirror_sequencer.h"

#include "absl/strings/str_cat.h"
#include "ledger/base/thread_name.h"
#include "ledger/store/store.h"
#include "node/checkpoint/checkpointer.h"
#include "spdlog/spdlog.h"

namespace kpledger::node {

MirrorSequencer::MirrorSequencer(std::unique_ptr<PeerFollower> peer,
                                 absl::Duration interval,
                                 MetricsRegistry* metrics)
    : peer_(std::move(peer)), interval_(interval) {
  refused_ = SyncRefusedCounter(metrics);
}

MirrorSequencer::~MirrorSequencer() { Stop(); }

absl::Status MirrorSequencer::Start(uint64_t applied_position,
                                    Deliver deliver) {
  deliver_ = std::move(deliver);
  thread_ = std::thread([this, applied_position] {
    base::NameThisThread("kp-mirror");
    Run(applied_position);
  });
  return absl::OkStatus();
}

absl::Status MirrorSequencer::Propose(ProposedBatch) {
  return absl::FailedPreconditionError(
      absl::StrCat("this node is a read-only mirror of ", peer_->address(),
                   ": submit to a node of the cluster"));
}

void MirrorSequencer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::Status MirrorSequencer::health() const {
  absl::MutexLock lock(&mu_);
  return health_;
}

void MirrorSequencer::Run(uint64_t applied_position) {
  auto stopping = [this] {
    absl::MutexLock lock(&mu_);
    return stopping_;
  };
  std::string last_error;
  while (true) {
    absl::StatusOr<PeerFollower::Caught> caught = peer_->Round(
        node_, deliver_, applied_position, /*index_positions=*/true, stopping);
    if (caught.ok()) {
      applied_position += caught->entries;
      if (caught->entries > 0 || !last_error.empty()) {
        spdlog::info("mirror: {} entries from {}; the log has {}",
                     caught->entries, peer_->address(), node_.store->size());
      }
      last_error.clear();
      absl::MutexLock lock(&mu_);
      health_ = absl::OkStatus();
    } else if (absl::IsCancelled(caught.status())) {
      return;
    } else {
      if (absl::Status diverged = node_.checkpointer->diverged();
          !diverged.ok()) {
        // Logged and counted by Checkpointer::Diverge; the node's health
        // says so. Follow no further.
        absl::MutexLock lock(&mu_);
        health_ = diverged;
        return;
      }
      const std::string error = caught.status().ToString();
      if (IsSyncRefusal(caught.status(), node_)) refused_->Increment();
      if (error != last_error) {
        spdlog::error("mirror: following {}: {}", peer_->address(), error);
        last_error = error;
      }
      absl::MutexLock lock(&mu_);
      health_ = absl::UnavailableError(absl::StrCat("mirror cannot follow ",
                                                    peer_->address(), ": ",
                                                    caught.status().message()));
    }
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_)) return;
  }
}

}  // namespace kpledger::node
