#include "node/service/report_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/entry/time.h"
#include "node/service/grpc_status.h"

namespace kpledger::node {
namespace {

// An unset "as of" means now, by this node's clock: the ledger time of
// every entry is at most the clock of the node that proposed it.
template <typename Request>
entry::LedgerTime AsOf(const Request& r) {
  if (r.has_as_of()) return entry::FromTimestamp(r.as_of());
  return entry::FromAbslTime(absl::Now());
}

absl::Status CheckTimestamp(const google::protobuf::Timestamp& t,
                            const char* field) {
  if (t.nanos() < 0 || t.nanos() >= 1000000000) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": nanos ", t.nanos(), " out of range"));
  }
  return absl::OkStatus();
}

}  // namespace

grpc::Status ReportServiceImpl::GetKpStatistics(
    grpc::ServerContext*, const v1::KpStatisticsRequest* request,
    v1::KpStatistics* response) {
  if (!request->has_start() || !request->has_end()) {
    return ToGrpc(absl::InvalidArgumentError(
        "a KP statistics period needs both start and end"));
  }
  for (auto [t, name] : {std::pair{&request->start(), "start"},
                         std::pair{&request->end(), "end"}}) {
    if (absl::Status st = CheckTimestamp(*t, name); !st.ok()) return ToGrpc(st);
  }
  const entry::LedgerTime start = entry::FromTimestamp(request->start());
  const entry::LedgerTime end = entry::FromTimestamp(request->end());
  if (!(start < end)) {
    return ToGrpc(
        absl::InvalidArgumentError("the period's end must be after its start"));
  }
  return ToGrpc(node_->WithReports([&](const report::ReportBuilder& r) {
    *response = r.Statistics(start, end);
  }));
}

grpc::Status ReportServiceImpl::GetBalance(grpc::ServerContext*,
                                           const v1::BalanceRequest* request,
                                           v1::Balance* response) {
  if (absl::Status st = CheckTimestamp(request->as_of(), "as_of"); !st.ok()) {
    return ToGrpc(st);
  }
  return ToGrpc(node_->WithReports([&](const report::ReportBuilder& r) {
    *response = r.BalanceAt(AsOf(*request));
  }));
}

grpc::Status ReportServiceImpl::ListAnomalies(
    grpc::ServerContext*, const v1::ListAnomaliesRequest* request,
    v1::ListAnomaliesResponse* response) {
  if (absl::Status st = CheckTimestamp(request->as_of(), "as_of"); !st.ok()) {
    return ToGrpc(st);
  }
  return ToGrpc(node_->WithReports([&](const report::ReportBuilder& r) {
    *response = r.Anomalies(AsOf(*request));
  }));
}

}  // namespace kpledger::node
