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

// Closed loop: writes `envelopes` in order on a new SubmitStream, at most
// `per_message` to a message, keeping at most `window` unanswered; returns
// once every envelope is answered or the stream ended.
StreamAnswers SubmitWindowed(v1::LedgerService::Stub& stub,
                             const std::vector<const v1::Envelope*>& envelopes,
                             size_t window, size_t per_message);

// Open loop, every stream from one thread: opens a SubmitStream on each of
// `stubs`, calls `opened` once all are open, then sends envelopes[s][k] on
// stream s at due(s, k) (not decreasing in k), in order, in the first
// message written at or after that time with whatever else is due then;
// at most one message a millisecond a stream, and a stream's next message
// waits for its last write, as a bulk submitter would write. One thread
// and one completion queue serve all the streams, so the load generator's
// own CPU (thread wake-ups, above all) stays small beside the nodes'.
// answers[s].sent[k] is due(s, k), so latency counts from when an envelope
// was due (no coordinated omission). *max_lag_ms: the most any message was
// written after its first envelope was due.
std::vector<StreamAnswers> SubmitPaced(
    const std::vector<v1::LedgerService::Stub*>& stubs,
    const std::vector<std::vector<const v1::Envelope*>>& envelopes,
    const std::function<void()>& opened,
    const std::function<std::chrono::steady_clock::time_point(size_t, size_t)>&
        due,
    double* max_lag_ms);

}  // namespace kpledger::bench

#endif  // KPLEDGER_TESTS_BENCH_STREAM_SUBMITTER_H_
