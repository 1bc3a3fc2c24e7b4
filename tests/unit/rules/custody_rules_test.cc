// The custody rules, event by event: the accepted case and each refusal
// (DESIGN §4, docs/rules.md).
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/envelope/dsse.h"
#include "ledger/rules/codes.h"
#include "tests/unit/rules/rules_fixture.h"

namespace kpledger::rules {
namespace {

using ::absl::StatusCode;
using ::kpledger::testing::AssessmentEvent;
using ::kpledger::testing::ConfirmationEvent;
using ::kpledger::testing::ExportEvent;
using ::kpledger::testing::ImportEvent;
using ::kpledger::testing::IncomingCertificate;
using ::kpledger::testing::MergeEvent;
using ::kpledger::testing::SplitEvent;
using ::kpledger::testing::TransferEvent;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

using CustodyRulesTest = RulesTest;

// --- What every event must pass ---

TEST_F(CustodyRulesTest, EventForAnotherLedgerIsRefused) {
  v1::CustodyEvent ev = ImportEvent(
      "P-1", "vault-1", IncomingCertificate("BW-1", "BW", 10000, 100000));
  v1::CustodyEvent payload;
  ASSERT_TRUE(
      payload.ParseFromString(b_.Sign(ev, {"customs-1"}, false).payload()));
  payload.set_origin("kpledger.other/custody");
  const crypto::PrivateKey customs =
      testing::CustodyBuilder::ActorKey("customs-1");
  const v1::Envelope env = envelope::SignEnvelope(
      envelope::kEventPayloadType, payload.SerializeAsString(), {&customs});
  EXPECT_THAT(Apply(env), StatusIs(StatusCode::kInvalidArgument,
                                   "import.origin: is \"kpledger.other"));
}

TEST_F(CustodyRulesTest, EventWithoutBodyIsRefused) {
  EXPECT_THAT(Apply(b_.Sign(v1::CustodyEvent(), {"customs-1"})),
              StatusIs(StatusCode::kInvalidArgument,
                       "event.body: is missing (no event type is set)"));
}

TEST_F(CustodyRulesTest, UnknownSignerIsRefused) {
  const crypto::PrivateKey stranger = crypto::PrivateKey::Generate();
  const size_t before = RecordCount();
  EXPECT_THAT(Apply(b_.SignWith(
                  ImportEvent("P-1", "vault-1",
                              IncomingCertificate("BW-1", "BW", 10000, 100000)),
                  {&stranger})),
              StatusIs(StatusCode::kUnauthenticated,
                       "no registered actor or governance key has this key"));
  EXPECT_EQ(RecordCount(), before);
}

TEST_F(CustodyRulesTest, ForgedSignatureIsRefused) {
  v1::Envelope env =
      b_.Sign(ImportEvent("P-1", "vault-1",
                          IncomingCertificate("BW-1", "BW", 10000, 100000)),
              {"customs-1"});
  (*env.mutable_signatures(0)->mutable_sig())[5] ^= 1;
  EXPECT_THAT(Apply(env),
              StatusIs(StatusCode::kUnauthenticated, "does not verify"));
}

TEST_F(CustodyRulesTest, GovernanceKeyCannotSignCustodyEvents) {
  EXPECT_THAT(
      Apply(b_.SignWith(
          ImportEvent("P-1", "vault-1",
                      IncomingCertificate("BW-1", "BW", 10000, 100000)),
          {&b_.governance_key(0)})),
      StatusIs(StatusCode::kPermissionDenied,
               "governance key governance-1 signs governance events only"));
}

TEST_F(CustodyRulesTest, StaleHeadIsRefused) {
  ImportParcel("P-1");
  const std::string import_head = b_.Head("P-1");
  ASSERT_TRUE(Apply(b_.Sign(TransferEvent("P-1", "vault-1", "lab-1"),
                            {"vault-1", "lab-1"}))
                  .ok());
  v1::CustodyEvent ev = TransferEvent("P-1", "lab-1", "vault-1");
  v1::ParcelHead* h = ev.add_parcels();
  h->set_parcel_id("P-1");
  h->set_head(import_head);  // the head before the first transfer
  EXPECT_THAT(
      Apply(b_.Sign(ev, {"lab-1", "vault-1"}, false)),
      StatusIs(StatusCode::kFailedPrecondition, "stale head for parcel P-1"));
}

TEST_F(CustodyRulesTest, UnknownParcelIsNotFound) {
  v1::CustodyEvent ev = TransferEvent("P-404", "vault-1", "lab-1");
  v1::ParcelHead* h = ev.add_parcels();
  h->set_parcel_id("P-404");
  h->set_head(std::string(64, 'a'));
  EXPECT_THAT(Apply(b_.Sign(ev, {"vault-1", "lab-1"}, false)),
              StatusIs(StatusCode::kNotFound, "no parcel P-404"));
}

TEST_F(CustodyRulesTest, HeadListMustNameTheTouchedParcels) {
  ImportParcel("P-1");
  v1::CustodyEvent ev = TransferEvent("P-1", "vault-1", "lab-1");
  ev.add_parcels()->set_parcel_id("P-2");  // not P-1
  EXPECT_THAT(Apply(b_.Sign(ev, {"vault-1", "lab-1"}, false)),
              StatusIs(StatusCode::kInvalidArgument,
                       "custody_transfer.parcels: parcel "));
}

// --- Import ---

TEST_F(CustodyRulesTest, ImportCreatesTheParcelFromItsCertificate) {
  const v1::KpCertificate cert =
      IncomingCertificate("BW-2026-0001", "BW", 12500, 1850000, "7102.31",
                          {{"BW", 600000}, {"ZA", 400000}});
  KP_ASSERT_OK_AND_ASSIGN(
      std::vector<v1::Flag> flags,
      Apply(b_.Sign(ImportEvent("P-1", "vault-1", cert), {"customs-1"}), 3));
  EXPECT_THAT(flags, IsEmpty());
  const v1::ParcelState p = Parcel("P-1");
  EXPECT_EQ(p.status(), v1::ACTIVE);
  EXPECT_EQ(p.custodian(), "vault-1");
  EXPECT_EQ(p.declared_mass_mct(), 12500);
  EXPECT_EQ(p.mass_mct(), 12500);
  EXPECT_EQ(p.value_usd_cents(), 1850000);
  EXPECT_EQ(p.hs_code(), "7102.31");
  ASSERT_EQ(p.origins_size(), 2);
  EXPECT_EQ(p.origins(1).country(), "ZA");
  EXPECT_EQ(p.origins(1).share_ppm(), 400000u);
  EXPECT_EQ(p.import_certificate(), "BW-2026-0001");
  EXPECT_EQ(p.head(), b_.Head("P-1"));
  EXPECT_EQ(p.created_at().seconds(), kGenesisSeconds + 3 * kDay);
}

TEST_F(CustodyRulesTest, ImportNeedsCustoms) {
  EXPECT_THAT(
      Apply(
          b_.Sign(ImportEvent("P-1", "vault-1",
                              IncomingCertificate("BW-1", "BW", 10000, 100000)),
                  {"vault-1"})),
      StatusIs(StatusCode::kPermissionDenied,
               "import.signatures: needs the signature of a CUSTOMS actor"));
}

TEST_F(CustodyRulesTest, ImportOfExpiredCertificateIsRefused) {
  const size_t before = RecordCount();
  EXPECT_THAT(
      Apply(
          b_.Sign(ImportEvent("P-1", "vault-1",
                              IncomingCertificate("BW-1", "BW", 10000, 100000)),
                  {"customs-1"}),
          /*day=*/400),
      StatusIs(StatusCode::kFailedPrecondition, "expired at 2027-08-01"));
  EXPECT_EQ(RecordCount(), before);
}

TEST_F(CustodyRulesTest, ImportReusingACertificateNumberIsRefused) {
  ImportParcel("P-1");
  EXPECT_THAT(
      Apply(b_.Sign(
          ImportEvent("P-2", "vault-1",
                      IncomingCertificate("BW-P-1", "BW", 10000, 1000000)),
          {"customs-1"})),
      StatusIs(StatusCode::kFailedPrecondition,
               "import.certificate.certificate_number: BW-P-1 of BW was "
               "already used by the import at entry"));
}

TEST_F(CustodyRulesTest, ImportFromRefusedOriginIsRefused) {
  EXPECT_THAT(
      Apply(b_.Sign(ImportEvent("P-1", "vault-1",
                                IncomingCertificate(
                                    "AE-1", "AE", 10000, 100000, "7102.10",
                                    {{"AE", 500000}, {"RU", 500000}})),
                    {"customs-1"})),
      StatusIs(StatusCode::kFailedPrecondition, "RU"));
}

TEST_F(CustodyRulesTest, ImportFromFlaggedOriginIsAcceptedAndFlagged) {
  KP_ASSERT_OK_AND_ASSIGN(
      std::vector<v1::Flag> flags,
      Apply(
          b_.Sign(ImportEvent("P-1", "vault-1",
                              IncomingCertificate("VE-1", "VE", 10000, 100000)),
                  {"customs-1"})));
  EXPECT_THAT(flags, ElementsAre(v1::SANCTIONED_ORIGIN));
  EXPECT_THAT(Parcel("P-1").flags(), ElementsAre(v1::SANCTIONED_ORIGIN));
}

TEST_F(CustodyRulesTest, ImportWithAnHsCodeOutsideKpcsIsRefused) {
  EXPECT_THAT(Apply(b_.Sign(ImportEvent("P-1", "vault-1",
                                        IncomingCertificate("BW-1", "BW", 10000,
                                                            100000, "7102.39")),
                            {"customs-1"})),
              StatusIs(StatusCode::kInvalidArgument, "hs_code"));
}

TEST_F(CustodyRulesTest, ImportWhoseSharesDoNotMakeAWholeIsRefused) {
  EXPECT_THAT(
      Apply(b_.Sign(ImportEvent("P-1", "vault-1",
                                IncomingCertificate(
                                    "BW-1", "BW", 10000, 100000, "7102.10",
                                    {{"BW", 500000}, {"ZA", 400000}})),
                    {"customs-1"})),
      StatusIs(StatusCode::kInvalidArgument, "origins"));
}

TEST_F(CustodyRulesTest, ImportMissingAMandatoryFieldIsRefused) {
  v1::KpCertificate cert = IncomingCertificate("BW-1", "BW", 10000, 100000);
  cert.clear_issuing_authority();
  EXPECT_THAT(
      Apply(b_.Sign(ImportEvent("P-1", "vault-1", cert), {"customs-1"})),
      StatusIs(StatusCode::kInvalidArgument, "issuing_authority: is missing"));
}

TEST_F(CustodyRulesTest, ImportToAnActorThatCannotHoldParcelsIsRefused) {
  const v1::KpCertificate cert =
      IncomingCertificate("BW-1", "BW", 10000, 100000);
  EXPECT_THAT(Apply(b_.Sign(ImportEvent("P-1", "nobody", cert), {"customs-1"})),
              StatusIs(StatusCode::kNotFound,
                       "import.custodian: no registered actor nobody"));
  EXPECT_THAT(
      Apply(b_.Sign(ImportEvent("P-1", "inspector-1", cert), {"customs-1"})),
      StatusIs(StatusCode::kFailedPrecondition,
               "only CUSTOMS, VAULT, LAB or TRADER actors hold parcels"));
}

TEST_F(CustodyRulesTest, ParcelIdsAreNeverReused) {
  ImportParcel("P-1");
  EXPECT_THAT(Apply(b_.Sign(
                  ImportEvent("P-1", "vault-1",
                              IncomingCertificate("BW-9", "BW", 10000, 100000)),
                  {"customs-1"}, false)),
              StatusIs(StatusCode::kFailedPrecondition,
                       "parcel id P-1 is already used"));
}

// --- Lab assessment ---

class LabAssessmentTest : public RulesTest {
 protected:
  LabAssessmentTest() {
    ImportParcel("P-1", 10000, "lab-1");  // declared 10 ct, $10,000
  }
};

TEST_F(LabAssessmentTest, WithinToleranceUpdatesMassWithoutFlags) {
  KP_ASSERT_OK_AND_ASSIGN(
      std::vector<v1::Flag> flags,
      Apply(
          b_.Sign(AssessmentEvent("P-1", 9980, 1000000, "LAB-1"), {"lab-1"})));
  EXPECT_THAT(flags, IsEmpty());
  const v1::ParcelState p = Parcel("P-1");
  EXPECT_EQ(p.mass_mct(), 9980);
  EXPECT_EQ(p.declared_mass_mct(), 10000);
  EXPECT_EQ(p.stone_count(), 40u);
}

TEST_F(LabAssessmentTest, MassOutsideToleranceIsFlaggedNotRefused) {
  // 0.5% of 10,000 mct is 50: 9,900 is 100 short.
  KP_ASSERT_OK_AND_ASSIGN(
      std::vector<v1::Flag> flags,
      Apply(b_.Sign(AssessmentEvent("P-1", 9900, 990000, "LAB-1"), {"lab-1"})));
  EXPECT_THAT(flags, ElementsAre(v1::MASS_DISCREPANCY));
  EXPECT_THAT(Parcel("P-1").flags(), ElementsAre(v1::MASS_DISCREPANCY));
  EXPECT_EQ(Parcel("P-1").mass_mct(), 9900);
}

TEST_F(LabAssessmentTest, ValueOutsideTheBandIsFlagged) {
  // Declared $100/ct; assessed $200/ct is 100% off, beyond the 25% band.
  KP_ASSERT_OK_AND_ASSIGN(
      std::vector<v1::Flag> flags,
      Apply(
          b_.Sign(AssessmentEvent("P-1", 10000, 2000000, "LAB-1"), {"lab-1"})));
  EXPECT_THAT(flags, ElementsAre(v1::VALUE_OUTLIER));
}

TEST_F(LabAssessmentTest, OnlyTheLabHoldingCustodyAssesses) {
  EXPECT_THAT(
      Apply(b_.Sign(AssessmentEvent("P-1", 10000, 1000000, "L2"), {"lab-2"})),
      StatusIs(StatusCode::kPermissionDenied, "needs the signature of lab-1"));
  ImportParcel("P-2", 10000, "vault-1");
  EXPECT_THAT(
      Apply(b_.Sign(AssessmentEvent("P-2", 10000, 1000000, "L3"), {"lab-1"})),
      StatusIs(StatusCode::kPermissionDenied, "is held by vault-1, not a LAB"));
}

TEST_F(LabAssessmentTest, MalformedFiguresAreRefused) {
  EXPECT_THAT(
      Apply(b_.Sign(AssessmentEvent("P-1", 0, 1000000, "L"), {"lab-1"}, false)),
      StatusIs(StatusCode::kInvalidArgument,
               "lab_assessment.measured_mass_mct: is 0"));
  v1::CustodyEvent ev = AssessmentEvent("P-1", 10000, 1000000, "L");
  ev.mutable_lab_assessment()->mutable_classification(0)->set_share_ppm(1);
  EXPECT_THAT(Apply(b_.Sign(ev, {"lab-1"}, false)),
              StatusIs(StatusCode::kInvalidArgument,
                       "lab_assessment.classification: shares sum to"));
  EXPECT_THAT(Apply(b_.Sign(AssessmentEvent("P-1", 10000, 1000000, ""),
                            {"lab-1"}, false)),
              StatusIs(StatusCode::kInvalidArgument, "report_number"));
}

// --- Custody transfer ---

TEST_F(CustodyRulesTest, TransferMovesCustodyWithBothSignatures) {
  ImportParcel("P-1");
  KP_ASSERT_OK(
      Apply(b_.Sign(TransferEvent("P-1", "vault-1", "lab-1", {"S-1", "S-2"}),
                    {"vault-1", "lab-1"})));
  EXPECT_EQ(Parcel("P-1").custodian(), "lab-1");
}

TEST_F(CustodyRulesTest, TransferNeedsBothParties) {
  ImportParcel("P-1");
  EXPECT_THAT(Apply(b_.Sign(TransferEvent("P-1", "vault-1", "lab-1"),
                            {"vault-1"}, false)),
              StatusIs(StatusCode::kPermissionDenied,
                       "needs the signature of lab-1 (the receiving"));
  EXPECT_THAT(Apply(b_.Sign(TransferEvent("P-1", "vault-1", "lab-1"), {"lab-1"},
                            false)),
              StatusIs(StatusCode::kPermissionDenied,
                       "needs the signature of vault-1 (the releasing"));
}

TEST_F(CustodyRulesTest, TransferFromSomeoneNotHoldingIsRefused) {
  ImportParcel("P-1");
  EXPECT_THAT(Apply(b_.Sign(TransferEvent("P-1", "lab-2", "lab-1"),
                            {"lab-2", "lab-1"}, false)),
              StatusIs(StatusCode::kFailedPrecondition,
                       "custody_transfer.from_custodian: is \"lab-2\", but "
                       "parcel P-1 is held by vault-1"));
}

TEST_F(CustodyRulesTest, TransferOnlyToRegisteredCustodians) {
  ImportParcel("P-1");
  EXPECT_THAT(Apply(b_.Sign(TransferEvent("P-1", "vault-1", "smuggler"),
                            {"vault-1"}, false)),
              StatusIs(StatusCode::kNotFound,
                       "to_custodian: no registered actor smuggler"));
  EXPECT_THAT(
      Apply(b_.Sign(TransferEvent("P-1", "vault-1", "kpa"), {"vault-1", "kpa"},
                    false)),
      StatusIs(StatusCode::kFailedPrecondition, "actor kpa is a KP_AUTHORITY"));
}

TEST_F(CustodyRulesTest, TransferWithoutSealsIsRefused) {
  ImportParcel("P-1");
  EXPECT_THAT(Apply(b_.Sign(TransferEvent("P-1", "vault-1", "lab-1", {}),
                            {"vault-1", "lab-1"}, false)),
              StatusIs(StatusCode::kInvalidArgument,
                       "custody_transfer.seal_ids: is empty: the policy wants "
                       "a transfer to name the seal of every container"));
  EXPECT_EQ(Parcel("P-1").custodian(), "vault-1");
}

// A ledger begun before seals were required keeps its seal-less transfers
// (its history must replay) until governance turns the rule on.
TEST_F(CustodyRulesTest, SealsAreRequiredFromThePolicyUpdateThatAsksForThem) {
  v1::CustodyEvent update;
  *update.mutable_update_policy()->mutable_policy() = testing::DefaultPolicy();
  update.mutable_update_policy()->mutable_policy()->set_transfer_seals_required(
      false);
  KP_ASSERT_OK(Apply(b_.Governance(update)));
  ImportParcel("P-1");
  KP_ASSERT_OK(Apply(b_.Sign(TransferEvent("P-1", "vault-1", "lab-1", {}),
                             {"vault-1", "lab-1"})));
  EXPECT_EQ(Parcel("P-1").custodian(), "lab-1");

  update.mutable_update_policy()->mutable_policy()->set_transfer_seals_required(
      true);
  KP_ASSERT_OK(Apply(b_.Governance(update)));
  EXPECT_THAT(Apply(b_.Sign(TransferEvent("P-1", "lab-1", "vault-1", {}),
                            {"lab-1", "vault-1"}, false)),
              StatusIs(StatusCode::kInvalidArgument, "seal_ids: is empty"));
  KP_EXPECT_OK(Apply(
      b_.Sign(TransferEvent("P-1", "lab-1", "vault-1"), {"lab-1", "vault-1"})));
}

TEST_F(CustodyRulesTest, TransferWithRepeatedSealIsRefused) {
  ImportParcel("P-1");
  EXPECT_THAT(
      Apply(b_.Sign(TransferEvent("P-1", "vault-1", "lab-1", {"S-1", "S-1"}),
                    {"vault-1", "lab-1"}, false)),
      StatusIs(StatusCode::kInvalidArgument, "seal_ids"));
}

TEST_F(CustodyRulesTest, MassesAndValuesBeyondTheLimitsAreRefused) {
  EXPECT_THAT(
      Apply(b_.Sign(
          ImportEvent("P-1", "vault-1",
                      IncomingCertificate("BW-1", "BW", kMaxMassMct + 1, 100)),
          {"customs-1"}, false)),
      StatusIs(StatusCode::kInvalidArgument, "mass_mct: is 1000000000001"));
  ImportParcel("P-2", 10000);
  // Children whose masses would wrap around a 64-bit sum to the parent's.
  constexpr int64_t kHuge = std::numeric_limits<int64_t>::max();
  EXPECT_THAT(
      Apply(b_.Sign(
          SplitEvent("P-2", {{"A", kHuge}, {"B", kHuge}, {"C", 10002}}, 1000),
          {"vault-1"}, false)),
      StatusIs(StatusCode::kInvalidArgument,
               "split.children[0].mass_mct: is 9223372036854775807"));
  EXPECT_THAT(
      Apply(b_.Sign(AssessmentEvent("P-2", 10000, kMaxValueUsdCents + 1, "L-1"),
                    {"vault-1"}, false)),
      StatusIs(StatusCode::kPermissionDenied, "not a LAB"));
}

// --- Split and merge ---

TEST_F(CustodyRulesTest, SplitCarriesOriginsAndClosesTheParent) {
  const v1::KpCertificate cert =
      IncomingCertificate("CA-1", "CA", 10000, 1000000, "7102.10",
                          {{"CA", 700000}, {"BW", 300000}});
  KP_ASSERT_OK(
      Apply(b_.Sign(ImportEvent("P-1", "vault-1", cert), {"customs-1"})));
  // 10 mct lost of 10,000: within the 0.1% loss tolerance.
  KP_ASSERT_OK(
      Apply(b_.Sign(SplitEvent("P-1", {{"P-1a", 6000}, {"P-1b", 3990}}, 500000),
                    {"vault-1"})));
  EXPECT_EQ(Parcel("P-1").status(), v1::CLOSED);
  const v1::ParcelState a = Parcel("P-1a");
  EXPECT_EQ(a.mass_mct(), 6000);
  EXPECT_EQ(a.custodian(), "vault-1");
  EXPECT_THAT(a.parents(), ElementsAre("P-1"));
  ASSERT_EQ(a.origins_size(), 2);
  EXPECT_EQ(a.origins(0).country(), "CA");
  EXPECT_EQ(a.origins(0).share_ppm(), 700000u);
  EXPECT_EQ(Parcel("P-1b").head(), Parcel("P-1").head());
}

TEST_F(CustodyRulesTest, SplitMustConserveMass) {
  ImportParcel("P-1");
  EXPECT_THAT(Apply(b_.Sign(SplitEvent("P-1", {{"A", 6000}, {"B", 4001}}, 1000),
                            {"vault-1"}, false)),
              StatusIs(StatusCode::kFailedPrecondition, "split.children: "));
  EXPECT_THAT(Apply(b_.Sign(SplitEvent("P-1", {{"A", 6000}, {"B", 3900}}, 1000),
                            {"vault-1"}, false)),
              StatusIs(StatusCode::kFailedPrecondition, "split.children: "));
}

TEST_F(CustodyRulesTest, SplitNeedsTwoFreshChildrenAndTheCustodian) {
  ImportParcel("P-1");
  ImportParcel("P-2");
  EXPECT_THAT(Apply(b_.Sign(SplitEvent("P-1", {{"A", 10000}}, 1000),
                            {"vault-1"}, false)),
              StatusIs(StatusCode::kInvalidArgument, "split.children: has 1"));
  EXPECT_THAT(
      Apply(b_.Sign(SplitEvent("P-1", {{"P-2", 5000}, {"B", 5000}}, 1000),
                    {"vault-1"}, false)),
      StatusIs(StatusCode::kFailedPrecondition,
               "parcel id P-2 is already used"));
  EXPECT_THAT(Apply(b_.Sign(SplitEvent("P-1", {{"A", 5000}, {"B", 5000}}, 1000),
                            {"lab-1"}, false)),
              StatusIs(StatusCode::kPermissionDenied,
                       "needs the signature of vault-1"));
}

TEST_F(CustodyRulesTest, MergeWeighsOriginsByMass) {
  ImportParcel("P-1", 10000);  // BW
  KP_ASSERT_OK(Apply(
      b_.Sign(ImportEvent("P-2", "vault-1",
                          IncomingCertificate("CA-2", "CA", 30000, 3000000)),
              {"customs-1"})));
  KP_ASSERT_OK(Apply(
      b_.Sign(MergeEvent({"P-1", "P-2"}, "M-1", 40000, 4000000), {"vault-1"})));
  const v1::ParcelState m = Parcel("M-1");
  EXPECT_EQ(m.mass_mct(), 40000);
  EXPECT_THAT(m.parents(), ElementsAre("P-1", "P-2"));
  ASSERT_EQ(m.origins_size(), 2);
  EXPECT_EQ(m.origins(0).country(), "BW");
  EXPECT_EQ(m.origins(0).share_ppm(), 250000u);
  EXPECT_EQ(m.origins(1).country(), "CA");
  EXPECT_EQ(m.origins(1).share_ppm(), 750000u);
  EXPECT_EQ(Parcel("P-1").status(), v1::CLOSED);
  EXPECT_EQ(Parcel("P-2").status(), v1::CLOSED);
}

TEST_F(CustodyRulesTest, MergeNeedsOneCustodianAndConservedMass) {
  ImportParcel("P-1");
  ImportParcel("P-2", 10000, "lab-1");
  EXPECT_THAT(Apply(b_.Sign(MergeEvent({"P-1", "P-2"}, "M", 20000, 1000),
                            {"vault-1", "lab-1"}, false)),
              StatusIs(StatusCode::kFailedPrecondition,
                       "transfer them to one custodian"));
  ImportParcel("P-3");
  EXPECT_THAT(Apply(b_.Sign(MergeEvent({"P-1", "P-3"}, "M", 20001, 1000),
                            {"vault-1"}, false)),
              StatusIs(StatusCode::kFailedPrecondition, "merge.mass_mct: "));
  EXPECT_THAT(
      Apply(b_.Sign(MergeEvent({"P-1"}, "M", 10000, 1000), {"vault-1"}, false)),
      StatusIs(StatusCode::kInvalidArgument, "merge.parcel_ids: has 1"));
}

TEST_F(CustodyRulesTest, SplitOrMergeThatRevaluesTheStonesIsFlagged) {
  ImportParcel("P-1");  // 10 ct, $10,000
  ImportParcel("P-2");
  // Children worth half their parent: accepted, flagged.
  KP_ASSERT_OK_AND_ASSIGN(
      std::vector<v1::Flag> flags,
      Apply(b_.Sign(SplitEvent("P-1", {{"A", 5000}, {"B", 5000}}, 250000),
                    {"vault-1"})));
  EXPECT_THAT(flags, ElementsAre(v1::VALUE_OUTLIER));
  EXPECT_THAT(Parcel("A").flags(), ElementsAre(v1::VALUE_OUTLIER));
  // A merge declaring double the inputs' value: flagged too.
  KP_ASSERT_OK_AND_ASSIGN(
      flags, Apply(b_.Sign(MergeEvent({"P-2", "B"}, "M", 15000, 3000000),
                           {"vault-1"})));
  EXPECT_THAT(flags, ElementsAre(v1::VALUE_OUTLIER));
  // Within the 25% band: no flag.
  ImportParcel("P-3");
  KP_ASSERT_OK_AND_ASSIGN(
      flags,
      Apply(b_.Sign(SplitEvent("P-3", {{"C", 5000}, {"D", 5000}}, 550000),
                    {"vault-1"})));
  EXPECT_THAT(flags, IsEmpty());
}

// --- Export and its confirmation ---

class ExportTest : public RulesTest {
 protected:
  ExportTest() {
    ImportParcel("P-1", 10000, "vault-1");
    EXPECT_TRUE(Apply(b_.Sign(TransferEvent("P-1", "vault-1", "trader-1"),
                              {"vault-1", "trader-1"}))
                    .ok());
  }
  v1::CustodyEvent Export(const std::string& number, int64_t mass = 10000,
                          const std::string& licence = "AZ-LIC-001",
                          int64_t day = 20) {
    return ExportEvent("P-1", number, mass, 1000000, "7102.10",
                       {{"BW", 1000000}}, licence, "BE",
                       kGenesisSeconds + day * kDay);
  }
};

TEST_F(ExportTest, ExportClosesTheParcel) {
  KP_ASSERT_OK_AND_ASSIGN(
      std::vector<v1::Flag> flags,
      Apply(b_.Sign(Export("AZ-2026-0001"), {"kpa", "customs-1"}), 20));
  EXPECT_THAT(flags, IsEmpty());
  const v1::ParcelState p = Parcel("P-1");
  EXPECT_EQ(p.status(), v1::CLOSED);
  EXPECT_EQ(p.export_certificate(), "AZ-2026-0001");
  EXPECT_THAT(Apply(b_.Sign(TransferEvent("P-1", "trader-1", "vault-1"),
                            {"trader-1", "vault-1"}, false)),
              StatusIs(StatusCode::kFailedPrecondition, "is CLOSED"));
}

TEST_F(ExportTest, QuickReexportIsFlagged) {
  KP_ASSERT_OK_AND_ASSIGN(
      std::vector<v1::Flag> flags,
      Apply(b_.Sign(Export("AZ-2026-0001", 10000, "AZ-LIC-001", 3),
                    {"kpa", "customs-1"}),
            3));
  EXPECT_THAT(flags, ElementsAre(v1::QUICK_REEXPORT));
}

TEST_F(ExportTest, ExportNeedsTheAuthorityAndCustoms) {
  EXPECT_THAT(Apply(b_.Sign(Export("AZ-2026-0001"), {"customs-1"}, false), 20),
              StatusIs(StatusCode::kPermissionDenied, "KP_AUTHORITY"));
  EXPECT_THAT(Apply(b_.Sign(Export("AZ-2026-0001"), {"kpa"}, false), 20),
              StatusIs(StatusCode::kPermissionDenied, "CUSTOMS"));
}

TEST_F(ExportTest, CertificateMustMatchTheParcel) {
  EXPECT_THAT(
      Apply(b_.Sign(Export("AZ-2026-0001", 9000), {"kpa", "customs-1"}, false),
            20),
      StatusIs(StatusCode::kFailedPrecondition,
               "export.certificate.mass_mct: is 9000 mct"));
  EXPECT_THAT(
      Apply(b_.Sign(Export("BW-2026-0001"), {"kpa", "customs-1"}, false), 20),
      StatusIs(StatusCode::kInvalidArgument, "certificate_number"));
}

TEST_F(ExportTest, OnlyTheLicensedHolderExports) {
  EXPECT_THAT(Apply(b_.Sign(Export("AZ-2026-0001", 10000, "AZ-LIC-002"),
                            {"kpa", "customs-1"}, false),
                    20),
              StatusIs(StatusCode::kFailedPrecondition,
                       "export.certificate.exporter.license_id"));
}

TEST_F(ExportTest, CertificateNumbersAreUnique) {
  KP_ASSERT_OK(
      Apply(b_.Sign(Export("AZ-2026-0001"), {"kpa", "customs-1"}), 20));
  ImportParcel("P-2", 10000, "trader-1");
  EXPECT_THAT(
      Apply(b_.Sign(ExportEvent("P-2", "AZ-2026-0001", 10000, 1000000,
                                "7102.10", {{"BW", 1000000}}, "AZ-LIC-001",
                                "BE", kGenesisSeconds + 20 * kDay),
                    {"kpa", "customs-1"}, false),
            20),
      StatusIs(StatusCode::kFailedPrecondition,
               "AZ-2026-0001 was already issued by the export at entry"));
}

TEST_F(ExportTest, ConfirmationClosesTheLoopOnce) {
  KP_ASSERT_OK(
      Apply(b_.Sign(Export("AZ-2026-0001"), {"kpa", "customs-1"}), 20));
  const int64_t received = kGenesisSeconds + 25 * kDay;
  EXPECT_THAT(
      Apply(b_.Sign(ConfirmationEvent("AZ-2026-0001", "BE", 10000, received),
                    {"customs-1"}, false),
            30),
      StatusIs(StatusCode::kPermissionDenied, "KP_AUTHORITY"));
  EXPECT_THAT(
      Apply(b_.Sign(ConfirmationEvent("AZ-2026-0001", "BE", 9000, received),
                    {"kpa"}, false),
            30),
      StatusIs(StatusCode::kFailedPrecondition,
               "import_confirmation.mass_mct: is 9000, the "
               "certificate states 10000"));
  EXPECT_THAT(
      Apply(b_.Sign(ConfirmationEvent("AZ-2026-0001", "IN", 10000, received),
                    {"kpa"}, false),
            30),
      StatusIs(StatusCode::kFailedPrecondition, "importing_country"));
  EXPECT_THAT(
      Apply(b_.Sign(ConfirmationEvent("AZ-2026-9999", "BE", 10000, received),
                    {"kpa"}, false),
            30),
      StatusIs(StatusCode::kNotFound, "AZ-2026-9999"));
  KP_ASSERT_OK(
      Apply(b_.Sign(ConfirmationEvent("AZ-2026-0001", "BE", 10000, received),
                    {"kpa"}),
            30));
  EXPECT_THAT(Apply(b_.Sign(ConfirmationEvent("AZ-2026-0001", "BE", 10000,
                                              received + 1),
                            {"kpa"}, false),
                    31),
              StatusIs(StatusCode::kFailedPrecondition,
                       "was already confirmed at entry"));
}

TEST_F(ExportTest, ConfirmationCannotPredateTheExport) {
  KP_ASSERT_OK(
      Apply(b_.Sign(Export("AZ-2026-0001"), {"kpa", "customs-1"}), 20));
  EXPECT_THAT(Apply(b_.Sign(ConfirmationEvent("AZ-2026-0001", "BE", 10000,
                                              kGenesisSeconds + 10 * kDay),
                            {"kpa"}, false),
                    30),
              StatusIs(StatusCode::kFailedPrecondition, "received_at"));
}

// --- Inspection, hold, release ---

TEST_F(CustodyRulesTest, InspectionIsRecordedOnTheChain) {
  ImportParcel("P-1");
  v1::CustodyEvent ev;
  ev.mutable_inspection()->set_parcel_id("P-1");
  ev.mutable_inspection()->set_findings("seals intact, 40 stones");
  ev.mutable_inspection()->set_seals_intact(true);
  EXPECT_THAT(Apply(b_.Sign(ev, {"trader-1"}, false)),
              StatusIs(StatusCode::kPermissionDenied, "INSPECTOR"));
  KP_ASSERT_OK(Apply(b_.Sign(ev, {"inspector-1"})));
  EXPECT_EQ(Parcel("P-1").head(), b_.Head("P-1"));
  ev.mutable_inspection()->clear_findings();
  EXPECT_THAT(Apply(b_.Sign(ev, {"inspector-1"}, false)),
              StatusIs(StatusCode::kInvalidArgument, "inspection.findings"));
}

TEST_F(CustodyRulesTest, HeldParcelCannotMoveSplitMergeOrBeExported) {
  ImportParcel("P-1", 10000, "trader-1");
  ImportParcel("P-2", 10000, "trader-1");
  v1::CustodyEvent hold;
  hold.mutable_hold()->set_parcel_id("P-1");
  hold.mutable_hold()->set_reason("seal mismatch at border");
  EXPECT_THAT(Apply(b_.Sign(hold, {"trader-1"}, false)),
              StatusIs(StatusCode::kPermissionDenied, "INSPECTOR"));
  KP_ASSERT_OK(Apply(b_.Sign(hold, {"inspector-1"})));
  EXPECT_EQ(Parcel("P-1").status(), v1::HELD);
  EXPECT_THAT(Apply(b_.Sign(hold, {"inspector-1"}, false)),
              StatusIs(StatusCode::kFailedPrecondition, "already held"));

  EXPECT_THAT(Apply(b_.Sign(TransferEvent("P-1", "trader-1", "vault-1"),
                            {"trader-1", "vault-1"}, false)),
              StatusIs(StatusCode::kFailedPrecondition,
                       "is HELD: it cannot move until released"));
  EXPECT_THAT(Apply(b_.Sign(SplitEvent("P-1", {{"A", 5000}, {"B", 5000}}, 1000),
                            {"trader-1"}, false)),
              StatusIs(StatusCode::kFailedPrecondition, "is HELD"));
  EXPECT_THAT(Apply(b_.Sign(MergeEvent({"P-1", "P-2"}, "M", 20000, 1000),
                            {"trader-1"}, false)),
              StatusIs(StatusCode::kFailedPrecondition, "is HELD"));
  EXPECT_THAT(
      Apply(b_.Sign(ExportEvent("P-1", "AZ-1", 10000, 1000000, "7102.10",
                                {{"BW", 1000000}}, "AZ-LIC-001", "BE",
                                kGenesisSeconds + kDay),
                    {"kpa", "customs-1"}, false)),
      StatusIs(StatusCode::kFailedPrecondition, "is HELD"));

  v1::CustodyEvent release;
  release.mutable_release()->set_parcel_id("P-1");
  EXPECT_THAT(Apply(b_.Sign(release, {"inspector-1"}, false)),
              StatusIs(StatusCode::kInvalidArgument, "release.reason"));
  release.mutable_release()->set_reason("seals verified");
  KP_ASSERT_OK(Apply(b_.Sign(release, {"inspector-1"})));
  EXPECT_EQ(Parcel("P-1").status(), v1::ACTIVE);
  EXPECT_THAT(Apply(b_.Sign(release, {"inspector-1"}, false)),
              StatusIs(StatusCode::kFailedPrecondition, "not HELD"));
  KP_EXPECT_OK(Apply(b_.Sign(TransferEvent("P-1", "trader-1", "vault-1"),
                             {"trader-1", "vault-1"})));
}

TEST_F(CustodyRulesTest, ClosedParcelsCannotBeHeldOrInspected) {
  ImportParcel("P-1");
  KP_ASSERT_OK(Apply(b_.Sign(
      SplitEvent("P-1", {{"A", 5000}, {"B", 5000}}, 500000), {"vault-1"})));
  v1::CustodyEvent hold;
  hold.mutable_hold()->set_parcel_id("A");
  EXPECT_THAT(Apply(b_.Sign(hold, {"inspector-1"}, false)),
              StatusIs(StatusCode::kInvalidArgument, "hold.reason"));
  hold.mutable_hold()->set_parcel_id("P-1");
  hold.mutable_hold()->set_reason("recount");
  EXPECT_THAT(Apply(b_.Sign(hold, {"inspector-1"}, false)),
              StatusIs(StatusCode::kFailedPrecondition, "is CLOSED"));
  v1::CustodyEvent inspection;
  inspection.mutable_inspection()->set_parcel_id("P-1");
  inspection.mutable_inspection()->set_findings("recount");
  EXPECT_THAT(Apply(b_.Sign(inspection, {"inspector-1"}, false)),
              StatusIs(StatusCode::kFailedPrecondition,
                       "is CLOSED: it cannot be inspected"));
}

// The records an event's body makes the rules read, which the applier
// reads for a whole batch at once before applying it.
TEST(StateKeysReadTest, NamesTheParcelsAndCertificateABodyReads) {
  EXPECT_THAT(StateKeysRead(ImportEvent(
                  "AZ-P-1", "vault-1",
                  IncomingCertificate("BW-2026-7", "BW", 10000, 100))),
              ElementsAre(ParcelKey("AZ-P-1"),
                          ImportCertificateKey("BW", "BW-2026-7")));
  EXPECT_THAT(StateKeysRead(TransferEvent("AZ-P-1", "vault-1", "lab-1")),
              ElementsAre(ParcelKey("AZ-P-1")));
  EXPECT_THAT(StateKeysRead(SplitEvent(
                  "AZ-P-1", {{"AZ-P-2", 600}, {"AZ-P-3", 400}}, 100)),
              ElementsAre(ParcelKey("AZ-P-1"), ParcelKey("AZ-P-2"),
                          ParcelKey("AZ-P-3")));
  EXPECT_THAT(StateKeysRead(ExportEvent("AZ-P-1", "AZ-2026-9", 1000, 100,
                                        "7102.31", {{"BW", 1000000}}, "EX-1",
                                        "BE", kGenesisSeconds)),
              ElementsAre(ParcelKey("AZ-P-1"), ExportKey("AZ-2026-9")));
  EXPECT_THAT(StateKeysRead(
                  ConfirmationEvent("AZ-2026-9", "BE", 1000, kGenesisSeconds)),
              ElementsAre(ExportKey("AZ-2026-9")));
  // Governance events read only what every event reads (policy, actors).
  v1::CustodyEvent revoke;
  revoke.mutable_revoke_actor()->set_actor_id("lab-1");
  EXPECT_THAT(StateKeysRead(revoke), IsEmpty());
}

}  // namespace
}  // namespace kpledger::rules
