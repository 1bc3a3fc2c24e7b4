// LedgerService.SubmitStream: many envelopes on one stream, each answered
// as Submit answers it (once its batch is durable), by sequence number.
//
// Flow control: at most kMaxUnanswered envelopes of one stream wait for
// their receipts; the reactor reads no more until some are answered, so a
// fast client is slowed by gRPC's own flow control instead of filling the
// node. Receipts that are ready together go out in one response message.
//
// Lifetime: every stream is finished, with OK once every envelope is
// answered and the client is done writing, or with CANCELLED once the client
// went away (a failed write, or OnCancel) and no write is in flight; gRPC
// then calls OnDone. Receipts of envelopes already handed to the node may
// still arrive after that, so the reactor deletes itself when both have
// happened.
#ifndef KPLEDGER_NODE_SERVICE_SUBMIT_STREAM_H_
#define KPLEDGER_NODE_SERVICE_SUBMIT_STREAM_H_

#include <cstddef>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "kpledger/v1/service.pb.h"
#include "node/core/ledger_node.h"
#include "node/http/metrics.h"

namespace kpledger::node {

class SubmitStreamReactor final
    : public grpc::ServerBidiReactor<v1::SubmitStreamRequest,
                                     v1::SubmitStreamResponse> {
 public:
  static constexpr size_t kMaxUnanswered = 4096;

  // `refused` counts a refusal at the door (size, backpressure) by code;
  // `submit_seconds` gets each envelope's time from read to receipt.
  SubmitStreamReactor(LedgerNode* node, size_t max_envelope_bytes,
                      std::function<void(absl::StatusCode)> refused,
                      Histogram* submit_seconds);

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // What Pump decided to start; started after mu_ is released, since
  // gRPC may run a reaction on the thread that starts an operation.
  struct Actions {
    bool write = false;
    bool read = false;
    bool finish = false;
    grpc::Status finish_status;
    bool destroy = false;  // gRPC is done and every receipt has arrived
  };

  void Answer(uint64_t sequence, v1::Receipt receipt);
  // The client went away: answer nobody, finish as soon as no write is in
  // flight.
  void Cancelled();
  Actions Pump() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Run(const Actions& actions);

  LedgerNode* const node_;
  const size_t max_envelope_bytes_;
  const std::function<void(absl::StatusCode)> refused_;
  Histogram* const submit_seconds_;   // read to receipt, per envelope
  v1::SubmitStreamRequest request_;   // the read in progress
  v1::SubmitStreamResponse writing_;  // the write in progress

  absl::Mutex mu_;
  uint64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  size_t unanswered_ ABSL_GUARDED_BY(mu_) = 0;
  bool reading_ ABSL_GUARDED_BY(mu_) = true;  // a read is in progress
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;  // Finish was called
  bool done_ ABSL_GUARDED_BY(mu_) = false;      // OnDone was called
  v1::SubmitStreamResponse ready_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_SERVICE_SUBMIT_STREAM_H_
