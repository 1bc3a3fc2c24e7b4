// Bundles of a ledger whose node keys changed by governance: the verifier
// counts the checkpoint's signatures against the keys the bundle's entries
// leave in force at its size, and the checkpoint's node line makes a bundle
// that left out a change fail (ledger/rules/node_set.h).
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/apply/checkpoint_body.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/checkpoint/policy_line.h"
#include "ledger/merkle/hasher.h"
#include "ledger/provenance/bundle.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/provenance/provenance_fixture.h"

namespace kpledger::provenance {
namespace {

using ::absl::StatusCode;
using ::kpledger::testing::CustodyBuilder;
using ::kpledger::testing::StatusIs;
using ::testing::Contains;

class NodeKeysBundleTest : public ProvenanceTest {
 protected:
  void SetUp() override {
    ProvenanceTest::SetUp();
    // Day 12: governance registers the vault agency's node and retires
    // the first genesis node.
    v1::CustodyEvent revoke;
    revoke.mutable_revoke_actor()->set_actor_id(GenesisNode(0));
    revoke.mutable_revoke_actor()->set_reason("the agency left the scheme");
    Submit(12, {{"register node", b_.Register("vault-agency", v1::NODE)},
                {"revoke node", b_.Governance(revoke)}});
  }

  const crypto::PrivateKey agency_ = CustodyBuilder::ActorKey("vault-agency");

  std::string GenesisNode(int i) const {
    return b_.genesis().node_keys(i).name();
  }

  // A node key that signs a checkpoint: its name and private key.
  struct Signer {
    std::string name;
    const crypto::PrivateKey* key;
  };
  // The store's checkpoint of the whole log signed by genesis node 1 and
  // `others`, or with `extensions` in place of its lines.
  v1::Checkpoint CosignWith(
      const std::vector<Signer>& others,
      std::optional<std::vector<std::string>> extensions = std::nullopt) const {
    checkpoint::CheckpointBody body =
        *apply::StoreCheckpointBody(*store_, b_.genesis().origin(), Size());
    if (extensions.has_value()) body.extensions = *std::move(extensions);
    std::vector<checkpoint::NoteSigner> signers = {
        *checkpoint::NoteSigner::Create(GenesisNode(1), b_.node_key(1))};
    for (const Signer& s : others) {
      signers.push_back(*checkpoint::NoteSigner::Create(s.name, *s.key));
    }
    v1::Checkpoint cp;
    cp.set_note(*checkpoint::SignCheckpoint(body, signers));
    cp.set_origin(body.origin);
    cp.set_tree_size(Size());
    cp.set_root_hash(merkle::HashToBytes(body.root));
    return cp;
  }
  v1::Checkpoint ByTheNewNode() const {
    return CosignWith({{"vault-agency", &agency_}});
  }
  v1::ProvenanceBundle BundleWith(const v1::Checkpoint& cp) const {
    absl::StatusOr<v1::ProvenanceBundle> bundle =
        BuildBundle(*store_, "M-1", cp);
    EXPECT_TRUE(bundle.ok()) << bundle.status();
    return bundle.ok() ? *std::move(bundle) : v1::ProvenanceBundle();
  }
};

TEST_F(NodeKeysBundleTest, ACheckpointCosignedByARegisteredNodeVerifies) {
  const v1::ProvenanceBundle bundle = BundleWith(ByTheNewNode());
  EXPECT_THAT(Indexes(bundle), Contains(Index("register node")));
  EXPECT_THAT(Indexes(bundle), Contains(Index("revoke node")));
  absl::StatusOr<v1::ProvenanceAccount> account = Verify(bundle);
  ASSERT_TRUE(account.ok()) << account.status();
  EXPECT_THAT(account->checkpoint().signers(), Contains("vault-agency"));
}

TEST_F(NodeKeysBundleTest, ARevokedNodesSignatureNoLongerCounts) {
  const v1::ProvenanceBundle bundle =
      BundleWith(CosignWith({{GenesisNode(0), &b_.node_key(0)}}));
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kUnauthenticated,
                       "checkpoint: checkpoint has 1 valid node signature, "
                       "want 2 (signed by " +
                           GenesisNode(1) + ")"));
}

TEST_F(NodeKeysBundleTest, DroppedRevocationIsRefused) {
  // Without it the retired key would count again (and four keys would be
  // in force, wanting three signatures: here there are).
  v1::ProvenanceBundle bundle = BundleWith(CosignWith(
      {{GenesisNode(2), &b_.node_key(2)}, {"vault-agency", &agency_}}));
  Drop(&bundle, Index("revoke node"));
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kInvalidArgument,
                       "the bundle holds 1 node key update(s), but the "
                       "checkpoint says the log holds 2 below tree size " +
                           std::to_string(Size())));
}

TEST_F(NodeKeysBundleTest, DroppedRegistrationLeavesItsSignatureUncounted) {
  v1::ProvenanceBundle bundle = BundleWith(ByTheNewNode());
  Drop(&bundle, Index("register node"));
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kUnauthenticated,
                       "checkpoint has 1 valid node signature"));
}

TEST_F(NodeKeysBundleTest, CheckpointThatCountsFewerNodeUpdatesIsRefused) {
  const v1::ProvenanceBundle bundle = BundleWith(ByTheNewNode());
  v1::ProvenanceBundle lying = bundle;
  *lying.mutable_checkpoint() =
      CosignWith({{"vault-agency", &agency_}},
                 std::vector<std::string>{checkpoint::PolicyUpdatesLine(1)});
  EXPECT_THAT(Verify(lying),
              StatusIs(StatusCode::kFailedPrecondition,
                       "the bundle proves 2 node key updates in the log below "
                       "tree size " +
                           std::to_string(Size()) +
                           ", but the checkpoint counts 0: its signers "
                           "counted wrong"));
  // And a builder refuses a checkpoint whose node line is not its store's.
  EXPECT_THAT(BuildBundle(*store_, "M-1", lying.checkpoint()),
              StatusIs(StatusCode::kFailedPrecondition,
                       "changed the node keys; in this node's log 2 did"));
}

TEST_F(NodeKeysBundleTest, ANodeKeyChangeWithoutGovernanceIsNamed) {
  // An entry that registers a node with one governance signature of two
  // (a forger's log could carry one, to add keys that vouch for it).
  v1::ProvenanceBundle bundle = BundleWith(ByTheNewNode());
  EditEnvelope(&bundle, Index("register node"), [](v1::Envelope* env) {
    env->mutable_signatures()->RemoveLast();
  });
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kUnauthenticated,
                       "changes the node keys but is not signed by the "
                       "genesis' governance threshold of 2 keys"));
}

}  // namespace
}  // namespace kpledger::provenance
