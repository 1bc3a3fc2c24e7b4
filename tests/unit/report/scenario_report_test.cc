// The KP reports of the scenario dataset (tests/testdata/scenario.json),
// against totals computed by hand from the scenario's story.
#include <algorithm>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/apply/applier.h"
#include "ledger/report/project.h"
#include "ledger/store/store.h"
#include "tests/testing/custody_builder.h"
#include "tests/testing/scenario.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::report {
namespace {

using ::kpledger::testing::kDay;
using ::kpledger::testing::kGenesisSeconds;
using Row = std::tuple<std::string, std::string, std::string, int64_t, int64_t,
                       uint32_t>;

std::vector<Row> Rows(
    const google::protobuf::RepeatedPtrField<v1::TradeRow>& rows) {
  std::vector<Row> out;
  for (const v1::TradeRow& r : rows) {
    out.emplace_back(r.hs_code(), r.origin_country(), r.partner_country(),
                     r.mass_mct(), r.value_usd_cents(), r.certificate_count());
  }
  return out;
}

entry::LedgerTime Day(int64_t d) { return {kGenesisSeconds + d * kDay, 0}; }

class ScenarioReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = ::testing::TempDir() + "/scenario-report";
    std::filesystem::remove_all(dir);
    KP_ASSERT_OK_AND_ASSIGN(testdata::Scenario scenario,
                            testing::LoadScenario());
    KP_ASSERT_OK_AND_ASSIGN(store_, store::Store::Open(dir));
    KP_ASSERT_OK_AND_ASSIGN(auto applier, apply::Applier::Open(store_.get()));
    KP_ASSERT_OK(applier->Bootstrap(scenario.genesis()));
    for (const apply::OrderedBatch& b : testing::OrderedBatches(scenario)) {
      KP_ASSERT_OK(applier->Apply(b).status());
    }
  }
  std::unique_ptr<store::Store> store_;
};

TEST_F(ScenarioReportTest, StatisticsMatchTheCertificates) {
  KP_ASSERT_OK_AND_ASSIGN(ReportBuilder reports, ProjectStore(*store_));
  const v1::KpStatistics stats = reports.Statistics(Day(0), Day(31));
  // Five incoming certificates; the UAE one (2,000 ct, $300,000) is
  // CD 40% / ZW 35% / AO 25%. Refused imports (ZA expired, the reused BW
  // number, RU origin, the vault's) count nowhere.
  EXPECT_THAT(
      Rows(stats.imports()),
      ::testing::ElementsAre(Row{"7102.10", "BW", "BW", 1250000, 185000000, 1},
                             Row{"7102.10", "CA", "CA", 800000, 64000000, 1},
                             Row{"7102.10", "VE", "VE", 150000, 4500000, 1},
                             Row{"7102.21", "AO", "AE", 500000, 7500000, 1},
                             Row{"7102.21", "CD", "AE", 800000, 12000000, 1},
                             Row{"7102.21", "ZW", "AE", 700000, 10500000, 1},
                             Row{"7102.31", "ZA", "IL", 300000, 90000000, 1}));
  EXPECT_EQ(stats.import_total().mass_mct(), 4500000);
  EXPECT_EQ(stats.import_total().value_usd_cents(), 373500000);
  EXPECT_EQ(stats.import_total().certificate_count(), 5u);
  // Three outgoing certificates. AZ-2026-000101: 1,139.4 ct, $890,000,
  // BW 30.6653% / CA 69.3347%: BW 349,400.43 mct -> 349,400 and CA
  // 789,999.57 -> 790,000 (the leftover milli-carat to the larger
  // remainder); $272,921.17 and $617,078.83 exactly.
  EXPECT_THAT(
      Rows(stats.exports()),
      ::testing::ElementsAre(Row{"7102.31", "BW", "BE", 349400, 27292117, 1},
                             Row{"7102.31", "BW", "IN", 900000, 160000000, 1},
                             Row{"7102.31", "CA", "BE", 790000, 61707883, 1},
                             Row{"7102.31", "ZA", "AE", 300000, 90000000, 1}));
  EXPECT_EQ(stats.export_total().mass_mct(), 2339400);
  EXPECT_EQ(stats.export_total().value_usd_cents(), 339000000);
  EXPECT_EQ(stats.export_total().certificate_count(), 3u);
}

TEST_F(ScenarioReportTest, BalanceCloses) {
  KP_ASSERT_OK_AND_ASSIGN(ReportBuilder reports, ProjectStore(*store_));
  const v1::Balance b = reports.BalanceAt(Day(31));
  EXPECT_EQ(b.imported_mass_mct(), 4500000);
  EXPECT_EQ(b.exported_mass_mct(), 2339400);
  // Labs: AZ-P-0001 weighed 0.4 ct light, AZ-P-0002 10 ct light.
  EXPECT_EQ(b.assessment_delta_mct(), -10400);
  // The sort of AZ-P-0001 left 0.2 ct of dust; the merge lost nothing.
  EXPECT_EQ(b.lost_mass_mct(), 200);
  // Left in custody: AZ-P-0003 (2,000 ct) and AZ-P-0004 (150 ct).
  EXPECT_EQ(b.in_custody_mass_mct(), 2150000);
  EXPECT_EQ(b.in_custody_parcel_count(), 2u);
}

TEST_F(ScenarioReportTest, AnomaliesIncludeUnconfirmedExportsOnceDue) {
  KP_ASSERT_OK_AND_ASSIGN(ReportBuilder reports, ProjectStore(*store_));
  auto flags = [&](int64_t day) {
    const v1::ListAnomaliesResponse a = reports.Anomalies(Day(day));
    std::vector<std::pair<std::string, std::string>> out;
    for (const v1::Anomaly& x : a.anomalies()) {
      out.emplace_back(v1::Flag_Name(x.flag()), x.parcel_id().empty()
                                                    ? x.certificate_number()
                                                    : x.parcel_id());
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  using P = std::pair<std::string, std::string>;
  // Day 31: the lab's flag, the Venezuelan origin, the quick re-export;
  // no export is due yet (60 days).
  EXPECT_THAT(flags(31),
              ::testing::ElementsAre(P{"MASS_DISCREPANCY", "AZ-P-0002"},
                                     P{"QUICK_REEXPORT", "AZ-P-0010"},
                                     P{"SANCTIONED_ORIGIN", "AZ-P-0004"}));
  // Day 90: AZ-2026-000102 (day 14) and AZ-2026-000103 (day 23) are past
  // due; AZ-2026-000101 was confirmed.
  const auto later = flags(90);
  EXPECT_EQ(
      std::count_if(later.begin(), later.end(),
                    [](const P& p) { return p.first == "UNCONFIRMED_EXPORT"; }),
      2);
}

}  // namespace
}  // namespace kpledger::report
