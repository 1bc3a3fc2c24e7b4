#include "client/kpctl/period.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace kpledger::kpctl {
namespace {

absl::Time Utc(int y, int m, int d) {
  return absl::FromCivil(absl::CivilDay(y, m, d), absl::UTCTimeZone());
}

TEST(ParsePeriod, QuarterIsThreeMonths) {
  absl::StatusOr<Period> p = ParsePeriod("2026-Q3");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->start, Utc(2026, 7, 1));
  EXPECT_EQ(p->end, Utc(2026, 10, 1));
}

TEST(ParsePeriod, FourthQuarterEndsAtNewYear) {
  absl::StatusOr<Period> p = ParsePeriod("2026-Q4");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->end, Utc(2027, 1, 1));
}

TEST(ParsePeriod, MonthAndYear) {
  absl::StatusOr<Period> m = ParsePeriod("2026-12");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->start, Utc(2026, 12, 1));
  EXPECT_EQ(m->end, Utc(2027, 1, 1));
  absl::StatusOr<Period> y = ParsePeriod("2026");
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(y->start, Utc(2026, 1, 1));
  EXPECT_EQ(y->end, Utc(2027, 1, 1));
}

TEST(ParseTimeFlag, DateAsOfCoversTheWholeDay) {
  absl::StatusOr<absl::Time> t =
      ParseTimeFlag("--as-of", "2026-09-30", DateMeans::kEndOfDay);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, Utc(2026, 10, 1) - absl::Nanoseconds(1));
  EXPECT_EQ(ToProto(*t).nanos(), 999999999);
}

TEST(ParseTimeFlag, Rfc3339WithOffset) {
  absl::StatusOr<absl::Time> t = ParseTimeFlag(
      "--from", "2026-07-01T04:00:00+04:00", DateMeans::kStartOfDay);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, Utc(2026, 7, 1));
}

TEST(PeriodFromFlags, FromToIsHalfOpen) {
  absl::StatusOr<Period> p = PeriodFromFlags("", "2026-07-01", "2026-08-01");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->end, Utc(2026, 8, 1));
}

// --- Refusals ---

TEST(ParsePeriod, RefusesFifthQuarterAndThirteenthMonth) {
  for (const char* bad : {"2026-Q5", "2026-Q0", "2026-13", "2026-00", "26-Q1",
                          "2026Q3", "2026-7", "Q3-2026", "", "2026-Q3x"}) {
    absl::StatusOr<Period> p = ParsePeriod(bad);
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(absl::StrContains(p.status().message(), "is not a year"))
        << p.status();
  }
}

TEST(PeriodFromFlags, RefusesBothFormsAndNeither) {
  EXPECT_FALSE(PeriodFromFlags("2026-Q3", "2026-07-01", "").ok());
  EXPECT_FALSE(PeriodFromFlags("", "", "").ok());
  EXPECT_FALSE(PeriodFromFlags("", "2026-07-01", "").ok());
}

TEST(PeriodFromFlags, RefusesEndBeforeStart) {
  absl::StatusOr<Period> p = PeriodFromFlags("", "2026-08-01", "2026-07-01");
  EXPECT_TRUE(absl::StrContains(p.status().message(), "is not after"))
      << p.status();
}

TEST(ParseTimeFlag, RefusesNonsense) {
  absl::StatusOr<absl::Time> t =
      ParseTimeFlag("--as-of", "yesterday", DateMeans::kEndOfDay);
  EXPECT_TRUE(absl::StrContains(t.status().message(),
                                "--as-of \"yesterday\" is not a date"))
      << t.status();
}

}  // namespace
}  // namespace kpledger::kpctl
