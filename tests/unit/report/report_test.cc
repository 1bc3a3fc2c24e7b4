// The reports of a small, known custody story, applied through the real
// applier to a real store and projected back from the log. Every expected
// figure is worked out by hand in the comments.
//
// The story (days after genesis, 2026-09-01T00:00:00Z; masses in mct,
// values in US cents; policy: 0.5% mass tolerance, 25% value band, 0.1%
// loss, VE flagged, RU refused, confirmations due in 60 days, re-exports
// within 7 days flagged):
//   day 1  register customs-1, lab-1, vault-1, trader-1 (AZ-LIC-001), kpa
//   day 2  import P-BW-1  BW-2026-001 from BW, 10,000 mct, 10,000,000, 7102.10
//          import P-BW-2  BW-2026-002 from BW,  3,000 mct,  2,400,000, 7102.10
//          import P-ZA-1  ZA-2026-001 from ZA,  5,000 mct,  4,000,000, 7102.31
//          import P-AE-1  AE-2026-001 from AE,  7,777 mct,  5,555,557, 7102.10
//                         origins BW 60%, CD 40%
//          import P-VE-1  AE-2026-002 from AE,  2,000 mct,  1,000,000, 7102.21
//                         origin VE: SANCTIONED_ORIGIN
//          (refused: import P-RU-1 AE-2026-003, origin RU)
//   day 3  P-BW-1 vault-1 -> lab-1; P-BW-2 vault-1 -> trader-1
//   day 4  lab-1 assesses P-BW-1: 9,900 mct, 6,000,000:
//          MASS_DISCREPANCY (-1%) and VALUE_OUTLIER (-39.39% per carat)
//          export P-BW-2 as AZ-2026-0001 to BE, 3,000 mct, 2,400,000,
//          7102.10, BW 100%: QUICK_REEXPORT (2 days after import)
//          (refused: export P-ZA-1, held by vault-1, which has no licence)
//   day 5  split P-BW-1 (9,900) into P-BW-1a 6,000 + P-BW-1b 3,895: loses 5
//   day 6  P-BW-1b lab-1 -> vault-1
//   day 7  merge P-ZA-1 (5,000) + P-BW-1b (3,895) into P-MIX-1 8,890: loses
//          5; origins BW 437,886 ppm, ZA 562,114 ppm (rules::MergeOrigins)
//   day 8  P-MIX-1 vault-1 -> trader-1
//   day 20 export P-MIX-1 as AZ-2026-0002 to IN, 8,890 mct, 9,000,000,
//          7102.31
//   day 30 kpa records IN's confirmation of AZ-2026-0002
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/apply/applier.h"
#include "ledger/entry/time.h"
#include "ledger/report/format.h"
#include "ledger/report/project.h"
#include "ledger/report/report_builder.h"
#include "ledger/store/store.h"
#include "tests/testing/custody_builder.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::report {
namespace {

using ::kpledger::testing::CustodyBuilder;
using ::kpledger::testing::kDay;
using ::kpledger::testing::kGenesisSeconds;
using ::kpledger::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Ledger time `day` days (and `seconds`) after genesis.
entry::LedgerTime Day(int64_t day, int64_t seconds = 0, uint32_t nanos = 0) {
  return {kGenesisSeconds + day * kDay + seconds, nanos};
}

v1::TradeRow Row(const std::string& hs, const std::string& origin,
                 const std::string& partner, int64_t mass_mct,
                 int64_t value_usd_cents, uint32_t certificates) {
  v1::TradeRow r;
  r.set_hs_code(hs);
  r.set_origin_country(origin);
  r.set_partner_country(partner);
  r.set_mass_mct(mass_mct);
  r.set_value_usd_cents(value_usd_cents);
  r.set_certificate_count(certificates);
  return r;
}

MATCHER_P(EqualsProto, want, "") {
  *result_listener << arg.ShortDebugString();
  return arg.SerializeAsString() == want.SerializeAsString();
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = (std::filesystem::path(tmp ? tmp : "/tmp") /
            ::testing::UnitTest::GetInstance()->current_test_info()->name())
               .string();
    std::filesystem::remove_all(dir_);
    store::StoreOptions options;
    options.sync = false;
    KP_ASSERT_OK_AND_ASSIGN(store_, store::Store::Open(dir_, options));
    KP_ASSERT_OK_AND_ASSIGN(applier_, apply::Applier::Open(store_.get()));
    KP_ASSERT_OK(applier_->Bootstrap(b_.genesis_envelope()));
  }

