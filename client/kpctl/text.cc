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

std::string Time(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "-";
  return provenance::FormatTimestamp(t);
}

std::string Short(const std::string& hex) { return base::ShortHex(hex); }

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

std::string Signers(
    const v1::LedgerEntry& entry,
    const google::protobuf::Map<std::string, std::string>& actors_by_key_id) {
  std::vector<std::string> names;
  for (const v1::Signature& s : entry.envelope().signatures()) {
    auto it = actors_by_key_id.find(s.keyid());
    names.push_back(it != actors_by_key_id.end()
                        ? Clean(it->second)
                        : Clean(s.keyid().substr(0, 12)));
  }
  return absl::StrJoin(names, ", ");
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
      "  origins       ", FormatOrigins(p.origins()), "\n",      //
      "  certificates  import ",
      p.import_certificate().empty() ? "-" : Clean(p.import_certificate()),
      ", export ",
      p.export_certificate().empty() ? "-" : Clean(p.export_certificate()),
      "\n",                                              //
      "  flags         ", FormatFlags(p.flags()), "\n",  //
      "  created       ", created, "\n",                 //
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
