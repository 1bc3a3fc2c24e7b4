#include "ledger/rules/genesis.h"

#include "gtest/gtest.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/envelope/dsse.h"
#include "tests/testing/sample_events.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::rules {
namespace {

using ::kpledger::testing::StatusIs;

class GenesisTest : public ::testing::Test {
 protected:
  GenesisTest() {
    for (int i = 0; i < 3; ++i) {
      governance_.push_back(
          testing::DeterministicKey("gov" + std::to_string(i)));
      nodes_.push_back(testing::DeterministicKey("node" + std::to_string(i)));
    }
    genesis_.set_origin("kpledger.az/custody");
    genesis_.set_country_code("AZ");
    for (int i = 0; i < 3; ++i) {
      v1::NamedKey* g = genesis_.add_governance_keys();
      g->set_name("governance-" + std::to_string(i));
      g->set_public_key(std::string(governance_[i].public_key().bytes()));
      v1::NamedKey* n = genesis_.add_node_keys();
      n->set_name("node-" + std::to_string(i) + ".kpledger.az");
      n->set_public_key(std::string(nodes_[i].public_key().bytes()));
    }
    genesis_.set_governance_threshold(2);
    genesis_.set_checkpoint_threshold(2);
    genesis_.mutable_policy()->set_mass_tolerance_ppm(5000);
    v1::SanctionedOrigin* ru =
        genesis_.mutable_policy()->add_sanctioned_origins();
    ru->set_country("RU");
    ru->set_action(v1::SANCTION_REFUSE);
    genesis_.mutable_created_at()->set_seconds(1788220800);
  }

  v1::Envelope Signed(std::vector<const crypto::PrivateKey*> signers) {
    return envelope::SignEnvelope(envelope::kGenesisPayloadType,
                                  genesis_.SerializeAsString(), signers);
  }

  std::vector<crypto::PrivateKey> governance_;
  std::vector<crypto::PrivateKey> nodes_;
  v1::Genesis genesis_;
};

TEST_F(GenesisTest, WellFormedGenesisIsValid) {
  KP_EXPECT_OK(ValidateGenesis(genesis_));
}

TEST_F(GenesisTest, EnvelopeSignedByThresholdVerifiesAndNamesTheLedger) {
  v1::Envelope env = Signed({&governance_[0], &governance_[2]});
  KP_ASSERT_OK_AND_ASSIGN(VerifiedGenesis v, VerifyGenesisEnvelope(env));
  EXPECT_EQ(v.genesis.origin(), "kpledger.az/custody");
  EXPECT_EQ(v.hash, envelope::EventId(env.payload()));
}

TEST_F(GenesisTest, TheTestsSampleGenesisIsValid) {
  KP_EXPECT_OK(VerifyGenesisEnvelope(
                   testing::SampleGenesis(testing::DeterministicKey("gov")))
                   .status());
}

TEST_F(GenesisTest, NodeVerifiersCheckCheckpointsAgainstTheThreshold) {
  std::vector<checkpoint::NoteSigner> signers = {
      *checkpoint::NoteSigner::Create("node-0.kpledger.az", nodes_[0]),
      *checkpoint::NoteSigner::Create("node-1.kpledger.az", nodes_[1])};
  checkpoint::CheckpointBody body{
      genesis_.origin(), 5, merkle::HashLeaf("r"), {}};
  const std::string note = *checkpoint::SignCheckpoint(body, signers);
  KP_EXPECT_OK(checkpoint::VerifyCheckpoint(note, genesis_.origin(),
                                            NodeVerifiers(genesis_),
                                            genesis_.checkpoint_threshold())
                   .status());
}

// --- Refusals: each names the field ---

TEST_F(GenesisTest, OriginMustBeACheckpointOriginLine) {
  genesis_.set_origin("");
  EXPECT_THAT(
      ValidateGenesis(genesis_),
      StatusIs(absl::StatusCode::kInvalidArgument, "genesis origin: is empty"));
  for (const char* bad : {"kpledger az", "a+b", "line\nbreak", "bell\x07"}) {
    genesis_.set_origin(bad);
    EXPECT_THAT(ValidateGenesis(genesis_),
                StatusIs(absl::StatusCode::kInvalidArgument, "genesis origin:"))
        << bad;
  }
}

TEST_F(GenesisTest, CountryCodeMustBeAlpha2) {
  for (const char* bad : {"az", "AZE", "A1", ""}) {
    genesis_.set_country_code(bad);
    EXPECT_THAT(ValidateGenesis(genesis_),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "genesis country_code: \"" + std::string(bad) +
                             "\" is not an ISO 3166-1 alpha-2 code"));
  }
}

