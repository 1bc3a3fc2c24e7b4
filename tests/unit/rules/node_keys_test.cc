// Node keys by governance: a RegisterActor of role NODE adds a key that
// signs checkpoints and batches, a RevokeActor naming a node key (the
// genesis' too) takes it out, and the keys that count for a checkpoint are
// those in force at its size (ledger/rules/node_set.h).
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/envelope/dsse.h"
#include "ledger/rules/node_set.h"
#include "tests/unit/rules/rules_fixture.h"

namespace kpledger::rules {
namespace {

using ::absl::StatusCode;
using ::kpledger::testing::CustodyBuilder;

class NodeKeysTest : public RulesTest {
 protected:
  v1::NodeSetRecord Nodes() {
    absl::StatusOr<v1::NodeSetRecord> set =
        NodeSetOf(StateView(&state_), b_.genesis());
    EXPECT_TRUE(set.ok()) << set.status();
    return set.ok() ? *set : v1::NodeSetRecord();
  }
  std::string GenesisNode(int i) { return b_.genesis().node_keys(i).name(); }
  v1::Envelope Revoke(const std::string& id, int signers = 2) {
    v1::CustodyEvent ev;
    ev.mutable_revoke_actor()->set_actor_id(id);
    ev.mutable_revoke_actor()->set_reason("the agency left the scheme");
    return b_.Governance(ev, signers);
  }
  // The names of the keys that count at `tree_size`.
  std::vector<std::string> CountingAt(uint64_t tree_size) {
    std::vector<std::string> out;
    for (const checkpoint::NoteVerifier& v :
         NodeVerifiersAt(Nodes(), tree_size)) {
      out.push_back(v.name());
    }
    return out;
  }
};

TEST_F(NodeKeysTest, TheGenesisKeysAreTheFirstSet) {
  const v1::NodeSetRecord set = GenesisNodeSet(b_.genesis());
  ASSERT_EQ(set.keys_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(set.keys(i).name(), GenesisNode(i));
    EXPECT_EQ(set.keys(i).public_key(), b_.genesis().node_keys(i).public_key());
    EXPECT_EQ(set.keys(i).added_at(), 0u);
    EXPECT_FALSE(set.keys(i).removed());
  }
  EXPECT_EQ(set.update_entries_size(), 0);
  // A store written before the set was kept has the genesis' keys.
  MemoryStateSource empty;
  absl::StatusOr<v1::NodeSetRecord> old =
      NodeSetOf(StateView(&empty), b_.genesis());
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->keys_size(), 3);
}

TEST_F(NodeKeysTest, ARegisteredNodeCountsFromTheEntryAfterItsRegistration) {
  // The fixture registered "node-1", a NODE actor, at entry 9.
  const v1::NodeSetRecord first = Nodes();
  const v1::NodeKeyRecord* registered = FindNodeKey(first, "node-1");
  ASSERT_NE(registered, nullptr);
  EXPECT_EQ(registered->added_at(), 9u);
  EXPECT_EQ(
      registered->public_key(),
      std::string(CustodyBuilder::ActorKey("node-1").public_key().bytes()));
  const uint64_t at = index_;
  KP_ASSERT_OK(Apply(b_.Register("vault-agency", v1::NODE)));
  const v1::NodeSetRecord set = Nodes();
  ASSERT_EQ(set.keys_size(), 5);
  EXPECT_EQ(set.keys(4).name(), "vault-agency");
  EXPECT_EQ(set.keys(4).added_at(), at);
  EXPECT_THAT(set.update_entries(), ::testing::ElementsAre(9u, at));
  // A checkpoint of size `at` does not hold the registration; one of
  // size at + 1 does.
  EXPECT_THAT(CountingAt(at),
              ::testing::Not(::testing::Contains("vault-agency")));
  EXPECT_THAT(CountingAt(at + 1), ::testing::Contains("vault-agency"));
  EXPECT_EQ(NodeUpdatesBelow(set, at), 1u);
  EXPECT_EQ(NodeUpdatesBelow(set, at + 1), 2u);
  // It is an actor too: listed, and revocable by its id.
  EXPECT_EQ(Actor("vault-agency").role(), v1::NODE);
}

TEST_F(NodeKeysTest, ANodesIdIsItsNoteKeyName) {
  const size_t before = RecordCount();
  EXPECT_THAT(Apply(b_.Register("vault+agency", v1::NODE)),
              StatusIs(StatusCode::kInvalidArgument,
                       "register_actor.actor_id: is a node key's name in its "
                       "checkpoint signatures, so it may not hold a '+'"));
  // No actor, of any role, takes a genesis node key's name...
  EXPECT_THAT(Apply(b_.Register(GenesisNode(0), v1::LAB)),
              StatusIs(StatusCode::kFailedPrecondition,
                       GenesisNode(0) + " is the name of a node key"));
  // ...or its key.
  v1::CustodyEvent same_key;
  v1::RegisterActor* r = same_key.mutable_register_actor();
  r->set_actor_id("lab-9");
  r->set_name("Lab Nine");
  r->set_role(v1::LAB);
  r->set_public_key(b_.genesis().node_keys(1).public_key());
  EXPECT_THAT(Apply(b_.Governance(same_key)),
              StatusIs(StatusCode::kFailedPrecondition,
                       "public_key: is (or was) node key " + GenesisNode(1)));
  EXPECT_EQ(RecordCount(), before);
}

TEST_F(NodeKeysTest, ANodeKeyIsNotRotated) {
  v1::CustodyEvent ev;
  ev.mutable_rotate_key()->set_actor_id("node-1");
  ev.mutable_rotate_key()->set_new_public_key(
      std::string(CustodyBuilder::ActorKey("node-1", 1).public_key().bytes()));
  const size_t before = RecordCount();
  EXPECT_THAT(Apply(b_.Governance(ev)),
              StatusIs(StatusCode::kFailedPrecondition,
                       "node-1 is a node key, which is not rotated: register "
                       "the new key as another NODE actor, then revoke this "
                       "one"));
  EXPECT_EQ(RecordCount(), before);
}

TEST_F(NodeKeysTest, RevokingANodeKeyTakesItOutFromThatEntryOn) {
  // A genesis key, which has no actor record: its name is enough.
  const uint64_t at = index_;
  KP_ASSERT_OK(Apply(Revoke(GenesisNode(2))));
  v1::NodeSetRecord set = Nodes();
  const v1::NodeKeyRecord* gone = FindNodeKey(set, GenesisNode(2));
  ASSERT_NE(gone, nullptr);
  EXPECT_TRUE(gone->removed());
  EXPECT_EQ(gone->removed_at(), at);
  // Checkpoints up to the revocation's entry still count it (they were
  // signed before it); later ones do not.
  EXPECT_THAT(CountingAt(at), ::testing::Contains(GenesisNode(2)));
  EXPECT_THAT(CountingAt(at + 1),
              ::testing::Not(::testing::Contains(GenesisNode(2))));
  EXPECT_THAT(Apply(Revoke(GenesisNode(2))),
              StatusIs(StatusCode::kFailedPrecondition,
                       GenesisNode(2) + " is already revoked"));

  // A registered node: its actor is revoked with it.
  KP_ASSERT_OK(Apply(Revoke("node-1")));
  EXPECT_TRUE(Actor("node-1").revoked());
  EXPECT_TRUE(FindNodeKey(Nodes(), "node-1")->removed());
  EXPECT_EQ(Nodes().update_entries_size(), 3);
  // Revoking an actor of another role changes no node key.
  KP_ASSERT_OK(Apply(Revoke("lab-2")));
  EXPECT_EQ(Nodes().update_entries_size(), 3);
}

TEST_F(NodeKeysTest, NoRevocationLeavesFewerKeysThanTheCheckpointThreshold) {
  // Genesis keys 0-2 and node-1 are in force; the threshold is 2.
  KP_ASSERT_OK(Apply(Revoke(GenesisNode(0))));
  KP_ASSERT_OK(Apply(Revoke(GenesisNode(1))));
  const size_t before = RecordCount();
  EXPECT_THAT(Apply(Revoke("node-1")),
              StatusIs(StatusCode::kFailedPrecondition,
                       "removing node key node-1 would leave 1 node key, "
                       "fewer than the checkpoint threshold of 2"));
  EXPECT_EQ(RecordCount(), before);
  // Registering a replacement first makes room.
  KP_ASSERT_OK(Apply(b_.Register("node-4", v1::NODE)));
  KP_EXPECT_OK(Apply(Revoke("node-1")));
}

TEST_F(NodeKeysTest, NodeKeyChangesNeedTheGovernanceThreshold) {
  const size_t before = RecordCount();
  EXPECT_THAT(Apply(b_.Register("node-9", v1::NODE, "", /*signers=*/1)),
              StatusIs(StatusCode::kPermissionDenied, "needs the signatures"));
  EXPECT_THAT(Apply(Revoke(GenesisNode(0), /*signers=*/1)),
              StatusIs(StatusCode::kPermissionDenied, "needs the signatures"));
  EXPECT_EQ(RecordCount(), before);
}

// A verifier without the state derives the set from the entries, and takes
// a change only from governance.
TEST_F(NodeKeysTest, EntriesChangeTheSetOnlyWithGovernanceSignatures) {
  v1::NodeSetRecord set = GenesisNodeSet(b_.genesis());
  absl::StatusOr<bool> changed = ApplyNodeChangeEntry(
      b_.genesis(), b_.Register("node-7", v1::NODE).SerializeAsString(), 20,
      &set);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  ASSERT_NE(FindNodeKey(set, "node-7"), nullptr);
  EXPECT_EQ(FindNodeKey(set, "node-7")->added_at(), 20u);

  // Other events change nothing.
  changed = ApplyNodeChangeEntry(
      b_.genesis(), b_.Register("lab-7", v1::LAB).SerializeAsString(), 21,
      &set);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);

