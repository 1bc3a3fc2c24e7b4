// kpctl status: what the node says about itself and its log.
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/kpctl/commands.h"
#include "client/kpctl/connect.h"
#include "client/kpctl/text.h"
#include "ledger/base/encoding.h"
#include "ledger/base/proto_json.h"

namespace kpledger::kpctl {
namespace {

constexpr char kCmd[] = "status";

std::string FormatStatus(const std::string& server, const v1::NodeStatus& s) {
  const v1::Checkpoint& cp = s.latest_cosigned();
  std::string checkpoint = "none";
  if (!cp.note().empty() || cp.tree_size() > 0) {
    checkpoint = absl::StrCat(
        "tree size ", cp.tree_size(), ", root ",
        base::HexEncode(cp.root_hash()), ", signed by ",
        cp.signers().empty() ? "-" : absl::StrJoin(cp.signers(), ", "));
  }
  return absl::StrCat(
      "kpnode ", Clean(s.node_name()), " at ", server, "\n",  //
      "  node key      ", s.node_key().empty() ? "-" : Clean(s.node_key()),
      "\n",                                                              //
      "  origin        ", Clean(s.origin()), "\n",                       //
      "  genesis hash  ", s.genesis_hash(), "\n",                        //
      "  tree size     ", s.tree_size(), "\n",                           //
      "  root          ", base::HexEncode(s.root_hash()), "\n",          //
      "  sequencer     ", Clean(s.sequencer()), ", applied position ",   //
      s.applied_position().empty() ? "-" : Clean(s.applied_position()),  //
      "\n",                                                              //
      "  cosigned      ", checkpoint, "\n",                              //
      "  diverged      ",
      s.diverged() ? "YES: its log differs from a cosigned checkpoint's (root "
                     "or policy updates); see the node's log"
                   : "no",
      "\n");
}

int Run(const Globals& globals) {
  int code = kExitOk;
  std::unique_ptr<NodeClient> client = ConnectOrReport(globals, kCmd, &code);
  if (client == nullptr) return code;
  if (!client->status_error().ok()) {
    return ReportRpcError(kCmd, client->status_error());
  }
  std::printf("%s",
              globals.json
                  ? base::ToJson(client->status()).c_str()
                  : FormatStatus(client->server(), client->status()).c_str());
  return kExitOk;
}

}  // namespace

void AddStatus(CLI::App& app, Globals& globals) {
  CLI::App* cmd = app.add_subcommand(
      "status",
      "the node's status: origin, genesis hash, node name, tree "
      "size, root, sequencer, latest cosigned checkpoint");
  cmd->footer(
      "Exit 3 if the node cannot be reached: a quick liveness check.\n\n"
      "Example:\n"
      "  kpctl --server 10.0.0.5:7400 status");
  cmd->callback([&globals] { globals.exit_code = Run(globals); });
}

}  // namespace kpledger::kpctl
