// kpbench's kpnode: the files of one ledger (genesis.json, node.key) and a
// real kpnode process started on them, on free loopback ports (port 0; the
// node writes the ports it bound to its ready file).
//
// A small copy of tests/integration/node_process, which cannot be linked
// into a binary of its own: its library carries the integration tests'
// main().
#ifndef KPLEDGER_TESTS_BENCH_KPBENCH_NODE_H_
#define KPLEDGER_TESTS_BENCH_KPBENCH_NODE_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tests/testing/custody_builder.h"

namespace kpledger::bench {

// Writes dir/genesis.json and dir/node.key (node 0 of the builder's
// genesis), creating `dir`.
absl::Status WriteNodeFiles(const testing::CustodyBuilder& builder,
                            const std::string& dir);

class KpnodeProcess {
 public:
  // Starts `kpnode` with --data-dir `data_dir`, --genesis dir/genesis.json,
  // --node-key dir/node.key, ports 0 and `extra` flags; its stderr goes to
  // dir/kpnode.log. Waits (up to `ready_seconds`) until it serves. An error
  // holds the end of its log if it exited instead.
  static absl::StatusOr<std::unique_ptr<KpnodeProcess>> Start(
      const std::string& kpnode, const std::string& dir,
      const std::string& data_dir, const std::vector<std::string>& extra,
      int ready_seconds = 60);
  ~KpnodeProcess();  // Stop()

  KpnodeProcess(const KpnodeProcess&) = delete;
  KpnodeProcess& operator=(const KpnodeProcess&) = delete;

  const std::string& grpc_address() const { return grpc_address_; }
  const std::string& http_address() const { return http_address_; }
  pid_t pid() const { return pid_; }

  // SIGTERM and wait (SIGKILL after 20 s): the exit code, -1 if killed.
  int Stop();
  // The last `max_bytes` of what the node wrote to stderr.
  std::string LogTail(size_t max_bytes = 4000) const;

 private:
  KpnodeProcess() = default;
  pid_t pid_ = -1;
  std::string log_path_;
  std::string grpc_address_;
  std::string http_address_;
};

}  // namespace kpledger::bench

#endif  // KPLEDGER_TESTS_BENCH_KPBENCH_NODE_H_
