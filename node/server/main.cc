// kpnode: the kpledger daemon (DESIGN §2, §6). One node on the local
// sequencer: gRPC (LedgerService, ReportService, NodeService, health,
// reflection), /metrics and /healthz over HTTP, periodic checkpoints.
//
// Exit codes: 0 after a clean shutdown (SIGTERM or SIGINT); 2 when it
// cannot start (bad flags or config, unreadable genesis or key, a data dir
// of another ledger, a port in use); 1 when it stopped on an error.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "kpledger/v1/envelope.pb.h"
#include "ledger/base/file.h"
#include "ledger/base/proto_json.h"
#include "ledger/crypto/key_file.h"
#include "ledger/rules/genesis.h"
#include "node/core/ledger_node.h"
#include "node/http/http_server.h"
#include "node/http/metrics.h"
#include "node/sequencer/batch_codec.h"
#include "node/sequencer/etcd_client.h"
#include "node/sequencer/etcd_sequencer.h"
#include "node/sequencer/local_sequencer.h"
#include "node/sequencer/mirror_sequencer.h"
#include "node/server/config.h"
#include "node/server/tls.h"
#include "node/service/ledger_service.h"
#include "node/service/node_service.h"
#include "node/service/peer_cosigner.h"
#include "node/service/report_service.h"
#include "node/sync/peer_follower.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace kpledger::node {
namespace {

constexpr int kExitStopped = 0;
constexpr int kExitFailed = 1;
constexpr int kExitCannotStart = 2;

int CannotStart(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "kpnode: %s: %s\n", what.c_str(),
               std::string(status.message()).c_str());
  return kExitCannotStart;
}

absl::Status WriteReadyFile(const std::string& path, const std::string& grpc,
                            const std::string& http) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "grpc=" << grpc << "\nhttp=" << http << "\n";
    if (!out) return absl::UnavailableError("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError("cannot write " + path);
  }
  return absl::OkStatus();
}

std::string Host(const std::string& address) {
  return address.substr(0, address.rfind(':'));
}
int Port(const std::string& address) {
  return std::stoi(address.substr(address.rfind(':') + 1));
}

