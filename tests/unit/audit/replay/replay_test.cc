// The Replayer (ledger/audit/replay.h) on a real log: the scenario dataset
// applied by the applier into a store, its entries read back as a node
// serves them (node/query EntryAt). An honest log replays to the store's
// root; a tampered one fails at the entry that was tampered with: a flipped
// signature byte, a leaf whose bytes are not its envelope's, an entry
// missing or out of order, a ledger time changed.
#include "ledger/audit/replay.h"

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/apply/applier.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/entry/leaf.h"
#include "ledger/entry/time.h"
#include "ledger/envelope/dsse.h"
#include "ledger/store/store.h"
#include "node/query/queries.h"
#include "tests/testing/custody_builder.h"
#include "tests/testing/scenario.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::audit {
namespace {

using ::kpledger::testing::StatusIs;
using ::testing::HasSubstr;

// The scenario's log, built once: its entries as a node streams them and
// the store's root.
struct Log {
  std::vector<v1::LedgerEntry> entries;
  merkle::Hash root{};
};

const Log& ScenarioLog() {
  static const Log* log = [] {
    auto* out = new Log;
    absl::StatusOr<testdata::Scenario> scenario = testing::LoadScenario();
    EXPECT_TRUE(scenario.ok()) << scenario.status();
    if (!scenario.ok()) return out;
    const std::string dir =
        absl::StrCat(::testing::TempDir(), "/replay-test-source");
    std::filesystem::remove_all(dir);
    absl::StatusOr<std::unique_ptr<store::Store>> store =
        store::Store::Open(dir);
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return out;
    absl::StatusOr<std::unique_ptr<apply::Applier>> applier =
        apply::Applier::Open(store->get());
    EXPECT_TRUE(applier.ok()) << applier.status();
    if (!applier.ok()) return out;
    EXPECT_TRUE((*applier)->Bootstrap(scenario->genesis()).ok());
    for (const apply::OrderedBatch& batch :
         testing::OrderedBatches(*scenario)) {
      absl::StatusOr<apply::BatchResult> r = (*applier)->Apply(batch);
      EXPECT_TRUE(r.ok()) << r.status();
    }
    const store::TreeHead head = (*store)->head();
    for (uint64_t i = 0; i < head.size; ++i) {
      absl::StatusOr<v1::LedgerEntry> e = node::EntryAt(**store, i);
      EXPECT_TRUE(e.ok()) << e.status();
      if (e.ok()) out->entries.push_back(*std::move(e));
    }
    out->root = head.root;
    return out;
  }();
  return *log;
}

// An entry that agrees with itself, made from leaf bytes as EntryAt does:
// what a node would serve if its store held this leaf.
v1::LedgerEntry FromLeaf(const std::string& leaf) {
  absl::StatusOr<entry::LeafView> view = entry::DecodeLeaf(leaf);
  EXPECT_TRUE(view.ok()) << view.status();
  if (!view.ok()) return {};
  absl::StatusOr<v1::Envelope> env = envelope::ParseEnvelope(view->envelope);
  EXPECT_TRUE(env.ok()) << env.status();
  if (!env.ok()) return {};
  v1::LedgerEntry e;
  e.set_index(view->index);
  *e.mutable_ledger_time() = entry::ToTimestamp(view->time);
  e.set_event_id(envelope::EventId(env->payload()));
  *e.mutable_envelope() = *std::move(env);
  e.set_leaf(leaf);
  return e;
}

// `e` re-encoded at ledger time `time` (its leaf and fields agree).
v1::LedgerEntry AtTime(const v1::LedgerEntry& e, entry::LedgerTime time) {
  absl::StatusOr<entry::LeafView> view = entry::DecodeLeaf(e.leaf());
  EXPECT_TRUE(view.ok()) << view.status();
  if (!view.ok()) return {};
  return FromLeaf(entry::EncodeLeaf(e.index(), time, view->envelope));
}

class ReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GT(log().entries.size(), 20u) << "the scenario log is too short";
    KP_ASSERT_OK_AND_ASSIGN(replayer_, Replayer::Create(::testing::TempDir()));
  }

  static const Log& log() { return ScenarioLog(); }
  // An entry in the middle of the log, neither the genesis nor the last.
  static uint64_t Middle() { return log().entries.size() / 2; }

  // Adds `entries` until one fails, then finishes; the first failure.
  absl::Status Replay(const std::vector<v1::LedgerEntry>& entries) {
    for (const v1::LedgerEntry& e : entries) {
      if (absl::Status st = replayer_->Add(e); !st.ok()) return st;
    }
    return replayer_->Finish();
  }

  // The log with entry `index` replaced.
  static std::vector<v1::LedgerEntry> With(uint64_t index,
                                           v1::LedgerEntry entry) {
    std::vector<v1::LedgerEntry> out = log().entries;
    out[index] = std::move(entry);
    return out;
  }

  std::unique_ptr<Replayer> replayer_;
};

