// Conversions of a ledger time (leaf.h) to and from protobuf Timestamps,
// and its readable form. Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_ENTRY_TIME_H_
#define KPLEDGER_LEDGER_ENTRY_TIME_H_

#include <string>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "ledger/entry/leaf.h"

namespace kpledger::entry {

inline constexpr int64_t kSecondsPerDay = 86400;

// Negative nanos (invalid in a Timestamp) count as 0.
LedgerTime FromTimestamp(const google::protobuf::Timestamp& t);
google::protobuf::Timestamp ToTimestamp(LedgerTime t);
// `t` to the nanosecond (the proposer's clock, "now" for a report); the
// apply path never reads a clock.
LedgerTime FromAbslTime(absl::Time t);
// RFC 3339 in UTC, e.g. "2026-03-01T09:30:00Z".
std::string FormatTime(LedgerTime t);

}  // namespace kpledger::entry

#endif  // KPLEDGER_LEDGER_ENTRY_TIME_H_
