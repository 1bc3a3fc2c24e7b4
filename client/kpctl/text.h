// kpctl's text output for people: aligned tables and one-line summaries of
// entries, events and parcels. Units as readers expect them (DESIGN §3
// stores integers): "12.500 ct", "$18,500.00", "62.5%", RFC 3339 UTC times.
// Text taken from events has its control characters replaced, so an event
// cannot forge lines of the output. For scripts, --json prints the
// messages with protobuf's JSON mapping instead.
// Thread-safe: pure functions and a value type.
#ifndef KPLEDGER_CLIENT_KPCTL_TEXT_H_
#define KPLEDGER_CLIENT_KPCTL_TEXT_H_

#include <string>
#include <vector>

#include "google/protobuf/map.h"
#include "google/protobuf/message.h"
#include "google/protobuf/repeated_field.h"
#include "google/protobuf/timestamp.pb.h"
#include "kpledger/v1/event.pb.h"
#include "kpledger/v1/ledger.pb.h"
#include "ledger/provenance/event_text.h"

namespace kpledger::kpctl {

// Columns padded to their widest cell, two spaces apart; number columns
// right-aligned; no trailing spaces. The first row is the header.
class Table {
 public:
  // `right[i]`: column i holds numbers.
  explicit Table(std::vector<bool> right) : right_(std::move(right)) {}
  void Add(std::vector<std::string> cells);
  std::string Render() const;
  bool empty() const { return rows_.empty(); }

 private:
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

// Event text for people, shared with the provenance account.
// RFC 3339 UTC; "-" when unset.
std::string Time(const google::protobuf::Timestamp& t);
// The first 12 hex digits and an ellipsis.
std::string Short(const std::string& hex);
// One line of free text, origins, flags and what an event did: the same
// words as the provenance account's (ledger/provenance/event_text.h).
inline std::string Clean(const std::string& text) {
  return provenance::OneLine(text);
}
using provenance::DescribeEvent;
using provenance::FormatFlags;
using provenance::FormatOrigins;

// The event an entry carries, decoded from its envelope; false if the
// payload does not parse (then `event` is cleared).
bool DecodeEvent(const v1::LedgerEntry& entry, v1::CustodyEvent* event);
// "import", "custody_transfer", ...; "genesis" for entry 0's envelope.
std::string EntryType(const v1::LedgerEntry& entry,
                      const v1::CustodyEvent& event);
// The parcels an event names, comma-separated.
std::string ParcelIds(const v1::CustodyEvent& event);
// The envelope's signers, comma-separated: the actor `actors_by_key_id`
// names for a key id (ListParcelEventsResponse.signer_actors), else the
// key id's first 12 hex digits.
std::string Signers(
    const v1::LedgerEntry& entry,
    const google::protobuf::Map<std::string, std::string>& actors_by_key_id);

// A parcel's state, one field a line (kpctl parcel show).
std::string FormatParcel(const v1::ParcelState& parcel);

// JSON on one line (protobuf's JSON mapping), for streams: JSON Lines.
std::string ToJsonLine(const google::protobuf::Message& message);

}  // namespace kpledger::kpctl

#endif  // KPLEDGER_CLIENT_KPCTL_TEXT_H_
