#include "ledger/provenance/account_text.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ledger/base/encoding.h"
#include "ledger/base/units.h"
#include "ledger/entry/time.h"
#include "ledger/provenance/event_text.h"

namespace kpledger::provenance {
namespace {

using ::kpledger::base::FormatCarats;
using ::kpledger::base::FormatPercent;
using ::kpledger::base::FormatUsd;

void AppendParcel(const v1::ParcelState& p, std::string* out) {
  std::string status = v1::ParcelStatus_Name(p.status());
  if (!p.export_certificate().empty()) {
    absl::StrAppend(&status, " (exported on ", OneLine(p.export_certificate()),
                    ")");
  }
  std::vector<std::string> parents;
  for (const std::string& id : p.parents()) parents.push_back(OneLine(id));
  absl::StrAppend(
      out, "Parcel ", OneLine(p.parcel_id()), "\n",                //
      "  status     ", status, "\n",                               //
      "  custodian  ", OneLine(p.custodian()), "\n",               //
      "  mass       ", FormatCarats(p.mass_mct()), " (declared ",  //
      FormatCarats(p.declared_mass_mct()), ")",                    //
      p.stone_count() > 0 ? absl::StrCat(", ", p.stone_count(), " stones") : "",
      "\n",                                                   //
      "  value      ", FormatUsd(p.value_usd_cents()), "\n",  //
      "  HS code    ", OneLine(p.hs_code()), "\n",            //
      "  origins    ", FormatOrigins(p.origins()), "\n",      //
      "  flags      ", FormatFlags(p.flags()), "\n",          //
      "  created    entry ", p.created_at_index(), " at ",    //
      FormatTimestamp(p.created_at()),
      parents.empty()
          ? absl::StrCat(", import of ", OneLine(p.import_certificate()))
          : absl::StrCat(", from ", absl::StrJoin(parents, ", ")),
      "\n");
}

std::string CertificateLine(const v1::AccountCertificate& c) {
  const v1::KpCertificate& k = c.certificate();
  return absl::StrCat(
      "  ", OneLine(k.certificate_number()), " from ",
      OneLine(k.exporting_country()), " to ", OneLine(k.importing_country()),
      ": origins ", FormatOrigins(k.origins()), "; ",
      FormatCarats(k.mass_mct()), ", ", FormatUsd(k.value_usd_cents()), ", HS ",
      OneLine(k.hs_code()), "; parcel ", OneLine(c.parcel_id()), ", entry ",
      c.index(), "\n");
}

void AppendCertificates(const v1::ProvenanceAccount& a, std::string* out) {
  absl::StrAppend(out, "\nImport certificates it came from\n");
  for (const v1::AccountCertificate& c : a.import_certificates()) {
    absl::StrAppend(out, CertificateLine(c));
  }
  absl::StrAppend(out, "\nExport certificate\n");
  if (!a.has_export_certificate()) {
    absl::StrAppend(out, "  none: not exported\n");
    return;
  }
  absl::StrAppend(out, CertificateLine(a.export_certificate()));
  if (!a.has_confirmation()) {
    absl::StrAppend(out, "  no confirmation of receipt in this bundle\n");
    return;
  }
  const v1::ImportConfirmation& c = a.confirmation().confirmation();
  absl::StrAppend(out, "  confirmed by ", OneLine(c.confirming_authority()),
                  ": ", FormatCarats(c.mass_mct()), " received ",
                  FormatTimestamp(c.received_at()), "; entry ",
                  a.confirmation().index(), "\n");
}

}  // namespace

std::string FormatAccount(const v1::ProvenanceAccount& a) {
  const v1::Checkpoint& cp = a.checkpoint();
  std::string out = absl::StrCat(
      "Provenance of parcel ", OneLine(a.parcel_id()), ": verified\n",
      "  ledger      ", OneLine(cp.origin()), ", genesis ",
      base::ShortHex(a.genesis_hash()), "\n",  //
      "  checkpoint  tree size ", cp.tree_size(), ", root ",
      base::ShortHex(base::HexEncode(cp.root_hash())), ", cosigned by ",
      absl::StrJoin(cp.signers(), ", "), "\n", "  policy      ",
      a.policy_updates() == 0
          ? "the genesis', not updated below that size"
          : absl::StrCat(a.policy_updates(),
                         a.policy_updates() == 1 ? " update" : " updates",
                         " to the genesis' below that size, all in this "
                         "bundle"),
      "\n\n");
  AppendParcel(a.parcel(), &out);
  AppendCertificates(a, &out);
  absl::StrAppend(&out, "\nEvents, in log order\n");
  for (const v1::AccountEvent& e : a.events()) {
    std::vector<std::string> signers;
    for (const std::string& s : e.signers()) signers.push_back(OneLine(s));
    absl::StrAppend(&out, "  entry ", e.index(), "  ",
                    FormatTimestamp(e.ledger_time()), "  ", e.event_type(),
                    "  ", DescribeEvent(e.event()), "; signed by ",
                    absl::StrJoin(signers, ", "));
    if (!e.flags().empty()) {
      absl::StrAppend(&out, "; flags ", FormatFlags(e.flags()));
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

}  // namespace kpledger::provenance
