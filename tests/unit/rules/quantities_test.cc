#include "ledger/rules/quantities.h"

#include <algorithm>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::rules {
namespace {

using ::kpledger::testing::StatusIs;

MergeInput Parcel(int64_t mass_mct,
                  std::vector<std::pair<std::string, uint32_t>> shares) {
  MergeInput in;
  in.mass_mct = mass_mct;
  for (const auto& [country, ppm] : shares) {
    v1::OriginShare o;
    o.set_country(country);
    o.set_share_ppm(ppm);
    in.origins.push_back(o);
  }
  return in;
}

std::vector<std::pair<std::string, uint32_t>> Pairs(
    const std::vector<v1::OriginShare>& shares) {
  std::vector<std::pair<std::string, uint32_t>> out;
  for (const v1::OriginShare& s : shares)
    out.emplace_back(s.country(), s.share_ppm());
  return out;
}

using Shares = std::vector<std::pair<std::string, uint32_t>>;

TEST(MergeOriginsTest, SharesAreMassWeighted) {
  // 600 mct all Botswana + 400 mct half Botswana, half Namibia.
  KP_ASSERT_OK_AND_ASSIGN(
      auto merged,
      MergeOrigins({Parcel(600, {{"BW", 1000000}}),
                    Parcel(400, {{"BW", 500000}, {"NA", 500000}})}));
  EXPECT_EQ(Pairs(merged), (Shares{{"BW", 800000}, {"NA", 200000}}));
}

TEST(MergeOriginsTest, LeftoverPpmGoToTheLargestRemainder) {
  // 1/3 and 2/3: 333333.3 and 666666.7 ppm.
  KP_ASSERT_OK_AND_ASSIGN(auto merged,
                          MergeOrigins({Parcel(1, {{"BW", 1000000}}),
                                        Parcel(2, {{"NA", 1000000}})}));
  EXPECT_EQ(Pairs(merged), (Shares{{"BW", 333333}, {"NA", 666667}}));
}

TEST(MergeOriginsTest, TiedRemaindersFavourTheLowerCountryCode) {
  KP_ASSERT_OK_AND_ASSIGN(
      auto merged,
      MergeOrigins({Parcel(1, {{"CC", 1000000}}), Parcel(1, {{"AA", 1000000}}),
                    Parcel(1, {{"BB", 1000000}})}));
  EXPECT_EQ(Pairs(merged),
            (Shares{{"AA", 333334}, {"BB", 333333}, {"CC", 333333}}));
}

TEST(MergeOriginsTest, EveryOriginWithMassIsNamedEvenBelowOnePpm) {
  // 1 mct of Russian origin in a million carats is still named (EU rules).
  KP_ASSERT_OK_AND_ASSIGN(auto merged,
                          MergeOrigins({Parcel(1000000000, {{"BW", 1000000}}),
                                        Parcel(1, {{"RU", 1000000}})}));
  EXPECT_EQ(Pairs(merged), (Shares{{"BW", 999999}, {"RU", 1}}));
}

TEST(MergeOriginsTest, InputOrderDoesNotChangeTheResult) {
  std::vector<MergeInput> inputs = {
      Parcel(1234, {{"BW", 700000}, {"NA", 300000}}),
      Parcel(777, {{"ZA", 1000000}}),
      Parcel(4321, {{"NA", 100000}, {"AO", 900000}})};
  KP_ASSERT_OK_AND_ASSIGN(auto first, MergeOrigins(inputs));
  uint32_t sum = 0;
  for (const auto& s : first) sum += s.share_ppm();
  EXPECT_EQ(sum, 1000000u);
  std::reverse(inputs.begin(), inputs.end());
  KP_ASSERT_OK_AND_ASSIGN(auto second, MergeOrigins(inputs));
  EXPECT_EQ(Pairs(first), Pairs(second));
}

TEST(MergeOriginsTest, EmptyOrMasslessInputIsRefused) {
  EXPECT_THAT(MergeOrigins({}), StatusIs(absl::StatusCode::kInvalidArgument,
                                         "merge of no parcels"));
  EXPECT_THAT(MergeOrigins({Parcel(0, {{"BW", 1000000}})}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "merge input 0 has no mass or no origins"));
}

TEST(MassConservedTest, LossUpToTheToleranceIsAllowed) {
  KP_EXPECT_OK(CheckMassConserved(10000, 10000, 1000));
  KP_EXPECT_OK(CheckMassConserved(10000, 9990, 1000));  // 0.1%: the limit
}

TEST(MassConservedTest, LossBeyondTheToleranceIsRefused) {
  EXPECT_THAT(CheckMassConserved(10000, 9989, 1000),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "mass out 9989 mct loses 11 of 10000 mct, more than "
                       "the loss tolerance of 1000 ppm"));
}

TEST(MassConservedTest, GainedMassIsRefused) {
  EXPECT_THAT(CheckMassConserved(10000, 10001, 1000),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "mass cannot be created"));
}

class AssessmentFlagsTest : public ::testing::Test {
 protected:
  AssessmentFlagsTest() {
    policy_.set_mass_tolerance_ppm(5000);  // 0.5%
    policy_.set_value_band_ppm(200000);    // 20%
  }
  // Declared: 10,000 mct at US$1,000.00, i.e. 10 cents per mct.
  std::vector<v1::Flag> Flags(int64_t measured_mct, int64_t assessed_cents) {
    return AssessmentFlags(10000, 100000, measured_mct, assessed_cents,
                           policy_);
  }
  v1::Policy policy_;
};

TEST_F(AssessmentFlagsTest, FiguresWithinToleranceEarnNoFlag) {
  EXPECT_TRUE(Flags(10000, 100000).empty());
  EXPECT_TRUE(Flags(9950, 99500).empty());    // -0.5% mass: the limit
  EXPECT_TRUE(Flags(10000, 120000).empty());  // +20% value/ct: the limit
}

TEST_F(AssessmentFlagsTest, MassOutsideToleranceIsFlagged) {
  EXPECT_EQ(Flags(9949, 99490), std::vector<v1::Flag>{v1::MASS_DISCREPANCY});
  EXPECT_EQ(Flags(10051, 100510), std::vector<v1::Flag>{v1::MASS_DISCREPANCY});
}

TEST_F(AssessmentFlagsTest, ValuePerCaratOutsideTheBandIsFlagged) {
  EXPECT_EQ(Flags(10000, 120001), std::vector<v1::Flag>{v1::VALUE_OUTLIER});
  EXPECT_EQ(Flags(10000, 79999), std::vector<v1::Flag>{v1::VALUE_OUTLIER});
}

TEST_F(AssessmentFlagsTest, BothFlagsTogether) {
  // Substitution: a third of the mass gone, the value per carat doubled.
  EXPECT_EQ(Flags(6667, 133340),
            (std::vector<v1::Flag>{v1::MASS_DISCREPANCY, v1::VALUE_OUTLIER}));
}

}  // namespace
}  // namespace kpledger::rules
