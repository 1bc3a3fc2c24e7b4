#include "ledger/entry/time.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace kpledger::entry {
namespace {

TEST(TimeTest, FromAbslTimeKeepsNanosecondsAndRoundsDown) {
  EXPECT_EQ(FromAbslTime(absl::FromUnixSeconds(1788220800) +
                         absl::Nanoseconds(123456789)),
            (LedgerTime{1788220800, 123456789}));
  EXPECT_EQ(FromAbslTime(absl::FromUnixNanos(-1)), (LedgerTime{-1, 999999999}));
  EXPECT_EQ(FromTimestamp(ToTimestamp(LedgerTime{42, 7})), (LedgerTime{42, 7}));
  EXPECT_EQ(FormatTime(LedgerTime{1788220800, 0}), "2026-09-01T00:00:00Z");
}

}  // namespace
}  // namespace kpledger::entry