TEST_F(GenesisTest, KeysMustBe32BytesAndDistinct) {
  genesis_.mutable_governance_keys(1)->set_public_key(std::string(31, 'k'));
  EXPECT_THAT(ValidateGenesis(genesis_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "genesis governance_keys: key governance-1 has 31 "
                       "bytes, want 32"));
  genesis_.mutable_governance_keys(1)->set_public_key(
      genesis_.governance_keys(0).public_key());
  EXPECT_THAT(ValidateGenesis(genesis_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "key governance-1 is listed twice"));
}

TEST_F(GenesisTest, ThresholdsMustBeReachable) {
  genesis_.set_governance_threshold(0);
  EXPECT_THAT(ValidateGenesis(genesis_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "genesis governance_threshold: is 0, want 1 to 3"));
  genesis_.set_governance_threshold(2);
  genesis_.set_checkpoint_threshold(4);
  EXPECT_THAT(ValidateGenesis(genesis_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "genesis checkpoint_threshold: is 4, want 1 to 3"));
}

TEST_F(GenesisTest, NoKeysIsRefused) {
  genesis_.clear_node_keys();
  EXPECT_THAT(ValidateGenesis(genesis_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "genesis node_keys: no keys"));
}

TEST_F(GenesisTest, NodeKeyNamesMustBeNoteKeyNamesAndUnique) {
  genesis_.mutable_node_keys(2)->set_name("node+2");
  EXPECT_THAT(ValidateGenesis(genesis_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "name \"node+2\" is not a note key name"));
  genesis_.mutable_node_keys(2)->set_name("node-0.kpledger.az");
  EXPECT_THAT(ValidateGenesis(genesis_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "name node-0.kpledger.az is used twice"));
}

TEST_F(GenesisTest, PolicyIsChecked) {
  genesis_.mutable_policy()->set_loss_tolerance_ppm(1000001);
  EXPECT_THAT(ValidateGenesis(genesis_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "genesis policy.loss_tolerance_ppm: is 1000001"));
  genesis_.mutable_policy()->set_loss_tolerance_ppm(2000);
  genesis_.mutable_policy()->mutable_sanctioned_origins(0)->set_country("RUS");
  EXPECT_THAT(ValidateGenesis(genesis_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "\"RUS\" is not an ISO 3166-1 alpha-2 code"));
  genesis_.mutable_policy()->mutable_sanctioned_origins(0)->set_country("RU");
  genesis_.mutable_policy()->mutable_sanctioned_origins(0)->set_action(
      v1::SANCTION_ACTION_UNSPECIFIED);
  EXPECT_THAT(ValidateGenesis(genesis_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "RU has no action (refuse or flag)"));
  genesis_.mutable_policy()->mutable_sanctioned_origins(0)->set_action(
      v1::SANCTION_FLAG);
  *genesis_.mutable_policy()->add_sanctioned_origins() =
      genesis_.policy().sanctioned_origins(0);
  EXPECT_THAT(
      ValidateGenesis(genesis_),
      StatusIs(absl::StatusCode::kInvalidArgument, "RU is listed twice"));
}

TEST_F(GenesisTest, CreatedAtIsRequired) {
  genesis_.clear_created_at();
  EXPECT_THAT(ValidateGenesis(genesis_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "genesis created_at: is missing"));
}

TEST_F(GenesisTest, EnvelopeBelowGovernanceThresholdIsUnauthenticated) {
  EXPECT_THAT(VerifyGenesisEnvelope(Signed({&governance_[1]})),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "genesis has 1 governance signature, want 2"));
}

TEST_F(GenesisTest, EnvelopeSignedByAnOutsiderIsUnauthenticated) {
  EXPECT_THAT(VerifyGenesisEnvelope(Signed({&governance_[0], &nodes_[0]})),
              StatusIs(absl::StatusCode::kUnauthenticated, "unknown key id"));
}

TEST_F(GenesisTest, EnvelopeOfAnotherTypeOrGarbageIsRefused) {
  v1::Envelope env = Signed({&governance_[0], &governance_[1]});
  env.set_payload_type(std::string(envelope::kEventPayloadType));
  EXPECT_THAT(VerifyGenesisEnvelope(env),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "genesis envelope payload type is"));
  env = envelope::SignEnvelope(envelope::kGenesisPayloadType, "\xff\xff\xff",
                               {&governance_[0]});
  EXPECT_THAT(VerifyGenesisEnvelope(env),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "genesis payload is not a Genesis"));
}

TEST_F(GenesisTest, InvalidGenesisIsRefusedEvenWhenSigned) {
  genesis_.set_country_code("xx");
  EXPECT_THAT(
      VerifyGenesisEnvelope(Signed({&governance_[0], &governance_[1]})),
      StatusIs(absl::StatusCode::kInvalidArgument, "genesis country_code"));
}

}  // namespace
}  // namespace kpledger::rules
