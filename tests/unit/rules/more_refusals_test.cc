// The refusals custody_rules_test and governance_rules_test do not reach
// in their stories: one event each, the rule it breaks, and that nothing of
// it is kept.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
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

class MoreRefusalsTest : public RulesTest {
 protected:
  // Applies an event meant to be refused; checks nothing was kept.
  absl::Status Refused(v1::CustodyEvent ev,
                       const std::vector<std::string>& signers,
                       int64_t day = 1) {
    const size_t before = RecordCount();
    absl::StatusOr<std::vector<v1::Flag>> r =
        Apply(b_.Sign(std::move(ev), signers, false), day);
    EXPECT_EQ(RecordCount(), before) << "a refused event changed the state";
    return r.status();
  }
  absl::Status RefusedGovernance(v1::CustodyEvent ev) {
    const size_t before = RecordCount();
    absl::Status st = Apply(b_.Governance(std::move(ev))).status();
    EXPECT_EQ(RecordCount(), before);
    return st;
  }
};

TEST_F(MoreRefusalsTest, ImportWithoutCustodianOrToARevokedOne) {
  EXPECT_THAT(
      Refused(
          ImportEvent("P-1", "", IncomingCertificate("BW-1", "BW", 10000, 100)),
          {"customs-1"}),
      StatusIs(StatusCode::kInvalidArgument, "import.custodian: is missing"));
  v1::CustodyEvent revoke;
  revoke.mutable_revoke_actor()->set_actor_id("vault-1");
  revoke.mutable_revoke_actor()->set_reason("licence lapsed");
  KP_ASSERT_OK(Apply(b_.Governance(revoke)));
  EXPECT_THAT(
      Refused(ImportEvent("P-1", "vault-1",
                          IncomingCertificate("BW-1", "BW", 10000, 100)),
              {"customs-1"}),
      StatusIs(StatusCode::kFailedPrecondition,
               "import.custodian: actor vault-1 is revoked"));
}

TEST_F(MoreRefusalsTest, LabAssessmentOfClosedParcelOrWithBadDetails) {
  ImportParcel("P-1", 10000, "lab-1");
  v1::CustodyEvent ev = AssessmentEvent("P-1", 10000, 1000000, "L-1");
  ev.mutable_lab_assessment()->mutable_classification(1)->set_name("gem");
  EXPECT_THAT(Refused(ev, {"lab-1"}),
              StatusIs(StatusCode::kInvalidArgument,
                       "lab_assessment.classification: class \"gem\""));
  ev = AssessmentEvent("P-1", 10000, 1000000, "L-1");
  auto* o = ev.mutable_lab_assessment()->add_assessed_origins();
  o->set_country("Botswana");
  o->set_share_ppm(1000000);
  EXPECT_THAT(Refused(ev, {"lab-1"}),
              StatusIs(StatusCode::kInvalidArgument,
                       "lab_assessment.assessed_origins"));
  EXPECT_THAT(Refused(AssessmentEvent("P-1", 10000, 0, "L-1"), {"lab-1"}),
              StatusIs(StatusCode::kInvalidArgument,
                       "lab_assessment.assessed_value_usd_cents: is 0"));
  KP_ASSERT_OK(Apply(b_.Sign(
      SplitEvent("P-1", {{"A", 5000}, {"B", 5000}}, 500000), {"lab-1"})));
  EXPECT_THAT(Refused(AssessmentEvent("P-1", 10000, 1000000, "L-2"), {"lab-1"}),
              StatusIs(StatusCode::kFailedPrecondition,
                       "is CLOSED: it cannot be assessed"));
}

TEST_F(MoreRefusalsTest, TransferToTheHolderItself) {
  ImportParcel("P-1");
  EXPECT_THAT(Refused(TransferEvent("P-1", "vault-1", "vault-1"), {"vault-1"}),
              StatusIs(StatusCode::kInvalidArgument,
                       "custody_transfer.to_custodian: is the current "
                       "custodian"));
}

