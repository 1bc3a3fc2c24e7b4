// Calls a test makes on a node, with the refusal's receipt read back from
// the `kpledger-receipt-bin` trailer.
#ifndef KPLEDGER_TESTS_INTEGRATION_LEDGER_CLIENT_H_
#define KPLEDGER_TESTS_INTEGRATION_LEDGER_CLIENT_H_

#include <string>

#include "grpcpp/grpcpp.h"
#include "kpledger/v1/service.grpc.pb.h"
#include "node/service/grpc_status.h"

namespace kpledger::testing {

struct SubmitResult {
  grpc::Status status;
  v1::Receipt receipt;  // the response, or the trailer's receipt
};

inline SubmitResult Submit(v1::LedgerService::Stub& stub,
                           const v1::Envelope& envelope) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::SubmitRequest req;
  *req.mutable_envelope() = envelope;
  SubmitResult out;
  out.status = stub.Submit(&ctx, req, &out.receipt);
  if (!out.status.ok()) {
    auto it = ctx.GetServerTrailingMetadata().find(node::kReceiptTrailer);
    if (it != ctx.GetServerTrailingMetadata().end()) {
      out.receipt.ParseFromArray(it->second.data(),
                                 static_cast<int>(it->second.size()));
    }
  }
  return out;
}

}  // namespace kpledger::testing

#endif  // KPLEDGER_TESTS_INTEGRATION_LEDGER_CLIENT_H_
