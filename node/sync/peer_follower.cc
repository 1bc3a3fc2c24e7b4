#include "node/sync/peer_follower.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "kpledger/v1/genesis.pb.h"
#include "ledger/base/status_macros.h"
#include "ledger/store/store.h"
#include "node/checkpoint/checkpointer.h"
#include "node/sync/peer_log.h"

namespace kpledger::node {

Counter* SyncRefusedCounter(MetricsRegistry* metrics) {
  return metrics->GetCounter(
      "kpledger_sync_refused_total",
      "Streams from a peer refused before anything of them was applied: "
      "entries that do not give the root of the peer's cosigned checkpoint, "
      "a checkpoint without the genesis threshold, a peer of another ledger.");
}

PeerFollower::PeerFollower(
    std::string address, std::shared_ptr<grpc::ChannelCredentials> credentials)
    : address_(std::move(address)) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, 64 << 20);
  stub_ = v1::NodeService::NewStub(
      grpc::CreateCustomChannel(address_, credentials, args));
}

absl::StatusOr<PeerFollower::Caught> PeerFollower::Round(
    const NodeView& node, const Sequencer::Deliver& deliver,
    uint64_t applied_position, bool index_positions,
    const std::function<bool()>& stopping) {
  const uint64_t from = node.store->size();
  KP_ASSIGN_OR_RETURN(
      PeerLog log, FetchPeerLog(*stub_, node.genesis_hash, node.node_name, from,
                                absl::Minutes(5)));
  if (log.checkpoint.tree_size() <= from) return Caught{};
  KP_RETURN_IF_ERROR(VerifyPeerLog(*node.store, *node.genesis, log));
  if (!index_positions && log.position <= applied_position) {
    return absl::FailedPreconditionError(absl::StrCat(
        "peer ", address_, " has sequencer position ", log.position,
        " at its checkpoint, not past this node's ", applied_position));
  }
  for (SequencedBatch& batch :
       PeerLogBatches(log, applied_position, index_positions)) {
    KP_RETURN_IF_ERROR(deliver(std::move(batch)));
  }
  // Delivered batches are applied by the node's apply thread.
  const uint64_t want = log.checkpoint.tree_size();
  while (node.store->size() < want) {
    if (stopping()) return absl::CancelledError("stopping");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  KP_ASSIGN_OR_RETURN(merkle::Hash root, node.store->RootAt(want));
  if (std::string(root.begin(), root.end()) != log.checkpoint.root_hash() ||
      node.store->size() != want) {
    return absl::DataLossError(absl::StrCat(
        "after applying peer ", address_, "'s entries up to ", want,
        " this node's log differs from the cosigned checkpoint: its rules "
        "refused an entry the cluster accepted (another release?)"));
  }
  node.checkpointer->Adopt(log.checkpoint.note());
  return Caught{want - from, log.position};
}

}  // namespace kpledger::node
