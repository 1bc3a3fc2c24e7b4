#include "ledger/rules/parcel_refs.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "ledger/envelope/dsse.h"

namespace kpledger::rules {
namespace {

absl::Status Bad(absl::string_view parcel, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("parcel ", parcel, ": ", why));
}

}  // namespace

TouchedParcels ParcelsTouchedBy(const v1::CustodyEvent& ev) {
  TouchedParcels t;
  switch (ev.body_case()) {
    case v1::CustodyEvent::kImport:
      t.created.push_back(ev.import().parcel_id());
      break;
    case v1::CustodyEvent::kLabAssessment:
      t.existing.push_back(ev.lab_assessment().parcel_id());
      break;
    case v1::CustodyEvent::kCustodyTransfer:
      t.existing.push_back(ev.custody_transfer().parcel_id());
      break;
    case v1::CustodyEvent::kSplit:
      t.existing.push_back(ev.split().parcel_id());
      for (const auto& child : ev.split().children()) {
        t.created.push_back(child.parcel_id());
      }
      break;
    case v1::CustodyEvent::kMerge:
      t.existing.assign(ev.merge().parcel_ids().begin(),
                        ev.merge().parcel_ids().end());
      t.created.push_back(ev.merge().new_parcel_id());
      break;
    case v1::CustodyEvent::kExport:
      t.existing.push_back(ev.export_().parcel_id());
      break;
    case v1::CustodyEvent::kInspection:
      t.existing.push_back(ev.inspection().parcel_id());
      break;
    case v1::CustodyEvent::kHold:
      t.existing.push_back(ev.hold().parcel_id());
      break;
    case v1::CustodyEvent::kRelease:
      t.existing.push_back(ev.release().parcel_id());
      break;
    default:  // import confirmation, governance, no body
      break;
  }
  return t;
}

bool IsValidParcelId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxParcelIdBytes) return false;
  for (char c : id) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

absl::Status CheckParcelHeads(const v1::CustodyEvent& ev) {
  const TouchedParcels touched = ParcelsTouchedBy(ev);
  std::map<std::string, bool> want;  // parcel id -> is created
  for (const std::string& id : touched.existing) {
    if (!want.emplace(id, false).second) {
      return Bad(id, "is named twice by the event");
    }
  }
  for (const std::string& id : touched.created) {
    if (!want.emplace(id, true).second) {
      return Bad(id, "is both read and created, or created twice");
    }
  }
  for (const auto& [id, created] : want) {
    if (!IsValidParcelId(id)) {
      return Bad(absl::StrCat("\"", id.substr(0, 40), "\""),
                 "is not a parcel id (1 to 128 printable characters, no "
                 "spaces)");
    }
  }
  std::set<std::string> listed;
  for (const v1::ParcelHead& h : ev.parcels()) {
    auto it = want.find(h.parcel_id());
    if (it == want.end()) {
      return Bad(h.parcel_id(),
                 "is listed in parcels but the event does not "
                 "touch it");
    }
    if (!listed.insert(h.parcel_id()).second) {
      return Bad(h.parcel_id(), "is listed twice in parcels");
    }
    if (it->second && !h.head().empty()) {
      return Bad(h.parcel_id(),
                 "is created by the event, so its head must "
                 "be empty");
    }
    if (!it->second && !envelope::IsEventId(h.head())) {
      return Bad(h.parcel_id(),
                 absl::StrCat("head \"", h.head().substr(0, 16),
                              "\" is not an event id (64 lowercase hex)"));
    }
  }
  for (const auto& [id, created] : want) {
    if (listed.count(id) == 0) {
      return Bad(id, "is touched by the event but not listed in parcels");
    }
  }
  return absl::OkStatus();
}

}  // namespace kpledger::rules
