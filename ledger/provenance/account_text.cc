#include "ledger/provenance/account_text.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ledger/base/encoding.h"
#include "ledger/base/units.h"
#include "ledger/entry/time.h"

namespace kpledger::provenance {
namespace {

using ::kpledger::base::FormatCarats;
using ::kpledger::base::FormatPercent;
using ::kpledger::base::FormatUsd;

// Free text from an event, on one line.
std::string Clean(const std::string& text) {
  std::string out = text;
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

std::string Time(const google::protobuf::Timestamp& t) {
  return entry::FormatTime(entry::FromTimestamp(t));
}

std::string Origins(
    const google::protobuf::RepeatedPtrField<v1::OriginShare>& origins) {
  std::vector<std::string> parts;
  for (const v1::OriginShare& o : origins) {
    parts.push_back(
        absl::StrCat(Clean(o.country()), " ", FormatPercent(o.share_ppm())));
  }
  return parts.empty() ? "none" : absl::StrJoin(parts, ", ");
}

std::string Flags(const google::protobuf::RepeatedField<int>& flags) {
  std::vector<std::string> names;
  for (int f : flags) names.push_back(v1::Flag_Name(f));
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

// What an event did, in a few words.
std::string Describe(const v1::CustodyEvent& ev) {
  switch (ev.body_case()) {
    case v1::CustodyEvent::kImport: {
      const v1::Import& b = ev.import();
      return absl::StrCat(Clean(b.parcel_id()), " on certificate ",
                          Clean(b.certificate().certificate_number()), ", ",
                          FormatCarats(b.certificate().mass_mct()), ", ",
                          FormatUsd(b.certificate().value_usd_cents()), ", to ",
                          Clean(b.custodian()));
    }
    case v1::CustodyEvent::kLabAssessment: {
      const v1::LabAssessment& b = ev.lab_assessment();
      return absl::StrCat(Clean(b.parcel_id()), ": measured ",
                          FormatCarats(b.measured_mass_mct()), ", ",
                          b.stone_count(), " stones, assessed ",
                          FormatUsd(b.assessed_value_usd_cents()), " (report ",
                          Clean(b.report_number()), ")");
    }
    case v1::CustodyEvent::kCustodyTransfer: {
      const v1::CustodyTransfer& b = ev.custody_transfer();
      return absl::StrCat(Clean(b.parcel_id()), " from ",
                          Clean(b.from_custodian()), " to ",
                          Clean(b.to_custodian()));
    }
    case v1::CustodyEvent::kSplit: {
      std::vector<std::string> children;
      for (const v1::Split::Child& c : ev.split().children()) {
        children.push_back(absl::StrCat(Clean(c.parcel_id()), " (",
                                        FormatCarats(c.mass_mct()), ")"));
      }
      return absl::StrCat(Clean(ev.split().parcel_id()), " into ",
                          absl::StrJoin(children, ", "));
    }
    case v1::CustodyEvent::kMerge: {
      const v1::Merge& b = ev.merge();
      std::vector<std::string> inputs;
      for (const std::string& id : b.parcel_ids()) inputs.push_back(Clean(id));
      return absl::StrCat(absl::StrJoin(inputs, " + "), " into ",
                          Clean(b.new_parcel_id()), " (",
                          FormatCarats(b.mass_mct()), ")");
    }
    case v1::CustodyEvent::kExport:
      return absl::StrCat(
          Clean(ev.export_().parcel_id()), " on certificate ",
          Clean(ev.export_().certificate().certificate_number()), " to ",
          Clean(ev.export_().certificate().importing_country()));
    case v1::CustodyEvent::kImportConfirmation: {
      const v1::ImportConfirmation& b = ev.import_confirmation();
      return absl::StrCat(Clean(b.certificate_number()), " by ",
                          Clean(b.confirming_authority()), ": ",
                          FormatCarats(b.mass_mct()), " received ",
                          Time(b.received_at()));
    }
    case v1::CustodyEvent::kInspection:
      return absl::StrCat(
          Clean(ev.inspection().parcel_id()), ": ",
          Clean(ev.inspection().findings()),
          ev.inspection().seals_intact() ? " (seals intact)" : "");
    case v1::CustodyEvent::kHold:
      return absl::StrCat(Clean(ev.hold().parcel_id()), ": ",
                          Clean(ev.hold().reason()));
    case v1::CustodyEvent::kRelease:
      return absl::StrCat(Clean(ev.release().parcel_id()), ": ",
                          Clean(ev.release().reason()));
    case v1::CustodyEvent::kRegisterActor:
      return absl::StrCat(Clean(ev.register_actor().actor_id()), " as ",
                          v1::Role_Name(ev.register_actor().role()));
    case v1::CustodyEvent::kRotateKey:
      return absl::StrCat("new key for ", Clean(ev.rotate_key().actor_id()));
    case v1::CustodyEvent::kRevokeActor:
      return absl::StrCat(Clean(ev.revoke_actor().actor_id()), ": ",
                          Clean(ev.revoke_actor().reason()));
    case v1::CustodyEvent::kUpdatePolicy:
      return "a new policy";
    case v1::CustodyEvent::BODY_NOT_SET:
      break;
  }
  return "";
}

void AppendParcel(const v1::ParcelState& p, std::string* out) {
  std::string status = v1::ParcelStatus_Name(p.status());
  if (!p.export_certificate().empty()) {
    absl::StrAppend(&status, " (exported on ", Clean(p.export_certificate()),
                    ")");
  }
  std::vector<std::string> parents;
  for (const std::string& id : p.parents()) parents.push_back(Clean(id));
  absl::StrAppend(
      out, "Parcel ", Clean(p.parcel_id()), "\n",                  //
      "  status     ", status, "\n",                               //
      "  custodian  ", Clean(p.custodian()), "\n",                 //
      "  mass       ", FormatCarats(p.mass_mct()), " (declared ",  //
      FormatCarats(p.declared_mass_mct()), ")",                    //
      p.stone_count() > 0 ? absl::StrCat(", ", p.stone_count(), " stones") : "",
      "\n",                                                   //
      "  value      ", FormatUsd(p.value_usd_cents()), "\n",  //
      "  HS code    ", Clean(p.hs_code()), "\n",              //
      "  origins    ", Origins(p.origins()), "\n",            //
      "  flags      ", Flags(p.flags()), "\n",                //
      "  created    entry ", p.created_at_index(), " at ",    //
      Time(p.created_at()),
      parents.empty()
          ? absl::StrCat(", import of ", Clean(p.import_certificate()))
          : absl::StrCat(", from ", absl::StrJoin(parents, ", ")),
      "\n");
}

std::string CertificateLine(const v1::AccountCertificate& c) {
  const v1::KpCertificate& k = c.certificate();
  return absl::StrCat(
      "  ", Clean(k.certificate_number()), " from ",
      Clean(k.exporting_country()), " to ", Clean(k.importing_country()),
      ": origins ", Origins(k.origins()), "; ", FormatCarats(k.mass_mct()),
      ", ", FormatUsd(k.value_usd_cents()), ", HS ", Clean(k.hs_code()),
      "; parcel ", Clean(c.parcel_id()), ", entry ", c.index(), "\n");
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
  absl::StrAppend(out, "  confirmed by ", Clean(c.confirming_authority()), ": ",
                  FormatCarats(c.mass_mct()), " received ",
                  Time(c.received_at()), "; entry ", a.confirmation().index(),
                  "\n");
}

}  // namespace

std::string FormatAccount(const v1::ProvenanceAccount& a) {
  const v1::Checkpoint& cp = a.checkpoint();
  std::string out =
      absl::StrCat("Provenance of parcel ", Clean(a.parcel_id()),
                   ": verified\n", "  ledger      ", Clean(cp.origin()),
                   ", genesis ", base::ShortHex(a.genesis_hash()), "\n",  //
                   "  checkpoint  tree size ", cp.tree_size(), ", root ",
                   base::ShortHex(base::HexEncode(cp.root_hash())),
                   ", cosigned by ", absl::StrJoin(cp.signers(), ", "), "\n\n");
  AppendParcel(a.parcel(), &out);
  AppendCertificates(a, &out);
  absl::StrAppend(&out, "\nEvents, in log order\n");
  for (const v1::AccountEvent& e : a.events()) {
    std::vector<std::string> signers;
    for (const std::string& s : e.signers()) signers.push_back(Clean(s));
    absl::StrAppend(&out, "  entry ", e.index(), "  ", Time(e.ledger_time()),
                    "  ", e.event_type(), "  ", Describe(e.event()),
                    "; signed by ", absl::StrJoin(signers, ", "));
    if (!e.flags().empty()) {
      absl::StrAppend(&out, "; flags ", Flags(e.flags()));
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

}  // namespace kpledger::provenance
