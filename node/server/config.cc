#include "node/server/config.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "ledger/envelope/dsse.h"

namespace kpledger::node {

void AddFlags(CLI::App& app, KpnodeConfig* c) {
  app.set_config("--config", "",
                 "read flags from this file (TOML: name = value)");
  // A misspelt setting must not be ignored: a node that silently runs on
  // its defaults (the local sequencer, say) is worse than one that stops.
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.add_option("--data-dir", c->data_dir,
                 "the node's RocksDB store; created with the genesis if empty")
      ->required();
  app.add_option("--genesis", c->genesis_file,
                 "the ledger's genesis envelope (JSON, from `kpctl genesis`)")
      ->required();
  app.add_option("--node-key", c->node_key_file,
                 "this node's private key file (mode 0600): a node key of "
                 "the ledger, the genesis' or one governance registered "
                 "(not for --mirror-of)");
  app.add_option("--listen", c->listen, "gRPC address, HOST:PORT (port 0: any)")
      ->capture_default_str();
  app.add_option("--http-listen", c->http_listen,
                 "address of /metrics and /healthz, HOST:PORT; empty: off")
      ->capture_default_str();
  app.add_option("--ready-file", c->ready_file,
                 "written once the node serves: its gRPC and HTTP addresses");
  app.add_option("--tls-cert", c->tls_cert_file,
                 "serve gRPC over TLS with this certificate chain (PEM)");
  app.add_option("--tls-key", c->tls_key_file,
                 "the TLS certificate's key (PEM)");
  app.add_option("--tls-client-ca", c->tls_client_ca_file,
                 "require client certificates issued by this CA (PEM)");
  app.add_option("--sequencer", c->sequencer,
                 "local: this node alone orders its batches; etcd: the "
                 "cluster's etcd orders every node's batches")
      ->check(CLI::IsMember({"local", "etcd"}))
      ->capture_default_str();
  app.add_option("--etcd-endpoints", c->etcd_endpoints,
                 "etcd members, HOST:PORT,HOST:PORT,... (--sequencer etcd)")
      ->delimiter(',');
  app.add_option("--etcd-prefix", c->etcd_prefix,
                 "key prefix of this ledger in etcd (default "
                 "/kpledger/<genesis hash>/)");
  app.add_option("--etcd-ca", c->etcd_ca_file,
                 "talk to etcd over TLS, trusting this CA (PEM)");
  app.add_option("--etcd-cert", c->etcd_cert_file,
                 "client certificate for etcd (PEM)");
  app.add_option("--etcd-key", c->etcd_key_file,
                 "the etcd client certificate's key (PEM)");
  app.add_option("--etcd-timeout-ms", c->etcd_timeout_ms,
                 "a batch etcd has not taken by then is answered UNAVAILABLE")
      ->capture_default_str();
  app.add_option("--etcd-quota-bytes", c->etcd_quota_bytes,
                 "etcd's --quota-backend-bytes: compact before it fills")
      ->capture_default_str();
  app.add_flag("--etcd-new-epoch", c->etcd_new_epoch,
               "when etcd is behind this node (a new, empty etcd "
               "cluster), start a new etcd epoch at this node's log so the "
               "ledger goes on there; only on the node with the most "
               "entries, once, then remove it (docs/operations.md, Backup "
               "and restore)");
  app.add_option("--etcd-new-epoch-absent", c->etcd_new_epoch_absent,
                 "with --etcd-new-epoch: nodes (their key names) gone for "
                 "good, that need not answer; their data dirs must never "
                 "return")
      ->delimiter(',');
  app.add_option("--peers", c->peers,
                 "the cluster's other nodes, HOST:PORT,...: asked to cosign "
                 "checkpoints")
      ->delimiter(',');
  app.add_option("--mirror-of", c->mirror_of,
                 "run as a read-only mirror of the node at HOST:PORT (no etcd, "
                 "no node key)");
  app.add_option("--mirror-interval-ms", c->mirror_interval_ms,
                 "how often a mirror asks its node for new entries")
      ->capture_default_str();
  app.add_option("--peer-ca", c->peer_ca_file,
                 "talk to peers over TLS, trusting this CA (PEM); this node's "
                 "--tls-cert and --tls-key are its client certificate");
  app.add_option("--batch-max-events", c->batch_max_events,
                 "a batch closes at this many events")
      ->capture_default_str();
  app.add_option("--batch-max-bytes", c->batch_max_bytes,
                 "... or at this many bytes of envelopes")
      ->capture_default_str();
  app.add_option("--batch-delay-ms", c->batch_delay_ms,
                 "... or this long after its first event")
      ->capture_default_str();
  app.add_option(
         "--batch-max-in-flight", c->batch_max_in_flight,
         absl::StrCat("batches ordered and not yet applied before "
                      "the open batch waits (and grows) instead of "
                      "closing on its delay; 0: ",
                      kLocalBatchesInFlight, " with the local sequencer, ",
                      kEtcdBatchesInFlight, " with etcd"))
      ->capture_default_str();
  app.add_option("--max-pending", c->max_pending,
                 "events waiting to be applied before Submit answers "
                 "RESOURCE_EXHAUSTED")
      ->capture_default_str();
  app.add_option("--max-envelope-bytes", c->max_envelope_bytes,
                 "largest event envelope Submit takes")
      ->capture_default_str();
  app.add_option("--verify-threads", c->verify_threads,
                 "threads checking signatures; 0: one per core")
      ->capture_default_str();
  app.add_option("--checkpoint-interval-ms", c->checkpoint_interval_ms,
                 "sign a checkpoint this often while the log grows")
      ->capture_default_str();
  app.add_option("--log-level", c->log_level,
                 "trace, debug, info, warn, error or critical")
      ->capture_default_str();
}

absl::Status Validate(const KpnodeConfig& c) {
  // Port 0 means "any" only for an address this node listens on.
  auto check_address = [](absl::string_view flag, const std::string& address,
                          bool listen = false) -> absl::Status {
    const size_t colon = address.rfind(':');
    const int lowest = listen ? 0 : 1;
    int port = 0;
    if (colon == std::string::npos || colon == 0 ||
        !absl::SimpleAtoi(absl::string_view(address).substr(colon + 1),
                          &port) ||
        port < lowest || port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, " \"", address, "\" is not HOST:PORT (port ",
                       lowest, " to 65535)"));
    }
    return absl::OkStatus();
  };
  if (absl::Status st = check_address("--listen", c.listen, true); !st.ok()) {
    return st;
  }
  if (!c.http_listen.empty()) {
    if (absl::Status st = check_address("--http-listen", c.http_listen, true);
        !st.ok()) {
      return st;
    }
  }
  if (c.tls_cert_file.empty() != c.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key go together: give both or neither");
  }
  if (!c.tls_client_ca_file.empty() && c.tls_cert_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls-client-ca needs TLS: give --tls-cert and --tls-key too");
  }
  if (c.mirror_of.empty() && c.node_key_file.empty()) {
    return absl::InvalidArgumentError(
        "--node-key is required (except for a mirror, --mirror-of)");
  }
  if (!c.mirror_of.empty()) {
    if (absl::Status st = check_address("--mirror-of", c.mirror_of); !st.ok()) {
      return st;
    }
    if (c.sequencer != "local" || !c.peers.empty() ||
        !c.node_key_file.empty()) {
      return absl::InvalidArgumentError(
          "--mirror-of runs a read-only mirror: it takes no --sequencer, "
          "--peers or --node-key");
    }
    if (c.mirror_interval_ms == 0) {
      return absl::InvalidArgumentError(
          "--mirror-interval-ms must be at least 1");
    }
  }
  if (c.sequencer == "etcd" && c.etcd_endpoints.empty()) {
    return absl::InvalidArgumentError(
        "--sequencer etcd needs --etcd-endpoints (HOST:PORT of each member)");
  }
  if (c.sequencer != "etcd" &&
      (!c.etcd_endpoints.empty() || !c.etcd_ca_file.empty() ||
       !c.etcd_cert_file.empty() || !c.etcd_key_file.empty() ||
       !c.etcd_prefix.empty())) {
    return absl::InvalidArgumentError(
        "--etcd-* flags are for --sequencer etcd");
  }
  for (const std::string& e : c.etcd_endpoints) {
    if (absl::Status st = check_address("--etcd-endpoints", e); !st.ok()) {
      return st;
    }
  }
  for (const std::string& p : c.peers) {
    if (absl::Status st = check_address("--peers", p); !st.ok()) return st;
  }
  if (c.etcd_cert_file.empty() != c.etcd_key_file.empty()) {
    return absl::InvalidArgumentError(
        "--etcd-cert and --etcd-key go together: give both or neither");
  }
  if (!c.etcd_cert_file.empty() && c.etcd_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "--etcd-cert needs --etcd-ca: client certificates are sent over TLS");
  }
  if (!c.etcd_prefix.empty() && c.etcd_prefix.back() != '/') {
    return absl::InvalidArgumentError("--etcd-prefix must end in \"/\"");
  }
  if (!c.etcd_new_epoch_absent.empty() && !c.etcd_new_epoch) {
    return absl::InvalidArgumentError(
        "--etcd-new-epoch-absent goes with --etcd-new-epoch");
  }
  if (c.etcd_new_epoch && c.sequencer != "etcd") {
    return absl::InvalidArgumentError(
        "--etcd-new-epoch needs --sequencer etcd");
  }
  if (c.etcd_timeout_ms == 0) {
    return absl::InvalidArgumentError("--etcd-timeout-ms must be at least 1");
  }
  if (c.etcd_quota_bytes == 0 || c.etcd_quota_bytes > kMaxEtcdQuotaBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--etcd-quota-bytes must be between 1 and ", kMaxEtcdQuotaBytes,
        " (etcd's largest --quota-backend-bytes); give etcd's own setting"));
  }
  // A node that serves TLS does not dial its peers or etcd in plaintext
  // because a flag was forgotten.
  if (!c.tls_cert_file.empty() && c.peer_ca_file.empty() &&
      (!c.peers.empty() || !c.mirror_of.empty())) {
    return absl::InvalidArgumentError(
        "this node serves TLS (--tls-cert) but would dial --peers or "
        "--mirror-of in plaintext: give --peer-ca, the CA of their "
        "certificates");
  }
  if (!c.tls_cert_file.empty() && c.sequencer == "etcd" &&
      c.etcd_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "this node serves TLS (--tls-cert) but would talk to etcd in "
        "plaintext: give --etcd-ca (and --etcd-cert, --etcd-key for etcd's "
        "client-cert-auth)");
  }
  if (!c.peer_ca_file.empty() && c.tls_cert_file.empty()) {
    return absl::InvalidArgumentError(
        "--peer-ca needs --tls-cert and --tls-key: nodes prove who they are "
        "to each other with their TLS certificates");
  }
  if (c.batch_max_events == 0 || c.batch_max_bytes == 0) {
    return absl::InvalidArgumentError(
        "--batch-max-events and --batch-max-bytes must be at least 1");
  }
  if (c.sequencer == "etcd" && c.batch_max_bytes > kMaxEtcdBatchBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--batch-max-bytes must be at most ", kMaxEtcdBatchBytes,
        " with --sequencer etcd: a batch is one etcd put, and etcd takes "
        "requests of up to 1.5 MiB by default (max-request-bytes)"));
  }
  if (c.max_pending == 0) {
    return absl::InvalidArgumentError("--max-pending must be at least 1");
  }
  if (c.max_envelope_bytes < 256 ||
      c.max_envelope_bytes > envelope::kMaxEnvelopeBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max-envelope-bytes must be between 256 and ",
                     envelope::kMaxEnvelopeBytes,
                     " (the largest envelope the rules take, on every node)"));
  }
  if (c.verify_threads > kMaxVerifyThreads) {
    return absl::InvalidArgumentError(
        absl::StrCat("--verify-threads must be at most ", kMaxVerifyThreads,
                     " (0: one per core)"));
  }
  if (c.checkpoint_interval_ms == 0) {
    return absl::InvalidArgumentError(
        "--checkpoint-interval-ms must be at least 1");
  }
  static constexpr absl::string_view kLevels[] = {
      "trace", "debug", "info", "warn", "error", "critical", "off"};
  bool known = false;
  for (absl::string_view l : kLevels) known = known || l == c.log_level;
  if (!known) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--log-level \"", c.log_level,
        "\" is not one of trace, debug, info, warn, error, critical, off"));
  }
  return absl::OkStatus();
}

uint32_t BatchesInFlight(const KpnodeConfig& c) {
  if (c.batch_max_in_flight != 0) return c.batch_max_in_flight;
  return c.sequencer == "etcd" ? kEtcdBatchesInFlight : kLocalBatchesInFlight;
}

}  // namespace kpledger::node
