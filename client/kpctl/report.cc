// kpctl report kp-stats|balance|anomalies: the KP reports the node projects
// from its log (docs/reports.md), printed with ledger/report/format.h.
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/kpctl/commands.h"
#include "client/kpctl/connect.h"
#include "client/kpctl/period.h"
#include "ledger/base/proto_json.h"
#include "ledger/report/format.h"

namespace kpledger::kpctl {
namespace {

struct StatsFlags {
  std::string period;
  std::string from;
  std::string to;
};

int Stats(const Globals& globals, const StatsFlags& flags) {
  constexpr char kCmd[] = "report kp-stats";
  absl::StatusOr<Period> period =
      PeriodFromFlags(flags.period, flags.from, flags.to);
  if (!period.ok()) {
    return ReportError(kCmd, kExitUsage, period.status().message());
  }
  int code = kExitOk;
  std::unique_ptr<NodeClient> client = ConnectOrReport(globals, kCmd, &code);
  if (client == nullptr) return code;
  v1::KpStatisticsRequest req;
  *req.mutable_start() = ToProto(period->start);
  *req.mutable_end() = ToProto(period->end);
  v1::KpStatistics stats;
  std::unique_ptr<grpc::ClientContext> ctx = client->Context();
  const grpc::Status st =
      client->reports().GetKpStatistics(ctx.get(), req, &stats);
  if (!st.ok()) return ReportRpcError(kCmd, st);
  std::printf("%s", globals.json ? base::ToJson(stats).c_str()
                                 : report::FormatStatistics(stats).c_str());
  return kExitOk;
}

// --as-of, or now if empty.
absl::StatusOr<absl::Time> AsOf(const std::string& as_of) {
  if (as_of.empty()) return absl::Now();
  return ParseTimeFlag("--as-of", as_of, DateMeans::kEndOfDay);
}

int Balance(const Globals& globals, const std::string& as_of) {
  constexpr char kCmd[] = "report balance";
  absl::StatusOr<absl::Time> t = AsOf(as_of);
  if (!t.ok()) return ReportError(kCmd, kExitUsage, t.status().message());
  int code = kExitOk;
  std::unique_ptr<NodeClient> client = ConnectOrReport(globals, kCmd, &code);
  if (client == nullptr) return code;
  v1::BalanceRequest req;
  *req.mutable_as_of() = ToProto(*t);
  v1::Balance balance;
  std::unique_ptr<grpc::ClientContext> ctx = client->Context();
  const grpc::Status st =
      client->reports().GetBalance(ctx.get(), req, &balance);
  if (!st.ok()) return ReportRpcError(kCmd, st);
  std::printf("%s", globals.json ? base::ToJson(balance).c_str()
                                 : report::FormatBalance(balance).c_str());
  return kExitOk;
}

int Anomalies(const Globals& globals, const std::string& as_of) {
  constexpr char kCmd[] = "report anomalies";
  absl::StatusOr<absl::Time> t = AsOf(as_of);
  if (!t.ok()) return ReportError(kCmd, kExitUsage, t.status().message());
  int code = kExitOk;
  std::unique_ptr<NodeClient> client = ConnectOrReport(globals, kCmd, &code);
  if (client == nullptr) return code;
  v1::ListAnomaliesRequest req;
  *req.mutable_as_of() = ToProto(*t);
  v1::ListAnomaliesResponse resp;
  std::unique_ptr<grpc::ClientContext> ctx = client->Context();
  const grpc::Status st =
      client->reports().ListAnomalies(ctx.get(), req, &resp);
  if (!st.ok()) return ReportRpcError(kCmd, st);
  std::printf("%s", globals.json ? base::ToJson(resp).c_str()
                                 : report::FormatAnomalies(resp).c_str());
  return kExitOk;
}

void AddAsOf(CLI::App* cmd, std::shared_ptr<std::string> as_of) {
  cmd->add_option("--as-of", *as_of,
                  "ledger time to report at: RFC 3339, or a date YYYY-MM-DD "
                  "(through its end, UTC); default now");
}

}  // namespace

void AddReport(CLI::App& app, Globals& globals) {
  CLI::App* report = app.add_subcommand(
      "report",
      "the KP reports: trade statistics (kp-stats), the mass "
      "balance (balance), red flags (anomalies)");
  report->require_subcommand(1);

  CLI::App* stats = report->add_subcommand(
      "kp-stats",
      "KP trade statistics of a period: imports and exports by "
      "HS code, origin and partner country, in carats and USD");
  stats->footer(
      "The period is ledger time [start, end), UTC: --period YYYY-Qn, YYYY-MM\n"
      "or YYYY; or --from and --to (RFC 3339 times or YYYY-MM-DD dates, --to\n"
      "excluded).\n\n"
      "Examples:\n"
      "  kpctl report kp-stats --period 2026-Q3\n"
      "  kpctl report kp-stats --from 2026-07-01 --to 2026-08-01");
  auto sflags = std::make_shared<StatsFlags>();
  stats->add_option("--period", sflags->period,
                    "a quarter (2026-Q3), month (2026-07) or year (2026)");
  stats->add_option("--from", sflags->from, "start of the period (included)");
  stats->add_option("--to", sflags->to, "end of the period (excluded)");
  stats->callback(
      [&globals, sflags] { globals.exit_code = Stats(globals, *sflags); });

  CLI::App* balance = report->add_subcommand(
      "balance",
      "the mass balance: imported, exported, re-measured by labs, "
      "lost in splits and merges, in custody");
  balance->footer("Example:\n  kpctl report balance --as-of 2026-09-30");
  auto bal_as_of = std::make_shared<std::string>();
  AddAsOf(balance, bal_as_of);
  balance->callback([&globals, bal_as_of] {
    globals.exit_code = Balance(globals, *bal_as_of);
  });

  CLI::App* anomalies = report->add_subcommand(
      "anomalies",
      "the red flags: mass discrepancies, value outliers, "
      "sanctioned origins, quick re-exports, unconfirmed exports");
  anomalies->footer("Example:\n  kpctl report anomalies --as-of 2026-09-30");
  auto an_as_of = std::make_shared<std::string>();
  AddAsOf(anomalies, an_as_of);
  anomalies->callback([&globals, an_as_of] {
    globals.exit_code = Anomalies(globals, *an_as_of);
  });
}

}  // namespace kpledger::kpctl