TEST_F(MoreRefusalsTest, SplitAndMergeWithBadFiguresOrClosedInputs) {
  ImportParcel("P-1");
  EXPECT_THAT(
      Refused(SplitEvent("P-1", {{"A", 5000}, {"B", 5000}}, 1000, "7102.39"),
              {"vault-1"}),
      StatusIs(StatusCode::kInvalidArgument, "split.children[0].hs_code"));
  EXPECT_THAT(
      Refused(SplitEvent("P-1", {{"A", 5000}, {"B", 5000}}, 0), {"vault-1"}),
      StatusIs(StatusCode::kInvalidArgument,
               "split.children[0].value_usd_cents: is 0"));
  ImportParcel("P-2");
  EXPECT_THAT(
      Refused(MergeEvent({"P-1", "P-2"}, "M", 20000, 2000000, "7102.39"),
              {"vault-1"}),
      StatusIs(StatusCode::kInvalidArgument, "merge.hs_code"));
  EXPECT_THAT(
      Refused(MergeEvent({"P-1", "P-2"}, "M", 20000, 0), {"vault-1"}),
      StatusIs(StatusCode::kInvalidArgument, "merge.value_usd_cents: is 0"));
  EXPECT_THAT(Refused(MergeEvent({"P-1", "P-2"}, "M", 0, 2000000), {"vault-1"}),
              StatusIs(StatusCode::kInvalidArgument, "merge.mass_mct: is 0"));
  KP_ASSERT_OK(Apply(b_.Sign(
      SplitEvent("P-1", {{"A", 5000}, {"B", 5000}}, 500000), {"vault-1"})));
  EXPECT_THAT(
      Refused(MergeEvent({"P-1", "P-2"}, "M", 20000, 2000000), {"vault-1"}),
      StatusIs(StatusCode::kFailedPrecondition,
               "parcel P-1 is CLOSED: it cannot be merged"));
  EXPECT_THAT(Refused(SplitEvent("P-1", {{"C", 5000}, {"D", 5000}}, 500000),
                      {"vault-1"}),
              StatusIs(StatusCode::kFailedPrecondition,
                       "is CLOSED: it cannot be split"));
}

TEST_F(MoreRefusalsTest, ConfirmationWithMissingOrWrongDetails) {
  ImportParcel("P-1", 10000, "trader-1");
  KP_ASSERT_OK(
      Apply(b_.Sign(ExportEvent("P-1", "AZ-2026-0001", 10000, 1000000,
                                "7102.10", {{"BW", 1000000}}, "AZ-LIC-001",
                                "BE", kGenesisSeconds + 20 * kDay),
                    {"kpa", "customs-1"}),
            20));
  const int64_t received = kGenesisSeconds + 25 * kDay;
  v1::CustodyEvent ev =
      ConfirmationEvent("AZ-2026-0001", "BE", 10000, received);
  ev.mutable_import_confirmation()->set_parcel_count(2);
  EXPECT_THAT(Refused(ev, {"kpa"}, 30),
              StatusIs(StatusCode::kFailedPrecondition,
                       "import_confirmation.parcel_count: is 2, the "
                       "certificate states 1"));
  ev = ConfirmationEvent("AZ-2026-0001", "BE", 10000, received);
  ev.mutable_import_confirmation()->clear_confirming_authority();
  EXPECT_THAT(Refused(ev, {"kpa"}, 30),
              StatusIs(StatusCode::kInvalidArgument,
                       "import_confirmation.confirming_authority"));
  ev = ConfirmationEvent("AZ-2026-0001", "BE", 10000, received);
  ev.mutable_import_confirmation()->clear_received_at();
  EXPECT_THAT(Refused(ev, {"kpa"}, 30),
              StatusIs(StatusCode::kInvalidArgument,
                       "import_confirmation.received_at: is missing"));
  ev = ConfirmationEvent("", "BE", 10000, received);
  EXPECT_THAT(Refused(ev, {"kpa"}, 30),
              StatusIs(StatusCode::kInvalidArgument,
                       "import_confirmation.certificate_number: is missing"));
  // Received after the ledger time: a confirmation from the future.
  ev = ConfirmationEvent("AZ-2026-0001", "BE", 10000,
                         kGenesisSeconds + 40 * kDay);
  EXPECT_THAT(Refused(ev, {"kpa"}, 30),
              StatusIs(StatusCode::kFailedPrecondition,
                       "import_confirmation.received_at"));
}

TEST_F(MoreRefusalsTest, ReleaseNeedsAControlRole) {
  ImportParcel("P-1");
  v1::CustodyEvent hold;
  hold.mutable_hold()->set_parcel_id("P-1");
  hold.mutable_hold()->set_reason("check");
  KP_ASSERT_OK(Apply(b_.Sign(hold, {"customs-1"})));
  v1::CustodyEvent release;
  release.mutable_release()->set_parcel_id("P-1");
  release.mutable_release()->set_reason("checked");
  EXPECT_THAT(Refused(release, {"vault-1"}),
              StatusIs(StatusCode::kPermissionDenied, "INSPECTOR"));
}

