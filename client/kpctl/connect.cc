#include "client/kpctl/connect.h"

#include <chrono>
#include <cstdio>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/file.h"

namespace kpledger::kpctl {
namespace {

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials(
    const ConnectOptions& o) {
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key go together: a client certificate needs "
        "its key");
  }
  if (o.tls_ca.empty() && o.tls_cert.empty()) {
    return grpc::InsecureChannelCredentials();
  }
  grpc::SslCredentialsOptions ssl;
  if (!o.tls_ca.empty()) {
    absl::StatusOr<std::string> ca = base::ReadPemFile("--tls-ca", o.tls_ca);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *std::move(ca);
  }
  if (!o.tls_cert.empty()) {
    absl::StatusOr<std::string> cert =
        base::ReadPemFile("--tls-cert", o.tls_cert);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = base::ReadPemFile("--tls-key", o.tls_key);
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *std::move(cert);
    ssl.pem_private_key = *std::move(key);
  }
  return grpc::SslCredentials(ssl);
}

// A hint for a connection that failed, from what gRPC says and the TLS
// flags given: a plaintext client at a TLS node, a TLS client at a
// plaintext node, a handshake the node refused (mutual TLS), a node
// certificate --tls-ca does not vouch for, a client certificate gRPC could
// not use. Empty when there is nothing to add
// (e.g. nothing listens at the address).
std::string ConnectHint(const ConnectOptions& o, absl::string_view error) {
  const bool tls = !o.tls_ca.empty() || !o.tls_cert.empty();
  if (absl::StrContains(error, "Connection refused")) return "";
  if (!tls && absl::StrContains(error, "Socket closed")) {
    return "the node closed the connection: if it serves TLS, pass --tls-ca, "
           "and --tls-cert and --tls-key if it wants client certificates";
  }
  if (tls && absl::StrContains(error, "wrong version number")) {
    return "the node does not speak TLS here: drop --tls-ca, --tls-cert "
           "and --tls-key";
  }
  if (tls && o.tls_cert.empty() && absl::StrContains(error, "Socket closed")) {
    return "the node closed the TLS connection: if it requires client "
           "certificates (mutual TLS), pass --tls-cert and --tls-key";
  }
  if (tls && !o.tls_cert.empty() && absl::StrContains(error, "Socket closed")) {
    return "the node refused the TLS handshake: is --tls-cert issued by the "
           "CA the node trusts for clients?";
  }
  if (tls && absl::StrContains(error, "certificate verify failed")) {
    return "the node's certificate is not one --tls-ca vouches for";
  }
  if (tls && absl::StrContains(error, "empty address list")) {
    return "gRPC could not set up TLS: are --tls-cert and --tls-key a "
           "certificate and its own private key?";
  }
  return "";
}

}  // namespace

NodeClient::NodeClient(ConnectOptions options,
                       std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      ledger_(v1::LedgerService::NewStub(channel_)),
      reports_(v1::ReportService::NewStub(channel_)),
      node_(v1::NodeService::NewStub(channel_)) {}

absl::StatusOr<std::unique_ptr<NodeClient>> NodeClient::Connect(
    const ConnectOptions& options) {
  if (options.server.empty()) {
    return absl::InvalidArgumentError("--server is empty; want HOST:PORT");
  }
  if (!(options.timeout_s > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--timeout ", options.timeout_s, " is not positive"));
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> creds =
      Credentials(options);
  if (!creds.ok()) return creds.status();
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(options.server, *creds);
  std::unique_ptr<NodeClient> client(new NodeClient(options, channel));
  std::unique_ptr<grpc::ClientContext> ctx = client->Context();
  client->status_error_ = client->node().GetStatus(
      ctx.get(), v1::GetStatusRequest(), &client->status_);
  const grpc::StatusCode code = client->status_error_.error_code();
  // A transport failure leaves the channel unconnected; a node that
  // answers UNAVAILABLE itself (no quorum) has a ready channel.
  if ((code == grpc::StatusCode::UNAVAILABLE ||
       code == grpc::StatusCode::DEADLINE_EXCEEDED) &&
      channel->GetState(false) != GRPC_CHANNEL_READY) {
    const std::string hint =
        ConnectHint(options, client->status_error_.error_message());
    return absl::UnavailableError(absl::StrCat(
        "cannot reach kpnode at ", options.server, ": ", CodeName(code), ": ",
        client->status_error_.error_message(),
        hint.empty() ? "" : absl::StrCat(" (", hint, ")")));
  }
  return client;
}

std::unique_ptr<grpc::ClientContext> NodeClient::Context(
    bool with_deadline) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (with_deadline) {
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(
                          static_cast<int64_t>(options_.timeout_s * 1000)));
  }
  return ctx;
}

std::string CodeName(int code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

std::unique_ptr<NodeClient> ConnectOrReport(const Globals& globals,
                                            absl::string_view cmd,
                                            int* exit_code) {
  absl::StatusOr<std::unique_ptr<NodeClient>> client =
      NodeClient::Connect(globals.connect);
  if (client.ok()) return *std::move(client);
  *exit_code = ReportError(
      cmd, absl::IsUnavailable(client.status()) ? kExitUnavailable : kExitUsage,
      client.status().message());
  return nullptr;
}

int ReportRpcError(absl::string_view cmd, const grpc::Status& status) {
  const grpc::StatusCode code = status.error_code();
  const int exit_code = code == grpc::StatusCode::UNAVAILABLE ||
                                code == grpc::StatusCode::DEADLINE_EXCEEDED
                            ? kExitUnavailable
                            : kExitRefused;
  return ReportError(
      cmd, exit_code,
      absl::StrCat(CodeName(code), ": ", status.error_message()));
}

int ReportError(absl::string_view cmd, int exit_code,
                absl::string_view message) {
  std::fprintf(stderr, "kpctl %s: %s\n", std::string(cmd).c_str(),
               std::string(message).c_str());
  return exit_code;
}

}  // namespace kpledger::kpctl
