// ReportBuilder fed events directly (no store, no signatures): the cases the
// applied story in report_test.cc does not reach — late confirmations,
// policy changes, holds — and a feed that is not a log.
#include "ledger/report/report_builder.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/custody_builder.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::report {
namespace {

using ::kpledger::testing::kDay;
using ::kpledger::testing::kGenesisSeconds;
using ::kpledger::testing::StatusIs;

entry::LedgerTime Day(int64_t day, int64_t seconds = 0) {
  return {kGenesisSeconds + day * kDay + seconds, 0};
}

class ReportBuilderTest : public ::testing::Test {
 protected:
  // Adds the next entry at Day(day).
  absl::Status Add(int64_t day, const v1::CustodyEvent& event,
                   std::vector<v1::Flag> flags = {}) {
    absl::Status s = reports_.Add(reports_.next_index(), Day(day), event,
                                  "event-" + std::to_string(next_id_++), flags);
    return s;
  }

  // Imports `parcel` from BW: 1,000 mct, $1,000.00.
  void Import(int64_t day, const std::string& parcel) {
    KP_ASSERT_OK(Add(
        day, testing::ImportEvent(parcel, "vault-1",
                                  testing::IncomingCertificate(
                                      "BW-" + parcel, "BW", 1000, 100000))));
  }

  void Export(int64_t day, const std::string& parcel,
              const std::string& number) {
    KP_ASSERT_OK(
        Add(day, testing::ExportEvent(parcel, number, 1000, 100000, "7102.10",
                                      {{"BW", 1000000}}, "AZ-LIC-001", "BE",
                                      Day(day).seconds)));
  }

  void Confirm(int64_t day, const std::string& number) {
    KP_ASSERT_OK(Add(
        day, testing::ConfirmationEvent(number, "BE", 1000, Day(day).seconds)));
  }

  void SetConfirmationPeriod(int64_t day, uint32_t days) {
    v1::CustodyEvent ev;
    v1::Policy* p = ev.mutable_update_policy()->mutable_policy();
    *p = testing::DefaultPolicy();
    p->set_confirmation_period_days(days);
    KP_ASSERT_OK(Add(day, ev));
  }

  // The certificates of the UNCONFIRMED_EXPORT anomalies as of `as_of`.
  std::vector<std::string> Unconfirmed(entry::LedgerTime as_of) const {
    std::vector<std::string> out;
    const v1::ListAnomaliesResponse list = reports_.Anomalies(as_of);
    for (const v1::Anomaly& a : list.anomalies()) {
      if (a.flag() == v1::UNCONFIRMED_EXPORT) {
        out.push_back(a.certificate_number());
      }
    }
    return out;
  }

