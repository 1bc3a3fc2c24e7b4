#include "node/service/log_limiter.h"

#include <optional>

#include "gtest/gtest.h"

namespace kpledger::node {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

TEST(LogLimiterTest, FirstOfAKindIsWrittenThenOneAnInterval) {
  LogLimiter limiter(absl::Minutes(1));
  EXPECT_EQ(limiter.Allow("Cosign/not_computed_here", kStart), 0u);
  // Every round of a peer that keeps asking: held back, and counted.
  for (int s = 1; s < 60; ++s) {
    EXPECT_EQ(
        limiter.Allow("Cosign/not_computed_here", kStart + absl::Seconds(s)),
        std::nullopt)
        << s;
  }
  // A minute after the last line written: written, with the 59 held back.
  EXPECT_EQ(
      limiter.Allow("Cosign/not_computed_here", kStart + absl::Seconds(60)),
      59u);
  EXPECT_EQ(
      limiter.Allow("Cosign/not_computed_here", kStart + absl::Seconds(61)),
      std::nullopt);
  // Quiet for longer than the interval: the next is written at once, with
  // the one held back at +61 s; after it, none was held back.
  EXPECT_EQ(
      limiter.Allow("Cosign/not_computed_here", kStart + absl::Minutes(5)), 1u);
  EXPECT_EQ(
      limiter.Allow("Cosign/not_computed_here", kStart + absl::Minutes(7)), 0u);
}

TEST(LogLimiterTest, KindsAreLimitedApart) {
  LogLimiter limiter(absl::Minutes(1));
  EXPECT_EQ(limiter.Allow("Cosign/not_computed_here", kStart), 0u);
  // Another kind of refusal in the same second is still written: it may
  // be the one an operator needs to see.
  EXPECT_EQ(limiter.Allow("Sync/other_ledger", kStart), 0u);
  EXPECT_EQ(limiter.Allow("Cosign/malformed", kStart), 0u);
  EXPECT_EQ(limiter.Allow("Sync/other_ledger", kStart + absl::Seconds(1)),
            std::nullopt);
}

}  // namespace
}  // namespace kpledger::node
