#include "tests/bench/stream_submitter.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace kpledger::bench {

using Clock = std::chrono::steady_clock;

std::unique_ptr<v1::LedgerService::Stub> OwnConnection(
    const std::string& address, int tag) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  // Channels with different arguments never share a connection.
  args.SetInt("kpledger.bench.connection", tag);
  return v1::LedgerService::NewStub(grpc::CreateCustomChannel(
      address, grpc::InsecureChannelCredentials(), args));
}

namespace {

// Files one message's answers, read at `now`, under their envelopes.
void Record(v1::SubmitStreamResponse& resp, Clock::time_point now,
            StreamAnswers& out) {
  for (v1::SubmitStreamResponse::Answer& a : *resp.mutable_answers()) {
    if (a.sequence() >= out.receipts.size()) continue;
    out.receipts[a.sequence()] = std::move(*a.mutable_receipt());
    out.answered[a.sequence()] = now;
  }
}

// Reads `stream`'s answers into `out` (sized for every envelope) until the
// stream ends, calling `after_message` with the count of each message's
// answers. Does not Finish the stream.
void ReadAnswers(SubmitStreamRw& stream, StreamAnswers& out,
                 const std::function<void(int)>& after_message) {
  v1::SubmitStreamResponse resp;
  while (stream.Read(&resp)) {
    Record(resp, Clock::now(), out);
    after_message(resp.answers_size());
  }
}

using AsyncStream = grpc::ClientAsyncReaderWriter<v1::SubmitStreamRequest,
                                                  v1::SubmitStreamResponse>;

// One stream of SubmitPaced, and what it is waiting for.
struct PacedStream {
  grpc::ClientContext ctx;
  std::unique_ptr<AsyncStream> rw;
  v1::SubmitStreamRequest request;
  v1::SubmitStreamResponse response;
  grpc::Status status;
  size_t next = 0;  // the next envelope to write
  Clock::time_point next_write;
  bool writing = false;      // a Write or WritesDone is in flight
  bool writes_done = false;  // WritesDone sent, or writing gave up
  bool reads_ended = false;
  bool finishing = false;
};

// A completion queue tag: which stream, and which of its operations.
enum class Op { kStart, kWrite, kRead, kFinish };
struct Tag {
  size_t stream;
  Op op;
};

}  // namespace

StreamAnswers SubmitWindowed(v1::LedgerService::Stub& stub,
                             const std::vector<const v1::Envelope*>& envelopes,
                             size_t window, size_t per_message) {
  StreamAnswers out;
  out.receipts.resize(envelopes.size());
  out.sent.resize(envelopes.size());
  out.answered.resize(envelopes.size());
  window = std::max<size_t>(window, 1);
  per_message = std::max<size_t>(per_message, 1);

  std::mutex mu;
  std::condition_variable cv;
  size_t unanswered = 0;
  bool ended = false;
  grpc::ClientContext ctx;
  std::unique_ptr<SubmitStreamRw> stream = stub.SubmitStream(&ctx);
  std::thread reader([&] {
    ReadAnswers(*stream, out, [&](int n) {
      std::lock_guard<std::mutex> lock(mu);
      unanswered -= n;
      cv.notify_one();
    });
    std::lock_guard<std::mutex> lock(mu);
    ended = true;
    cv.notify_one();
  });
  for (size_t next = 0; next < envelopes.size();) {
    size_t room;
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return ended || unanswered < window; });
      if (ended) break;
      room = std::min(window - unanswered, per_message);
    }
    v1::SubmitStreamRequest req;
    const Clock::time_point now = Clock::now();
    for (; room > 0 && next < envelopes.size(); --room, ++next) {
      *req.add_envelopes() = *envelopes[next];
      out.sent[next] = now;
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      unanswered += req.envelopes_size();
    }
    if (!stream->Write(req)) break;
  }
  stream->WritesDone();
  reader.join();
  out.status = stream->Finish();
  return out;
}