TEST_F(ReplayTest, HonestLogReplaysToTheStoresRoot) {
  const uint64_t watched = Middle();
  replayer_->WatchSize(watched);
  KP_ASSERT_OK(Replay(log().entries));
  EXPECT_EQ(replayer_->size(), log().entries.size());
  EXPECT_EQ(replayer_->root(), log().root);
  EXPECT_EQ(replayer_->RootAt(log().entries.size()), std::nullopt)
      << "not watched";
  KP_EXPECT_OK(replayer_->failed());
  EXPECT_EQ(replayer_->genesis().genesis.origin(), "kpledger.test/az-custody");

  // The root at the watched size is the root of that prefix, replayed alone.
  KP_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Replayer> prefix,
                          Replayer::Create(::testing::TempDir()));
  for (uint64_t i = 0; i < watched; ++i) {
    KP_ASSERT_OK(prefix->Add(log().entries[i]));
  }
  KP_ASSERT_OK(prefix->Finish());
  ASSERT_TRUE(replayer_->RootAt(watched).has_value());
  EXPECT_EQ(*replayer_->RootAt(watched), prefix->root());
  EXPECT_NE(prefix->root(), log().root);
}

// A checkpoint as a node serves it: a body at `size` with `root` and
// `extensions`, signed by the first `signers` of the scenario's node keys.
v1::Checkpoint Signed(uint64_t size, const merkle::Hash& root,
                      std::vector<std::string> extensions, int signers) {
  const testing::CustodyBuilder b;  // the scenario's deterministic keys
  checkpoint::CheckpointBody body;
  body.origin = b.genesis().origin();
  body.tree_size = size;
  body.root = root;
  body.extensions = std::move(extensions);
  absl::StatusOr<std::string> note =
      checkpoint::SignCheckpoint(body, b.NodeSigners(signers));
  EXPECT_TRUE(note.ok()) << note.status();
  v1::Checkpoint cp;
  if (note.ok()) cp.set_note(*note);
  cp.set_tree_size(size);
  return cp;
}

// What kpctl audit checks of a node's checkpoints: the node keys, and the
// root and count lines the replay computed at the checkpoint's size.
TEST_F(ReplayTest, CheckpointMustBeTheReplaysAtItsSize) {
  const uint64_t size = Middle();
  replayer_->WatchSize(size);
  KP_ASSERT_OK(Replay(log().entries));
  ASSERT_TRUE(replayer_->RootAt(size).has_value());
  const merkle::Hash root = *replayer_->RootAt(size);
  // The scenario's first batch registers a node key (node-customs).
  const std::vector<std::string> no_updates = {"kpledger/policy-updates 0",
                                               "kpledger/node-updates 1"};
  const std::string at = absl::StrCat("at tree size ", size);

  KP_ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> signers,
      replayer_->CheckCheckpoint(Signed(size, root, no_updates, 2), 2));
  EXPECT_EQ(signers.size(), 2u);
  // With node-customs, 4 node keys are in force: cosigned takes 3, a
  // majority (rules::CheckpointThresholdAt).
  KP_ASSERT_OK_AND_ASSIGN(const uint32_t threshold,
                          replayer_->CheckpointThreshold(size));
  EXPECT_EQ(threshold, 3u);
  KP_EXPECT_OK(
      replayer_
          ->CheckCheckpoint(Signed(size, root, no_updates, 3), std::nullopt)
          .status());
  EXPECT_THAT(replayer_->CheckCheckpoint(Signed(size, root, no_updates, 2),
                                         std::nullopt),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "2 valid node signatures, want 3"));

  merkle::Hash other = root;
  other[0] ^= 1;
  EXPECT_THAT(
      replayer_->CheckCheckpoint(Signed(size, other, no_updates, 2), 2),
      StatusIs(absl::StatusCode::kDataLoss, "the root recomputed " + at));
  EXPECT_THAT(
      replayer_->CheckCheckpoint(
          Signed(size, root, {"kpledger/policy-updates 1"}, 2), 2),
      StatusIs(absl::StatusCode::kDataLoss,
               "checkpoint " + at +
                   ": the checkpoint says the log holds 1 policy update(s) "
                   "below tree size " +
                   std::to_string(size) + "; this node's log holds 0"));
  EXPECT_THAT(replayer_->CheckCheckpoint(
                  Signed(size, root, {"kpledger/policy-updates 0"}, 2), 2),
              StatusIs(absl::StatusCode::kDataLoss,
                       "checkpoint " + at +
                           ": the checkpoint says 0 entries below tree size " +
                           std::to_string(size) +
                           " changed the node keys; in this node's log 1 did"));
  EXPECT_THAT(replayer_->CheckCheckpoint(Signed(size, root, {}, 2), 2),
              StatusIs(absl::StatusCode::kDataLoss,
                       "has no \"kpledger/policy-updates <count>\" line"));
  EXPECT_THAT(replayer_->CheckCheckpoint(Signed(size, root, no_updates, 1), 2),
              StatusIs(absl::StatusCode::kUnauthenticated, "checkpoint " + at));
  const uint64_t past = log().entries.size() + 1;
  EXPECT_THAT(replayer_->CheckCheckpoint(Signed(past, root, no_updates, 2), 2),
              StatusIs(absl::StatusCode::kDataLoss,
                       absl::StrCat("checkpoint at tree size ", past,
                                    " is past the ", log().entries.size(),
                                    " entries the node streamed")));
}