  // A node key "registered" without the governance threshold: an untrusted
  // log cannot vouch for itself with keys it adds.
  const v1::NodeSetRecord kept = set;
  EXPECT_THAT(
      ApplyNodeChangeEntry(
          b_.genesis(),
          b_.Register("node-8", v1::NODE, "", 1).SerializeAsString(), 22, &set),
      StatusIs(StatusCode::kUnauthenticated,
               "entry 22 changes the node keys but is not signed by the "
               "genesis' governance threshold of 2 keys"));
  EXPECT_EQ(set.keys_size(), kept.keys_size());
  EXPECT_EQ(set.update_entries_size(), kept.update_entries_size());
}

TEST_F(NodeKeysTest, ACheckpointCountsTheKeysInForceAtItsSize) {
  const uint64_t revoked_at = index_;
  KP_ASSERT_OK(Apply(Revoke(GenesisNode(0))));
  const v1::NodeSetRecord set = Nodes();
  auto Signed = [&](uint64_t size) {
    checkpoint::CheckpointBody body;
    body.origin = b_.genesis().origin();
    body.tree_size = size;
    // Genesis keys 0 and 1.
    return checkpoint::SignCheckpoint(body, b_.NodeSigners(2)).value();
  };
  // Before the revocation both signatures count...
  absl::StatusOr<checkpoint::VerifiedCheckpoint> before =
      VerifyNodeCheckpoint(Signed(revoked_at), b_.genesis(), set, 2);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->signers.size(), 2u);
  // ...after it, key 0's is ignored, as an unknown key's is.
  EXPECT_THAT(
      VerifyNodeCheckpoint(Signed(revoked_at + 1), b_.genesis(), set, 2),
      StatusIs(StatusCode::kUnauthenticated,
               "checkpoint has 1 valid node signature, want 2 (signed "
               "by " +
                   GenesisNode(1) + ")"));
}

