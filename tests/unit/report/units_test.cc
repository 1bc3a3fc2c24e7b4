// The integer units of reports and the apportioning of a mixed-origin
// certificate over its origins.
#include "ledger/base/units.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/report/shares.h"

namespace kpledger::report {
namespace {

using ::kpledger::base::FormatCarats;
using ::kpledger::base::FormatPercent;
using ::kpledger::base::FormatUsd;
using ::testing::ElementsAre;

google::protobuf::RepeatedPtrField<v1::OriginShare> Shares(
    const std::vector<std::pair<std::string, uint32_t>>& shares) {
  google::protobuf::RepeatedPtrField<v1::OriginShare> out;
  for (const auto& [country, ppm] : shares) {
    v1::OriginShare* s = out.Add();
    s->set_country(country);
    s->set_share_ppm(ppm);
  }
  return out;
}

TEST(UnitsTest, CaratsHaveThreeDecimalsAndGroupedThousands) {
  EXPECT_EQ(FormatCarats(12500), "12.500 ct");
  EXPECT_EQ(FormatCarats(5), "0.005 ct");
  EXPECT_EQ(FormatCarats(0), "0.000 ct");
  EXPECT_EQ(FormatCarats(1234567890), "1,234,567.890 ct");
  EXPECT_EQ(FormatCarats(-100), "-0.100 ct");
  EXPECT_EQ(FormatCarats(std::numeric_limits<int64_t>::min()),
            "-9,223,372,036,854,775.808 ct");
}

TEST(UnitsTest, DollarsHaveCentsAndGroupedThousands) {
  EXPECT_EQ(FormatUsd(1850000), "$18,500.00");
  EXPECT_EQ(FormatUsd(7), "$0.07");
  EXPECT_EQ(FormatUsd(100000000), "$1,000,000.00");
  EXPECT_EQ(FormatUsd(-5), "-$0.05");
}

TEST(UnitsTest, PercentDropsTrailingZeros) {
  EXPECT_EQ(FormatPercent(600000), "60%");
  EXPECT_EQ(FormatPercent(437886), "43.7886%");
  EXPECT_EQ(FormatPercent(5000), "0.5%");
  EXPECT_EQ(FormatPercent(1), "0.0001%");
  EXPECT_EQ(FormatPercent(0), "0%");
  EXPECT_EQ(FormatPercent(25000000), "2,500%");
}

TEST(ApportionTest, SingleOriginTakesTheWhole) {
  EXPECT_THAT(Apportion(7777, Shares({{"BW", 1000000}})),
              ElementsAre(Portion{"BW", 7777}));
}

TEST(ApportionTest, LeftoverUnitGoesToTheLargestRemainder) {
  // 7,777 * 60% = 4,666.2, * 40% = 3,110.8: the unit left goes to CD.
  EXPECT_THAT(Apportion(7777, Shares({{"BW", 600000}, {"CD", 400000}})),
              ElementsAre(Portion{"BW", 4666}, Portion{"CD", 3111}));
}

TEST(ApportionTest, RemainderNotShareDecides) {
  // 5 * (40%, 30%, 30%) = 2.0, 1.5, 1.5: the unit goes to a 1.5 (BB, the
  // lower code of the tie), not to the largest share, which is exact.
  EXPECT_THAT(
      Apportion(5, Shares({{"AA", 400000}, {"BB", 300000}, {"CC", 300000}})),
      ElementsAre(Portion{"AA", 2}, Portion{"BB", 2}, Portion{"CC", 1}));
}

TEST(ApportionTest, TiesGoToTheLowerCountryCode) {
  // 1 * (1/4 each): one unit, four equal remainders of 1/4.
  EXPECT_THAT(Apportion(1, Shares({{"ZA", 250000},
                                   {"BW", 250000},
                                   {"CD", 250000},
                                   {"AE", 250000}})),
              ElementsAre(Portion{"AE", 1}, Portion{"BW", 0}, Portion{"CD", 0},
                          Portion{"ZA", 0}));
  EXPECT_THAT(
      Apportion(2, Shares({{"ZA", 333333}, {"BW", 333333}, {"CD", 333334}})),
      ElementsAre(Portion{"BW", 1}, Portion{"CD", 1}, Portion{"ZA", 0}));
}

TEST(ApportionTest, PartsAlwaysSumToTheWhole) {
  const auto shares =
      Shares({{"AO", 123457}, {"BW", 500000}, {"CD", 1}, {"ZA", 376542}});
  for (int64_t amount :
       {int64_t{0}, int64_t{1}, int64_t{999}, int64_t{7777}, int64_t{123456789},
        std::numeric_limits<int64_t>::max()}) {
    int64_t sum = 0;
    for (const Portion& p : Apportion(amount, shares)) sum += p.amount;
    EXPECT_EQ(sum, amount);
  }
}

}  // namespace
}  // namespace kpledger::report