TEST_F(ReplayTest, ScratchFolderIsRemovedWithTheReplayer) {
  const std::string parent =
      absl::StrCat(::testing::TempDir(), "/replay-scratch-parent");
  std::filesystem::remove_all(parent);
  std::filesystem::create_directories(parent);
  {
    KP_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Replayer> r,
                            Replayer::Create(parent));
    KP_ASSERT_OK(r->Add(log().entries[0]));
    EXPECT_FALSE(std::filesystem::is_empty(parent));
  }
  EXPECT_TRUE(std::filesystem::is_empty(parent));
  EXPECT_THAT(Replayer::Create(parent + "/missing").status(),
              StatusIs(absl::StatusCode::kUnavailable, "scratch folder"));
}

TEST_F(ReplayTest, FlippedSignatureByteFailsAtThatEntry) {
  const uint64_t k = Middle();
  std::string leaf = log().entries[k].leaf();
  leaf.back() ^= 1;  // the last byte of the last signature
  const v1::LedgerEntry tampered = FromLeaf(leaf);
  ASSERT_EQ(tampered.event_id(), log().entries[k].event_id())
      << "a signature byte leaves the payload and its id alone";
  EXPECT_THAT(Replay(With(k, tampered)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "refused on replay: UNAUTHENTICATED"));
  EXPECT_EQ(replayer_->failed_entry(), k);
  // The failure sticks: every later call answers the same.
  EXPECT_THAT(
      replayer_->Add(log().entries[k + 1]),
      StatusIs(absl::StatusCode::kFailedPrecondition, "refused on replay"));
  EXPECT_THAT(
      replayer_->Finish(),
      StatusIs(absl::StatusCode::kFailedPrecondition, "refused on replay"));
}

TEST_F(ReplayTest, LeafThatIsNotItsEnvelopeIsDataLossAtThatEntry) {
  const uint64_t k = Middle();
  v1::LedgerEntry e = log().entries[k];
  e.mutable_leaf()->back() ^= 1;  // the envelope and event id stay
  EXPECT_THAT(Replay(With(k, e)),
              StatusIs(absl::StatusCode::kDataLoss,
                       "the decoded envelope is not the leaf's"));
  EXPECT_EQ(replayer_->failed_entry(), k);
}

TEST_F(ReplayTest, EventIdThatIsNotThePayloadsIsDataLoss) {
  const uint64_t k = Middle();
  v1::LedgerEntry e = log().entries[k];
  e.set_event_id(log().entries[k + 1].event_id());
  EXPECT_THAT(Replay(With(k, e)),
              StatusIs(absl::StatusCode::kDataLoss, "is not the entry's"));
  EXPECT_EQ(replayer_->failed_entry(), k);
}

TEST_F(ReplayTest, UndecodableLeafIsDataLoss) {
  const uint64_t k = Middle();
  v1::LedgerEntry e = log().entries[k];
  e.mutable_leaf()->resize(e.leaf().size() - 1);
  EXPECT_THAT(Replay(With(k, e)), StatusIs(absl::StatusCode::kDataLoss, ""));
  EXPECT_EQ(replayer_->failed_entry(), k);
}

