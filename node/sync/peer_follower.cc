#include "node/sync/peer_follower.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "kpledger/v1/genesis.pb.h"
#include "ledger/apply/checkpoint_body.h"
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
      "a checkpoint without the threshold of node keys in force or "
      "malformed, an entry changing the node keys without governance's "
      "signatures, a peer of "
      "another ledger. (Entries this node's rules then apply otherwise than "
      "the peer's set kpledger_diverged instead.)");
}

bool IsSyncRefusal(const absl::Status& round, const NodeView& node) {
  return !round.ok() && !absl::IsUnavailable(round) &&
         !absl::IsDeadlineExceeded(round) && !absl::IsCancelled(round) &&
         node.checkpointer->diverged().ok();
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

absl::StatusOr<v1::NodeStatus> PeerFollower::Status(
    absl::Duration timeout) const {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  v1::NodeStatus status;
  const grpc::Status s = stub_->GetStatus(&context, {}, &status);
  if (!s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("peer ", address_, ": ", s.error_message()));
  }
  return status;
}

absl::StatusOr<PeerFollower::Caught> PeerFollower::Round(
    const NodeView& node, const Sequencer::Deliver& deliver,
    uint64_t applied_position, bool index_positions,
    const std::function<bool()>& stopping) {
  // A diverged node applies nothing more, and stays diverged.
  KP_RETURN_IF_ERROR(node.checkpointer->diverged());
  const uint64_t from = node.store->size();
  KP_ASSIGN_OR_RETURN(
      PeerLog log, FetchPeerLog(*stub_, node.genesis_hash, node.node_name, from,
                                absl::Minutes(5)));
  if (log.checkpoint.tree_size() <= from) return Caught{};
  KP_ASSIGN_OR_RETURN(const checkpoint::CheckpointBody body,
                      VerifyPeerLog(*node.store, *node.genesis, log));
  if (!index_positions && log.position <= applied_position) {
    return absl::FailedPreconditionError(absl::StrCat(
        "peer ", address_, " has sequencer position ", log.position,
        " at its checkpoint, not past this node's ", applied_position));
  }
  std::vector<SequencedBatch> batches =
      PeerLogBatches(log, applied_position, index_positions);
  const uint64_t last_position = batches.back().position;
  for (SequencedBatch& batch : batches) {
    KP_RETURN_IF_ERROR(deliver(std::move(batch)));
  }
  // Delivered batches are applied by the node's apply thread. Wait for the
  // last one's position, not for the size: the rules may refuse an entry.
  const uint64_t want = log.checkpoint.tree_size();
  while (node.applied_position() < last_position) {
    if (stopping()) return absl::CancelledError("stopping");
    KP_RETURN_IF_ERROR(node.checkpointer->diverged());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  absl::StatusOr<merkle::Hash> root = node.store->RootAt(want);
  // A store that cannot be read is a failure here, not a history that
  // differs: a divergence is kept across restarts (ledger_node.h).
  if (node.store->size() == want && !root.ok()) return root.status();
  if (node.store->size() != want ||
      std::string(root->begin(), root->end()) != log.checkpoint.root_hash()) {
    // VerifyPeerLog checked the entries against the checkpoint, so this
    // node's own rules decided otherwise than the cluster's: what it now
    // holds is not the cluster's history.
    const std::string why = absl::StrCat(
        "after applying peer ", address_, "'s entries ", from, " to ", want,
        " this node's log has ", node.store->size(),
        " entries and does not give the cosigned checkpoint's root: its rules "
        "refused or changed an entry the cluster accepted (another release?)");
    node.checkpointer->Diverge(why);
    return absl::DataLossError(why);
  }
  // The same root is the same log, and the same log holds the same policy
  // and node key updates: a checkpoint the threshold signed that counts
  // others is not one this node can vouch for (its signers counted wrong,
  // or this node's state is not what its log says).
  if (absl::Status counts = apply::CheckCountLines(*node.store, body);
      !counts.ok()) {
    if (!absl::IsFailedPrecondition(counts)) return counts;  // unreadable
    const std::string why =
        absl::StrCat("after applying peer ", address_, "'s entries ", from,
                     " to ", want, ": ", counts.message());
    node.checkpointer->Diverge(why);
    return absl::DataLossError(why);
  }
  node.checkpointer->Adopt(log.checkpoint.note());
  return Caught{want - from, log.position};
}

}  // namespace kpledger::node