  // Applies one batch at ledger time Day(day); returns its receipts.
  std::vector<v1::Receipt> At(int64_t day,
                              const std::vector<v1::Envelope>& events) {
    apply::OrderedBatch batch;
    batch.position = ++position_;
    batch.proposed_time = Day(day);
    for (const v1::Envelope& e : events) {
      batch.envelopes.push_back(e.SerializeAsString());
    }
    absl::StatusOr<apply::BatchResult> result = applier_->Apply(batch);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? result->receipts : std::vector<v1::Receipt>{};
  }

  // Applies one event, which must be accepted; returns its event id.
  std::string Accept(int64_t day, const v1::Envelope& event) {
    std::vector<v1::Receipt> r = At(day, {event});
    EXPECT_EQ(r.size(), 1u);
    if (r.size() != 1) return "";
    EXPECT_EQ(r[0].outcome(), v1::Receipt::ACCEPTED) << r[0].reason();
    return r[0].event_id();
  }

  v1::Envelope Import(
      const std::string& parcel, const std::string& number,
      const std::string& country, int64_t mass_mct, int64_t value_usd_cents,
      const std::string& hs,
      std::vector<std::pair<std::string, uint32_t>> origins = {},
      bool expect_accept = true) {
    return b_.Sign(
        testing::ImportEvent(parcel, "vault-1",
                             testing::IncomingCertificate(
                                 number, country, mass_mct, value_usd_cents, hs,
                                 std::move(origins))),
        {"customs-1"}, expect_accept);
  }

  v1::Envelope Transfer(const std::string& parcel, const std::string& from,
                        const std::string& to) {
    return b_.Sign(testing::TransferEvent(parcel, from, to), {from, to});
  }

  v1::Envelope Export(const std::string& parcel, const std::string& number,
                      int64_t mass_mct, int64_t value_usd_cents,
                      const std::string& hs,
                      std::vector<std::pair<std::string, uint32_t>> origins,
                      const std::string& to, int64_t day,
                      bool expect_accept = true) {
    return b_.Sign(
        testing::ExportEvent(parcel, number, mass_mct, value_usd_cents, hs,
                             origins, "AZ-LIC-001", to, Day(day).seconds),
        {"kpa", "customs-1"}, expect_accept);
  }

