// kpledger.v1.NodeService: a node's status; cosigning for the other nodes
// of its cluster (checkpointer.h); and Sync, its log up to its latest
// cosigned checkpoint, for nodes that bootstrap and for mirrors
// (node/sync/).
#ifndef KPLEDGER_NODE_SERVICE_NODE_SERVICE_H_
#define KPLEDGER_NODE_SERVICE_NODE_SERVICE_H_

#include "absl/status/status.h"
#include "kpledger/v1/service.grpc.pb.h"
#include "node/core/ledger_node.h"
#include "node/http/metrics.h"
#include "node/service/log_limiter.h"

namespace kpledger::node {

class NodeServiceImpl final : public v1::NodeService::Service {
 public:
  NodeServiceImpl(LedgerNode* node, MetricsRegistry* metrics)
      : node_(node), metrics_(metrics) {}

  grpc::Status GetStatus(grpc::ServerContext*, const v1::GetStatusRequest*,
                         v1::NodeStatus*) override;
  grpc::Status Cosign(grpc::ServerContext*, const v1::CosignRequest*,
                      v1::CosignResponse*) override;
  grpc::Status Sync(grpc::ServerContext*, const v1::SyncRequest*,
                    grpc::ServerWriter<v1::SyncResponse>*) override;

 private:
  // Counts (kpledger_peer_calls_refused_total) and logs a call refused for
  // what the peer sent, and returns it as a gRPC status. The log has the
  // first refusal of each call and reason, then one a minute.
  grpc::Status Refuse(const grpc::ServerContext& context,
                      const std::string& call, const std::string& reason,
                      const absl::Status& status);

  LedgerNode* const node_;
  MetricsRegistry* const metrics_;
  LogLimiter refusals_logged_{absl::Minutes(1)};
};

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_SERVICE_NODE_SERVICE_H_
