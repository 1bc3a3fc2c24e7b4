// The local sequencer: one node, the order in which batches are proposed.
// Positions continue from the store's applied position, so a restart
// resumes numbering where the last durable batch left it. Batches proposed
// and not yet applied live only in memory: a crash drops them, and none of
// their events was acknowledged.
#ifndef KPLEDGER_NODE_SEQUENCER_LOCAL_SEQUENCER_H_
#define KPLEDGER_NODE_SEQUENCER_LOCAL_SEQUENCER_H_

#include <deque>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "node/sequencer/sequencer.h"

namespace kpledger::node {

class LocalSequencer : public Sequencer {
 public:
  LocalSequencer() = default;
  ~LocalSequencer() override;

  std::string name() const override { return "local"; }
  absl::Status Start(uint64_t applied_position, Deliver deliver) override;
  absl::Status Propose(ProposedBatch batch) override;
  void Stop() override;

 private:
  void Run();

  Deliver deliver_;
  std::thread thread_;

  absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t last_position_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<SequencedBatch> queue_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_SEQUENCER_LOCAL_SEQUENCER_H_
