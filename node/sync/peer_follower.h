// Copies a peer node's log into this node, one round at a time: fetch
// (NodeService.Sync), verify (peer_log.h), deliver the batches to the
// node's applier, wait until they are applied, check the node's root
// against the peer's cosigned checkpoint, and adopt that checkpoint.
// Used by mirrors (every round) and by nodes that bootstrap (once).
#ifndef KPLEDGER_NODE_SYNC_PEER_FOLLOWER_H_
#define KPLEDGER_NODE_SYNC_PEER_FOLLOWER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "kpledger/v1/service.grpc.pb.h"
#include "node/http/metrics.h"
#include "node/sequencer/sequencer.h"

namespace kpledger::node {

// kpledger_sync_refused_total: streams from a peer refused before anything
// of them was applied.
Counter* SyncRefusedCounter(MetricsRegistry* metrics);

// Whether a failed PeerFollower::Round refused what the peer sent (counted
// in kpledger_sync_refused_total), rather than not reaching the peer,
// stopping, or finding this node diverged (counted in kpledger_diverged).
bool IsSyncRefusal(const absl::Status& round, const NodeView& node);

class PeerFollower {
 public:
  // `address`: the peer's host:port.
  PeerFollower(std::string address,
               std::shared_ptr<grpc::ChannelCredentials> credentials);

  const std::string& address() const { return address_; }

  // The peer's NodeService.GetStatus.
  absl::StatusOr<v1::NodeStatus> Status(absl::Duration timeout) const;

  struct Caught {
    uint64_t entries = 0;   // applied this round (0: nothing newer cosigned)
    uint64_t position = 0;  // the peer's sequencer position at the end
  };
  // One round. `applied_position`: the node's, for PeerLogBatches. Errors: the
  // peer's (FetchPeerLog), a stream that fails VerifyPeerLog (nothing of it
  // applied), Deliver's, DataLoss when the applied entries do not give the
  // checkpoint's root (the rules refused or changed one the peer's
  // accepted: the node is then marked diverged, Checkpointer::Diverge),
  // the node's diverged() status, Cancelled when `stopping` turned true.
  absl::StatusOr<Caught> Round(const NodeView& node,
                               const Sequencer::Deliver& deliver,
                               uint64_t applied_position, bool index_positions,
                               const std::function<bool()>& stopping);

 private:
  const std::string address_;
  std::unique_ptr<v1::NodeService::Stub> stub_;
};

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_SYNC_PEER_FOLLOWER_H_