  // Applies the story at the top of this file.
  void TellTheStory() {
    At(1, {b_.Register("customs-1", v1::CUSTOMS), b_.Register("lab-1", v1::LAB),
           b_.Register("vault-1", v1::VAULT),
           b_.Register("trader-1", v1::TRADER, "AZ-LIC-001"),
           b_.Register("kpa", v1::KP_AUTHORITY)});
    std::vector<v1::Receipt> day2 = At(
        2, {Import("P-BW-1", "BW-2026-001", "BW", 10000, 10000000, "7102.10"),
            Import("P-BW-2", "BW-2026-002", "BW", 3000, 2400000, "7102.10"),
            Import("P-ZA-1", "ZA-2026-001", "ZA", 5000, 4000000, "7102.31"),
            Import("P-AE-1", "AE-2026-001", "AE", 7777, 5555557, "7102.10",
                   {{"BW", 600000}, {"CD", 400000}}),
            Import("P-VE-1", "AE-2026-002", "AE", 2000, 1000000, "7102.21",
                   {{"VE", 1000000}}),
            Import("P-RU-1", "AE-2026-003", "AE", 4000, 3000000, "7102.10",
                   {{"RU", 1000000}}, /*expect_accept=*/false)});
    ASSERT_EQ(day2.size(), 6u);
    for (int i = 0; i < 5; ++i) {
      ASSERT_EQ(day2[i].outcome(), v1::Receipt::ACCEPTED) << day2[i].reason();
    }
    ASSERT_EQ(day2[5].outcome(), v1::Receipt::REFUSED);
    ve_import_ = day2[4].event_id();
    ASSERT_THAT(day2[4].flags(), ElementsAre(v1::SANCTIONED_ORIGIN));

    At(3, {Transfer("P-BW-1", "vault-1", "lab-1"),
           Transfer("P-BW-2", "vault-1", "trader-1")});
    std::vector<v1::Receipt> day4 = At(
        4,
        {b_.Sign(testing::AssessmentEvent("P-BW-1", 9900, 6000000, "LAB-R-001"),
                 {"lab-1"}),
         Export("P-BW-2", "AZ-2026-0001", 3000, 2400000, "7102.10",
                {{"BW", 1000000}}, "BE", 4),
         Export("P-ZA-1", "AZ-2026-0009", 5000, 4000000, "7102.31",
                {{"ZA", 1000000}}, "BE", 4, /*expect_accept=*/false)});
    ASSERT_EQ(day4.size(), 3u);
    assessment_ = day4[0].event_id();
    ASSERT_THAT(day4[0].flags(),
                ElementsAre(v1::MASS_DISCREPANCY, v1::VALUE_OUTLIER));
    quick_export_ = day4[1].event_id();
    ASSERT_THAT(day4[1].flags(), ElementsAre(v1::QUICK_REEXPORT));
    ASSERT_EQ(day4[2].outcome(), v1::Receipt::REFUSED);

    Accept(5, b_.Sign(testing::SplitEvent(
                          "P-BW-1", {{"P-BW-1a", 6000}, {"P-BW-1b", 3895}},
                          5000000),
                      {"lab-1"}));
    Accept(6, Transfer("P-BW-1b", "lab-1", "vault-1"));
    Accept(7, b_.Sign(testing::MergeEvent({"P-ZA-1", "P-BW-1b"}, "P-MIX-1",
                                          8890, 9000000),
                      {"vault-1"}));
    Accept(8, Transfer("P-MIX-1", "vault-1", "trader-1"));
    mixed_export_ =
        Accept(20, Export("P-MIX-1", "AZ-2026-0002", 8890, 9000000, "7102.31",
                          {{"BW", 437886}, {"ZA", 562114}}, "IN", 20));
    Accept(30, b_.Sign(testing::ConfirmationEvent("AZ-2026-0002", "IN", 8890,
                                                  Day(29).seconds),
                       {"kpa"}));
  }

  // The reports of the store's log.
  ReportBuilder Project() {
    absl::StatusOr<ReportBuilder> reports = ProjectStore(*store_);
    EXPECT_TRUE(reports.ok()) << reports.status();
    return reports.ok() ? *std::move(reports)
                        : ReportBuilder(testing::DefaultPolicy());
  }

  CustodyBuilder b_;
  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<apply::Applier> applier_;
  uint64_t position_ = 0;
  std::string ve_import_, assessment_, quick_export_, mixed_export_;
};

// --- KP statistics ----------------------------------------------------------

TEST_F(ReportTest, ImportsAreGroupedByHsCodeOriginAndProvenance) {
  TellTheStory();
  const v1::KpStatistics s = Project().Statistics(Day(0), Day(100));
  EXPECT_THAT(s.imports(),
              ElementsAre(
                  // AE-2026-001, BW's 60%: 7,777 * 0.6 = 4,666.2 -> 4,666 mct;
                  // 5,555,557 * 0.6 = 3,333,334.2 -> 3,333,334 cents.
                  EqualsProto(Row("7102.10", "BW", "AE", 4666, 3333334, 1)),
                  // BW-2026-001 + BW-2026-002: 10,000 + 3,000 mct,
                  // 10,000,000 + 2,400,000 cents, 2 certificates.
                  EqualsProto(Row("7102.10", "BW", "BW", 13000, 12400000, 2)),
                  // AE-2026-001, CD's 40%: 3,110.8 -> 3,110 + the unit left
                  // over (largest remainder, .8 > .2) = 3,111 mct; 2,222,222.8
                  // -> 2,222,223 cents.
                  EqualsProto(Row("7102.10", "CD", "AE", 3111, 2222223, 1)),
                  EqualsProto(Row("7102.21", "VE", "AE", 2000, 1000000, 1)),
                  EqualsProto(Row("7102.31", "ZA", "ZA", 5000, 4000000, 1))));
}

