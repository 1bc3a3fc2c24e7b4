// A peer node, asked over gRPC (NodeService.Cosign) to cosign this node's
// checkpoints.
#ifndef KPLEDGER_NODE_SERVICE_PEER_COSIGNER_H_
#define KPLEDGER_NODE_SERVICE_PEER_COSIGNER_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "kpledger/v1/service.grpc.pb.h"
#include "node/checkpoint/checkpointer.h"

namespace kpledger::node {

class PeerCosigner : public Cosigner {
 public:
  // `address`: the peer's host:port. `genesis_hash`: this node's, sent with
  // every request so a node of another ledger refuses.
  PeerCosigner(std::string address,
               std::shared_ptr<grpc::ChannelCredentials> credentials,
               std::string genesis_hash,
               absl::Duration timeout = absl::Seconds(3));

  const std::string& address() const override { return address_; }
  absl::StatusOr<std::string> Cosign(const std::string& note) override;

 private:
  const std::string address_;
  const std::string genesis_hash_;
  const absl::Duration timeout_;
  std::unique_ptr<v1::NodeService::Stub> stub_;
};

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_SERVICE_PEER_COSIGNER_H_
