// Governance: actors are registered, re-keyed and revoked, and the policy
// replaced, only with governance_threshold distinct governance signatures;
// a revocation or re-key takes effect at its position in the log.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/rules/rules_fixture.h"

namespace kpledger::rules {
namespace {

using ::absl::StatusCode;
using ::kpledger::testing::AssessmentEvent;
using ::kpledger::testing::CustodyBuilder;
using ::kpledger::testing::TransferEvent;

using GovernanceRulesTest = RulesTest;

TEST_F(GovernanceRulesTest, RegistrationRecordsTheActor) {
  KP_ASSERT_OK(Apply(b_.Register("vault-2", v1::VAULT, "AZ-V-2")));
  const v1::ActorRecord a = Actor("vault-2");
  EXPECT_EQ(a.role(), v1::VAULT);
  EXPECT_EQ(a.license_id(), "AZ-V-2");
  EXPECT_EQ(
      a.public_key(),
      std::string(CustodyBuilder::ActorKey("vault-2").public_key().bytes()));
  EXPECT_FALSE(a.revoked());
  EXPECT_EQ(a.governance_entries_size(), 1);
}

TEST_F(GovernanceRulesTest, RegistrationNeedsTheGovernanceThreshold) {
  const size_t before = RecordCount();
  EXPECT_THAT(Apply(b_.Register("vault-2", v1::VAULT, "", /*signers=*/1)),
              StatusIs(StatusCode::kPermissionDenied,
                       "needs the signatures of 2 distinct governance keys, "
                       "has 1 (governance-1)"));
  EXPECT_EQ(RecordCount(), before);
}

TEST_F(GovernanceRulesTest, ActorsCannotSignGovernance) {
  v1::CustodyEvent ev;
  ev.mutable_revoke_actor()->set_actor_id("lab-2");
  ev.mutable_revoke_actor()->set_reason("licence withdrawn");
  EXPECT_THAT(Apply(b_.Sign(ev, {"kpa"})),
              StatusIs(StatusCode::kPermissionDenied,
                       "signed by governance keys only; kpa is an actor"));
}

TEST_F(GovernanceRulesTest, RegistrationRefusesReuseAndMalformedFields) {
  EXPECT_THAT(
      Apply(b_.Register("lab-1", v1::LAB)),
      StatusIs(StatusCode::kFailedPrecondition, "lab-1 is already registered"));
  v1::CustodyEvent same_key;
  v1::RegisterActor* r = same_key.mutable_register_actor();
  r->set_actor_id("lab-9");
  r->set_name("Lab Nine");
  r->set_role(v1::LAB);
  r->set_public_key(
      std::string(CustodyBuilder::ActorKey("lab-1").public_key().bytes()));
  EXPECT_THAT(Apply(b_.Governance(same_key)),
              StatusIs(StatusCode::kFailedPrecondition,
                       "is (or was) the key of actor lab-1"));
  r->set_public_key(std::string(b_.governance_key(0).public_key().bytes()));
  EXPECT_THAT(Apply(b_.Governance(same_key)),
              StatusIs(StatusCode::kFailedPrecondition, "is a governance key"));
  r->set_public_key("short");
  EXPECT_THAT(Apply(b_.Governance(same_key)),
              StatusIs(StatusCode::kInvalidArgument,
                       "register_actor.public_key: has 5 bytes"));
  r->set_public_key(
      std::string(CustodyBuilder::ActorKey("lab-9").public_key().bytes()));
  r->set_role(v1::ROLE_UNSPECIFIED);
  EXPECT_THAT(Apply(b_.Governance(same_key)),
              StatusIs(StatusCode::kInvalidArgument, "register_actor.role"));
  r->set_role(v1::LAB);
  r->set_actor_id("lab 9");
  EXPECT_THAT(
      Apply(b_.Governance(same_key)),
      StatusIs(StatusCode::kInvalidArgument, "register_actor.actor_id"));
}

TEST_F(GovernanceRulesTest, SignerActorNamesTheActorOfOldAndNewKeys) {
  v1::CustodyEvent rotate;
  rotate.mutable_rotate_key()->set_actor_id("lab-1");
  rotate.mutable_rotate_key()->set_new_public_key(
      std::string(CustodyBuilder::ActorKey("lab-1", 1).public_key().bytes()));
  KP_ASSERT_OK(Apply(b_.Governance(rotate)));
  const StateView view(&state_);
  // Events signed before the rotation still name their signer.
  for (int generation : {0, 1}) {
    const absl::StatusOr<std::string> actor = view.SignerActor(
        CustodyBuilder::ActorKey("lab-1", generation).key_id());
    KP_ASSERT_OK(actor.status());
    EXPECT_EQ(*actor, "lab-1") << "key generation " << generation;
  }
  EXPECT_THAT(
      view.SignerActor(CustodyBuilder::ActorKey("stranger").key_id()),
      StatusIs(StatusCode::kDataLoss, "of which the store has no record"));
}

TEST_F(GovernanceRulesTest, RotatedKeyIsRefusedFromTheRotationOn) {
  ImportParcel("P-1", 10000, "lab-1");
  // Signed with the old key before the rotation: accepted.
  KP_ASSERT_OK(
      Apply(b_.Sign(AssessmentEvent("P-1", 10000, 1000000, "L-1"), {"lab-1"})));
  const v1::ParcelState before = Parcel("P-1");

  v1::CustodyEvent rotate;
  rotate.mutable_rotate_key()->set_actor_id("lab-1");
  rotate.mutable_rotate_key()->set_new_public_key(
      std::string(CustodyBuilder::ActorKey("lab-1", 1).public_key().bytes()));
  KP_ASSERT_OK(Apply(b_.Governance(rotate)));
  EXPECT_EQ(Actor("lab-1").governance_entries_size(), 2);
  // The earlier event stays as it was.
  EXPECT_EQ(Parcel("P-1").mass_mct(), before.mass_mct());

  EXPECT_THAT(Apply(b_.Sign(AssessmentEvent("P-1", 10000, 1000000, "L-2"),
                            {"lab-1"}, false)),
              StatusIs(StatusCode::kUnauthenticated,
                       "actor lab-1 no longer holds this key"));
  b_.SetKeyGeneration("lab-1", 1);
  KP_EXPECT_OK(
      Apply(b_.Sign(AssessmentEvent("P-1", 10000, 1000000, "L-2"), {"lab-1"})));
  // A rotation to a key in use, or of an unknown actor, is refused.
  EXPECT_THAT(Apply(b_.Governance(rotate)),
              StatusIs(StatusCode::kFailedPrecondition,
                       "is (or was) the key of actor lab-1"));
  rotate.mutable_rotate_key()->set_new_public_key(
      std::string(b_.governance_key(2).public_key().bytes()));
  EXPECT_THAT(Apply(b_.Governance(rotate)),
              StatusIs(StatusCode::kFailedPrecondition, "is a governance key"));
  rotate.mutable_rotate_key()->set_actor_id("ghost");
  EXPECT_THAT(Apply(b_.Governance(rotate)),
              StatusIs(StatusCode::kNotFound, "no registered actor"));
}

TEST_F(GovernanceRulesTest, RevokedActorIsRefusedFromTheRevocationOn) {
  ImportParcel("P-1", 10000, "vault-1");
  KP_ASSERT_OK(Apply(
      b_.Sign(TransferEvent("P-1", "vault-1", "lab-2"), {"vault-1", "lab-2"})));
  v1::CustodyEvent revoke;
  revoke.mutable_revoke_actor()->set_actor_id("lab-2");
  revoke.mutable_revoke_actor()->set_reason("accreditation withdrawn");
  KP_ASSERT_OK(Apply(b_.Governance(revoke)));
  EXPECT_TRUE(Actor("lab-2").revoked());
  // Its earlier transfer stands.
  EXPECT_EQ(Parcel("P-1").custodian(), "lab-2");
  EXPECT_THAT(Apply(b_.Sign(AssessmentEvent("P-1", 10000, 1000000, "L"),
                            {"lab-2"}, false)),
              StatusIs(StatusCode::kPermissionDenied,
                       "signer lab-2 is revoked (accreditation withdrawn)"));
  ImportParcel("P-2", 10000, "vault-1");
  EXPECT_THAT(Apply(b_.Sign(TransferEvent("P-2", "vault-1", "lab-2"),
                            {"vault-1"}, false)),
              StatusIs(StatusCode::kFailedPrecondition,
                       "actor lab-2 is revoked and cannot hold parcels"));
  EXPECT_THAT(Apply(b_.Governance(revoke)),
              StatusIs(StatusCode::kFailedPrecondition, "already revoked"));
  revoke.mutable_revoke_actor()->set_actor_id("lab-1");
  revoke.mutable_revoke_actor()->clear_reason();
  EXPECT_THAT(Apply(b_.Governance(revoke)),
              StatusIs(StatusCode::kInvalidArgument,
                       "revoke_actor.reason: is missing"));
}

TEST_F(GovernanceRulesTest, PolicyUpdateTakesEffectForLaterEvents) {
  ImportParcel("P-1", 10000, "lab-1");
  ImportParcel("P-2", 10000, "lab-1");
  // 0.8% short: flagged under the 0.5% tolerance.
  KP_ASSERT_OK_AND_ASSIGN(
      std::vector<v1::Flag> flags,
      Apply(b_.Sign(AssessmentEvent("P-1", 9920, 1000000, "L-1"), {"lab-1"})));
  EXPECT_THAT(flags, ::testing::ElementsAre(v1::MASS_DISCREPANCY));

  v1::CustodyEvent update;
  *update.mutable_update_policy()->mutable_policy() = testing::DefaultPolicy();
  update.mutable_update_policy()->mutable_policy()->set_mass_tolerance_ppm(
      10000);
  KP_ASSERT_OK(Apply(b_.Governance(update)));
  KP_ASSERT_OK_AND_ASSIGN(
      flags,
      Apply(b_.Sign(AssessmentEvent("P-2", 9920, 1000000, "L-2"), {"lab-1"})));
  EXPECT_TRUE(flags.empty());

  update.mutable_update_policy()->mutable_policy()->set_loss_tolerance_ppm(
      2000000);
  EXPECT_THAT(Apply(b_.Governance(update)),
              StatusIs(StatusCode::kInvalidArgument,
                       "update_policy.policy.loss_tolerance_ppm"));
}

}  // namespace
}  // namespace kpledger::rules
