// Calls a test makes on a node, with the refusal's receipt read back from
// the `kpledger-receipt-bin` trailer.
#ifndef KPLEDGER_TESTS_INTEGRATION_LEDGER_CLIENT_H_
#define KPLEDGER_TESTS_INTEGRATION_LEDGER_CLIENT_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "grpcpp/generic/generic_stub.h"
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

// Submits `envelopes` again, one at a time: how many were answered neither
// OK (never acknowledged before, accepted now) nor ALREADY_EXISTS (in the
// log already).
inline int ResubmitAll(v1::LedgerService::Stub& stub,
                       const std::vector<v1::Envelope>& envelopes) {
  int unexpected = 0;
  for (const v1::Envelope& env : envelopes) {
    const SubmitResult r = Submit(stub, env);
    if (!r.status.ok() &&
        r.status.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
      ++unexpected;
    }
  }
  return unexpected;
}

struct RawResult {
  grpc::Status status;
  std::string response;  // the response message's bytes
};

// A unary call with raw request bytes, as a client with another schema (or
// a broken one) would make it.
inline RawResult RawUnaryCall(const std::shared_ptr<grpc::Channel>& channel,
                              const std::string& method,
                              const std::string& request_bytes) {
  grpc::GenericStub generic(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1), response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  RawResult out;
  generic.UnaryCall(&ctx, method, {}, &request, &response, [&](grpc::Status s) {
    std::lock_guard<std::mutex> lock(mu);
    out.status = std::move(s);
    done = true;
    cv.notify_one();
  });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  std::vector<grpc::Slice> slices;
  if (out.status.ok() && response.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices) {
      out.response.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  return out;
}

}  // namespace kpledger::testing

#endif  // KPLEDGER_TESTS_INTEGRATION_LEDGER_CLIENT_H_