std::vector<StreamAnswers> SubmitPaced(
    const std::vector<v1::LedgerService::Stub*>& stubs,
    const std::vector<std::vector<const v1::Envelope*>>& envelopes,
    const std::function<void()>& opened,
    const std::function<Clock::time_point(size_t, size_t)>& due,
    double* max_lag_ms) {
  const size_t n = stubs.size();
  std::vector<StreamAnswers> out(n);
  std::vector<PacedStream> streams(n);
  std::vector<Tag> tags;
  for (size_t s = 0; s < n; ++s) {
    for (Op op : {Op::kStart, Op::kWrite, Op::kRead, Op::kFinish}) {
      tags.push_back(Tag{s, op});
    }
  }
  auto tag = [&](size_t s, Op op) {
    return static_cast<void*>(&tags[s * 4 + static_cast<size_t>(op)]);
  };
  *max_lag_ms = 0;

  grpc::CompletionQueue cq;
  for (size_t s = 0; s < n; ++s) {
    streams[s].rw = stubs[s]->PrepareAsyncSubmitStream(&streams[s].ctx, &cq);
    streams[s].rw->StartCall(tag(s, Op::kStart));
  }
  void* got;
  bool ok;
  // A stream that failed to start fails its first Read, and Finish says
  // why.
  for (size_t started = 0; started < n; ++started) cq.Next(&got, &ok);
  opened();
  for (size_t s = 0; s < n; ++s) {
    const size_t count = envelopes[s].size();
    out[s].receipts.resize(count);
    out[s].answered.resize(count);
    for (size_t k = 0; k < count; ++k) out[s].sent.push_back(due(s, k));
    streams[s].rw->Read(&streams[s].response, tag(s, Op::kRead));
  }

  constexpr auto kTick = std::chrono::milliseconds(1);
  for (size_t finished = 0; finished < n;) {
    // Write whatever is due, and note when the next envelope falls due.
    const Clock::time_point now = Clock::now();
    Clock::time_point wake = Clock::time_point::max();
    for (size_t s = 0; s < n; ++s) {
      PacedStream& st = streams[s];
      const std::vector<Clock::time_point>& sent = out[s].sent;
      if (st.reads_ended) {
        if (!st.writing && !st.finishing) {
          st.finishing = true;
          st.rw->Finish(&st.status, tag(s, Op::kFinish));
        }
        continue;
      }
      if (st.writing || st.writes_done) continue;
      if (st.next == sent.size()) {
        st.writing = st.writes_done = true;
        st.rw->WritesDone(tag(s, Op::kWrite));
        continue;
      }
      const Clock::time_point when = std::max(sent[st.next], st.next_write);
      if (now < when) {
        wake = std::min(wake, when);
        continue;
      }
      *max_lag_ms = std::max(
          *max_lag_ms,
          std::chrono::duration<double, std::milli>(now - sent[st.next])
              .count());
      st.request.Clear();
      for (; st.next < sent.size() && sent[st.next] <= now; ++st.next) {
        *st.request.add_envelopes() = *envelopes[s][st.next];
      }
      st.next_write = now + kTick;
      st.writing = true;
      st.rw->Write(st.request, tag(s, Op::kWrite));
    }
    const auto deadline =
        wake == Clock::time_point::max()
            ? std::chrono::system_clock::time_point::max()
            : std::chrono::system_clock::now() + (wake - Clock::now());
    if (cq.AsyncNext(&got, &ok, deadline) != grpc::CompletionQueue::GOT_EVENT) {
      continue;  // something is due
    }
    const Tag& t = *static_cast<const Tag*>(got);
    PacedStream& st = streams[t.stream];
    switch (t.op) {
      case Op::kStart:
        break;
      case Op::kWrite:
        st.writing = false;
        if (!ok) st.writes_done = true;  // the stream broke: Read ends too
        break;
      case Op::kRead:
        if (!ok) {
          st.reads_ended = true;
          break;
        }
        Record(st.response, Clock::now(), out[t.stream]);
        st.rw->Read(&st.response, tag(t.stream, Op::kRead));
        break;
      case Op::kFinish:
        out[t.stream].status = st.status;
        ++finished;
        break;
    }
  }
  cq.Shutdown();
  while (cq.Next(&got, &ok)) {
  }
  return out;
}

}  // namespace kpledger::bench
