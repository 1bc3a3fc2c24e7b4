// kpledger.v1.ReportService: the KP statistics, the mass balance and the
// anomaly list (ledger/report/, docs/reports.md) of a node's ledger.
#ifndef KPLEDGER_NODE_SERVICE_REPORT_SERVICE_H_
#define KPLEDGER_NODE_SERVICE_REPORT_SERVICE_H_

#include "kpledger/v1/service.grpc.pb.h"
#include "node/core/ledger_node.h"

namespace kpledger::node {

class ReportServiceImpl final : public v1::ReportService::Service {
 public:
  explicit ReportServiceImpl(LedgerNode* node) : node_(node) {}

  grpc::Status GetKpStatistics(grpc::ServerContext*,
                               const v1::KpStatisticsRequest*,
                               v1::KpStatistics*) override;
  grpc::Status GetBalance(grpc::ServerContext*, const v1::BalanceRequest*,
                          v1::Balance*) override;
  grpc::Status ListAnomalies(grpc::ServerContext*,
                             const v1::ListAnomaliesRequest*,
                             v1::ListAnomaliesResponse*) override;

 private:
  LedgerNode* const node_;
};

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_SERVICE_REPORT_SERVICE_H_