// The event an envelope carries.
v1::CustodyEvent EventOf(const v1::Envelope& env) {
  v1::CustodyEvent ev;
  EXPECT_TRUE(ev.ParseFromString(env.payload()));
  return ev;
}

// Two roots that disagree cannot both be cosigned: a genesis threshold
// that is more than half of the genesis' node keys stays more than half of
// the keys in force as governance adds them.
TEST_F(NodeKeysTest, TheThresholdStaysAMajorityOfTheKeysInForce) {
  // Genesis: 3 keys, threshold 2; the fixture added node-1 at entry 9.
  EXPECT_EQ(CheckpointThresholdAt(b_.genesis(), Nodes(), 9), 2u);   // 3 keys
  EXPECT_EQ(CheckpointThresholdAt(b_.genesis(), Nodes(), 10), 3u);  // 4 keys
  KP_ASSERT_OK(Apply(b_.Register("node-5", v1::NODE)));
  EXPECT_EQ(CheckpointThresholdAt(b_.genesis(), Nodes(), index_), 3u);  // 5
  KP_ASSERT_OK(Apply(b_.Register("node-6", v1::NODE)));
  EXPECT_EQ(CheckpointThresholdAt(b_.genesis(), Nodes(), index_), 4u);  // 6
  KP_ASSERT_OK(Apply(Revoke(GenesisNode(0))));
  KP_ASSERT_OK(Apply(Revoke(GenesisNode(1))));
  KP_ASSERT_OK(Apply(Revoke("node-6")));
  EXPECT_EQ(CheckpointThresholdAt(b_.genesis(), Nodes(), index_), 2u);  // 3

  // A checkpoint with 4 keys in force needs 3 signatures.
  checkpoint::CheckpointBody body;
  body.origin = b_.genesis().origin();
  body.tree_size = 10;
  EXPECT_THAT(VerifyNodeCheckpoint(
                  checkpoint::SignCheckpoint(body, b_.NodeSigners(2)).value(),
                  b_.genesis(), Nodes()),
              StatusIs(StatusCode::kUnauthenticated,
                       "checkpoint has 2 valid node signatures, want 3"));

  // A genesis that chose a threshold of half or less (one node may cosign
  // alone, for a test bench) keeps it.
  CustodyBuilder lax(testing::DefaultPolicy(), /*checkpoint_threshold=*/1);
  v1::NodeSetRecord many = GenesisNodeSet(lax.genesis());
  for (const std::string id : {"a", "b", "c"}) {
    ASSERT_TRUE(ApplyNodeChange(lax.genesis(),
                                EventOf(lax.Register(id, v1::NODE)), 5, &many));
  }
  EXPECT_EQ(CheckpointThresholdAt(lax.genesis(), many, 6), 1u);
}

