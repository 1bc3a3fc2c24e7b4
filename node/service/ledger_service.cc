#include "node/service/ledger_service.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "kpledger/v1/envelope.pb.h"
#include "ledger/envelope/dsse.h"
#include "ledger/provenance/bundle.h"
#include "node/query/queries.h"
#include "node/service/grpc_status.h"
#include "node/service/submit_stream.h"

namespace kpledger::node {
namespace {

std::string ToBytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

grpc::ByteBuffer FromMessage(const google::protobuf::MessageLite& message) {
  grpc::Slice slice(message.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

template <typename T>
grpc::Status Answer(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return ToGrpc(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

// How long a follower's wait for new entries lasts before it looks again
// whether its client went away.
constexpr absl::Duration kFollowPoll = absl::Milliseconds(200);

}  // namespace

LedgerServiceImpl::LedgerServiceImpl(LedgerNode* node,
                                     const LedgerServiceOptions& options,
                                     MetricsRegistry* metrics)
    : node_(node),
      options_(options),
      metrics_(metrics),
      submit_seconds_(metrics->GetHistogram(
          "kpledger_submit_seconds",
          "Submit to receipt: batching, ordering, signature checks, rules "
          "and the durable write.",
          DoublingBuckets(0.0005, 16))) {}

void LedgerServiceImpl::CountRefusal(absl::StatusCode code) {
  metrics_
      ->GetCounter("kpledger_events_refused_total",
                   "Events refused, by gRPC status code.",
                   {{"code", absl::StatusCodeToString(code)}})
      ->Increment();
}

void LedgerServiceImpl::RefuseAtDoor(grpc::ServerUnaryReactor* reactor,
                                     const absl::Status& status) {
  CountRefusal(status.code());
  reactor->Finish(ToGrpc(status));
}

grpc::ServerBidiReactor<v1::SubmitStreamRequest, v1::SubmitStreamResponse>*
LedgerServiceImpl::SubmitStream(grpc::CallbackServerContext*) {
  return new SubmitStreamReactor(
      node_, options_.max_envelope_bytes,
      [this](absl::StatusCode code) { CountRefusal(code); }, submit_seconds_);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::Submit(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const absl::Time start = absl::Now();
  v1::SubmitRequest parsed;
  if (!parsed.ParseFromString(ToBytes(*request))) {
    RefuseAtDoor(reactor,
                 absl::InvalidArgumentError(
                     "submit: the request is not a kpledger.v1.SubmitRequest "
                     "(garbage or truncated protobuf bytes)"));
    return reactor;
  }
  if (!parsed.has_envelope()) {
    RefuseAtDoor(reactor, absl::InvalidArgumentError(
                              "submit: the request has no envelope"));
    return reactor;
  }
  // What needs no key is checked here: such an envelope is never ordered.
  if (absl::Status shape = envelope::CheckEnvelopeShape(
          parsed.envelope(), envelope::kEventPayloadType);
      !shape.ok()) {
    RefuseAtDoor(
        reactor,
        absl::Status(shape.code(), absl::StrCat("submit: ", shape.message())));
    return reactor;
  }
  std::string envelope = parsed.envelope().SerializeAsString();
  if (envelope.size() > options_.max_envelope_bytes) {
    RefuseAtDoor(reactor, absl::ResourceExhaustedError(absl::StrCat(
                              "submit: the envelope has ", envelope.size(),
                              " bytes, over this node's limit of ",
                              options_.max_envelope_bytes, " bytes")));
    return reactor;
  }
  absl::Status queued = node_->Submit(
      std::move(envelope), [this, reactor, context, response,
                            start](absl::StatusOr<v1::Receipt> receipt) {
        submit_seconds_->Observe(absl::ToDoubleSeconds(absl::Now() - start));
        if (!receipt.ok()) {
          reactor->Finish(ToGrpc(receipt.status()));
          return;
        }
        if (receipt->outcome() == v1::Receipt::ACCEPTED) {
          *response = FromMessage(*receipt);
          reactor->Finish(grpc::Status::OK);
          return;
        }
        context->AddTrailingMetadata(kReceiptTrailer,
                                     receipt->SerializeAsString());
        reactor->Finish(grpc::Status(
            static_cast<grpc::StatusCode>(receipt->code()), receipt->reason()));
      });
  if (!queued.ok()) RefuseAtDoor(reactor, queued);
  return reactor;
}

grpc::Status LedgerServiceImpl::GetEvent(grpc::ServerContext*,
                                         const v1::GetEventRequest* request,
                                         v1::LedgerEntry* response) {
  return Answer(EventEntry(node_->store(), request->event_id()), response);
}

grpc::Status LedgerServiceImpl::GetParcel(grpc::ServerContext*,
                                          const v1::GetParcelRequest* request,
                                          v1::ParcelState* response) {
  if (absl::Status ok = node_->CheckNotDiverged(); !ok.ok()) return ToGrpc(ok);
  return Answer(Parcel(node_->store(), request->parcel_id()), response);
}

grpc::Status LedgerServiceImpl::ListParcelEvents(
    grpc::ServerContext*, const v1::ListParcelEventsRequest* request,
    v1::ListParcelEventsResponse* response) {
  if (absl::Status ok = node_->CheckNotDiverged(); !ok.ok()) return ToGrpc(ok);
  return Answer(ParcelEvents(node_->store(), request->parcel_id()), response);
}

grpc::Status LedgerServiceImpl::ListParcels(
    grpc::ServerContext*, const v1::ListParcelsRequest* request,
    v1::ListParcelsResponse* response) {
  if (absl::Status ok = node_->CheckNotDiverged(); !ok.ok()) return ToGrpc(ok);
  return Answer(node::ListParcels(node_->store(), *request), response);
}

grpc::Status LedgerServiceImpl::FindCertificate(
    grpc::ServerContext*, const v1::FindCertificateRequest* request,
    v1::FindCertificateResponse* response) {
  if (absl::Status ok = node_->CheckNotDiverged(); !ok.ok()) return ToGrpc(ok);
  return Answer(
      node::FindCertificate(node_->store(), request->certificate_number()),
      response);
}

grpc::Status LedgerServiceImpl::ListActors(grpc::ServerContext*,
                                           const v1::ListActorsRequest* request,
                                           v1::ListActorsResponse* response) {
  if (absl::Status ok = node_->CheckNotDiverged(); !ok.ok()) return ToGrpc(ok);
  return Answer(node::ListActors(node_->store(), *request), response);
}

grpc::Status LedgerServiceImpl::GetPolicy(grpc::ServerContext*,
                                          const v1::GetPolicyRequest*,
                                          v1::GetPolicyResponse* response) {
  if (absl::Status ok = node_->CheckNotDiverged(); !ok.ok()) return ToGrpc(ok);
  return Answer(PolicyInForce(node_->store()), response);
}

grpc::Status LedgerServiceImpl::ListNodeKeys(
    grpc::ServerContext*, const v1::ListNodeKeysRequest*,
    v1::ListNodeKeysResponse* response) {
  if (absl::Status ok = node_->CheckNotDiverged(); !ok.ok()) return ToGrpc(ok);
  return Answer(NodeKeys(node_->store(), node_->genesis()), response);
}

grpc::Status LedgerServiceImpl::GetProvenance(
    grpc::ServerContext*, const v1::GetProvenanceRequest* request,
    v1::ProvenanceBundle* response) {
  if (absl::Status ok = node_->CheckNotDiverged(); !ok.ok()) return ToGrpc(ok);
  absl::StatusOr<v1::ParcelState> parcel =
      Parcel(node_->store(), request->parcel_id());
  if (!parcel.ok()) return ToGrpc(parcel.status());
  // A checkpoint covering the parcel's latest event, which is in the log
  // (the parcel's state was read after its batch was committed).
  absl::StatusOr<uint64_t> head = node_->store().FindEvent(parcel->head());
  if (!head.ok()) return ToGrpc(head.status());
  absl::StatusOr<v1::Checkpoint> checkpoint =
      node_->checkpointer().Cosigned(*head + 1);
  if (!checkpoint.ok()) return ToGrpc(checkpoint.status());
  absl::StatusOr<v1::ProvenanceBundle> bundle = provenance::BuildBundle(
      node_->store(), request->parcel_id(), *checkpoint);
  if (absl::IsFailedPrecondition(bundle.status())) {
    // The parcel moved on between the reads: once more, with a checkpoint
    // of the log as it is now.
    checkpoint = node_->checkpointer().Cosigned(node_->store().size());
    if (!checkpoint.ok()) return ToGrpc(checkpoint.status());
    bundle = provenance::BuildBundle(node_->store(), request->parcel_id(),
                                     *checkpoint);
  }
  return Answer(std::move(bundle), response);
}

grpc::Status LedgerServiceImpl::GetCheckpoint(
    grpc::ServerContext*, const v1::GetCheckpointRequest* request,
    v1::Checkpoint* response) {
  return Answer(request->cosigned() ? node_->checkpointer().Cosigned(0)
                                    : node_->checkpointer().Latest(),
                response);
}

grpc::Status LedgerServiceImpl::GetInclusionProof(
    grpc::ServerContext*, const v1::GetInclusionProofRequest* request,
    v1::InclusionProof* response) {
  if (absl::Status ok = node_->CheckNotDiverged(); !ok.ok()) return ToGrpc(ok);
  const uint64_t size =
      request->tree_size() == 0 ? node_->store().size() : request->tree_size();
  if (request->leaf_index() >= size) {
    return ToGrpc(absl::OutOfRangeError(
        absl::StrCat("leaf_index ", request->leaf_index(),
                     " is not in a tree of size ", size)));
  }
  absl::StatusOr<std::vector<merkle::Hash>> proof =
      node_->store().InclusionProof(request->leaf_index(), size);
  if (!proof.ok()) return ToGrpc(proof.status());
  response->set_leaf_index(request->leaf_index());
  response->set_tree_size(size);
  for (const merkle::Hash& h : *proof) {
    response->add_hashes(std::string(h.begin(), h.end()));
  }
  return grpc::Status::OK;
}

grpc::Status LedgerServiceImpl::GetConsistencyProof(
    grpc::ServerContext*, const v1::GetConsistencyProofRequest* request,
    v1::ConsistencyProof* response) {
  if (absl::Status ok = node_->CheckNotDiverged(); !ok.ok()) return ToGrpc(ok);
  if (request->old_size() > request->new_size()) {
    return ToGrpc(absl::InvalidArgumentError(
        absl::StrCat("old_size ", request->old_size(), " is past new_size ",
                     request->new_size())));
  }
  absl::StatusOr<std::vector<merkle::Hash>> proof =
      node_->store().ConsistencyProof(request->old_size(), request->new_size());
  if (!proof.ok()) return ToGrpc(proof.status());
  response->set_old_size(request->old_size());
  response->set_new_size(request->new_size());
  for (const merkle::Hash& h : *proof) {
    response->add_hashes(std::string(h.begin(), h.end()));
  }
  return grpc::Status::OK;
}

grpc::Status LedgerServiceImpl::StreamEntries(
    grpc::ServerContext* context, const v1::StreamEntriesRequest* request,
    grpc::ServerWriter<v1::LedgerEntry>* writer) {
  uint64_t next = request->from_index();
  uint64_t size = node_->store().size();
  if (!request->follow() && next > size) {
    return ToGrpc(absl::OutOfRangeError(
        absl::StrCat("from_index ", next, " is past the log's size ", size)));
  }
  while (!context->IsCancelled()) {
    for (; next < size; ++next) {
      absl::StatusOr<v1::LedgerEntry> entry = EntryAt(node_->store(), next);
      if (!entry.ok()) return ToGrpc(entry.status());
      if (!writer->Write(*entry)) return grpc::Status::OK;  // client gone
    }
    if (!request->follow()) return grpc::Status::OK;
    if (absl::Status health = node_->health(); !health.ok()) {
      return ToGrpc(health);
    }
    size = node_->WaitForEntries(next, absl::Now() + kFollowPoll);
  }
  return grpc::Status(grpc::StatusCode::CANCELLED, "the client cancelled");
}

}  // namespace kpledger::node