  ReportBuilder reports_{testing::DefaultPolicy()};
  int next_id_ = 0;
};

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_F(ReportBuilderTest, LateConfirmationClearsTheExportFromItsTimeOn) {
  Import(1, "P1");
  Export(2, "P1", "AZ-1");  // due day 62
  Confirm(70, "AZ-1");
  EXPECT_THAT(Unconfirmed(Day(62)), IsEmpty());
  EXPECT_THAT(Unconfirmed(Day(62, 1)), ElementsAre("AZ-1"));
  EXPECT_THAT(Unconfirmed(Day(70, -1)), ElementsAre("AZ-1"));
  EXPECT_THAT(Unconfirmed(Day(70)), IsEmpty());
}

TEST_F(ReportBuilderTest, ExportIsDueUnderThePolicyInForceWhenExported) {
  Import(1, "P1");
  Import(1, "P2");
  Export(2, "P1", "AZ-1");  // 60 days: due day 62
  SetConfirmationPeriod(3, 10);
  Export(4, "P2", "AZ-2");  // 10 days: due day 14
  EXPECT_THAT(Unconfirmed(Day(14)), IsEmpty());
  EXPECT_THAT(Unconfirmed(Day(14, 1)), ElementsAre("AZ-2"));
  EXPECT_THAT(Unconfirmed(Day(62, 1)), ElementsAre("AZ-1", "AZ-2"));
}

TEST_F(ReportBuilderTest, ZeroConfirmationPeriodSetsNoDeadline) {
  SetConfirmationPeriod(1, 0);
  Import(1, "P1");
  Export(2, "P1", "AZ-1");
  EXPECT_THAT(Unconfirmed(Day(1000)), IsEmpty());
}

TEST_F(ReportBuilderTest, HeldParcelStaysInCustody) {
  Import(1, "P1");
  v1::CustodyEvent hold;
  hold.mutable_hold()->set_parcel_id("P1");
  hold.mutable_hold()->set_reason("seal broken");
  KP_ASSERT_OK(Add(2, hold));
  const v1::Balance b = reports_.BalanceAt(Day(2));
  EXPECT_EQ(b.in_custody_mass_mct(), 1000);
  EXPECT_EQ(b.in_custody_parcel_count(), 1u);
}

TEST_F(ReportBuilderTest, FlagOnAnUnexpectedEventIsStillListed) {
  Import(1, "P1");
  KP_ASSERT_OK(Add(2, testing::TransferEvent("P1", "vault-1", "lab-1"),
                   {v1::VALUE_OUTLIER}));
  const v1::ListAnomaliesResponse a = reports_.Anomalies(Day(2));
  ASSERT_EQ(a.anomalies_size(), 1);
  EXPECT_EQ(a.anomalies(0).parcel_id(), "P1");
  EXPECT_EQ(a.anomalies(0).certificate_number(), "BW-P1");
  EXPECT_EQ(a.anomalies(0).detail(), "VALUE_OUTLIER set by the custody rules");
}

TEST_F(ReportBuilderTest, RevaluingSplitsAndMergesAreListedWithTheirFigures) {
  Import(1, "P1");  // 1 ct for $1,000.00
  // Two children of 0.5 ct at $250.00 each: $500.00/ct against $1,000.00/ct.
  KP_ASSERT_OK(Add(2,
                   testing::SplitEvent("P1", {{"A", 500}, {"B", 500}}, 25000),
                   {v1::VALUE_OUTLIER}));
  Import(3, "P2");
  // A (0.5 ct, $250.00) and P2 (1 ct, $1,000.00): 1.5 ct for $1,250.00 in,
  // 1.5 ct for $3,000.00 out: $2,000.00/ct against $833.33/ct, +140%.
  KP_ASSERT_OK(Add(4, testing::MergeEvent({"A", "P2"}, "M", 1500, 300000),
                   {v1::VALUE_OUTLIER}));
  const v1::ListAnomaliesResponse a = reports_.Anomalies(Day(5));
  ASSERT_EQ(a.anomalies_size(), 2);
  EXPECT_EQ(a.anomalies(0).parcel_id(), "P1");
  EXPECT_EQ(a.anomalies(0).detail(),
            "split into $500.00 for 1.000 ct ($500.00/ct) from $1,000.00 for "
            "1.000 ct ($1,000.00/ct): -50% per carat (band 25%)");
  EXPECT_EQ(a.anomalies(1).parcel_id(), "M");
  EXPECT_EQ(a.anomalies(1).detail(),
            "merged into $3,000.00 for 1.500 ct ($2,000.00/ct) from $1,250.00 "
            "for 1.500 ct ($833.33/ct): +140% per carat (band 25%)");
}

TEST_F(ReportBuilderTest, EntriesOfOneLedgerTimeShareOneBalance) {
  Import(1, "P1");
  Import(1, "P2");
  EXPECT_EQ(reports_.BalanceAt(Day(1)).imported_mass_mct(), 2000);
  EXPECT_EQ(reports_.BalanceAt(Day(1, -1)).imported_mass_mct(), 0);
}

// --- A feed that is not a log -----------------------------------------------

TEST_F(ReportBuilderTest, EntryOutOfOrderIsRefused) {
  EXPECT_THAT(reports_.Add(2, Day(1), v1::CustodyEvent(), "e", {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "entry 2 added, want entry 1"));
}

TEST_F(ReportBuilderTest, LedgerTimeGoingBackIsRefused) {
  Import(2, "P1");
  EXPECT_THAT(Add(1, testing::TransferEvent("P1", "vault-1", "lab-1")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "before the previous entry's"));
}

TEST_F(ReportBuilderTest, EventWithoutBodyIsRefused) {
  EXPECT_THAT(Add(1, v1::CustodyEvent()),
              StatusIs(absl::StatusCode::kInvalidArgument, "no event body"));
  EXPECT_EQ(reports_.next_index(), 1u);
}

TEST_F(ReportBuilderTest, AssessmentOfUnknownParcelIsRefused) {
  EXPECT_THAT(Add(1, testing::AssessmentEvent("P9", 1000, 100000, "R-1")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "parcel P9, which no earlier entry created"));
}

TEST_F(ReportBuilderTest, ExportOfClosedParcelIsRefused) {
  Import(1, "P1");
  Export(2, "P1", "AZ-1");
  EXPECT_THAT(Add(3, testing::ExportEvent("P1", "AZ-2", 1000, 100000, "7102.10",
                                          {{"BW", 1000000}}, "AZ-LIC-001", "BE",
                                          Day(3).seconds)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "which an earlier entry closed"));
}

TEST_F(ReportBuilderTest, ConfirmationOfUnknownCertificateIsRefused) {
  EXPECT_THAT(
      Add(1, testing::ConfirmationEvent("AZ-404", "BE", 1000, Day(1).seconds)),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               "AZ-404, which no earlier entry issued"));
}

TEST_F(ReportBuilderTest, RefusedMergeChangesNothing) {
  Import(1, "P1");
  EXPECT_THAT(Add(2, testing::MergeEvent({"P1", "P9"}, "P-MIX", 2000, 200000)),
              StatusIs(absl::StatusCode::kFailedPrecondition, "parcel P9"));
  // P1 is still open and the failed entry was not counted.
  EXPECT_EQ(reports_.next_index(), 2u);
  EXPECT_EQ(reports_.BalanceAt(Day(2)).in_custody_parcel_count(), 1u);
  Export(2, "P1", "AZ-1");
}

}  // namespace
}  // namespace kpledger::report
