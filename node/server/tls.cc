#include "node/server/tls.h"

#include "absl/strings/str_cat.h"
#include "ledger/base/file.h"

namespace kpledger::node {

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const KpnodeConfig& config) {
  if (config.tls_cert_file.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions ssl;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  absl::StatusOr<std::string> cert =
      base::ReadPemFile("--tls-cert", config.tls_cert_file);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key =
      base::ReadPemFile("--tls-key", config.tls_key_file);
  if (!key.ok()) return key.status();
  pair.cert_chain = *cert;
  pair.private_key = *key;
  ssl.pem_key_cert_pairs.push_back(pair);
  if (!config.tls_client_ca_file.empty()) {
    absl::StatusOr<std::string> ca =
        base::ReadPemFile("--tls-client-ca", config.tls_client_ca_file);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
    ssl.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ClientCredentials(
    const std::string& ca_flag, const std::string& ca_file,
    const std::string& cert_flag, const std::string& cert_file,
    const std::string& key_flag, const std::string& key_file) {
  if (ca_file.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  absl::StatusOr<std::string> ca = base::ReadPemFile(ca_flag, ca_file);
  if (!ca.ok()) return ca.status();
  ssl.pem_root_certs = *std::move(ca);
  if (!cert_file.empty()) {
    absl::StatusOr<std::string> cert = base::ReadPemFile(cert_flag, cert_file);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = base::ReadPemFile(key_flag, key_file);
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *std::move(cert);
    ssl.pem_private_key = *std::move(key);
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace kpledger::node
