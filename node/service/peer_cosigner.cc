#include "node/service/peer_cosigner.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace kpledger::node {

PeerCosigner::PeerCosigner(
    std::string address, std::shared_ptr<grpc::ChannelCredentials> credentials,
    std::string genesis_hash, absl::Duration timeout)
    : address_(std::move(address)),
      genesis_hash_(std::move(genesis_hash)),
      timeout_(timeout) {
  grpc::ChannelArguments args;
  // A peer that restarts is asked again within a second or so.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  stub_ = v1::NodeService::NewStub(
      grpc::CreateCustomChannel(address_, credentials, args));
}

absl::StatusOr<std::string> PeerCosigner::Cosign(const std::string& note) {
  v1::CosignRequest request;
  request.set_checkpoint_note(note);
  request.set_genesis_hash(genesis_hash_);
  v1::CosignResponse response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  const grpc::Status s = stub_->Cosign(&context, request, &response);
  if (!s.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                        s.error_message());
  }
  return response.signature_line();
}

}  // namespace kpledger::node
