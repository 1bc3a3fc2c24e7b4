// kpctl actors: the registered actors, who may sign what.
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

constexpr char kCmd[] = "actors";

std::string ActorsTable(const v1::ListActorsResponse& resp) {
  Table table({false, false, false, false, false, false, false});
  table.Add({"Actor", "Role", "Name", "Licence", "Key id", "Status",
             "Governance entries"});
  for (const v1::ListActorsResponse::Actor& a : resp.actors()) {
    std::vector<std::string> entries;
    for (uint64_t e : a.governance_entries()) {
      entries.push_back(absl::StrCat(e));
    }
    table.Add({Clean(a.actor_id()), v1::Role_Name(a.role()), Clean(a.name()),
               a.license_id().empty() ? "-" : Clean(a.license_id()),
               Short(a.key_id()),
               a.revoked() ? absl::StrCat("revoked: ", Clean(a.revoke_reason()))
                           : "active",
               absl::StrJoin(entries, ", ")});
  }
  return absl::StrCat(resp.actors_size(), " actors\n", table.Render());
}

int List(const Globals& globals, const std::string& role_name) {
  v1::ListActorsRequest req;
  if (!role_name.empty()) {
    v1::Role role;
    if (!v1::Role_Parse(role_name, &role) || role == v1::ROLE_UNSPECIFIED) {
      return ReportError(
          kCmd, kExitUsage,
          absl::StrCat("--role ", role_name,
                       " is not KP_AUTHORITY, CUSTOMS, LAB, VAULT, TRADER, "
                       "INSPECTOR or NODE"));
    }
    req.set_role(role);
  }
  int code = kExitOk;
  std::unique_ptr<NodeClient> client = ConnectOrReport(globals, kCmd, &code);
  if (client == nullptr) return code;
  v1::ListActorsResponse resp;
  std::unique_ptr<grpc::ClientContext> ctx = client->Context();
  const grpc::Status st = client->ledger().ListActors(ctx.get(), req, &resp);
  if (!st.ok()) return ReportRpcError(kCmd, st);
  std::printf("%s", globals.json ? base::ToJson(resp).c_str()
                                 : ActorsTable(resp).c_str());
  return kExitOk;
}

}  // namespace

void AddActors(CLI::App& app, Globals& globals) {
  CLI::App* cmd = app.add_subcommand(
      "actors",
      "the registered actors: role, name, licence, current key, whether "
      "revoked, and the governance entries that registered, re-keyed or "
      "revoked them");
  cmd->footer(
      "Example:\n  kpctl actors --role LAB\n"
      "Only governance events (RegisterActor, RotateKey, RevokeActor) "
      "change this list.");
  auto role = std::make_shared<std::string>();
  cmd->add_option("--role", *role,
                  "only this role: KP_AUTHORITY, CUSTOMS, LAB, VAULT, TRADER, "
                  "INSPECTOR or NODE");
  cmd->callback([&globals, role] { globals.exit_code = List(globals, *role); });
}

}  // namespace kpledger::kpctl