TEST_F(ReportTest, MixedOriginRowsSumExactlyToTheCertificate) {
  TellTheStory();
  const v1::KpStatistics s = Project().Statistics(Day(0), Day(100));
  int64_t mass = 0, value = 0;
  for (const v1::TradeRow& r : s.imports()) {
    if (r.partner_country() != "AE" || r.hs_code() != "7102.10") continue;
    mass += r.mass_mct();
    value += r.value_usd_cents();
  }
  EXPECT_EQ(mass, 7777);      // 4,666 + 3,111
  EXPECT_EQ(value, 5555557);  // 3,333,334 + 2,222,223
}

TEST_F(ReportTest, ExportsAreGroupedByHsCodeOriginAndDestination) {
  TellTheStory();
  const v1::KpStatistics s = Project().Statistics(Day(0), Day(100));
  EXPECT_THAT(
      s.exports(),
      ElementsAre(
          EqualsProto(Row("7102.10", "BW", "BE", 3000, 2400000, 1)),
          // AZ-2026-0002, BW 437,886 ppm: 8,890 * 0.437886 = 3,892.80654
          // -> 3,892 + the unit left over (.80654 > .19346) = 3,893 mct;
          // 9,000,000 * 0.437886 = 3,940,974 cents exactly.
          EqualsProto(Row("7102.31", "BW", "IN", 3893, 3940974, 1)),
          // ZA 562,114 ppm: 4,997.19346 -> 4,997 mct; 5,059,026 cents.
          EqualsProto(Row("7102.31", "ZA", "IN", 4997, 5059026, 1))));
}

TEST_F(ReportTest, SectionTotalsCountEachCertificateOnce) {
  TellTheStory();
  const v1::KpStatistics s = Project().Statistics(Day(0), Day(100));
  // Imports: 10,000 + 3,000 + 5,000 + 7,777 + 2,000 = 27,777 mct;
  // 10,000,000 + 2,400,000 + 4,000,000 + 5,555,557 + 1,000,000 =
  // 22,955,557 cents; 5 certificates (the rows count 6: AE-2026-001 is in
  // two).
  EXPECT_EQ(s.import_total().mass_mct(), 27777);
  EXPECT_EQ(s.import_total().value_usd_cents(), 22955557);
  EXPECT_EQ(s.import_total().certificate_count(), 5u);
  // Exports: 3,000 + 8,890 = 11,890 mct; 2,400,000 + 9,000,000 cents.
  EXPECT_EQ(s.export_total().mass_mct(), 11890);
  EXPECT_EQ(s.export_total().value_usd_cents(), 11400000);
  EXPECT_EQ(s.export_total().certificate_count(), 2u);
}

TEST_F(ReportTest, PeriodIncludesItsStartAndExcludesItsEnd) {
  TellTheStory();
  ReportBuilder reports = Project();
  // [day 2, day 4): the five imports; the export at day 4 is excluded.
  v1::KpStatistics s = reports.Statistics(Day(2), Day(4));
  EXPECT_EQ(s.import_total().certificate_count(), 5u);
  EXPECT_EQ(s.export_total().certificate_count(), 0u);
  EXPECT_TRUE(s.exports().empty());
  // [day 4, day 20): the export at day 4 only; the one at day 20 is at
  // `end`, excluded.
  s = reports.Statistics(Day(4), Day(20));
  EXPECT_EQ(s.import_total().certificate_count(), 0u);
  EXPECT_THAT(
      s.exports(),
      ElementsAre(EqualsProto(Row("7102.10", "BW", "BE", 3000, 2400000, 1))));
  // One nanosecond later the day-20 export is in.
  s = reports.Statistics(Day(4), Day(20, 0, 1));
  EXPECT_EQ(s.export_total().mass_mct(), 11890);
}

TEST_F(ReportTest, StatisticsCarryTheirPeriod) {
  TellTheStory();
  const v1::KpStatistics s = Project().Statistics(Day(0), Day(91));
  EXPECT_EQ(s.start().seconds(), kGenesisSeconds);
  EXPECT_EQ(s.end().seconds(), kGenesisSeconds + 91 * kDay);
}

