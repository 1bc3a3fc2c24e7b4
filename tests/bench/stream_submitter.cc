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

void ReadAnswers(SubmitStreamRw& stream, StreamAnswers& out,
                 const std::function<void(int)>& after_message) {
  v1::SubmitStreamResponse resp;
  while (stream.Read(&resp)) {
    const Clock::time_point now = Clock::now();
    for (v1::SubmitStreamResponse::Answer& a : *resp.mutable_answers()) {
      if (a.sequence() >= out.receipts.size()) continue;
      out.receipts[a.sequence()] = std::move(*a.mutable_receipt());
      out.answered[a.sequence()] = now;
    }
    after_message(resp.answers_size());
  }
}

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

StreamAnswers SubmitPaced(v1::LedgerService::Stub& stub,
                          const std::vector<const v1::Envelope*>& envelopes,
                          const std::function<void()>& opened,
                          const std::function<Clock::time_point(size_t)>& due,
                          double* max_lag_ms) {
  StreamAnswers out;
  out.receipts.resize(envelopes.size());
  out.answered.resize(envelopes.size());
  *max_lag_ms = 0;
  grpc::ClientContext ctx;
  std::unique_ptr<SubmitStreamRw> stream = stub.SubmitStream(&ctx);
  opened();
  for (size_t k = 0; k < envelopes.size(); ++k) out.sent.push_back(due(k));
  std::thread reader([&] { ReadAnswers(*stream, out, [](int) {}); });
  constexpr auto kTick = std::chrono::milliseconds(1);
  Clock::time_point next_write;
  for (size_t next = 0; next < envelopes.size();) {
    const Clock::time_point now = Clock::now();
    const Clock::time_point when = std::max(out.sent[next], next_write);
    if (now < when) {
      std::this_thread::sleep_until(when);
      continue;
    }
    next_write = now + kTick;
    *max_lag_ms =
        std::max(*max_lag_ms,
                 std::chrono::duration<double, std::milli>(now - out.sent[next])
                     .count());
    v1::SubmitStreamRequest req;
    for (; next < envelopes.size() && out.sent[next] <= now; ++next) {
      *req.add_envelopes() = *envelopes[next];
    }
    if (!stream->Write(req)) break;
  }
  stream->WritesDone();
  reader.join();
  out.status = stream->Finish();
  return out;
}

}  // namespace kpledger::bench
