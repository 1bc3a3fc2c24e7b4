// kpctl: the kpledger command line. Today its offline commands: keygen
// (Ed25519 key files) and verify (a provenance bundle against a genesis,
// trusting nothing else). The node commands come with kpnode.
#include "CLI/CLI.hpp"
#include "client/kpctl/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "kpctl: keys, and offline verification of kpledger provenance "
      "bundles"};
  app.require_subcommand(1);
  kpledger::kpctl::Globals globals;
  app.add_flag("--json", globals.json, "machine-readable JSON output");
  kpledger::kpctl::AddKeygen(app, globals);
  kpledger::kpctl::AddVerify(app, globals);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kpledger::kpctl::kExitOk : kpledger::kpctl::kExitUsage;
  }
  return globals.exit_code;
}