// --- Balance ----------------------------------------------------------------

TEST_F(ReportTest, BalanceClosesAfterTheWholeStory) {
  TellTheStory();
  const v1::Balance b = Project().BalanceAt(Day(30));
  EXPECT_EQ(b.imported_mass_mct(), 27777);
  EXPECT_EQ(b.imported_value_usd_cents(), 22955557);
  EXPECT_EQ(b.exported_mass_mct(), 11890);
  EXPECT_EQ(b.exported_value_usd_cents(), 11400000);
  EXPECT_EQ(b.assessment_delta_mct(), -100);  // 9,900 - 10,000
  EXPECT_EQ(b.lost_mass_mct(), 10);           // split 5 + merge 5
  // P-AE-1 7,777 + P-VE-1 2,000 + P-BW-1a 6,000.
  EXPECT_EQ(b.in_custody_mass_mct(), 15777);
  EXPECT_EQ(b.in_custody_parcel_count(), 3u);
  // 27,777 - 100 - 10 - 11,890 = 15,777.
  EXPECT_EQ(b.imported_mass_mct() + b.assessment_delta_mct() -
                b.lost_mass_mct() - b.exported_mass_mct(),
            b.in_custody_mass_mct());
}

TEST_F(ReportTest, BalanceAsOfATimeSeesEntriesUpToAndAtIt) {
  TellTheStory();
  ReportBuilder reports = Project();
  // Just before day 4: the five imports, all in custody.
  v1::Balance b = reports.BalanceAt(Day(3, kDay - 1, 999999999));
  EXPECT_EQ(b.imported_mass_mct(), 27777);
  EXPECT_EQ(b.exported_mass_mct(), 0);
  EXPECT_EQ(b.in_custody_mass_mct(), 27777);
  EXPECT_EQ(b.in_custody_parcel_count(), 5u);
  // At day 4: P-BW-1 re-measured (-100) and P-BW-2 exported (3,000):
  // 27,777 - 100 - 3,000 = 24,677 in 4 parcels.
  b = reports.BalanceAt(Day(4));
  EXPECT_EQ(b.assessment_delta_mct(), -100);
  EXPECT_EQ(b.exported_mass_mct(), 3000);
  EXPECT_EQ(b.in_custody_mass_mct(), 24677);
  EXPECT_EQ(b.in_custody_parcel_count(), 4u);
  // After the split (day 5): 9,900 -> 6,000 + 3,895, 5 lost, 5 parcels.
  b = reports.BalanceAt(Day(5));
  EXPECT_EQ(b.lost_mass_mct(), 5);
  EXPECT_EQ(b.in_custody_mass_mct(), 24672);
  EXPECT_EQ(b.in_custody_parcel_count(), 5u);
}

TEST_F(ReportTest, BalanceBeforeAnyImportIsZero) {
  TellTheStory();
  const v1::Balance b = Project().BalanceAt(Day(1));
  EXPECT_EQ(b.imported_mass_mct(), 0);
  EXPECT_EQ(b.in_custody_parcel_count(), 0u);
  EXPECT_EQ(b.as_of().seconds(), Day(1).seconds);
}

// --- Anomalies --------------------------------------------------------------

