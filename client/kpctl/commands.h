// The kpctl subcommands. Each adds itself to the app; its callback runs the
// command and returns the process exit code (exit_codes below).
#ifndef KPLEDGER_CLIENT_KPCTL_COMMANDS_H_
#define KPLEDGER_CLIENT_KPCTL_COMMANDS_H_

#include "CLI/CLI.hpp"

namespace kpledger::kpctl {

// Exit codes every command shares.
inline constexpr int kExitOk = 0;
// The command ran and the answer is "no": a bundle that does not verify.
inline constexpr int kExitRefused = 1;
// The command could not run: bad flags, a missing or malformed file.
inline constexpr int kExitUsage = 2;

struct Globals {
  bool json = false;  // --json: machine-readable output
  int exit_code = kExitOk;
};

void AddKeygen(CLI::App& app, Globals& globals);
void AddVerify(CLI::App& app, Globals& globals);

}  // namespace kpledger::kpctl

#endif  // KPLEDGER_CLIENT_KPCTL_COMMANDS_H_
