// kpledger.v1.NodeService: a node's status; cosigning for the other nodes
// of its cluster (checkpointer.h); and Sync, its log up to its latest
// cosigned checkpoint, for nodes that bootstrap and for mirrors
// (node/sync/).
#ifndef KPLEDGER_NODE_SERVICE_NODE_SERVICE_H_
#define KPLEDGER_NODE_SERVICE_NODE_SERVICE_H_

#include "kpledger/v1/service.grpc.pb.h"
#include "node/core/ledger_node.h"

namespace kpledger::node {

class NodeServiceImpl final : public v1::NodeService::Service {
 public:
  explicit NodeServiceImpl(LedgerNode* node) : node_(node) {}

  grpc::Status GetStatus(grpc::ServerContext*, const v1::GetStatusRequest*,
                         v1::NodeStatus*) override;
  grpc::Status Cosign(grpc::ServerContext*, const v1::CosignRequest*,
                      v1::CosignResponse*) override;
  grpc::Status Sync(grpc::ServerContext*, const v1::SyncRequest*,
                    grpc::ServerWriter<v1::SyncResponse>*) override;

 private:
  LedgerNode* const node_;
};

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_SERVICE_NODE_SERVICE_H_