TEST_F(ReportTest, AnomaliesListEveryFlaggedEventInLogOrder) {
  TellTheStory();
  const v1::ListAnomaliesResponse a = Project().Anomalies(Day(30));
  ASSERT_EQ(a.anomalies_size(), 4);
  EXPECT_EQ(a.anomalies(0).flag(), v1::SANCTIONED_ORIGIN);
  EXPECT_EQ(a.anomalies(0).parcel_id(), "P-VE-1");
  EXPECT_EQ(a.anomalies(0).event_id(), ve_import_);
  EXPECT_EQ(a.anomalies(0).certificate_number(), "AE-2026-002");
  EXPECT_EQ(a.anomalies(0).detail(),
            "certificate from AE for 2.000 ct names origin VE (100%), which "
            "the sanctions policy flags for review");

  EXPECT_EQ(a.anomalies(1).flag(), v1::MASS_DISCREPANCY);
  EXPECT_EQ(a.anomalies(1).parcel_id(), "P-BW-1");
  EXPECT_EQ(a.anomalies(1).event_id(), assessment_);
  EXPECT_EQ(a.anomalies(1).certificate_number(), "BW-2026-001");
  // |9,900 - 10,000| / 10,000 = 1%.
  EXPECT_EQ(a.anomalies(1).detail(),
            "lab measured 9.900 ct, declared 10.000 ct: -1% (tolerance 0.5%)");

  EXPECT_EQ(a.anomalies(2).flag(), v1::VALUE_OUTLIER);
  EXPECT_EQ(a.anomalies(2).event_id(), assessment_);
  // 6,000,000 / 9.9 ct = $6,060.60/ct against $10,000.00/ct:
  // |6,000,000 * 10,000 - 10,000,000 * 9,900| / (10,000,000 * 9,900)
  // = 39.3939%.
  EXPECT_EQ(a.anomalies(2).detail(),
            "lab assessed $60,000.00 for 9.900 ct ($6,060.60/ct), declared "
            "$100,000.00 for 10.000 ct ($10,000.00/ct): -39.3939% per carat "
            "(band 25%)");

  EXPECT_EQ(a.anomalies(3).flag(), v1::QUICK_REEXPORT);
  EXPECT_EQ(a.anomalies(3).parcel_id(), "P-BW-2");
  EXPECT_EQ(a.anomalies(3).event_id(), quick_export_);
  EXPECT_EQ(a.anomalies(3).certificate_number(), "AZ-2026-0001");
  EXPECT_EQ(a.anomalies(3).detail(),
            "exported unchanged 2 days after its import on certificate "
            "BW-2026-002 (2026-09-03T00:00:00Z); the policy flags re-exports "
            "within 7 days");
  EXPECT_LT(a.anomalies(0).leaf_index(), a.anomalies(1).leaf_index());
  EXPECT_EQ(a.anomalies(1).leaf_index(), a.anomalies(2).leaf_index());
  EXPECT_LT(a.anomalies(2).leaf_index(), a.anomalies(3).leaf_index());
}

TEST_F(ReportTest, AnomalyAppearsOnlyFromItsEventsLedgerTime) {
  TellTheStory();
  ReportBuilder reports = Project();
  EXPECT_EQ(reports.Anomalies(Day(2, -1)).anomalies_size(), 0);
  EXPECT_EQ(reports.Anomalies(Day(2)).anomalies_size(), 1);  // the VE import
  EXPECT_EQ(reports.Anomalies(Day(4)).anomalies_size(), 4);
}

TEST_F(ReportTest, UnconfirmedExportIsReportedOnceItsPeriodHasPassed) {
  TellTheStory();
  ReportBuilder reports = Project();
  // AZ-2026-0001, exported day 4, is due 60 days later: day 64.
  EXPECT_EQ(reports.Anomalies(Day(64)).anomalies_size(), 4);
  const v1::ListAnomaliesResponse a = reports.Anomalies(Day(64, 1));
  ASSERT_EQ(a.anomalies_size(), 5);
  // Sorted after the export's QUICK_REEXPORT (same entry, higher flag).
  const v1::Anomaly& u = a.anomalies(4);
  EXPECT_EQ(u.flag(), v1::UNCONFIRMED_EXPORT);
  EXPECT_EQ(u.parcel_id(), "P-BW-2");
  EXPECT_EQ(u.event_id(), quick_export_);
  EXPECT_EQ(u.certificate_number(), "AZ-2026-0001");
  EXPECT_EQ(u.leaf_index(), a.anomalies(3).leaf_index());
  EXPECT_EQ(u.detail(),
            "no import confirmation from BE for 3.000 ct; due "
            "2026-11-04T00:00:00Z (60 days after the export)");
}

TEST_F(ReportTest, ConfirmedExportIsNeverReportedUnconfirmed) {
  TellTheStory();
  // AZ-2026-0002 (day 20) was confirmed at day 30, before its due day 80.
  const v1::ListAnomaliesResponse list = Project().Anomalies(Day(400));
  for (const v1::Anomaly& a : list.anomalies()) {
    EXPECT_NE(a.certificate_number(), "AZ-2026-0002");
    EXPECT_NE(a.event_id(), mixed_export_);
  }
}