TEST_F(MoreRefusalsTest, GovernanceWithMissingOrBadFields) {
  v1::CustodyEvent reg;
  reg.mutable_register_actor()->set_actor_id("lab-9");
  reg.mutable_register_actor()->set_role(v1::LAB);
  reg.mutable_register_actor()->set_public_key(std::string(
      testing::CustodyBuilder::ActorKey("lab-9").public_key().bytes()));
  EXPECT_THAT(RefusedGovernance(reg),
              StatusIs(StatusCode::kInvalidArgument,
                       "register_actor.name: is missing"));

  v1::CustodyEvent rotate;
  rotate.mutable_rotate_key()->set_actor_id("lab-1");
  rotate.mutable_rotate_key()->set_new_public_key("short");
  EXPECT_THAT(RefusedGovernance(rotate),
              StatusIs(StatusCode::kInvalidArgument,
                       "rotate_key.new_public_key: has 5 bytes"));

  v1::CustodyEvent revoke;
  revoke.mutable_revoke_actor()->set_actor_id("lab-2");
  revoke.mutable_revoke_actor()->set_reason("closed");
  KP_ASSERT_OK(Apply(b_.Governance(revoke)));
  rotate.mutable_rotate_key()->set_actor_id("lab-2");
  rotate.mutable_rotate_key()->set_new_public_key(std::string(
      testing::CustodyBuilder::ActorKey("lab-2", 1).public_key().bytes()));
  EXPECT_THAT(RefusedGovernance(rotate),
              StatusIs(StatusCode::kFailedPrecondition,
                       "rotate_key.actor_id: lab-2 is revoked"));
  revoke.mutable_revoke_actor()->set_actor_id("ghost");
  EXPECT_THAT(RefusedGovernance(revoke),
              StatusIs(StatusCode::kNotFound, "no registered actor"));

  v1::CustodyEvent update;
  update.mutable_update_policy();
  EXPECT_THAT(RefusedGovernance(update),
              StatusIs(StatusCode::kInvalidArgument,
                       "update_policy.policy: is missing"));
}

TEST_F(MoreRefusalsTest, MergeNotByTheCustodianOrLosingMass) {
  ImportParcel("P-1");
  ImportParcel("P-2");
  EXPECT_THAT(
      Refused(MergeEvent({"P-1", "P-2"}, "M", 20000, 2000000), {"lab-1"}),
      StatusIs(StatusCode::kPermissionDenied,
               "merge.signatures: needs the signature of vault-1"));
  // 1,000 mct of 20,000 lost: past the 0.1% loss tolerance.
  EXPECT_THAT(
      Refused(MergeEvent({"P-1", "P-2"}, "M", 19000, 2000000), {"vault-1"}),
      StatusIs(StatusCode::kFailedPrecondition, "merge.mass_mct: "));
  ImportParcel("P-3");
  EXPECT_THAT(
      Refused(MergeEvent({"P-1", "P-2"}, "P-3", 20000, 2000000), {"vault-1"}),
      StatusIs(StatusCode::kFailedPrecondition,
               "parcel id P-3 is already used"));
}

TEST_F(MoreRefusalsTest, MergeOfAHeldParcelNamesItsField) {
  ImportParcel("P-1");
  ImportParcel("P-2");
  v1::CustodyEvent hold;
  hold.mutable_hold()->set_parcel_id("P-2");
  hold.mutable_hold()->set_reason("seal mismatch");
  KP_ASSERT_OK(Apply(b_.Sign(hold, {"inspector-1"})));
  EXPECT_THAT(
      Refused(MergeEvent({"P-1", "P-2"}, "M", 20000, 2000000), {"vault-1"}),
      StatusIs(StatusCode::kFailedPrecondition,
               "merge.parcel_ids: parcel P-2 is HELD: it cannot be merged"));
}

TEST_F(MoreRefusalsTest, AssessedValueAboveTheLimit) {
  ImportParcel("P-1", 10000, "lab-1");
  EXPECT_THAT(
      Refused(AssessmentEvent("P-1", 10000, kMaxValueUsdCents + 1, "L-1"),
              {"lab-1"}),
      StatusIs(StatusCode::kInvalidArgument,
               "lab_assessment.assessed_value_usd_cents: is 100000000000001"));
}