TEST_F(ReplayTest, MissingEntryFailsWhereItShouldBe) {
  const uint64_t k = Middle();
  std::vector<v1::LedgerEntry> entries = log().entries;
  entries.erase(entries.begin() + k);
  EXPECT_THAT(Replay(entries), StatusIs(absl::StatusCode::kDataLoss,
                                        absl::StrCat("the node sent entry ",
                                                     k + 1, ", want ", k)));
  EXPECT_EQ(replayer_->failed_entry(), k);
}

TEST_F(ReplayTest, EntriesOutOfOrderFail) {
  const uint64_t k = Middle();
  std::vector<v1::LedgerEntry> entries = log().entries;
  std::swap(entries[k], entries[k + 1]);
  EXPECT_THAT(Replay(entries), StatusIs(absl::StatusCode::kDataLoss,
                                        absl::StrCat("the node sent entry ",
                                                     k + 1, ", want ", k)));
  EXPECT_EQ(replayer_->failed_entry(), k);
}

TEST_F(ReplayTest, LeafRenumberedIsDataLoss) {
  // The entry says k, its leaf says k + 1.
  const uint64_t k = Middle();
  v1::LedgerEntry e = log().entries[k + 1];
  e.set_index(k);
  EXPECT_THAT(Replay(With(k, e)),
              StatusIs(absl::StatusCode::kDataLoss,
                       absl::StrCat("leaf names index ", k + 1)));
  EXPECT_EQ(replayer_->failed_entry(), k);
}

TEST_F(ReplayTest, EntryTimeThatIsNotTheLeafsIsDataLoss) {
  const uint64_t k = Middle();
  v1::LedgerEntry e = log().entries[k];
  e.mutable_ledger_time()->set_seconds(e.ledger_time().seconds() + 1);
  EXPECT_THAT(Replay(With(k, e)),
              StatusIs(absl::StatusCode::kDataLoss, "leaf time "));
  EXPECT_EQ(replayer_->failed_entry(), k);
}

TEST_F(ReplayTest, LedgerTimeMovedBackFailsAtThatEntry) {
  // A leaf re-signed into the log at a time before its predecessor's: the
  // applier never goes back in time, so the replayed leaf differs.
  const uint64_t k = Middle();
  const entry::LedgerTime before =
      entry::FromTimestamp(log().entries[k - 1].ledger_time());
  const v1::LedgerEntry moved =
      AtTime(log().entries[k], {before.seconds - 3600, before.nanos});
  EXPECT_THAT(
      Replay(With(k, moved)),
      StatusIs(absl::StatusCode::kDataLoss,
               absl::StrCat("replayed at ledger time ",
                            entry::FormatTime(std::max(
                                before, entry::FromTimestamp(
                                            log().entries[k].ledger_time()))),
                            ", the node's entry says ")));
  EXPECT_EQ(replayer_->failed_entry(), k);
}

TEST_F(ReplayTest, LedgerTimeMovedPastTheNextEntryFailsThere) {
  // Entry k moved an hour past entry k + 1 replays as such (the applier
  // takes a later proposed time), but entry k + 1 then cannot be replayed
  // at its own, earlier time.
  const uint64_t k = Middle();
  const entry::LedgerTime next =
      entry::FromTimestamp(log().entries[k + 1].ledger_time());
  const v1::LedgerEntry moved =
      AtTime(log().entries[k], {next.seconds + 3600, next.nanos});
  EXPECT_THAT(Replay(With(k, moved)), StatusIs(absl::StatusCode::kDataLoss,
                                               "replayed at ledger time "));
  EXPECT_EQ(replayer_->failed_entry(), k + 1);
}

TEST_F(ReplayTest, LedgerTimeMovedWithinItsGapChangesTheRoot) {
  // A time between the neighbours' is one the proposer could have chosen:
  // the replay cannot tell, but the root differs from the one the node
  // signed, which is what kpctl audit compares it with.
  uint64_t k = Middle();
  while (k + 1 < log().entries.size() &&
         !(entry::FromTimestamp(log().entries[k].ledger_time()).seconds + 1 <
           entry::FromTimestamp(log().entries[k + 1].ledger_time()).seconds)) {
    ++k;
  }
  ASSERT_LT(k + 1, log().entries.size()) << "no gap after the middle";
  const entry::LedgerTime t =
      entry::FromTimestamp(log().entries[k].ledger_time());
  KP_ASSERT_OK(
      Replay(With(k, AtTime(log().entries[k], {t.seconds + 1, t.nanos}))));
  EXPECT_NE(replayer_->root(), log().root);
}

}  // namespace
}  // namespace kpledger::audit
