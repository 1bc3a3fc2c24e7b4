// The kpctl subcommands. Each adds itself to the app; its callback runs the
// command and stores the process exit code (below) in Globals.
#ifndef KPLEDGER_CLIENT_KPCTL_COMMANDS_H_
#define KPLEDGER_CLIENT_KPCTL_COMMANDS_H_

#include <string>

#include "CLI/CLI.hpp"

namespace kpledger::kpctl {

// Exit codes every command shares (client/kpctl/README.md).
inline constexpr int kExitOk = 0;
// The command ran and the answer is "no": a bundle that does not verify, an
// event the node refused, a parcel the node does not know, a failed audit.
inline constexpr int kExitRefused = 1;
// The command could not run: bad flags, a missing or malformed file, a file
// it will not overwrite.
inline constexpr int kExitUsage = 2;
// The node could not be reached or did not answer in time (gRPC UNAVAILABLE
// or DEADLINE_EXCEEDED): trying again later may help.
inline constexpr int kExitUnavailable = 3;

// How to reach a kpnode: the app's global flags.
struct ConnectOptions {
  std::string server = "127.0.0.1:7400";  // --server, env KPCTL_SERVER
  std::string tls_ca;                     // --tls-ca: PEM roots; TLS on
  std::string tls_cert;                   // --tls-cert: client certificate
  std::string tls_key;                    // --tls-key: its private key
  double timeout_s = 10;                  // --timeout: per call
};

struct Globals {
  bool json = false;  // --json: machine-readable output
  ConnectOptions connect;
  int exit_code = kExitOk;
};

// Offline.
void AddKeygen(CLI::App& app, Globals& globals);
void AddVerify(CLI::App& app, Globals& globals);
void AddGenesis(CLI::App& app, Globals& globals);
// Against a node.
void AddSubmit(CLI::App& app, Globals& globals);
void AddParcel(CLI::App& app, Globals& globals);
void AddCertificate(CLI::App& app, Globals& globals);
void AddPolicy(CLI::App& app, Globals& globals);
void AddActors(CLI::App& app, Globals& globals);
void AddNodes(CLI::App& app, Globals& globals);
void AddProvenance(CLI::App& app, Globals& globals);
void AddTail(CLI::App& app, Globals& globals);
void AddReport(CLI::App& app, Globals& globals);
void AddStatus(CLI::App& app, Globals& globals);
void AddAudit(CLI::App& app, Globals& globals);

}  // namespace kpledger::kpctl

#endif  // KPLEDGER_CLIENT_KPCTL_COMMANDS_H_
