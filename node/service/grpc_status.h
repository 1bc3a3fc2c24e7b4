// absl::Status <-> grpc::Status: the codes are the same canonical codes
// (google.rpc.Code), so the mapping is one to one.
#ifndef KPLEDGER_NODE_SERVICE_GRPC_STATUS_H_
#define KPLEDGER_NODE_SERVICE_GRPC_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace kpledger::node {

inline grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

// The trailing metadata key under which a refused Submit carries its
// serialized kpledger.v1.Receipt (for ALREADY_EXISTS: the original
// event's index, ledger time and flags).
inline constexpr char kReceiptTrailer[] = "kpledger-receipt-bin";

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_SERVICE_GRPC_STATUS_H_
