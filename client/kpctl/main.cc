// kpctl: the kpledger command line. Offline: keygen (Ed25519 key files),
// genesis (a ledger's trust root) and verify (a provenance bundle against a
// genesis). Against a kpnode over gRPC: submit, parcel, certificate,
// provenance, tail, report, status, audit. Usage: client/kpctl/README.md.
#include <cstdlib>

#include "CLI/CLI.hpp"
#include "client/kpctl/commands.h"
#include "grpc/support/log.h"

int main(int argc, char** argv) {
  namespace kp = kpledger::kpctl;
  // gRPC's own log lines (e.g. "Handshake failed with fatal error ...")
  // repeat what kpctl says about the failed call; GRPC_VERBOSITY set in the
  // environment shows them again.
  if (std::getenv("GRPC_VERBOSITY") == nullptr) {
    gpr_set_log_function([](gpr_log_func_args*) {});
  }
  CLI::App app{
      "kpctl: the kpledger command line: keys and genesis, signed custody "
      "events, parcels, provenance bundles, reports, and audits of a "
      "kpnode"};
  app.require_subcommand(1);
  // Global flags may also follow the command: kpctl status --json.
  app.fallthrough();
  app.footer(
      "Exit codes: 0 ok; 1 the answer is no (refused, not found, not "
      "verified); 2 could not run (flags, files); 3 the node could not be "
      "reached or did not answer in time.\n"
      "Run `kpctl COMMAND --help` for a command's flags and an example.");
  kp::Globals globals;
  app.add_flag("--json", globals.json, "machine-readable JSON output");
  app.add_option("--server", globals.connect.server,
                 "kpnode gRPC address HOST:PORT")
      ->envname("KPCTL_SERVER")
      ->capture_default_str();
  app.add_option("--tls-ca", globals.connect.tls_ca,
                 "use TLS and verify the node's certificate with this CA "
                 "(PEM)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-cert", globals.connect.tls_cert,
                 "client certificate (PEM) for mutual TLS; needs --tls-key")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key", globals.connect.tls_key,
                 "the client certificate's private key (PEM)")
      ->check(CLI::ExistingFile);
  app.add_option("--timeout", globals.connect.timeout_s,
                 "seconds to wait for each call to the node")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  kp::AddKeygen(app, globals);
  kp::AddGenesis(app, globals);
  kp::AddVerify(app, globals);
  kp::AddSubmit(app, globals);
  kp::AddParcel(app, globals);
  kp::AddCertificate(app, globals);
  kp::AddPolicy(app, globals);
  kp::AddActors(app, globals);
  kp::AddNodes(app, globals);
  kp::AddProvenance(app, globals);
  kp::AddTail(app, globals);
  kp::AddReport(app, globals);
  kp::AddStatus(app, globals);
  kp::AddAudit(app, globals);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kp::kExitOk : kp::kExitUsage;
  }
  return globals.exit_code;
}
