#include "ledger/entry/time.h"

#include "absl/time/time.h"

namespace kpledger::entry {

LedgerTime FromTimestamp(const google::protobuf::Timestamp& t) {
  return LedgerTime{t.seconds(),
                    t.nanos() < 0 ? 0u : static_cast<uint32_t>(t.nanos())};
}

google::protobuf::Timestamp ToTimestamp(LedgerTime t) {
  google::protobuf::Timestamp out;
  out.set_seconds(t.seconds);
  out.set_nanos(static_cast<int32_t>(t.nanos));
  return out;
}

LedgerTime FromAbslTime(absl::Time t) {
  const int64_t nanos = absl::ToUnixNanos(t);
  const int64_t seconds = nanos / 1000000000 - (nanos % 1000000000 < 0);
  return LedgerTime{seconds,
                    static_cast<uint32_t>(nanos - seconds * 1000000000)};
}

std::string FormatTime(LedgerTime t) {
  return absl::FormatTime(
      "%Y-%m-%d%ET%H:%M:%E*SZ",
      absl::FromUnixSeconds(t.seconds) + absl::Nanoseconds(t.nanos),
      absl::UTCTimeZone());
}

}  // namespace kpledger::entry
