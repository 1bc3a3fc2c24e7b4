// kpledger.v1.LedgerService (DESIGN §6) over one LedgerNode.
//
// Submit is served on gRPC's callback API, on raw bytes: no thread waits
// while the event's batch is ordered and applied, and a request that is not
// a SubmitRequest at all is answered INVALID_ARGUMENT by us, naming the
// problem, rather than by gRPC's generic parse error. A refused event is
// answered with the receipt's code and reason as the gRPC status, and the
// receipt itself in the `kpledger-receipt-bin` trailer. SubmitStream
// (submit_stream.h) serves bulk submitters the same way, many events a
// stream.
// The other methods read the store (node/query/) on gRPC's sync threads.
#ifndef KPLEDGER_NODE_SERVICE_LEDGER_SERVICE_H_
#define KPLEDGER_NODE_SERVICE_LEDGER_SERVICE_H_

#include <cstddef>

#include "kpledger/v1/service.grpc.pb.h"
#include "node/core/ledger_node.h"
#include "node/http/metrics.h"

namespace kpledger::node {

struct LedgerServiceOptions {
  // Largest serialized envelope Submit takes (RESOURCE_EXHAUSTED above).
  size_t max_envelope_bytes = 64 * 1024;
};

class LedgerServiceImpl final
    : public v1::LedgerService::WithRawCallbackMethod_Submit<
          v1::LedgerService::WithCallbackMethod_SubmitStream<
              v1::LedgerService::Service>> {
 public:
  LedgerServiceImpl(LedgerNode* node, const LedgerServiceOptions& options,
                    MetricsRegistry* metrics);

  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;

  grpc::ServerBidiReactor<v1::SubmitStreamRequest, v1::SubmitStreamResponse>*
  SubmitStream(grpc::CallbackServerContext* context) override;

  grpc::Status GetEvent(grpc::ServerContext*, const v1::GetEventRequest*,
                        v1::LedgerEntry*) override;
  grpc::Status GetParcel(grpc::ServerContext*, const v1::GetParcelRequest*,
                         v1::ParcelState*) override;
  grpc::Status ListParcelEvents(grpc::ServerContext*,
                                const v1::ListParcelEventsRequest*,
                                v1::ListParcelEventsResponse*) override;
  grpc::Status ListParcels(grpc::ServerContext*, const v1::ListParcelsRequest*,
                           v1::ListParcelsResponse*) override;
  grpc::Status FindCertificate(grpc::ServerContext*,
                               const v1::FindCertificateRequest*,
                               v1::FindCertificateResponse*) override;
  grpc::Status ListActors(grpc::ServerContext*, const v1::ListActorsRequest*,
                          v1::ListActorsResponse*) override;
  grpc::Status GetPolicy(grpc::ServerContext*, const v1::GetPolicyRequest*,
                         v1::GetPolicyResponse*) override;
  grpc::Status ListNodeKeys(grpc::ServerContext*,
                            const v1::ListNodeKeysRequest*,
                            v1::ListNodeKeysResponse*) override;
  grpc::Status GetProvenance(grpc::ServerContext*,
                             const v1::GetProvenanceRequest*,
                             v1::ProvenanceBundle*) override;
  grpc::Status GetCheckpoint(grpc::ServerContext*,
                             const v1::GetCheckpointRequest*,
                             v1::Checkpoint*) override;
  grpc::Status GetInclusionProof(grpc::ServerContext*,
                                 const v1::GetInclusionProofRequest*,
                                 v1::InclusionProof*) override;
  grpc::Status GetConsistencyProof(grpc::ServerContext*,
                                   const v1::GetConsistencyProofRequest*,
                                   v1::ConsistencyProof*) override;
  grpc::Status StreamEntries(grpc::ServerContext*,
                             const v1::StreamEntriesRequest*,
                             grpc::ServerWriter<v1::LedgerEntry>*) override;

 private:
  void RefuseAtDoor(grpc::ServerUnaryReactor* reactor,
                    const absl::Status& status);
  void CountRefusal(absl::StatusCode code);

  LedgerNode* const node_;
  const LedgerServiceOptions options_;
  MetricsRegistry* const metrics_;
  Histogram* const submit_seconds_;
};

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_SERVICE_LEDGER_SERVICE_H_
