// The time flags of kpctl report: a period (`--period 2026-Q3`, `2026-07`,
// `2026`) or its bounds (`--from`, `--to`), and a point in time (`--as-of`),
// all in UTC. Periods are [start, end), as KpStatisticsRequest wants.
// Thread-safe: pure functions.
#ifndef KPLEDGER_CLIENT_KPCTL_PERIOD_H_
#define KPLEDGER_CLIENT_KPCTL_PERIOD_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace kpledger::kpctl {

struct Period {
  absl::Time start;
  absl::Time end;  // excluded
};

// "YYYY" (a year), "YYYY-Qn" (a quarter, n in 1..4) or "YYYY-MM" (a month).
// InvalidArgument quoting the text and the forms it may take.
absl::StatusOr<Period> ParsePeriod(absl::string_view text);

// What a bare date YYYY-MM-DD stands for.
enum class DateMeans {
  kStartOfDay,  // 00:00:00 UTC that day (--from, --to)
  kEndOfDay,    // the last nanosecond of that day (--as-of: the whole day)
};

// An RFC 3339 time ("2026-09-30T12:00:00Z", "...+04:00") or a date
// "YYYY-MM-DD". InvalidArgument naming `flag` and quoting the text.
absl::StatusOr<absl::Time> ParseTimeFlag(absl::string_view flag,
                                         absl::string_view text,
                                         DateMeans date_means);

// The period of `--period` or of `--from`/`--to` (both needed); exactly one
// of the two forms. InvalidArgument otherwise, or for end <= start.
absl::StatusOr<Period> PeriodFromFlags(absl::string_view period,
                                       absl::string_view from,
                                       absl::string_view to);

google::protobuf::Timestamp ToProto(absl::Time t);

}  // namespace kpledger::kpctl

#endif  // KPLEDGER_CLIENT_KPCTL_PERIOD_H_
