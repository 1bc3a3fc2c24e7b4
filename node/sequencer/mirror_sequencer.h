// The sequencer of a read-only mirror (an auditor, another KP
// participant): it follows one node of a cluster over NodeService.Sync and
// needs no etcd and no node key. Every round it fetches the node's log up
// to its latest cosigned checkpoint, checks it against that checkpoint
// before applying anything (node/sync/peer_log.h), applies it through the
// same applier (re-verifying every signature and rule), and serves the
// checkpoint once its own root matches. It takes no submissions.
//
// Positions are tree sizes: a mirror's applied position is the size of the
// log it copied.
#ifndef KPLEDGER_NODE_SEQUENCER_MIRROR_SEQUENCER_H_
#define KPLEDGER_NODE_SEQUENCER_MIRROR_SEQUENCER_H_

#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "node/http/metrics.h"
#include "node/sequencer/sequencer.h"
#include "node/sync/peer_follower.h"

namespace kpledger::node {

class MirrorSequencer : public Sequencer {
 public:
  MirrorSequencer(std::unique_ptr<PeerFollower> peer, absl::Duration interval,
                  MetricsRegistry* metrics);
  ~MirrorSequencer() override;

  std::string name() const override { return "mirror"; }
  void SetNode(NodeView node) override { node_ = std::move(node); }
  absl::Status Start(uint64_t applied_position, Deliver deliver) override;
  absl::Status Propose(ProposedBatch batch) override;
  void Stop() override;
  absl::Status health() const override;

 private:
  void Run(uint64_t applied_position);

  std::unique_ptr<PeerFollower> peer_;
  const absl::Duration interval_;
  NodeView node_;
  Deliver deliver_;
  std::thread thread_;
  Counter* refused_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status health_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_SEQUENCER_MIRROR_SEQUENCER_H_
