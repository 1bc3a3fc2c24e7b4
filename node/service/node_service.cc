#include "node/service/node_service.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "node/service/grpc_status.h"

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
  response->set_applied_position(absl::StrCat(node_->applied_position()));
  // A node alone has a cosigned checkpoint only when its own signature is
  // enough (a genesis threshold of 1).
  if (absl::StatusOr<v1::Checkpoint> cp = node_->checkpointer().Cosigned(0);
      cp.ok()) {
    *response->mutable_latest_cosigned() = *std::move(cp);
  }
  response->set_diverged(false);
  return grpc::Status::OK;
}

}  // namespace kpledger::node
