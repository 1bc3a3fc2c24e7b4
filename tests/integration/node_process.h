// A real kpnode process for integration tests: started with a data dir,
// genesis and node key in a scratch folder, on free loopback ports (port 0;
// the node writes the ports it bound to its ready file), stopped with
// SIGTERM or killed with SIGKILL.
#ifndef KPLEDGER_TESTS_INTEGRATION_NODE_PROCESS_H_
#define KPLEDGER_TESTS_INTEGRATION_NODE_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kpledger/v1/service.grpc.pb.h"
#include "tests/testing/custody_builder.h"

namespace kpledger::testing {

// Where the kpnode binary is: set by the integration tests' main() from
// their arguments, and by kpbench from its --kpnode flag.
extern std::string g_kpnode_path;

// Starts `program` with `args`, stderr appended to `log`, stdout to
// /dev/null; -1 if it cannot be started.
pid_t SpawnProgram(const std::string& program,
                   const std::vector<std::string>& args,
                   const std::string& log);

// A loopback TCP port that was free a moment ago and that this process
// has not been given before (0 if none).
int FreePort();

// The files of one ledger for a node: genesis.json and node.key (node 0
// of the builder's genesis) in `dir`.
void WriteLedgerFiles(const CustodyBuilder& builder, const std::string& dir);

// A new, empty folder for the running gtest test (under TEST_TMPDIR) with
// the ledger files of `builder` in it.
std::string FreshLedgerDir(const CustodyBuilder& builder);

class NodeProcess {
 public:
  // Starts kpnode with --data-dir dir/data --genesis dir/genesis.json
  // --node-key dir/node.key, ports 0, and `extra` flags (which replace
  // those defaults they name); waits until it is ready. An error holds what it
  // printed if it exited instead.
  static absl::StatusOr<std::unique_ptr<NodeProcess>> Start(
      const std::string& dir, const std::vector<std::string>& extra = {});
  // Runs kpnode with these exact arguments to its exit: (exit code,
  // stderr). For the cannot-start cases.
  static std::pair<int, std::string> RunToExit(
      const std::vector<std::string>& args);
  ~NodeProcess();  // Kill()

  const std::string& grpc_address() const { return grpc_address_; }
  const std::string& http_address() const { return http_address_; }
  pid_t pid() const { return pid_; }

  std::shared_ptr<grpc::Channel> Channel() const;
  std::unique_ptr<v1::LedgerService::Stub> Ledger() const;
  std::unique_ptr<v1::ReportService::Stub> Reports() const;
  std::unique_ptr<v1::NodeService::Stub> Node() const;

  // SIGTERM and wait: the exit code (-1 if killed by a signal).
  int Stop();
  // SIGKILL and reap.
  void Kill();
  // What the node wrote to stderr so far.
  std::string Log() const;

 private:
  NodeProcess() = default;
  pid_t pid_ = -1;
  std::string log_path_;
  std::string grpc_address_;
  std::string http_address_;
};

}  // namespace kpledger::testing

#endif  // KPLEDGER_TESTS_INTEGRATION_NODE_PROCESS_H_
