#include "client/kpctl/period.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace kpledger::kpctl {
namespace {

bool Digits(absl::string_view s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::Time MonthStart(int year, int month) {
  return absl::FromCivil(absl::CivilMonth(year, month), absl::UTCTimeZone());
}

}  // namespace

absl::StatusOr<Period> ParsePeriod(absl::string_view text) {
  const auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("--period \"", text,
                     "\" is not a year (2026), a quarter (2026-Q3) or a "
                     "month (2026-07)"));
  };
  int year = 0;
  if (text.size() < 4 || !Digits(text.substr(0, 4), 4) ||
      !absl::SimpleAtoi(text.substr(0, 4), &year) || year < 1970) {
    return bad();
  }
  absl::string_view rest = text.substr(4);
  if (rest.empty()) return Period{MonthStart(year, 1), MonthStart(year + 1, 1)};
  if (rest.size() == 3 && rest[0] == '-' &&
      (rest[1] == 'Q' || rest[1] == 'q')) {
    const int q = rest[2] - '0';
    if (q < 1 || q > 4) return bad();
    const int first = 3 * (q - 1) + 1;
    return Period{MonthStart(year, first), MonthStart(year, first + 3)};
  }
  int month = 0;
  if (rest.size() == 3 && rest[0] == '-' && Digits(rest.substr(1), 2) &&
      absl::SimpleAtoi(rest.substr(1), &month) && month >= 1 && month <= 12) {
    return Period{MonthStart(year, month), MonthStart(year, month + 1)};
  }
  return bad();
}

absl::StatusOr<absl::Time> ParseTimeFlag(absl::string_view flag,
                                         absl::string_view text,
                                         DateMeans date_means) {
  absl::Time t;
  std::string err;
  const std::string s(text);
  if (s.size() == 10 &&
      absl::ParseTime("%Y-%m-%d", s, absl::UTCTimeZone(), &t, &err)) {
    if (date_means == DateMeans::kEndOfDay) {
      t = t + absl::Hours(24) - absl::Nanoseconds(1);
    }
    return t;
  }
  if (absl::ParseTime(absl::RFC3339_full, s, &t, &err)) return t;
  return absl::InvalidArgumentError(
      absl::StrCat(flag, " \"", text,
                   "\" is not a date (2026-09-30) or an RFC 3339 time "
                   "(2026-09-30T12:00:00Z)"));
}

absl::StatusOr<Period> PeriodFromFlags(absl::string_view period,
                                       absl::string_view from,
                                       absl::string_view to) {
  const bool bounds = !from.empty() || !to.empty();
  if (period.empty() == !bounds) {
    return absl::InvalidArgumentError(
        "give either --period or --from and --to");
  }
  if (!period.empty()) return ParsePeriod(period);
  if (from.empty() || to.empty()) {
    return absl::InvalidArgumentError("--from and --to go together");
  }
  absl::StatusOr<absl::Time> start =
      ParseTimeFlag("--from", from, DateMeans::kStartOfDay);
  if (!start.ok()) return start.status();
  absl::StatusOr<absl::Time> end =
      ParseTimeFlag("--to", to, DateMeans::kStartOfDay);
  if (!end.ok()) return end.status();
  if (*end <= *start) {
    return absl::InvalidArgumentError(
        absl::StrCat("--to ", to, " is not after --from ", from,
                     " (the period is [from, "
                     "to))"));
  }
  return Period{*start, *end};
}

google::protobuf::Timestamp ToProto(absl::Time t) {
  const absl::Duration since = t - absl::UnixEpoch();
  google::protobuf::Timestamp out;
  const int64_t seconds = absl::ToInt64Seconds(since);
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(since - absl::Seconds(seconds))));
  return out;
}

}  // namespace kpledger::kpctl
