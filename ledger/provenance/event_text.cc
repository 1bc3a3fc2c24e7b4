#include "ledger/provenance/event_text.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ledger/base/units.h"
#include "ledger/entry/time.h"

namespace kpledger::provenance {

using ::kpledger::base::FormatCarats;
using ::kpledger::base::FormatPercent;
using ::kpledger::base::FormatUsd;

std::string OneLine(const std::string& text) {
  std::string out = text;
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

std::string FormatTimestamp(const google::protobuf::Timestamp& t) {
  return entry::FormatTime(entry::FromTimestamp(t));
}

std::string FormatOrigins(
    const google::protobuf::RepeatedPtrField<v1::OriginShare>& origins) {
  std::vector<std::string> parts;
  for (const v1::OriginShare& o : origins) {
    parts.push_back(
        absl::StrCat(OneLine(o.country()), " ", FormatPercent(o.share_ppm())));
  }
  return parts.empty() ? "none" : absl::StrJoin(parts, ", ");
}

std::string FormatFlags(const google::protobuf::RepeatedField<int>& flags) {
  std::vector<std::string> names;
  for (int f : flags) names.push_back(v1::Flag_Name(f));
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

std::string DescribeEvent(const v1::CustodyEvent& ev) {
  switch (ev.body_case()) {
    case v1::CustodyEvent::kImport: {
      const v1::Import& b = ev.import();
      return absl::StrCat(OneLine(b.parcel_id()), " on certificate ",
                          OneLine(b.certificate().certificate_number()), ", ",
                          FormatCarats(b.certificate().mass_mct()), ", ",
                          FormatUsd(b.certificate().value_usd_cents()), ", to ",
                          OneLine(b.custodian()));
    }
    case v1::CustodyEvent::kLabAssessment: {
      const v1::LabAssessment& b = ev.lab_assessment();
      return absl::StrCat(OneLine(b.parcel_id()), ": measured ",
                          FormatCarats(b.measured_mass_mct()), ", ",
                          b.stone_count(), " stones, assessed ",
                          FormatUsd(b.assessed_value_usd_cents()), " (report ",
                          OneLine(b.report_number()), ")");
    }
    case v1::CustodyEvent::kCustodyTransfer: {
      const v1::CustodyTransfer& b = ev.custody_transfer();
      std::vector<std::string> seals;
      for (const std::string& s : b.seal_ids()) seals.push_back(OneLine(s));
      return absl::StrCat(OneLine(b.parcel_id()), " from ",
                          OneLine(b.from_custodian()), " to ",
                          OneLine(b.to_custodian()), " under seal ",
                          seals.empty() ? "none" : absl::StrJoin(seals, ", "));
    }
    case v1::CustodyEvent::kSplit: {
      std::vector<std::string> children;
      for (const v1::Split::Child& c : ev.split().children()) {
        children.push_back(absl::StrCat(OneLine(c.parcel_id()), " (",
                                        FormatCarats(c.mass_mct()), ")"));
      }
      return absl::StrCat(OneLine(ev.split().parcel_id()), " into ",
                          absl::StrJoin(children, ", "));
    }
    case v1::CustodyEvent::kMerge: {
      const v1::Merge& b = ev.merge();
      std::vector<std::string> inputs;
      for (const std::string& id : b.parcel_ids())
        inputs.push_back(OneLine(id));
      return absl::StrCat(absl::StrJoin(inputs, " + "), " into ",
                          OneLine(b.new_parcel_id()), " (",
                          FormatCarats(b.mass_mct()), ")");
    }
    case v1::CustodyEvent::kExport:
      return absl::StrCat(
          OneLine(ev.export_().parcel_id()), " on certificate ",
          OneLine(ev.export_().certificate().certificate_number()), " to ",
          OneLine(ev.export_().certificate().importing_country()));
    case v1::CustodyEvent::kImportConfirmation: {
      const v1::ImportConfirmation& b = ev.import_confirmation();
      return absl::StrCat(OneLine(b.certificate_number()), " by ",
                          OneLine(b.confirming_authority()), ": ",
                          FormatCarats(b.mass_mct()), " received ",
                          FormatTimestamp(b.received_at()));
    }
    case v1::CustodyEvent::kInspection:
      return absl::StrCat(
          OneLine(ev.inspection().parcel_id()), ": ",
          OneLine(ev.inspection().findings()),
          ev.inspection().seals_intact() ? " (seals intact)" : "");
    case v1::CustodyEvent::kHold:
      return absl::StrCat(OneLine(ev.hold().parcel_id()), ": ",
                          OneLine(ev.hold().reason()));
    case v1::CustodyEvent::kRelease:
      return absl::StrCat(OneLine(ev.release().parcel_id()), ": ",
                          OneLine(ev.release().reason()));
    case v1::CustodyEvent::kRegisterActor:
      return absl::StrCat(OneLine(ev.register_actor().actor_id()), " as ",
                          v1::Role_Name(ev.register_actor().role()));
    case v1::CustodyEvent::kRotateKey:
      return absl::StrCat("new key for ", OneLine(ev.rotate_key().actor_id()));
    case v1::CustodyEvent::kRevokeActor:
      return absl::StrCat(OneLine(ev.revoke_actor().actor_id()), ": ",
                          OneLine(ev.revoke_actor().reason()));
    case v1::CustodyEvent::kUpdatePolicy:
      return "a new policy";
    case v1::CustodyEvent::BODY_NOT_SET:
      break;
  }
  return "";
}

}  // namespace kpledger::provenance
