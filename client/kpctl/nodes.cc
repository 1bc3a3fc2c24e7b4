// kpctl nodes: the ledger's node keys (who signs checkpoints and batches),
// which are in force, and how many signatures a checkpoint needs now.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/kpctl/commands.h"
#include "client/kpctl/connect.h"
#include "client/kpctl/text.h"
#include "ledger/base/proto_json.h"

namespace kpledger::kpctl {
namespace {

constexpr char kCmd[] = "nodes";

std::string NodesTable(const v1::ListNodeKeysResponse& resp) {
  Table table({false, false, false, false});
  table.Add({"Node key", "Key id", "Added", "Status"});
  int in_force = 0;
  for (const v1::ListNodeKeysResponse::NodeKey& k : resp.keys()) {
    if (k.in_force()) ++in_force;
    table.Add(
        {Clean(k.name()), Short(k.key_id()),
         k.added_at() == 0 ? "genesis" : absl::StrCat("entry ", k.added_at()),
         k.in_force()  ? "in force"
         : k.removed() ? absl::StrCat("revoked at entry ", k.removed_at())
                       : "not yet in force"});
  }
  return absl::StrCat(
      resp.keys_size(), " node keys, ", in_force, " in force at tree size ",
      resp.tree_size(), "; a checkpoint is cosigned with ",
      resp.checkpoint_threshold(), " of their signatures\n",
      resp.by_governance()
          ? "Governance adds node keys (RegisterActor, role NODE) and "
            "removes them (RevokeActor).\n"
          : "The genesis fixes the node keys (it predates node keys by "
            "governance).\n",
      table.Render());
}

int List(const Globals& globals) {
  int code = kExitOk;
  std::unique_ptr<NodeClient> client = ConnectOrReport(globals, kCmd, &code);
  if (client == nullptr) return code;
  v1::ListNodeKeysResponse resp;
  std::unique_ptr<grpc::ClientContext> ctx = client->Context();
  const grpc::Status st = client->ledger().ListNodeKeys(
      ctx.get(), v1::ListNodeKeysRequest(), &resp);
  if (!st.ok()) return ReportRpcError(kCmd, st);
  std::printf("%s", globals.json ? base::ToJson(resp).c_str()
                                 : NodesTable(resp).c_str());
  return kExitOk;
}

}  // namespace

void AddNodes(CLI::App& app, Globals& globals) {
  CLI::App* cmd = app.add_subcommand(
      "nodes",
      "the ledger's node keys: who signs checkpoints and batches, which are "
      "in force, and the signatures a checkpoint needs now");
  cmd->footer(
      "Example:\n  kpctl nodes\n"
      "The genesis names the first node keys; governance adds one with a "
      "RegisterActor of role NODE and removes one with a RevokeActor "
      "(docs/operations.md, \"Adding an agency\").");
  cmd->callback([&globals] { globals.exit_code = List(globals); });
}

}  // namespace kpledger::kpctl
