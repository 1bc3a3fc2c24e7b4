// The batcher: group commit for submissions (DESIGN §2, step 2). Events
// submitted one by one are gathered into batches, which the sequencer
// orders and the applier writes with one synced write each, so the cost of
// a disk sync is shared by every event of a batch.
//
// A batch closes when it holds max_events events or max_bytes bytes, or
// max_delay after its first event arrived. While max_in_flight batches are
// proposed and not yet applied, an open batch keeps growing instead (until
// it is full): under load batches grow to what the applier can take.
//
// Backpressure: at most max_pending events wait (gathered, ordered or being
// applied); beyond that Submit answers ResourceExhausted at once, so no
// queue grows without bound.
//
// Each submission is answered exactly once through its callback: with its
// receipt once its batch is applied (durable), or with an error if its
// batch could not be ordered or applied, or the node stops first.
#ifndef KPLEDGER_NODE_BATCHER_BATCHER_H_
#define KPLEDGER_NODE_BATCHER_BATCHER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kpledger/v1/ledger.pb.h"
#include "node/sequencer/sequencer.h"

namespace kpledger::node {

struct BatcherOptions {
  size_t max_events = 2000;
  size_t max_bytes = size_t{1} << 20;
  absl::Duration max_delay = absl::Milliseconds(2);
  size_t max_pending = 20000;
  size_t max_in_flight = 3;
};

using ReceiptCallback = std::function<void(absl::StatusOr<v1::Receipt>)>;

// What the batcher reports as it works (metrics); may be empty.
struct BatcherHooks {
  std::function<void(size_t events, size_t bytes)> batch_closed;
  // A batch was applied and its submitters answered, `round` after it was
  // proposed (ordering, delivery, rules and write).
  std::function<void(absl::Duration round)> batch_answered;
};

class Batcher {
 public:
  // `proposer` is this node's name; `clock` gives each batch its proposed
  // time. `sequencer` must outlive the batcher.
  Batcher(const BatcherOptions& options, std::string proposer,
          Sequencer* sequencer, std::function<entry::LedgerTime()> clock,
          BatcherHooks hooks = {});
  ~Batcher();  // Stop()

  // Queues `envelope` (serialized, already checked for size); `done` is
  // called later, from another thread. ResourceExhausted (and `done` is
  // not called) when max_pending events wait; Unavailable when stopped.
  absl::Status Submit(std::string envelope, ReceiptCallback done);

  // The applier applied (or refused) batch `nonce` of this proposer:
  // answers its submitters, receipt i to submission i. A nonce this
  // batcher did not propose (an earlier process's) is ignored.
  void Complete(uint64_t nonce,
                absl::StatusOr<std::vector<v1::Receipt>> result);

  // Graceful stop, first half: refuses new submissions (Unavailable),
  // proposes the open batch at once and waits up to `timeout` for every
  // proposed batch to be applied and answered.
  void Drain(absl::Duration timeout);
  // Answers every waiting submission Unavailable and stops proposing.
  void Stop();
  // The node can apply nothing more (a store write failed): answers every
  // waiting submission with `why` and refuses new ones with it. Stop
  // still ends the thread.
  void Abandon(const absl::Status& why);

  size_t pending() const;

 private:
  struct Open {
    std::vector<std::string> envelopes;
    std::vector<ReceiptCallback> callbacks;
    size_t bytes = 0;
    absl::Time first_at;
  };

  void Run();
  bool ShouldClose() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static void Fail(std::vector<ReceiptCallback>& callbacks,
                   const absl::Status& status);
  // Takes the callbacks of every event not yet answered.
  std::vector<ReceiptCallback> TakeWaiting() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const BatcherOptions options_;
  const std::string proposer_;
  Sequencer* const sequencer_;
  const std::function<entry::LedgerTime()> clock_;
  const BatcherHooks hooks_;
  std::thread thread_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status abandoned_ ABSL_GUARDED_BY(mu_);  // set by Abandon
  size_t pending_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_nonce_ ABSL_GUARDED_BY(mu_);
  Open open_ ABSL_GUARDED_BY(mu_);
  // Batches that filled up (events or bytes) and wait to be proposed, so
  // that no batch grows past its limits while the proposer is busy.
  std::deque<Open> full_ ABSL_GUARDED_BY(mu_);
  struct Proposed {
    std::vector<ReceiptCallback> callbacks;
    absl::Time at;
  };
  // Batches proposed and not yet applied, by nonce.
  std::map<uint64_t, Proposed> in_flight_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_BATCHER_BATCHER_H_