// What the rules refuse changes nothing for a verifier either: a name or
// key the set has, another ledger's event.
TEST_F(NodeKeysTest, AnEntryTheRulesWouldRefuseChangesNoNodeKey) {
  v1::NodeSetRecord set = Nodes();
  const int keys = set.keys_size();
  EXPECT_FALSE(ApplyNodeChange(
      b_.genesis(), EventOf(b_.Register("node-1", v1::NODE)), 30, &set));
  v1::CustodyEvent same_key = EventOf(b_.Register("node-9", v1::NODE));
  same_key.mutable_register_actor()->set_public_key(
      b_.genesis().node_keys(0).public_key());
  EXPECT_FALSE(ApplyNodeChange(b_.genesis(), same_key, 30, &set));
  v1::CustodyEvent plus = EventOf(b_.Register("node+9", v1::NODE));
  EXPECT_FALSE(ApplyNodeChange(b_.genesis(), plus, 30, &set));
  v1::CustodyEvent elsewhere = EventOf(b_.Register("node-9", v1::NODE));
  elsewhere.set_origin("another.ledger/custody");
  // Signed as governance signs, with its origin kept.
  const v1::Envelope signed_elsewhere = envelope::SignEnvelope(
      envelope::kEventPayloadType, elsewhere.SerializeAsString(),
      {&b_.governance_key(0), &b_.governance_key(1)});
  absl::StatusOr<bool> changed = ApplyNodeChangeEntry(
      b_.genesis(), signed_elsewhere.SerializeAsString(), 30, &set);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed);
  EXPECT_EQ(set.keys_size(), keys);
}

