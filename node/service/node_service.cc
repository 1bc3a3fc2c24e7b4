#include "node/service/node_service.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/checkpoint/note.h"
#include "ledger/entry/time.h"
#include "node/service/grpc_status.h"
#include "spdlog/spdlog.h"

namespace kpledger::node {

grpc::Status NodeServiceImpl::GetStatus(grpc::ServerContext*,
                                        const v1::GetStatusRequest*,
                                        v1::NodeStatus* response) {
  const store::TreeHead head = node_->store().head();
  response->set_origin(node_->genesis().origin());
  response->set_genesis_hash(node_->genesis_hash());
  response->set_node_name(node_->name());
  response->set_tree_size(head.size);
  response->set_root_hash(std::string(head.root.begin(), head.root.end()));
  response->set_sequencer(node_->sequencer_name());
  response->set_applied_position(node_->applied_position_text());
  response->set_etcd_epoch(node_->etcd_epoch());
  // A node alone has a cosigned checkpoint only when its own signature is
  // enough (a threshold of 1, and its key in force).
  if (absl::StatusOr<v1::Checkpoint> cp =
          node_->checkpointer().Cosigned(0, absl::ZeroDuration());
      cp.ok()) {
    *response->mutable_latest_cosigned() = *std::move(cp);
  }
  response->set_diverged(!node_->checkpointer().diverged().ok());
  response->set_node_key(node_->checkpointer().KeyStanding());
  return grpc::Status::OK;
}

grpc::Status NodeServiceImpl::Refuse(const grpc::ServerContext& context,
                                     const std::string& call,
                                     const std::string& reason,
                                     const absl::Status& status) {
  if (const std::optional<uint64_t> held_back =
          refusals_logged_.Allow(absl::StrCat(call, "/", reason), absl::Now());
      held_back.has_value()) {
    spdlog::warn(
        "refused {} from {}: {}{}", call, context.peer(), status.ToString(),
        *held_back == 0
            ? ""
            : absl::StrCat(" (and ", *held_back, " more ", call,
                           " call(s) refused as ", reason,
                           " since the last such line; "
                           "kpledger_peer_calls_refused_total counts them)"));
  }
  metrics_
      ->GetCounter(
          "kpledger_peer_calls_refused_total",
          "NodeService calls refused for what the peer sent: "
          "other_ledger (another genesis), malformed or unsigned "
          "(a checkpoint to cosign that does not parse, or carries "
          "no valid signature of a node key in force), not_computed_here (a "
          "root or count line this node did not compute at that "
          "size, or a cosign request to a mirror).",
          {{"call", call}, {"reason", reason}})
      ->Increment();
  return ToGrpc(status);
}

grpc::Status NodeServiceImpl::Cosign(grpc::ServerContext* context,
                                     const v1::CosignRequest* request,
                                     v1::CosignResponse* response) {
  if (request->genesis_hash() != node_->genesis_hash()) {
    return Refuse(
        *context, "Cosign", "other_ledger",
        absl::FailedPreconditionError(absl::StrCat(
            "this node keeps ledger ", node_->genesis_hash(), ", not ",
            request->genesis_hash(), ": not a node of the same cluster")));
  }
  absl::StatusOr<checkpoint::SignedNote> note =
      checkpoint::ParseNote(request->checkpoint_note());
  if (!note.ok()) return Refuse(*context, "Cosign", "malformed", note.status());
  absl::StatusOr<checkpoint::CheckpointBody> body =
      checkpoint::CheckpointBody::Parse(note->text);
  if (!body.ok()) return Refuse(*context, "Cosign", "malformed", body.status());
  // The asking node may be a batch or two ahead: wait a moment for them.
  if (body->tree_size > 0) {
    node_->WaitForEntries(body->tree_size - 1, absl::Now() + absl::Seconds(1));
  }
  // The store only grows: if it had the entries now, CosignFor saw them.
  const uint64_t have = node_->store().size();
  absl::StatusOr<std::string> line =
      node_->checkpointer().CosignFor(request->checkpoint_note());
  if (!line.ok()) {
    // Not the peer's doing: this node is behind, or diverged (its health
    // and kpledger_diverged say so).
    if (body->tree_size > have || !node_->checkpointer().diverged().ok()) {
      return ToGrpc(line.status());
    }
    const absl::Status& st = line.status();
    return Refuse(*context, "Cosign",
                  absl::IsInvalidArgument(st)   ? "malformed"
                  : absl::IsUnauthenticated(st) ? "unsigned"
                                                : "not_computed_here",
                  st);
  }
  response->set_signature_line(*std::move(line));
  return grpc::Status::OK;
}

}  // namespace kpledger::node

namespace kpledger::node {

grpc::Status NodeServiceImpl::Sync(
    grpc::ServerContext* context, const v1::SyncRequest* request,
    grpc::ServerWriter<v1::SyncResponse>* writer) {
  if (request->genesis_hash() != node_->genesis_hash()) {
    return Refuse(
        *context, "Sync", "other_ledger",
        absl::FailedPreconditionError(absl::StrCat(
            "this node keeps ledger ", node_->genesis_hash(), ", not ",
            request->genesis_hash(), " (asked by ", request->node_name(),
            "): not a node of the same ledger")));
  }
  absl::StatusOr<v1::Checkpoint> cp =
      node_->checkpointer().Cosigned(0, absl::Seconds(2));
  if (!cp.ok()) return ToGrpc(cp.status());
  std::optional<LedgerNode::BatchEnd> end = node_->BatchEndAt(cp->tree_size());
  if (!end.has_value()) {
    return ToGrpc(absl::UnavailableError(absl::StrCat(
        "this node does not know its sequencer position at its cosigned "
        "checkpoint of ",
        cp->tree_size(), " entries yet; ask again shortly")));
  }
  v1::SyncResponse response;
  for (uint64_t i = request->from_index(); i < cp->tree_size(); ++i) {
    if (context->IsCancelled()) return grpc::Status::CANCELLED;
    absl::StatusOr<std::string> leaf = node_->store().GetLeaf(i);
    if (!leaf.ok()) return ToGrpc(leaf.status());
    response.Clear();
    response.mutable_entry()->set_index(i);
    response.mutable_entry()->set_leaf(*std::move(leaf));
    if (!writer->Write(response)) return grpc::Status::CANCELLED;
  }
  response.Clear();
  *response.mutable_checkpoint() = *std::move(cp);
  response.set_position(end->position);
  *response.mutable_ledger_time() = entry::ToTimestamp(end->ledger_time);
  writer->Write(response);
  return grpc::Status::OK;
}

}  // namespace kpledger::node