TEST_F(MoreRefusalsTest, TransferWithoutReceiverOrWithAnEmptySeal) {
  ImportParcel("P-1");
  EXPECT_THAT(Refused(TransferEvent("P-1", "vault-1", ""), {"vault-1"}),
              StatusIs(StatusCode::kInvalidArgument,
                       "custody_transfer.to_custodian: is missing"));
  EXPECT_THAT(Refused(TransferEvent("P-1", "vault-1", "lab-1", {"S-1", ""}),
                      {"vault-1", "lab-1"}),
              StatusIs(StatusCode::kInvalidArgument,
                       "custody_transfer.seal_ids: seal id \"\" is empty"));
}

class MoreExportRefusalsTest : public MoreRefusalsTest {
 protected:
  v1::CustodyEvent Export(const std::string& number,
                          const std::string& licence = "AZ-LIC-001") {
    return ExportEvent("P-1", number, 10000, 1000000, "7102.10",
                       {{"BW", 1000000}}, licence, "BE",
                       kGenesisSeconds + kDay);
  }
};

TEST_F(MoreExportRefusalsTest, ExportOfAClosedParcel) {
  ImportParcel("P-1", 10000, "trader-1");
  KP_ASSERT_OK(Apply(b_.Sign(Export("AZ-2026-0001"), {"kpa", "customs-1"})));
  EXPECT_THAT(Refused(Export("AZ-2026-0002"), {"kpa", "customs-1"}),
              StatusIs(StatusCode::kFailedPrecondition,
                       "export.parcel_id: parcel P-1 is CLOSED"));
}

TEST_F(MoreExportRefusalsTest, ExportByAHolderWithoutALicence) {
  ImportParcel("P-1", 10000, "vault-1");  // vault-1 holds no licence
  EXPECT_THAT(Refused(Export("AZ-2026-0001", ""), {"kpa", "customs-1"}),
              StatusIs(StatusCode::kFailedPrecondition,
                       "export.certificate.exporter.license_id: is \"\", but "
                       "parcel P-1 is held by vault-1 (licence \"\")"));
}

TEST_F(MoreExportRefusalsTest, ExportOfAParcelHeldByARevokedActor) {
  // Its licence is on record, but a revoked actor exports nothing.
  ImportParcel("P-1", 10000, "trader-1");
  v1::CustodyEvent revoke;
  revoke.mutable_revoke_actor()->set_actor_id("trader-1");
  revoke.mutable_revoke_actor()->set_reason("licence withdrawn");
  KP_ASSERT_OK(Apply(b_.Governance(revoke)));
  EXPECT_THAT(Refused(Export("AZ-2026-0001"), {"kpa", "customs-1"}),
              StatusIs(StatusCode::kFailedPrecondition,
                       "export.certificate.exporter.license_id: parcel P-1 "
                       "is held by trader-1, whose registration is revoked"));
}

TEST_F(MoreExportRefusalsTest, ImportOfTheLedgersOwnExportCertificate) {
  // The number this ledger issued on export, presented again at import:
  // a cloned certificate (KPCS red flag), refused for its country.
  ImportParcel("P-1", 10000, "trader-1");
  KP_ASSERT_OK(Apply(b_.Sign(Export("AZ-2026-0001"), {"kpa", "customs-1"})));
  EXPECT_THAT(Refused(ImportEvent("P-9", "vault-1",
                                  IncomingCertificate("AZ-2026-0001", "AZ",
                                                      10000, 1000000)),
                      {"customs-1"}),
              StatusIs(StatusCode::kInvalidArgument,
                       "import.certificate.exporting_country: is \"AZ\", this "
                       "ledger's own country"));
}

TEST_F(MoreRefusalsTest, InspectionNamesTheRolesThatMayRecordIt) {
  ImportParcel("P-1");
  v1::CustodyEvent ev;
  ev.mutable_inspection()->set_parcel_id("P-1");
  ev.mutable_inspection()->set_findings("seals intact");
  EXPECT_THAT(Refused(ev, {"vault-1"}),
              StatusIs(StatusCode::kPermissionDenied,
                       "inspections are recorded by an INSPECTOR or the "
                       "KP_AUTHORITY"));
  KP_EXPECT_OK(Apply(b_.Sign(ev, {"kpa"})));
}

}  // namespace
}  // namespace kpledger::rules
