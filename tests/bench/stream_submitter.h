// A bulk submitter for the benches: envelopes over one
// LedgerService.SubmitStream, as a lab or customs system with many events
// to send would submit them (docs/node.md, "Submitting in bulk").
#ifndef KPLEDGER_TESTS_BENCH_STREAM_SUBMITTER_H_
#define KPLEDGER_TESTS_BENCH_STREAM_SUBMITTER_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "proto/kpledger/v1/service.grpc.pb.h"

namespace kpledger::bench {

using SubmitStreamRw =
    grpc::ClientReaderWriter<v1::SubmitStreamRequest, v1::SubmitStreamResponse>;

// What one stream's envelopes got, by their place k in the stream.
struct StreamAnswers {
  std::vector<v1::Receipt> receipts;  // OUTCOME_UNSPECIFIED: none came
  std::vector<std::chrono::steady_clock::time_point> sent;      // written
  std::vector<std::chrono::steady_clock::time_point> answered;  // read
  grpc::Status status;  // how the stream ended
};

// A stub on a connection of its own (not a subchannel shared with the
// process's other channels), so that streams do not share one socket.
std::unique_ptr<v1::LedgerService::Stub> OwnConnection(
    const std::string& address, int tag);

// Reads `stream`'s answers into `out` (sized for every envelope) until the
// stream ends, calling `after_message` with the count of each message's
// answers. Does not Finish the stream.
void ReadAnswers(SubmitStreamRw& stream, StreamAnswers& out,
                 const std::function<void(int)>& after_message);

// Closed loop: writes `envelopes` in order on a new SubmitStream, at most
// `per_message` to a message, keeping at most `window` unanswered; returns
// once every envelope is answered or the stream ended.
StreamAnswers SubmitWindowed(v1::LedgerService::Stub& stub,
                             const std::vector<const v1::Envelope*>& envelopes,
                             size_t window, size_t per_message);

// Open loop: envelope k is due at due(k) (not decreasing in k) and goes, in
// order, in the first message written at or after that time with whatever
// else is due then; at most one message a millisecond, as a bulk submitter
// would write. `opened` is called once the stream is open, before the
// first due(k): a schedule can start then. sent[k] is due(k), so latency
// counts from when an envelope was due (no coordinated omission).
// *max_lag_ms: the most any message was written after its first envelope
// was due.
StreamAnswers SubmitPaced(
    v1::LedgerService::Stub& stub,
    const std::vector<const v1::Envelope*>& envelopes,
    const std::function<void()>& opened,
    const std::function<std::chrono::steady_clock::time_point(size_t)>& due,
    double* max_lag_ms);

}  // namespace kpledger::bench

#endif  // KPLEDGER_TESTS_BENCH_STREAM_SUBMITTER_H_