// The genesis hash (lowercase hex), as the applier computes it.
absl::StatusOr<std::string> GenesisHash(const v1::Envelope& genesis) {
  absl::StatusOr<rules::VerifiedGenesis> verified =
      rules::VerifyGenesisEnvelope(genesis);
  if (!verified.ok()) return verified.status();
  return verified->hash;
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> PeerCredentials(
    const KpnodeConfig& config) {
  return ClientCredentials("--peer-ca", config.peer_ca_file, "--tls-cert",
                           config.tls_cert_file, "--tls-key",
                           config.tls_key_file);
}

absl::StatusOr<std::unique_ptr<Sequencer>> MakeSequencer(
    const KpnodeConfig& config, const v1::Envelope& genesis_envelope,
    const std::optional<crypto::PrivateKey>& node_key,
    MetricsRegistry* metrics) {
  if (!config.mirror_of.empty()) {
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
        PeerCredentials(config);
    if (!credentials.ok()) return credentials.status();
    return std::make_unique<MirrorSequencer>(
        std::make_unique<PeerFollower>(config.mirror_of, *credentials),
        absl::Milliseconds(config.mirror_interval_ms), metrics);
  }
  if (config.sequencer == "local") return std::make_unique<LocalSequencer>();
  const crypto::PrivateKey& key = *node_key;
  absl::StatusOr<rules::VerifiedGenesis> genesis =
      rules::VerifyGenesisEnvelope(genesis_envelope);
  if (!genesis.ok()) return genesis.status();
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      ClientCredentials("--etcd-ca", config.etcd_ca_file, "--etcd-cert",
                        config.etcd_cert_file, "--etcd-key",
                        config.etcd_key_file);
  if (!credentials.ok()) return credentials.status();
  absl::StatusOr<std::unique_ptr<EtcdClient>> client =
      EtcdClient::Create(config.etcd_endpoints, *credentials);
  if (!client.ok()) return client.status();
  absl::StatusOr<BatchCodec> codec =
      BatchCodec::Create(genesis->genesis, genesis->hash);
  if (!codec.ok()) return codec.status();
  EtcdSequencerOptions options;
  options.prefix = config.etcd_prefix.empty()
                       ? EtcdSequencer::DefaultPrefix(genesis->hash)
                       : config.etcd_prefix;
  options.propose_timeout = absl::Milliseconds(config.etcd_timeout_ms);
  options.quota_bytes = static_cast<int64_t>(config.etcd_quota_bytes);
  options.start_new_epoch = config.etcd_new_epoch;
  options.absent_nodes = config.etcd_new_epoch_absent;
  // The peers, to bootstrap from.
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> peer_credentials =
      PeerCredentials(config);
  if (!peer_credentials.ok()) return peer_credentials.status();
  std::vector<std::unique_ptr<PeerFollower>> peers;
  for (const std::string& address : config.peers) {
    peers.push_back(std::make_unique<PeerFollower>(address, *peer_credentials));
  }
  return std::make_unique<EtcdSequencer>(
      *std::move(client), *std::move(codec),
      crypto::PrivateKey::FromSeed(key.seed()).value(), std::move(options),
      std::move(peers), metrics);
}

absl::StatusOr<std::vector<std::unique_ptr<Cosigner>>> MakePeers(
    const KpnodeConfig& config, const v1::Envelope& genesis) {
  std::vector<std::unique_ptr<Cosigner>> peers;
  if (config.peers.empty()) return peers;
  absl::StatusOr<std::string> hash = GenesisHash(genesis);
  if (!hash.ok()) return hash.status();
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      PeerCredentials(config);
  if (!credentials.ok()) return credentials.status();
  for (const std::string& address : config.peers) {
    peers.push_back(
        std::make_unique<PeerCosigner>(address, *credentials, *hash));
  }
  return peers;
}

int Run(const KpnodeConfig& config) {
  if (absl::Status st = Validate(config); !st.ok()) {
    return CannotStart("bad configuration", st);
  }
  spdlog::set_default_logger(spdlog::stderr_logger_mt("kpnode"));
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  if (config.peer_ca_file.empty() && config.etcd_ca_file.empty() &&
      (!config.peers.empty() || !config.mirror_of.empty() ||
       config.sequencer == "etcd")) {
    spdlog::warn(
        "talking to peers and etcd without TLS (no --peer-ca, --etcd-ca): "
        "for one machine or a private test network only "
        "(docs/operations.md, Production PKI)");
  }

  // SIGTERM and SIGINT are taken by sigwait below; blocked before any
  // thread starts, so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  NodeOptions options;
  options.data_dir = config.data_dir;
  if (absl::Status st =
          base::ReadJsonFile(config.genesis_file, &options.genesis);
      !st.ok()) {
    return CannotStart("cannot read the genesis", st);
  }
  std::optional<crypto::PrivateKey> node_key;  // none on a mirror
  if (config.mirror_of.empty()) {
    absl::StatusOr<crypto::NamedPrivateKey> key =
        crypto::ReadPrivateKeyFile(config.node_key_file);
    if (!key.ok()) {
      return CannotStart("cannot read the node key", key.status());
    }
    // The checkpointer and the etcd sequencer each hold the node key.
    options.node_key = crypto::PrivateKey::FromSeed(key->key.seed()).value();
    options.node_key_name = key->name;
    node_key = std::move(key->key);
  }
  options.batcher.max_events = config.batch_max_events;
  options.batcher.max_bytes = config.batch_max_bytes;
  options.batcher.max_delay = absl::Milliseconds(config.batch_delay_ms);
  options.batcher.max_pending = config.max_pending;
  options.batcher.max_in_flight = BatchesInFlight(config);
  options.verify_threads = static_cast<int>(config.verify_threads);
  options.checkpoint_interval =
      absl::Milliseconds(config.checkpoint_interval_ms);

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      ServerCredentials(config);
  if (!credentials.ok()) {
    return CannotStart("bad TLS configuration", credentials.status());
  }

  MetricsRegistry metrics;
  absl::StatusOr<std::unique_ptr<Sequencer>> sequencer =
      MakeSequencer(config, options.genesis, node_key, &metrics);
  if (!sequencer.ok()) {
    return CannotStart("cannot set up the sequencer", sequencer.status());
  }
  absl::StatusOr<std::vector<std::unique_ptr<Cosigner>>> peers =
      MakePeers(config, options.genesis);
  if (!peers.ok()) return CannotStart("bad --peers", peers.status());
  absl::StatusOr<std::unique_ptr<LedgerNode>> opened =
      LedgerNode::Open(std::move(options), *std::move(sequencer), &metrics);
  if (!opened.ok()) {
    return CannotStart(
        absl::StrCat("cannot open the ledger in ", config.data_dir),
        opened.status());
  }
  std::unique_ptr<LedgerNode> node = *std::move(opened);
  node->SetPeers(*std::move(peers));

  LedgerServiceOptions ledger_options;
  ledger_options.max_envelope_bytes = config.max_envelope_bytes;
  LedgerServiceImpl ledger_service(node.get(), ledger_options, &metrics);
  ReportServiceImpl report_service(node.get());
  NodeServiceImpl node_service(node.get(), &metrics);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int grpc_port = 0;
  builder.AddListeningPort(config.listen, *credentials, &grpc_port);
  // gRPC sets SO_REUSEPORT by default, which would let a second node bind
  // the same port and share its traffic: a port in use must be an error.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(8 << 20);
  builder.RegisterService(&ledger_service);
  builder.RegisterService(&report_service);
  builder.RegisterService(&node_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || grpc_port == 0) {
    return CannotStart(
        "cannot serve gRPC",
        absl::UnavailableError(absl::StrCat(
            config.listen, " is in use or cannot be bound (another kpnode?)")));
  }
  const std::string grpc_address =
      absl::StrCat(Host(config.listen), ":", grpc_port);

  std::unique_ptr<HttpServer> http;
  std::string http_address;
  if (!config.http_listen.empty()) {
    absl::StatusOr<std::unique_ptr<HttpServer>> started =
        HttpServer::Start(Host(config.http_listen), Port(config.http_listen),
                          &metrics, [&node] { return node->health(); });
    if (!started.ok()) {
      server->Shutdown();
      return CannotStart("cannot serve HTTP", started.status());
    }
    http = *std::move(started);
    http_address = absl::StrCat(Host(config.http_listen), ":", http->port());
  }

  if (absl::Status st = node->Start(); !st.ok()) {
    server->Shutdown();
    return CannotStart("cannot start the node", st);
  }
  if (!config.ready_file.empty()) {
    if (absl::Status st =
            WriteReadyFile(config.ready_file, grpc_address, http_address);
        !st.ok()) {
      spdlog::error("{}", std::string(st.message()));
    }
  }
  spdlog::info(
      "kpnode {} ready: gRPC on {}{}{}", node->name(), grpc_address,
      config.tls_cert_file.empty() ? "" : " (TLS)",
      http_address.empty() ? "" : absl::StrCat(", HTTP on ", http_address));

  // Wait for SIGTERM/SIGINT, or for the node to stop on an error.
  int exit_code = kExitStopped;
  while (true) {
    timespec poll{1, 0};
    const int sig = sigtimedwait(&signals, nullptr, &poll);
    if (sig == SIGTERM || sig == SIGINT) {
      spdlog::info("signal {}: shutting down", sig);
      break;
    }
    // A diverged node, or one etcd left behind, keeps serving its status
    // (health() says why); a failed store write ends the process.
    if (absl::Status failed = node->write_failure(); !failed.ok()) {
      spdlog::critical("{}", std::string(failed.message()));
      exit_code = kExitFailed;
      break;
    }
  }
  server->GetHealthCheckService()->SetServingStatus(false);
  // In-flight submissions are answered first (the node drains its batches),
  // then the server stops, ending followers' streams.
  node->Stop();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  if (http != nullptr) http->Stop();
  spdlog::info("kpnode stopped");
  return exit_code;
}

}  // namespace
}  // namespace kpledger::node

int main(int argc, char** argv) {
  CLI::App app{
      "kpnode: a kpledger node. Verifies every signed custody event, keeps "
      "the ledger's hash chains and Merkle log in RocksDB, serves gRPC."};
  kpledger::node::KpnodeConfig config;
  kpledger::node::AddFlags(app, &config);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kpledger::node::kExitCannotStart;
  }
  // Debian builds Abseil without NDEBUG, so every absl::Mutex lock (gRPC's
  // too) would feed Abseil's deadlock detector, a debugging aid kept in
  // one process-wide graph. On a 2-core machine running three nodes and
  // their etcd members it was ~1% of the CPU (perf); the tests, which link
  // no main() of ours, keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return kpledger::node::Run(config);
}
