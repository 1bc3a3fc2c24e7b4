// kpctl parcel show|history|list: a parcel's state, its chain of entries,
// and the parcels the node holds.
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/kpctl/commands.h"
#include "client/kpctl/connect.h"
#include "client/kpctl/text.h"
#include "kpledger/v1/service.grpc.pb.h"
#include "ledger/base/proto_json.h"
#include "ledger/base/units.h"

namespace kpledger::kpctl {
namespace {

// Pages of ListParcels fetched at most; 1000 parcels each.
constexpr int kMaxPages = 1000;
constexpr uint32_t kPageSize = 1000;

int Show(const Globals& globals, const std::string& parcel_id) {
  int code = kExitOk;
  std::unique_ptr<NodeClient> client =
      ConnectOrReport(globals, "parcel show", &code);
  if (client == nullptr) return code;
  v1::GetParcelRequest req;
  req.set_parcel_id(parcel_id);
  v1::ParcelState state;
  std::unique_ptr<grpc::ClientContext> ctx = client->Context();
  const grpc::Status st = client->ledger().GetParcel(ctx.get(), req, &state);
  if (!st.ok()) return ReportRpcError("parcel show", st);
  std::printf("%s", globals.json ? base::ToJson(state).c_str()
                                 : FormatParcel(state).c_str());
  return kExitOk;
}

std::string HistoryTable(const v1::ListParcelEventsResponse& resp) {
  Table table({true, false, false, false, false, false});
  table.Add(
      {"Entry", "Ledger time", "Event", "Event id", "Signers", "Summary"});
  for (const v1::LedgerEntry& e : resp.entries()) {
    v1::CustodyEvent ev;
    DecodeEvent(e, &ev);
    table.Add({absl::StrCat(e.index()), Time(e.ledger_time()), EntryType(e, ev),
               Short(e.event_id()), Signers(e, resp.signer_actors()),
               DescribeEvent(ev)});
  }
  return table.Render();
}

int History(const Globals& globals, const std::string& parcel_id) {
  int code = kExitOk;
  std::unique_ptr<NodeClient> client =
      ConnectOrReport(globals, "parcel history", &code);
  if (client == nullptr) return code;
  v1::ListParcelEventsRequest req;
  req.set_parcel_id(parcel_id);
  v1::ListParcelEventsResponse resp;
  std::unique_ptr<grpc::ClientContext> ctx = client->Context();
  const grpc::Status st =
      client->ledger().ListParcelEvents(ctx.get(), req, &resp);
  if (!st.ok()) return ReportRpcError("parcel history", st);
  if (globals.json) {
    std::printf("%s", base::ToJson(resp).c_str());
  } else {
    std::printf("Parcel %s: %d entries\n%s", Clean(parcel_id).c_str(),
                resp.entries_size(), HistoryTable(resp).c_str());
  }
  return kExitOk;
}

struct ListFlags {
  std::string status;
  std::string custodian;
};

int List(const Globals& globals, const ListFlags& flags) {
  v1::ListParcelsRequest req;
  if (!flags.status.empty()) {
    v1::ParcelStatus status;
    if (!v1::ParcelStatus_Parse(flags.status, &status) ||
        status == v1::PARCEL_STATUS_UNSPECIFIED) {
      return ReportError("parcel list", kExitUsage,
                         absl::StrCat("--status ", flags.status,
                                      " is not ACTIVE, HELD or CLOSED"));
    }
    req.set_status(status);
  }
  req.set_custodian(flags.custodian);
  req.set_page_size(kPageSize);
  int code = kExitOk;
  std::unique_ptr<NodeClient> client =
      ConnectOrReport(globals, "parcel list", &code);
  if (client == nullptr) return code;
  v1::ListParcelsResponse all;
  for (int page = 0; page < kMaxPages; ++page) {
    v1::ListParcelsResponse resp;
    std::unique_ptr<grpc::ClientContext> ctx = client->Context();
    const grpc::Status st = client->ledger().ListParcels(ctx.get(), req, &resp);
    if (!st.ok()) return ReportRpcError("parcel list", st);
    all.mutable_parcels()->MergeFrom(resp.parcels());
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  if (globals.json) {
    std::printf("%s", base::ToJson(all).c_str());
    return kExitOk;
  }
  Table table({false, false, false, true, true, false, false});
  table.Add(
      {"Parcel", "Status", "Custodian", "Mass", "Value", "HS code", "Origins"});
  for (const v1::ParcelState& p : all.parcels()) {
    table.Add({Clean(p.parcel_id()), v1::ParcelStatus_Name(p.status()),
               Clean(p.custodian()), base::FormatCarats(p.mass_mct()),
               base::FormatUsd(p.value_usd_cents()), Clean(p.hs_code()),
               FormatOrigins(p.origins())});
  }
  std::printf("%d parcels\n%s", all.parcels_size(), table.Render().c_str());
  return kExitOk;
}

}  // namespace

void AddParcel(CLI::App& app, Globals& globals) {
  CLI::App* parcel = app.add_subcommand(
      "parcel",
      "a parcel's state (show), its entries (history), or the "
      "parcels the node holds (list)");
  parcel->require_subcommand(1);

  CLI::App* show = parcel->add_subcommand(
      "show",
      "a parcel's current state: status, custodian, mass, value, "
      "origins with shares, certificates, flags, head");
  show->footer(
      "Example:\n  kpctl parcel show AZ-P-0001\n"
      "Exit 1 (NOT_FOUND) if the node has no such parcel.");
  auto show_id = std::make_shared<std::string>();
  show->add_option("PARCEL", *show_id, "parcel id")->required();
  show->callback(
      [&globals, show_id] { globals.exit_code = Show(globals, *show_id); });

  CLI::App* history = parcel->add_subcommand(
      "history",
      "a parcel's chain of entries, oldest first: entry, ledger "
      "time, event type, event id, signers (key ids), summary");
  history->footer("Example:\n  kpctl parcel history AZ-P-0001");
  auto history_id = std::make_shared<std::string>();
  history->add_option("PARCEL", *history_id, "parcel id")->required();
  history->callback([&globals, history_id] {
    globals.exit_code = History(globals, *history_id);
  });

  CLI::App* list = parcel->add_subcommand(
      "list",
      "the parcels the node holds, optionally by status or "
      "custodian");
  list->footer(
      "Example:\n  kpctl parcel list --status ACTIVE "
      "--custodian vault-baku");
  auto flags = std::make_shared<ListFlags>();
  list->add_option("--status", flags->status, "ACTIVE, HELD or CLOSED");
  list->add_option("--custodian", flags->custodian, "actor id");
  list->callback(
      [&globals, flags] { globals.exit_code = List(globals, *flags); });
}

}  // namespace kpledger::kpctl
