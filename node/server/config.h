// kpnode's configuration: command-line flags, each of which may also be
// set in a config file (`--config kpnode.toml`, CLI11's TOML/INI form: one
// `name = value` per line, names as the flags without "--"). Flags given
// on the command line win over the file.
#ifndef KPLEDGER_NODE_SERVER_CONFIG_H_
#define KPLEDGER_NODE_SERVER_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"

namespace kpledger::node {

struct KpnodeConfig {
  std::string data_dir;
  std::string genesis_file;
  std::string node_key_file;
  std::string listen = "127.0.0.1:7400";
  std::string http_listen = "127.0.0.1:7401";  // empty: no HTTP side
  std::string ready_file;                      // written once serving

  std::string tls_cert_file;       // server certificate chain (PEM)
  std::string tls_key_file;        // its private key (PEM)
  std::string tls_client_ca_file;  // set: clients need a certificate of it

  // Clusters (DESIGN §5): the ordering service and the other nodes.
  std::string sequencer = "local";          // "local" or "etcd"
  std::vector<std::string> etcd_endpoints;  // HOST:PORT of each member
  std::string etcd_prefix;                  // empty: /kpledger/<genesis>/
  std::string etcd_ca_file;                 // set: TLS to etcd
  std::string etcd_cert_file;               // client certificate for etcd
  std::string etcd_key_file;
  uint32_t etcd_timeout_ms = 2000;
  uint64_t etcd_quota_bytes = uint64_t{2} << 30;
  bool etcd_new_epoch = false;  // start an epoch when etcd is behind
  std::vector<std::string> etcd_new_epoch_absent;  // node key names
  std::vector<std::string> peers;  // HOST:PORT of the other nodes
  std::string peer_ca_file;        // set: TLS to peers (with --tls-cert/key)
  std::string mirror_of;           // set: a read-only mirror of that node
  uint32_t mirror_interval_ms = 500;

  uint32_t batch_max_events = 2000;
  uint32_t batch_max_bytes = 1 << 20;
  uint32_t batch_delay_ms = 2;
  // 0: kLocalBatchesInFlight with the local sequencer, kEtcdBatchesInFlight
  // with etcd (BatchesInFlight).
  uint32_t batch_max_in_flight = 0;
  uint32_t max_pending = 20000;
  uint32_t max_envelope_bytes = 64 * 1024;
  uint32_t verify_threads = 0;
  uint32_t checkpoint_interval_ms = 1000;
  std::string log_level = "info";
};

// Bounds Validate holds flags to.
inline constexpr uint64_t kMaxEtcdQuotaBytes = uint64_t{8} << 30;
// One etcd put carries a batch, under etcd's default max-request-bytes
// (1.5 MiB) with room for the batch's own encoding.
inline constexpr uint32_t kMaxEtcdBatchBytes = 1 << 20;
inline constexpr uint32_t kMaxVerifyThreads = 256;

// Adds every flag (and --config) to `app`.
void AddFlags(CLI::App& app, KpnodeConfig* config);

// Checks what CLI11 cannot: value ranges and flags that go together.
// InvalidArgument names the flag.
absl::Status Validate(const KpnodeConfig& config);

// Batches a node keeps ordered and not yet applied before its open batch
// waits and grows. Alone, a node pipelines: it prepares the next batch while
// it writes one. On etcd, every batch costs every node of the cluster a raft
// round and an apply of its own, so one at a time makes fewer, larger
// batches for the same load (docs/benchmarks.md, cluster_bench).
inline constexpr uint32_t kLocalBatchesInFlight = 3;
inline constexpr uint32_t kEtcdBatchesInFlight = 1;
uint32_t BatchesInFlight(const KpnodeConfig& config);

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_SERVER_CONFIG_H_
