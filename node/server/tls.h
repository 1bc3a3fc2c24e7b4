// kpnode's TLS credentials, from the PEM files its flags name. Errors name
// the flag.
#ifndef KPLEDGER_NODE_SERVER_TLS_H_
#define KPLEDGER_NODE_SERVER_TLS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "node/server/config.h"

namespace kpledger::node {

// The gRPC server's: plaintext without --tls-cert; client certificates
// required with --tls-client-ca.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const KpnodeConfig& config);

// A client's, for etcd or the peers: plaintext when `ca_file` is empty;
// else TLS trusting that CA, with the client certificate `cert_file` and
// its key when given.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ClientCredentials(
    const std::string& ca_flag, const std::string& ca_file,
    const std::string& cert_flag, const std::string& cert_file,
    const std::string& key_flag, const std::string& key_file);

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_SERVER_TLS_H_
