// kpctl certificate find: a KP certificate the ledger used (Import) or
// issued (Export), the parcel it belongs to, and its confirmation.
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/kpctl/commands.h"
#include "client/kpctl/connect.h"
#include "client/kpctl/text.h"
#include "ledger/base/proto_json.h"
#include "ledger/base/units.h"

namespace kpledger::kpctl {
namespace {

constexpr char kCmd[] = "certificate find";

std::string PartyLine(const v1::Party& p) {
  if (p.name().empty()) return "-";
  std::string out = absl::StrCat(Clean(p.name()), " (", Clean(p.country()));
  if (!p.license_id().empty()) {
    absl::StrAppend(&out, ", licence ", Clean(p.license_id()));
  }
  return out + ")";
}

std::string EntryLine(const v1::LedgerEntry& e) {
  v1::CustodyEvent ev;
  DecodeEvent(e, &ev);
  return absl::StrCat("entry ", e.index(), " at ", Time(e.ledger_time()), ", ",
                      EntryType(e, ev), ", event ", e.event_id());
}

std::string FormatFound(const v1::FindCertificateResponse& r) {
  const v1::KpCertificate& c = r.certificate();
  std::vector<std::string> seals;
  for (const std::string& s : c.seal_ids()) seals.push_back(Clean(s));
  return absl::StrCat(
      "Certificate ", Clean(c.certificate_number()), "\n",             //
      "  parcel        ", Clean(r.parcel_id()), "\n",                  //
      "  from          ", Clean(c.exporting_country()), " (",          //
      Clean(c.issuing_authority()), ") to ",                           //
      Clean(c.importing_country()), "\n",                              //
      "  issued        ", Time(c.issued_at()), ", expires ",           //
      Time(c.expires_at()), "\n",                                      //
      "  exporter      ", PartyLine(c.exporter()), "\n",               //
      "  importer      ", PartyLine(c.importer()), "\n",               //
      "  mass          ", base::FormatCarats(c.mass_mct()), ", ",      //
      c.parcel_count(), " parcel(s), HS ", Clean(c.hs_code()), "\n",   //
      "  value         ", base::FormatUsd(c.value_usd_cents()), "\n",  //
      "  origins       ", FormatOrigins(c.origins()), "\n",            //
      "  seals         ", seals.empty() ? "-" : absl::StrJoin(seals, ", "),
      "\n",                                            //
      "  recorded      ", EntryLine(r.entry()), "\n",  //
      "  confirmation  ",
      r.has_confirmation() ? EntryLine(r.confirmation()) : "none", "\n");
}

int Find(const Globals& globals, const std::string& number) {
  int code = kExitOk;
  std::unique_ptr<NodeClient> client = ConnectOrReport(globals, kCmd, &code);
  if (client == nullptr) return code;
  v1::FindCertificateRequest req;
  req.set_certificate_number(number);
  v1::FindCertificateResponse resp;
  std::unique_ptr<grpc::ClientContext> ctx = client->Context();
  const grpc::Status st =
      client->ledger().FindCertificate(ctx.get(), req, &resp);
  if (!st.ok()) return ReportRpcError(kCmd, st);
  std::printf("%s", globals.json ? base::ToJson(resp).c_str()
                                 : FormatFound(resp).c_str());
  return kExitOk;
}

}  // namespace

void AddCertificate(CLI::App& app, Globals& globals) {
  CLI::App* certificate = app.add_subcommand(
      "certificate", "KP certificates the ledger used or issued");
  certificate->require_subcommand(1);
  CLI::App* find = certificate->add_subcommand(
      "find",
      "find a KP certificate by number: its content, its parcel, the "
      "Import or Export that recorded it, and its confirmation");
  find->footer(
      "Example:\n  kpctl certificate find BW-2026-004512\n"
      "Exit 1 (NOT_FOUND) if the ledger has no such certificate.");
  auto number = std::make_shared<std::string>();
  find->add_option("NUMBER", *number, "certificate number")->required();
  find->callback(
      [&globals, number] { globals.exit_code = Find(globals, *number); });
}

}  // namespace kpledger::kpctl
