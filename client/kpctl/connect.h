// kpctl's connection to a kpnode: one gRPC channel (plaintext, or TLS with
// an optional client certificate), the three service stubs, and the exit
// code and message every node command gives for a failed call.
//
// Connect checks the node answers before any command runs: it calls
// NodeService.GetStatus once, so "cannot reach kpnode at HOST:PORT: ..."
// (exit 3) is told apart from a node that answers "no" (exit 1).
// Not thread-safe: one command, one thread.
#ifndef KPLEDGER_CLIENT_KPCTL_CONNECT_H_
#define KPLEDGER_CLIENT_KPCTL_CONNECT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/kpctl/commands.h"
#include "grpcpp/grpcpp.h"
#include "kpledger/v1/service.grpc.pb.h"

namespace kpledger::kpctl {

class NodeClient {
 public:
  // Makes the channel and asks the node for its status.
  //   InvalidArgument / NotFound  unusable TLS flags or files (exit 2)
  //   Unavailable                 the node cannot be reached (exit 3)
  static absl::StatusOr<std::unique_ptr<NodeClient>> Connect(
      const ConnectOptions& options);

  v1::LedgerService::Stub& ledger() { return *ledger_; }
  v1::ReportService::Stub& reports() { return *reports_; }
  v1::NodeService::Stub& node() { return *node_; }

  // The answer to the GetStatus call Connect made; `status_error()` is
  // not OK if the node answered it with an error (e.g. UNIMPLEMENTED).
  const v1::NodeStatus& status() const { return status_; }
  const grpc::Status& status_error() const { return status_error_; }

  // A context for one call, with the --timeout deadline; streams that may
  // run long (tail --follow, audit) pass with_deadline = false.
  std::unique_ptr<grpc::ClientContext> Context(bool with_deadline = true) const;

  const std::string& server() const { return options_.server; }

 private:
  NodeClient(ConnectOptions options, std::shared_ptr<grpc::Channel> channel);

  ConnectOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::LedgerService::Stub> ledger_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
  std::unique_ptr<v1::NodeService::Stub> node_;
  v1::NodeStatus status_;
  grpc::Status status_error_;
};

// "NOT_FOUND", "FAILED_PRECONDITION", ... for a gRPC (= canonical) code.
std::string CodeName(int code);

// Connects for command `cmd`, or prints why not ("kpctl <cmd>: cannot
// reach kpnode at ...") and stores the exit code (2 or 3) in *exit_code.
std::unique_ptr<NodeClient> ConnectOrReport(const Globals& globals,
                                            absl::string_view cmd,
                                            int* exit_code);

// Prints "kpctl <cmd>: <CODE>: <message>" on stderr and returns the exit
// code: 3 for UNAVAILABLE and DEADLINE_EXCEEDED, else 1.
int ReportRpcError(absl::string_view cmd, const grpc::Status& status);

// Prints "kpctl <cmd>: <message>" on stderr and returns `exit_code`.
int ReportError(absl::string_view cmd, int exit_code,
                absl::string_view message);

}  // namespace kpledger::kpctl

#endif  // KPLEDGER_CLIENT_KPCTL_CONNECT_H_
