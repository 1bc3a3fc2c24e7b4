// kpctl policy: the policy in force on the ledger (the parameters the
// custody rules read), and the entries that changed it.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/kpctl/commands.h"
#include "client/kpctl/connect.h"
#include "client/kpctl/text.h"
#include "ledger/base/proto_json.h"
#include "ledger/base/units.h"

namespace kpledger::kpctl {
namespace {

constexpr char kCmd[] = "policy";

std::string Sanctions(const v1::Policy& p) {
  std::vector<std::string> lines;
  for (const v1::SanctionedOrigin& s : p.sanctioned_origins()) {
    const char* action = s.action() == v1::SANCTION_REFUSE ? "refused"
                         : s.action() == v1::SANCTION_FLAG ? "flagged"
                                                           : "(no action)";
    lines.push_back(absl::StrCat(Clean(s.country()), " ", action,
                                 " for certificates issued from ",
                                 Time(s.effective_from())));
  }
  return lines.empty() ? "none"
                       : absl::StrJoin(lines, "\n                      ");
}

std::string Days(uint32_t days, const char* zero) {
  return days == 0 ? zero : absl::StrCat(days, " days");
}

std::string FormatPolicy(const v1::GetPolicyResponse& r) {
  const v1::Policy& p = r.policy();
  std::vector<std::string> entries;
  for (uint64_t e : r.update_entries()) entries.push_back(absl::StrCat(e));
  return absl::StrCat(
      "Policy in force (",
      entries.empty() ? std::string("the genesis policy")
                      : absl::StrCat("the genesis policy, changed by entries ",
                                     absl::StrJoin(entries, ", ")),
      ")\n", "  mass tolerance      ",
      base::FormatPercent(p.mass_tolerance_ppm()),
      " of the declared mass (beyond: MASS_DISCREPANCY)\n",
      "  value band          ", base::FormatPercent(p.value_band_ppm()),
      " of the declared value per carat (beyond: VALUE_OUTLIER)\n",
      "  loss tolerance      ", base::FormatPercent(p.loss_tolerance_ppm()),
      " of the mass a split or merge takes in\n", "  sanctioned origins  ",
      Sanctions(p), "\n", "  confirmation        exports unconfirmed after ",
      Days(p.confirmation_period_days(), "(never reported)"), " are reported\n",
      "  quick re-export     exports of a parcel unchanged within ",
      Days(p.quick_reexport_days(), "(none flagged)"),
      " of its import are flagged\n", "  transfer seals      ",
      p.transfer_seals_required() ? "required" : "not required", "\n");
}

int Show(const Globals& globals) {
  int code = kExitOk;
  std::unique_ptr<NodeClient> client = ConnectOrReport(globals, kCmd, &code);
  if (client == nullptr) return code;
  v1::GetPolicyResponse resp;
  std::unique_ptr<grpc::ClientContext> ctx = client->Context();
  const grpc::Status st =
      client->ledger().GetPolicy(ctx.get(), v1::GetPolicyRequest(), &resp);
  if (!st.ok()) return ReportRpcError(kCmd, st);
  std::printf("%s", globals.json ? base::ToJson(resp).c_str()
                                 : FormatPolicy(resp).c_str());
  return kExitOk;
}

}  // namespace

void AddPolicy(CLI::App& app, Globals& globals) {
  CLI::App* cmd = app.add_subcommand(
      "policy",
      "the policy in force: the tolerances, sanctioned origins, periods and "
      "rules the custody rules read, and the entries that changed it");
  cmd->footer(
      "Example:\n  kpctl policy\n"
      "The genesis sets the policy; only an UpdatePolicy event signed by "
      "the governance threshold changes it.");
  cmd->callback([&globals] { globals.exit_code = Show(globals); });
}

}  // namespace kpledger::kpctl
