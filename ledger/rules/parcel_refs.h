// Which parcels an event touches, and whether its list of parcel heads
// names exactly those (DESIGN §3, "parcel hash chains"): every parcel the
// body reads or changes is listed once with the head its author saw, and
// every parcel the body creates is listed once with an empty head. Whether
// a listed head is the parcel's current head is a question for the ledger's
// state, not asked here.
// Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_RULES_PARCEL_REFS_H_
#define KPLEDGER_LEDGER_RULES_PARCEL_REFS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "kpledger/v1/event.pb.h"

namespace kpledger::rules {

inline constexpr size_t kMaxParcelIdBytes = 128;

struct TouchedParcels {
  std::vector<std::string> existing;  // read or changed, in body order
  std::vector<std::string> created;   // new, in body order
};

// The parcels the event's body touches. Governance events and import
// confirmations touch none.
TouchedParcels ParcelsTouchedBy(const v1::CustodyEvent& event);

// Non-empty, at most 128 bytes, printable ASCII without spaces.
bool IsValidParcelId(absl::string_view id);

// InvalidArgument naming the parcel: an invalid parcel id; a parcel the body
// touches twice (a merge of one parcel with itself, a split child that is
// the parent); a touched parcel missing from `parcels` or listed twice; a
// listed parcel the body does not touch; a created parcel with a head; an
// existing parcel whose head is not 64 lowercase hex digits.
absl::Status CheckParcelHeads(const v1::CustodyEvent& event);

}  // namespace kpledger::rules

#endif  // KPLEDGER_LEDGER_RULES_PARCEL_REFS_H_