// --- Refused events ---------------------------------------------------------

TEST_F(ReportTest, RefusedEventsNeverAppear) {
  TellTheStory();
  ReportBuilder reports = Project();
  const v1::KpStatistics s = reports.Statistics(Day(0), Day(100));
  for (const v1::TradeRow& r : s.imports()) {
    EXPECT_NE(r.origin_country(), "RU");  // the refused RU import
  }
  for (const v1::TradeRow& r : s.exports()) {
    // The refused export of P-ZA-1 was to BE; ZA leaves only in P-MIX-1.
    EXPECT_FALSE(r.origin_country() == "ZA" && r.partner_country() == "BE");
  }
  EXPECT_EQ(s.import_total().certificate_count(), 5u);
  EXPECT_EQ(s.export_total().certificate_count(), 2u);
  EXPECT_EQ(reports.BalanceAt(Day(4)).exported_mass_mct(), 3000);
  const v1::ListAnomaliesResponse list = reports.Anomalies(Day(400));
  for (const v1::Anomaly& a : list.anomalies()) {
    EXPECT_NE(a.certificate_number(), "AE-2026-003");
    EXPECT_NE(a.certificate_number(), "AZ-2026-0009");
  }
}

// --- Projection -------------------------------------------------------------

TEST_F(ReportTest, LedgerWithOnlyItsGenesisHasEmptyReports) {
  ReportBuilder reports = Project();
  EXPECT_EQ(reports.next_index(), 1u);
  EXPECT_TRUE(reports.Statistics(Day(0), Day(100)).imports().empty());
  EXPECT_EQ(reports.BalanceAt(Day(100)).imported_mass_mct(), 0);
  EXPECT_EQ(reports.Anomalies(Day(100)).anomalies_size(), 0);
}

TEST_F(ReportTest, ProjectionCoversEveryEntryOfTheLog) {
  TellTheStory();
  EXPECT_EQ(Project().next_index(), store_->size());
}

TEST(ProjectStoreTest, EmptyStoreHasNoLedger) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir =
      (std::filesystem::path(tmp ? tmp : "/tmp") / "empty-store").string();
  std::filesystem::remove_all(dir);
  KP_ASSERT_OK_AND_ASSIGN(auto store, store::Store::Open(dir));
  EXPECT_THAT(ProjectStore(*store),
              StatusIs(absl::StatusCode::kFailedPrecondition, "no genesis"));
}

// --- Text -------------------------------------------------------------------

TEST_F(ReportTest, StatisticsTextHasAlignedColumnsAndTotals) {
  TellTheStory();
  EXPECT_EQ(
      FormatStatistics(Project().Statistics(Day(0), Day(91))),
      "KP statistics, ledger time 2026-09-01T00:00:00Z to "
      "2026-12-01T00:00:00Z (end excluded)\n"
      "\n"
      "Imports by HS code, origin and provenance\n"
      "HS code  Origin  Provenance       Mass        Value  "
      "Certificates\n"
      "7102.10  BW      AE           4.666 ct   $33,333.34             1\n"
      "7102.10  BW      BW          13.000 ct  $124,000.00             2\n"
      "7102.10  CD      AE           3.111 ct   $22,222.23             1\n"
      "7102.21  VE      AE           2.000 ct   $10,000.00             1\n"
      "7102.31  ZA      ZA           5.000 ct   $40,000.00             1\n"
      "Total                        27.777 ct  $229,555.57             5\n"
      "\n"
      "Exports by HS code, origin and destination\n"
      "HS code  Origin  Destination       Mass        Value  "
      "Certificates\n"
      "7102.10  BW      BE            3.000 ct   $24,000.00             1\n"
      "7102.31  BW      IN            3.893 ct   $39,409.74             1\n"
      "7102.31  ZA      IN            4.997 ct   $50,590.26             1\n"
      "Total                         11.890 ct  $114,000.00             2\n"
      "\n"
      // 21 entries: the genesis, 5 registrations, 5 imports, 2 transfers,
      // an assessment, an export, a split, a transfer, a merge, a transfer,
      // an export and its confirmation (day 30), before the period's end.
      "From the ledger's first 21 entries (the last at "
      "2026-10-01T00:00:00Z); entries applied later may still change this "
      "answer.\n");
}

