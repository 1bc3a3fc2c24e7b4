// The scenario dataset through the real applier on a real store: every
// event gets the outcome its author intended, the state tells the story,
// and the checked-in file is exactly what make_scenario writes.
#include "tests/testing/scenario.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/apply/applier.h"
#include "ledger/apply/store_state.h"
#include "ledger/rules/state.h"
#include "ledger/store/store.h"
#include "tests/testing/fresh_dir.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::apply {
namespace {

using ::kpledger::testing::FreshDir;
using ::testing::ElementsAre;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ScenarioTest, CheckedInFileIsWhatTheGeneratorWrites) {
  const std::string out = absl::StrCat(::testing::TempDir(), "/scenario.json");
  ASSERT_EQ(
      std::system(
          absl::StrCat("tests/testdata/make_scenario '", out, "'").c_str()),
      0);
  EXPECT_TRUE(ReadFile(out) == ReadFile(testing::kScenarioPath))
      << "tests/testdata/scenario.json differs from what make_scenario "
         "writes; regenerate it (tests/testdata/BUILD.bazel says how)";
}

class ScenarioApplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KP_ASSERT_OK_AND_ASSIGN(scenario_, testing::LoadScenario());
    KP_ASSERT_OK_AND_ASSIGN(store_,
                            store::Store::Open(FreshDir("scenario-store")));
    KP_ASSERT_OK_AND_ASSIGN(applier_, Applier::Open(store_.get()));
    KP_ASSERT_OK(applier_->Bootstrap(scenario_.genesis()));
  }

  v1::ParcelState Parcel(const std::string& id) {
    StoreStateSource source(store_.get());
    auto p = rules::StateView(&source).Parcel(id);
    EXPECT_TRUE(p.ok() && p->has_value()) << id;
    return p.ok() && p->has_value() ? **p : v1::ParcelState();
  }

  testdata::Scenario scenario_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Applier> applier_;
};

TEST_F(ScenarioApplyTest, EveryEventGetsItsIntendedOutcome) {
  const std::vector<OrderedBatch> batches = testing::OrderedBatches(scenario_);
  int accepted = 0, refused = 0;
  for (size_t i = 0; i < batches.size(); ++i) {
    KP_ASSERT_OK_AND_ASSIGN(BatchResult result, applier_->Apply(batches[i]));
    const testdata::ScenarioBatch& want = scenario_.batches(i);
    ASSERT_EQ(result.receipts.size(), static_cast<size_t>(want.events_size()));
    for (int j = 0; j < want.events_size(); ++j) {
      const testdata::Expectation& expect = want.events(j).expect();
      const v1::Receipt& r = result.receipts[j];
      SCOPED_TRACE(want.events(j).note());
      if (expect.accept()) {
        ++accepted;
        EXPECT_EQ(r.outcome(), v1::Receipt::ACCEPTED) << r.reason();
        std::vector<std::string> flags;
        for (int f : r.flags()) flags.push_back(v1::Flag_Name(f));
        EXPECT_EQ(flags, std::vector<std::string>(expect.flags().begin(),
                                                  expect.flags().end()));
      } else {
        ++refused;
        EXPECT_EQ(r.outcome(), v1::Receipt::REFUSED);
        EXPECT_EQ(
            absl::StatusCodeToString(static_cast<absl::StatusCode>(r.code())),
            expect.code())
            << r.reason();
        EXPECT_THAT(r.reason(), ::testing::HasSubstr(expect.reason_contains()));
      }
    }
  }
  EXPECT_EQ(store_->size(), 1u + accepted);
  EXPECT_GE(refused, 10);
}

TEST_F(ScenarioApplyTest, StateTellsTheStory) {
  for (const OrderedBatch& b : testing::OrderedBatches(scenario_)) {
    KP_ASSERT_OK(applier_->Apply(b).status());
  }
  // The mixed-origin merge: 349.4 ct Botswanan near-gem and 790 ct
  // Canadian (as weighed by the lab), exported to Belgium.
  const v1::ParcelState merged = Parcel("AZ-P-0009");
  EXPECT_EQ(merged.status(), v1::CLOSED);
  EXPECT_EQ(merged.export_certificate(), "AZ-2026-000101");
  EXPECT_THAT(merged.parents(), ElementsAre("AZ-P-0001-N", "AZ-P-0002"));
  ASSERT_EQ(merged.origins_size(), 2);
  EXPECT_EQ(merged.origins(0).share_ppm(), 306653u);
  EXPECT_EQ(merged.origins(1).share_ppm(), 693347u);
  // The lab's flag on the Canadian parcel travels into the merge.
  EXPECT_THAT(merged.flags(), ElementsAre(v1::MASS_DISCREPANCY));

  EXPECT_EQ(Parcel("AZ-P-0001").status(), v1::CLOSED);
  EXPECT_EQ(Parcel("AZ-P-0001").mass_mct(), 1249600);
  EXPECT_EQ(Parcel("AZ-P-0003").custodian(), "vault-freezone");
  EXPECT_EQ(Parcel("AZ-P-0004").status(), v1::ACTIVE);
  EXPECT_THAT(Parcel("AZ-P-0004").flags(), ElementsAre(v1::SANCTIONED_ORIGIN));
  EXPECT_THAT(Parcel("AZ-P-0010").flags(), ElementsAre(v1::QUICK_REEXPORT));

  StoreStateSource source(store_.get());
  rules::StateView view(&source);
  KP_ASSERT_OK_AND_ASSIGN(auto be, view.Export("AZ-2026-000101"));
  ASSERT_TRUE(be.has_value());
  EXPECT_FALSE(be->confirmation_event_id().empty());
  KP_ASSERT_OK_AND_ASSIGN(auto in, view.Export("AZ-2026-000102"));
  ASSERT_TRUE(in.has_value());
  EXPECT_TRUE(in->confirmation_event_id().empty());
  // Refused parcels left nothing behind.
  for (const char* id : {"AZ-P-0005", "AZ-P-0006", "AZ-P-0007", "AZ-P-0008"}) {
    KP_ASSERT_OK_AND_ASSIGN(auto p, view.Parcel(id));
    EXPECT_FALSE(p.has_value()) << id;
  }
  KP_ASSERT_OK_AND_ASSIGN(auto shell, view.Actor("shell-company"));
  EXPECT_FALSE(shell.has_value());
}

}  // namespace
}  // namespace kpledger::apply
