#include "client/kpctl/text.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/base/encoding.h"
#include "ledger/base/units.h"
#include "ledger/entry/time.h"
#include "ledger/envelope/dsse.h"
#include "ledger/rules/event_type.h"

namespace kpledger::kpctl {

using ::kpledger::base::FormatCarats;
using ::kpledger::base::FormatPercent;
using ::kpledger::base::FormatUsd;

namespace {

// Display width: UTF-8 code points (ids end in "…", 3 bytes).
size_t Width(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace

void Table::Add(std::vector<std::string> cells) {
  cells.resize(right_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  std::vector<size_t> width(right_.size(), 0);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) {
      width[i] = std::max(width[i], Width(row[i]));
    }
  }
  std::string out;
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) line += "  ";
      const std::string pad(width[i] - Width(row[i]), ' ');
      line += right_[i] ? pad + row[i] : row[i] + pad;
    }
    line.erase(line.find_last_not_of(' ') + 1);
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::string Clean(const std::string& text) {
  std::string out = text;
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

std::string Time(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "-";
  return entry::FormatTime(entry::FromTimestamp(t));
}

std::string Short(const std::string& hex) { return base::ShortHex(hex); }

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

bool DecodeEvent(const v1::LedgerEntry& entry, v1::CustodyEvent* event) {
  event->Clear();
  if (entry.envelope().payload_type() != envelope::kEventPayloadType) {
    return false;
  }
  if (!event->ParseFromString(entry.envelope().payload())) {
    event->Clear();
    return false;
  }
  return true;
}

std::string EntryType(const v1::LedgerEntry& entry,
                      const v1::CustodyEvent& event) {
  if (entry.envelope().payload_type() == envelope::kGenesisPayloadType) {
    return "genesis";
  }
  return rules::EventType(event);
}

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
                          FormatUsd(b.assessed_value_usd_cents()));
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

std::string ParcelIds(const v1::CustodyEvent& event) {
  std::vector<std::string> ids;
  std::set<std::string> seen;
  auto add = [&](const std::string& id) {
    if (!id.empty() && seen.insert(id).second) ids.push_back(Clean(id));
  };
  for (const v1::ParcelHead& p : event.parcels()) add(p.parcel_id());
  // New parcels (import, split children, merge result) are listed in
  // `parcels` with an empty head, but an author may leave them out.
  switch (event.body_case()) {
    case v1::CustodyEvent::kImport:
      add(event.import().parcel_id());
      break;
    case v1::CustodyEvent::kSplit:
      for (const v1::Split::Child& c : event.split().children()) {
        add(c.parcel_id());
      }
      break;
    case v1::CustodyEvent::kMerge:
      add(event.merge().new_parcel_id());
      break;
    default:
      break;
  }
  return absl::StrJoin(ids, ",");
}

std::string Signers(const v1::LedgerEntry& entry) {
  std::vector<std::string> ids;
  for (const v1::Signature& s : entry.envelope().signatures()) {
    ids.push_back(s.keyid().substr(0, 12));
  }
  return absl::StrJoin(ids, ",");
}

std::string FormatParcel(const v1::ParcelState& p) {
  std::vector<std::string> parents;
  for (const std::string& id : p.parents()) parents.push_back(Clean(id));
  std::string created = absl::StrCat("entry ", p.created_at_index(), " at ",
                                     Time(p.created_at()));
  if (!parents.empty()) {
    absl::StrAppend(&created, ", from ", absl::StrJoin(parents, ", "));
  }
  return absl::StrCat(
      "Parcel ", Clean(p.parcel_id()), "\n",                          //
      "  status        ", v1::ParcelStatus_Name(p.status()), "\n",    //
      "  custodian     ", Clean(p.custodian()), "\n",                 //
      "  mass          ", FormatCarats(p.mass_mct()), " (declared ",  //
      FormatCarats(p.declared_mass_mct()), ")",                       //
      p.stone_count() > 0 ? absl::StrCat(", ", p.stone_count(), " stones") : "",
      "\n",                                                      //
      "  value         ", FormatUsd(p.value_usd_cents()), "\n",  //
      "  HS code       ", Clean(p.hs_code()), "\n",              //
      "  origins       ", Origins(p.origins()), "\n",            //
      "  certificates  import ",
      p.import_certificate().empty() ? "-" : Clean(p.import_certificate()),
      ", export ",
      p.export_certificate().empty() ? "-" : Clean(p.export_certificate()),
      "\n",                                        //
      "  flags         ", Flags(p.flags()), "\n",  //
      "  created       ", created, "\n",           //
      "  head          ", Clean(p.head()), "\n");
}

std::string ToJsonLine(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out + "\n";
}

}  // namespace kpledger::kpctl