TEST_F(ReportTest, BalanceText) {
  TellTheStory();
  EXPECT_EQ(FormatBalance(Project().BalanceAt(Day(30))),
            "Balance as of 2026-10-01T00:00:00Z\n"
            "Imported                   27.777 ct  $229,555.57\n"
            "Exported                   11.890 ct  $114,000.00\n"
            "Lab re-measurement         -0.100 ct\n"
            "Lost in splits and merges   0.010 ct\n"
            "In custody                 15.777 ct    3 parcels\n"
            "From the ledger's first 21 entries (the last at "
            "2026-10-01T00:00:00Z); entries applied later may still change "
            "this answer.\n");
  // Before the last entry: no entry applied later can change it.
  EXPECT_THAT(FormatBalance(Project().BalanceAt(Day(20))),
              HasSubstr("\nFrom the ledger's first 21 entries (the last at "
                        "2026-10-01T00:00:00Z).\n"));
}

TEST_F(ReportTest, AnomaliesTextHasOneLinePerAnomaly) {
  TellTheStory();
  // Entries: 0 genesis, 1-5 registrations, 6-10 imports (10: P-VE-1),
  // 11-12 transfers, 13 the assessment, 14 the quick export.
  EXPECT_EQ(
      FormatAnomalies(Project().Anomalies(Day(65))),
      "Anomalies as of 2026-11-05T00:00:00Z: 5\n"
      "Entry  Ledger time           Flag                Parcel  Certificate  "
      " Detail\n"
      "   10  2026-09-03T00:00:00Z  SANCTIONED_ORIGIN   P-VE-1  AE-2026-002  "
      " certificate from AE for 2.000 ct names origin VE (100%), which the "
      "sanctions policy flags for review\n"
      "   13  2026-09-05T00:00:00Z  MASS_DISCREPANCY    P-BW-1  BW-2026-001  "
      " lab measured 9.900 ct, declared 10.000 ct: -1% (tolerance 0.5%)\n"
      "   13  2026-09-05T00:00:00Z  VALUE_OUTLIER       P-BW-1  BW-2026-001  "
      " lab assessed $60,000.00 for 9.900 ct ($6,060.60/ct), declared "
      "$100,000.00 for 10.000 ct ($10,000.00/ct): -39.3939% per carat (band "
      "25%)\n"
      "   14  2026-09-05T00:00:00Z  QUICK_REEXPORT      P-BW-2  AZ-2026-0001 "
      " exported unchanged 2 days after its import on certificate "
      "BW-2026-002 (2026-09-03T00:00:00Z); the policy flags re-exports "
      "within 7 days\n"
      "   14  2026-09-05T00:00:00Z  UNCONFIRMED_EXPORT  P-BW-2  AZ-2026-0001 "
      " no import confirmation from BE for 3.000 ct; due "
      "2026-11-04T00:00:00Z (60 days after the export)\n"
      "From the ledger's first 21 entries (the last at "
      "2026-10-01T00:00:00Z); entries applied later may still change this "
      "answer.\n");
}

TEST_F(ReportTest, NoAnomaliesSaysNone) {
  EXPECT_EQ(FormatAnomalies(Project().Anomalies(Day(1))),
            "Anomalies as of 2026-09-02T00:00:00Z: none\n"
            "From the ledger's genesis alone; entries applied later may "
            "still change this answer.\n");
}

TEST_F(ReportTest, EmptyPeriodSaysNoCertificates) {
  EXPECT_EQ(FormatStatistics(Project().Statistics(Day(0), Day(1))),
            "KP statistics, ledger time 2026-09-01T00:00:00Z to "
            "2026-09-02T00:00:00Z (end excluded)\n"
            "\n"
            "Imports by HS code, origin and provenance\n"
            "  no certificates\n"
            "\n"
            "Exports by HS code, origin and destination\n"
            "  no certificates\n"
            "\n"
            "From the ledger's genesis alone; entries applied later may "
            "still change this answer.\n");
}

}  // namespace
}  // namespace kpledger::report
