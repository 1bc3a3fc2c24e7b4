#include "node/service/submit_stream.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ledger/envelope/dsse.h"

namespace kpledger::node {
namespace {

v1::Receipt Refusal(const absl::Status& status) {
  v1::Receipt r;
  r.set_outcome(v1::Receipt::REFUSED);
  r.set_code(static_cast<int32_t>(status.code()));
  r.set_reason(std::string(status.message()));
  return r;
}

}  // namespace

SubmitStreamReactor::SubmitStreamReactor(
    LedgerNode* node, size_t max_envelope_bytes,
    std::function<void(absl::StatusCode)> refused, Histogram* submit_seconds)
    : node_(node),
      max_envelope_bytes_(max_envelope_bytes),
      refused_(std::move(refused)),
      submit_seconds_(submit_seconds) {
  StartRead(&request_);
}

void SubmitStreamReactor::OnReadDone(bool ok) {
  if (ok) {
    const absl::Time read_at = absl::Now();
    for (v1::Envelope& env : *request_.mutable_envelopes()) {
      uint64_t sequence;
      {
        absl::MutexLock lock(&mu_);
        sequence = next_sequence_++;
        ++unanswered_;
      }
      std::string bytes = env.SerializeAsString();
      absl::Status queued =
          envelope::CheckEnvelopeShape(env, envelope::kEventPayloadType);
      if (!queued.ok()) {
        queued = absl::Status(queued.code(),
                              absl::StrCat("submit: ", queued.message()));
      } else if (bytes.size() > max_envelope_bytes_) {
        queued = absl::ResourceExhaustedError(
            absl::StrCat("submit: the envelope has ", bytes.size(),
                         " bytes, over this node's limit of ",
                         max_envelope_bytes_, " bytes"));
      } else {
        queued = node_->Submit(
            std::move(bytes),
            [this, sequence, read_at](absl::StatusOr<v1::Receipt> receipt) {
              submit_seconds_->Observe(
                  absl::ToDoubleSeconds(absl::Now() - read_at));
              Answer(sequence, receipt.ok() ? *std::move(receipt)
                                            : Refusal(receipt.status()));
            });
      }
      if (!queued.ok()) {
        refused_(queued.code());
        Answer(sequence, Refusal(queued));
      }
    }
    request_.Clear();
  }
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    reading_ = false;
    if (!ok) reads_done_ = true;
    actions = Pump();
  }
  Run(actions);
}

void SubmitStreamReactor::Answer(uint64_t sequence, v1::Receipt receipt) {
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    --unanswered_;
    if (!finished_ && !cancelled_) {
      v1::SubmitStreamResponse::Answer* a = ready_.add_answers();
      a->set_sequence(sequence);
      *a->mutable_receipt() = std::move(receipt);
    }
    actions = Pump();
  }
  Run(actions);
}

void SubmitStreamReactor::OnWriteDone(bool ok) {
  {
    absl::MutexLock lock(&mu_);
    write_in_flight_ = false;
  }
  if (!ok) {
    Cancelled();
    return;
  }
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    actions = Pump();
  }
  Run(actions);
}

void SubmitStreamReactor::OnCancel() { Cancelled(); }

void SubmitStreamReactor::Cancelled() {
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    ready_.Clear();
    actions = Pump();
  }
  Run(actions);
}

void SubmitStreamReactor::OnDone() {
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    done_ = true;
    finished_ = true;
    actions = Pump();
  }
  Run(actions);
}

SubmitStreamReactor::Actions SubmitStreamReactor::Pump() {
  Actions a;
  if (done_) {
    a.destroy = unanswered_ == 0;
    return a;
  }
  if (finished_) return a;
  if (cancelled_) {
    // gRPC wants every stream finished, cancelled ones too; not while a
    // write is in flight.
    if (!write_in_flight_) {
      finished_ = true;
      a.finish = true;
      a.finish_status = grpc::Status::CANCELLED;
    }
    return a;
  }
  if (!write_in_flight_ && ready_.answers_size() > 0) {
    write_in_flight_ = true;
    writing_ = std::move(ready_);
    ready_.Clear();
    a.write = true;
  }
  if (!reading_ && !reads_done_ && unanswered_ < kMaxUnanswered) {
    reading_ = true;
    a.read = true;
  }
  if (reads_done_ && unanswered_ == 0 && !write_in_flight_ &&
      ready_.answers_size() == 0) {
    finished_ = true;
    a.finish = true;
  }
  return a;
}

void SubmitStreamReactor::Run(const Actions& a) {
  if (a.destroy) {
    delete this;
    return;
  }
  if (a.write) StartWrite(&writing_);
  if (a.read) StartRead(&request_);
  if (a.finish) Finish(a.finish_status);
}

}  // namespace kpledger::node