// The rules and a verifier that has only the entries derive the same node
// keys from a log: every accepted entry, replayed through
// ApplyNodeChangeEntry, gives the state's set.
TEST_F(NodeKeysTest, EntriesGiveTheSetTheRulesKeep) {
  v1::NodeSetRecord derived = GenesisNodeSet(b_.genesis());
  // The fixture's registration of node-1 at entry 9.
  ASSERT_TRUE(*ApplyNodeChangeEntry(
      b_.genesis(), b_.Register("node-1", v1::NODE).SerializeAsString(), 9,
      &derived));
  std::vector<v1::Envelope> story = {
      b_.Register("node-5", v1::NODE),
      b_.Register("lab-5", v1::LAB),
      Revoke(GenesisNode(0)),
      Revoke("lab-5"),
      b_.Register(GenesisNode(1), v1::LAB),  // refused: a node's name
      Revoke("node-1"),
      Revoke("node-5"),
      Revoke(GenesisNode(1)),  // refused: one key would be left, of two
      Revoke(GenesisNode(0)),  // refused: revoked already
  };
  int accepted = 0;
  for (const v1::Envelope& env : story) {
    const uint64_t at = index_;
    if (!Apply(env).ok()) continue;
    ++accepted;
    KP_ASSERT_OK(ApplyNodeChangeEntry(b_.genesis(), env.SerializeAsString(), at,
                                      &derived)
                     .status());
  }
  EXPECT_EQ(accepted, 6);
  EXPECT_EQ(derived.SerializeAsString(), Nodes().SerializeAsString())
      << derived.DebugString() << "\n"
      << Nodes().DebugString();
}

// A genesis made before node keys could change keeps its node keys for
// good: a NODE actor is an actor like any other, as it was, so a ledger's
// history is read as it was written.
TEST_F(NodeKeysTest, AGenesisWithoutTheFlagKeepsItsNodeKeys) {
  v1::Genesis old = b_.genesis();
  old.clear_node_keys_by_governance();
  MemoryStateSource state;
  {
    StateChanges init(&state);
    InitState(old, &init);
    for (const auto& [k, v] : init.changes()) state.Put(k, v);
  }
  auto apply = [&](const v1::Envelope& env, uint64_t index) {
    absl::StatusOr<SignedEvent> ev = DecodeEvent(env.SerializeAsString());
    EXPECT_TRUE(ev.ok());
    StateChanges changes(&state);
    const EventContext ctx{&old, entry::LedgerTime{kGenesisSeconds + kDay, 0},
                           index};
    absl::StatusOr<std::vector<v1::Flag>> flags =
        ApplyEvent(ctx, *ev, &changes);
    if (flags.ok()) {
      for (const auto& [k, v] : changes.changes()) state.Put(k, v);
    }
    return flags.status();
  };
  // A NODE actor under a genesis node's name, with a genesis node's key:
  // accepted, as before.
  v1::CustodyEvent reg = EventOf(b_.Register(GenesisNode(0), v1::NODE));
  reg.mutable_register_actor()->set_public_key(
      b_.genesis().node_keys(1).public_key());
  KP_ASSERT_OK(apply(b_.Governance(reg), 1));
  absl::StatusOr<v1::NodeSetRecord> set = NodeSetOf(StateView(&state), old);
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->keys_size(), 3);
  EXPECT_EQ(set->update_entries_size(), 0);
  // Re-keyed and revoked as any actor; the genesis key stays in force.
  v1::CustodyEvent rotate;
  rotate.mutable_rotate_key()->set_actor_id(GenesisNode(0));
  rotate.mutable_rotate_key()->set_new_public_key(
      std::string(CustodyBuilder::ActorKey("x", 1).public_key().bytes()));
  KP_ASSERT_OK(apply(b_.Governance(rotate), 2));
  KP_ASSERT_OK(apply(Revoke(GenesisNode(0)), 3));
  set = NodeSetOf(StateView(&state), old);
  ASSERT_TRUE(set.ok());
  EXPECT_FALSE(FindNodeKey(*set, GenesisNode(0))->removed());
  // A genesis node key that is no actor is not revoked.
  EXPECT_THAT(apply(Revoke(GenesisNode(2)), 4),
              StatusIs(StatusCode::kNotFound, "no registered actor"));
  // Nor does an entry change the set for a verifier, or the threshold.
  v1::NodeSetRecord derived = GenesisNodeSet(old);
  absl::StatusOr<bool> changed = ApplyNodeChangeEntry(
      old, b_.Register("node-7", v1::NODE).SerializeAsString(), 5, &derived);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
  EXPECT_EQ(CheckpointThresholdAt(old, derived, 6), 2u);
}

}  // namespace
}  // namespace kpledger::rules
