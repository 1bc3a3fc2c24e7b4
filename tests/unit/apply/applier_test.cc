// The applier: receipts for every event, atomic batches, duplicates answered
// with their original outcome, determinism of replays, exactly-once apply
// across restarts.
#include "ledger/apply/applier.h"

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/apply/store_state.h"
#include "ledger/base/encoding.h"
#include "ledger/entry/time.h"
#include "ledger/rules/state.h"
#include "ledger/store/store.h"
#include "tests/testing/custody_builder.h"
#include "tests/testing/day_batch.h"
#include "tests/testing/failing_disk.h"
#include "tests/testing/fresh_dir.h"
#include "tests/testing/scenario.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::apply {
namespace {

using ::kpledger::testing::CustodyBuilder;
using ::kpledger::testing::DayBatch;
using ::kpledger::testing::FreshDir;
using ::kpledger::testing::ImportEvent;
using ::kpledger::testing::IncomingCertificate;
using ::kpledger::testing::kDay;
using ::kpledger::testing::kGenesisSeconds;
using ::kpledger::testing::StatusIs;
using ::kpledger::testing::TransferEvent;
using ::testing::ElementsAre;

class ApplierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KP_ASSERT_OK_AND_ASSIGN(store_, store::Store::Open(FreshDir("applier")));
    KP_ASSERT_OK_AND_ASSIGN(applier_, Applier::Open(store_.get()));
    KP_ASSERT_OK(applier_->Bootstrap(b_.genesis_envelope()));
    KP_ASSERT_OK_AND_ASSIGN(
        BatchResult r,
        applier_->Apply(DayBatch(1, 0,
                                 {b_.Register("customs-1", v1::CUSTOMS),
                                  b_.Register("vault-1", v1::VAULT)})));
    ASSERT_EQ(r.receipts[1].outcome(), v1::Receipt::ACCEPTED);
  }

  v1::Envelope Import(const std::string& parcel, const std::string& country,
                      bool expect_accept = true) {
    return b_.Sign(
        ImportEvent(parcel, "vault-1",
                    IncomingCertificate(absl::StrCat(country, "-", parcel),
                                        country, 10000, 1000000)),
        {"customs-1"}, expect_accept);
  }

  std::string StateRecord(const std::string& key) {
    absl::StatusOr<std::string> v = store_->GetState(key);
    return v.ok() ? *v : "";
  }

  CustodyBuilder b_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Applier> applier_;
};

TEST_F(ApplierTest, EveryEventGetsAReceipt) {
  KP_ASSERT_OK_AND_ASSIGN(
      BatchResult r,
      applier_->Apply(DayBatch(2, 1,
                               {Import("P-1", "BW"), Import("P-2", "RU", false),
                                Import("P-3", "VE")})));
  ASSERT_EQ(r.receipts.size(), 3u);
  EXPECT_EQ(r.receipts[0].outcome(), v1::Receipt::ACCEPTED);
  EXPECT_EQ(r.receipts[0].leaf_index(), 3u);
  EXPECT_EQ(r.receipts[0].ledger_time().seconds(), kGenesisSeconds + kDay);
  EXPECT_EQ(r.receipts[1].outcome(), v1::Receipt::REFUSED);
  EXPECT_EQ(r.receipts[1].code(),
            static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(r.receipts[1].reason(), ::testing::HasSubstr("RU"));
  EXPECT_FALSE(r.receipts[1].event_id().empty());
  // The refused event takes no index: the next accepted one follows on.
  EXPECT_EQ(r.receipts[2].leaf_index(), 4u);
  EXPECT_THAT(r.receipts[2].flags(), ElementsAre(v1::SANCTIONED_ORIGIN));
  EXPECT_EQ(r.head.size, 5u);
  EXPECT_EQ(store_->size(), 5u);
}

TEST_F(ApplierTest, RefusedEventsWriteNothing) {
  const store::TreeHead before = store_->head();
  const v1::Envelope bad = Import("P-1", "RU", false);
  KP_ASSERT_OK_AND_ASSIGN(BatchResult r,
                          applier_->Apply(DayBatch(2, 1, {bad})));
  EXPECT_EQ(r.receipts[0].outcome(), v1::Receipt::REFUSED);
  EXPECT_EQ(store_->size(), before.size);
  EXPECT_EQ(store_->head().root, before.root);
  EXPECT_THAT(store_->FindEvent(r.receipts[0].event_id()),
              StatusIs(absl::StatusCode::kNotFound, ""));
  EXPECT_EQ(StateRecord(rules::ParcelKey("P-1")), "");
  EXPECT_EQ(StateRecord(rules::ImportCertificateKey("RU", "RU-P-1")), "");
  // The batch itself is applied: its position is recorded.
  EXPECT_EQ(applier_->applied_position(), 2u);
}

TEST_F(ApplierTest, UndecodableEnvelopesAreRefusedAndTheRestApplied) {
  OrderedBatch batch = DayBatch(2, 1, {Import("P-1", "BW")});
  batch.envelopes.insert(batch.envelopes.begin(), "not an envelope");
  KP_ASSERT_OK_AND_ASSIGN(BatchResult r, applier_->Apply(batch));
  EXPECT_EQ(r.receipts[0].outcome(), v1::Receipt::REFUSED);
  EXPECT_EQ(r.receipts[0].code(),
            static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(r.receipts[1].outcome(), v1::Receipt::ACCEPTED);
}

TEST_F(ApplierTest, ResubmissionIsAnsweredWithTheOriginalReceipt) {
  const v1::Envelope flagged = Import("P-1", "VE");
  KP_ASSERT_OK_AND_ASSIGN(BatchResult first,
                          applier_->Apply(DayBatch(2, 1, {flagged})));
  ASSERT_EQ(first.receipts[0].outcome(), v1::Receipt::ACCEPTED);
  // Again later, and twice within one batch.
  KP_ASSERT_OK_AND_ASSIGN(BatchResult again,
                          applier_->Apply(DayBatch(3, 5, {flagged, flagged})));
  for (const v1::Receipt& r : again.receipts) {
    EXPECT_EQ(r.outcome(), v1::Receipt::REFUSED);
    EXPECT_EQ(r.code(), static_cast<int>(absl::StatusCode::kAlreadyExists));
    EXPECT_EQ(r.leaf_index(), first.receipts[0].leaf_index());
    EXPECT_EQ(r.ledger_time().seconds(), kGenesisSeconds + kDay);
    EXPECT_THAT(r.flags(), ElementsAre(v1::SANCTIONED_ORIGIN));
  }
  EXPECT_EQ(store_->size(), 4u);

  // A new event twice in one batch: applied once.
  const v1::Envelope fresh = Import("P-2", "BW");
  KP_ASSERT_OK_AND_ASSIGN(BatchResult twice,
                          applier_->Apply(DayBatch(4, 6, {fresh, fresh})));
  EXPECT_EQ(twice.receipts[0].outcome(), v1::Receipt::ACCEPTED);
  EXPECT_EQ(twice.receipts[1].code(),
            static_cast<int>(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(twice.receipts[1].leaf_index(), twice.receipts[0].leaf_index());
  EXPECT_EQ(store_->size(), 5u);
}

TEST_F(ApplierTest, LedgerTimeNeverGoesBack) {
  KP_ASSERT_OK_AND_ASSIGN(
      BatchResult r1, applier_->Apply(DayBatch(2, 10, {Import("P-1", "BW")})));
  // A proposer whose clock is behind: the batch gets the previous time.
  KP_ASSERT_OK_AND_ASSIGN(
      BatchResult r2, applier_->Apply(DayBatch(3, 4, {Import("P-2", "BW")})));
  EXPECT_EQ(r2.ledger_time, r1.ledger_time);
  EXPECT_EQ(r2.receipts[0].ledger_time().seconds(),
            kGenesisSeconds + 10 * kDay);
}

TEST_F(ApplierTest, BatchWithAnImpossibleTimeIsRefusedAndPassed) {
  OrderedBatch bad = DayBatch(2, 1, {Import("P-1", "BW", false)});
  bad.proposed_time.nanos = 1000000000;
  KP_ASSERT_OK_AND_ASSIGN(BatchResult r, applier_->Apply(bad));
  ASSERT_EQ(r.receipts.size(), 1u);
  EXPECT_EQ(r.receipts[0].code(),
            static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(r.receipts[0].reason(), ::testing::HasSubstr("nanoseconds"));
  EXPECT_EQ(store_->size(), 3u);
  EXPECT_EQ(applier_->applied_position(), 2u);
  // The ledger goes on, and the event may come again.
  KP_ASSERT_OK_AND_ASSIGN(
      r, applier_->Apply(DayBatch(3, 1, {Import("P-1", "BW")})));
  EXPECT_EQ(r.receipts[0].outcome(), v1::Receipt::ACCEPTED);
}

// A batch from the ordering service is applied only if its proposer's key
// is a node key in force where the batch lands: the genesis', or one
// governance registered in an earlier batch and did not revoke.
TEST_F(ApplierTest, BatchesAreAppliedOnlyFromNodeKeysInForce) {
  auto From = [](OrderedBatch batch, const std::string& name,
                 const crypto::PrivateKey& key) {
    batch.proposer = name;
    batch.proposer_key = std::string(key.public_key().bytes());
    return batch;
  };
  const crypto::PrivateKey agency = CustodyBuilder::ActorKey("vault-agency");
  // Not (yet) a node key: every event refused, nothing written, the
  // position passed.
  KP_ASSERT_OK_AND_ASSIGN(
      BatchResult r,
      applier_->Apply(From(DayBatch(2, 1, {Import("P-1", "BW", false)}),
                           "vault-agency", agency)));
  ASSERT_EQ(r.receipts.size(), 1u);
  EXPECT_EQ(r.receipts[0].code(),
            static_cast<int>(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(r.receipts[0].reason(),
              ::testing::HasSubstr("batch 2 was proposed by \"vault-agency\", "
                                   "which is not a node key of this ledger"));
  EXPECT_TRUE(absl::IsPermissionDenied(r.batch_refused)) << r.batch_refused;
  EXPECT_EQ(store_->size(), 3u);
  EXPECT_EQ(applier_->applied_position(), 2u);

  // A genesis node's name with another key.
  KP_ASSERT_OK_AND_ASSIGN(
      r, applier_->Apply(From(DayBatch(3, 1, {Import("P-1", "BW", false)}),
                              b_.genesis().node_keys(0).name(), agency)));
  EXPECT_THAT(r.receipts[0].reason(),
              ::testing::HasSubstr("did not sign it (another key did)"));

  // Registered by governance (in a genesis node's batch): its next batch
  // is applied.
  KP_ASSERT_OK_AND_ASSIGN(
      r, applier_->Apply(
             From(DayBatch(4, 1, {b_.Register("vault-agency", v1::NODE)}),
                  b_.genesis().node_keys(0).name(), b_.node_key(0))));
  ASSERT_EQ(r.receipts[0].outcome(), v1::Receipt::ACCEPTED)
      << r.receipts[0].reason();
  KP_ASSERT_OK_AND_ASSIGN(
      r, applier_->Apply(From(DayBatch(5, 1, {Import("P-1", "BW")}),
                              "vault-agency", agency)));
  EXPECT_EQ(r.receipts[0].outcome(), v1::Receipt::ACCEPTED)
      << r.receipts[0].reason();
  EXPECT_TRUE(r.batch_refused.ok());

  // Revoked: refused again, from the entry after the revocation.
  v1::CustodyEvent revoke;
  revoke.mutable_revoke_actor()->set_actor_id("vault-agency");
  revoke.mutable_revoke_actor()->set_reason("the agency left");
  KP_ASSERT_OK_AND_ASSIGN(
      r,
      applier_->Apply(From(DayBatch(6, 1, {b_.Governance(revoke)}),
                           b_.genesis().node_keys(1).name(), b_.node_key(1))));
  ASSERT_EQ(r.receipts[0].outcome(), v1::Receipt::ACCEPTED);
  const uint64_t revoked_at = r.receipts[0].leaf_index();
  KP_ASSERT_OK_AND_ASSIGN(
      r, applier_->Apply(From(DayBatch(7, 1, {Import("P-2", "BW", false)}),
                              "vault-agency", agency)));
  EXPECT_THAT(
      r.receipts[0].reason(),
      ::testing::HasSubstr(absl::StrCat("was revoked at entry ", revoked_at)));
}

TEST_F(ApplierTest, ActorRegisteredEarlierInABatchMaySignLaterInIt) {
  KP_ASSERT_OK_AND_ASSIGN(
      BatchResult r,
      applier_->Apply(DayBatch(
          2, 1,
          {b_.Register("customs-2", v1::CUSTOMS),
           b_.Sign(ImportEvent("P-1", "vault-1",
                               IncomingCertificate("BW-1", "BW", 100, 100)),
                   {"customs-2"})})));
  EXPECT_EQ(r.receipts[1].outcome(), v1::Receipt::ACCEPTED)
      << r.receipts[1].reason();
}

// The events of a batch share the records they parsed (policy, keys,
// actors); a record changed by an earlier event of the batch must not be
// served as it was before.
TEST_F(ApplierTest, RevocationAndPolicyEarlierInABatchApplyLaterInIt) {
  v1::CustodyEvent revoke;
  revoke.mutable_revoke_actor()->set_actor_id("customs-1");
  revoke.mutable_revoke_actor()->set_reason("licence withdrawn");
  v1::Policy sanction_bw = testing::DefaultPolicy();
  v1::SanctionedOrigin* bw = sanction_bw.add_sanctioned_origins();
  bw->set_country("BW");
  bw->set_action(v1::SANCTION_REFUSE);
  v1::CustodyEvent update;
  *update.mutable_update_policy()->mutable_policy() = sanction_bw;
  KP_ASSERT_OK_AND_ASSIGN(
      BatchResult r,
      applier_->Apply(DayBatch(
          2, 1,
          {Import("P-1", "BW"), b_.Register("customs-2", v1::CUSTOMS),
           b_.Governance(update), b_.Governance(revoke),
           Import("P-2", "NA", /*expect_accept=*/false),
           b_.Sign(ImportEvent("P-3", "vault-1",
                               IncomingCertificate("BW-P-3", "BW", 100, 100)),
                   {"customs-2"}, /*expect_accept=*/false)})));
  ASSERT_EQ(r.receipts.size(), 6u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(r.receipts[i].outcome(), v1::Receipt::ACCEPTED)
        << i << ": " << r.receipts[i].reason();
  }
  EXPECT_EQ(r.receipts[4].code(), int(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(r.receipts[4].reason(), ::testing::HasSubstr("revoked"));
  EXPECT_EQ(r.receipts[5].outcome(), v1::Receipt::REFUSED);
  EXPECT_THAT(r.receipts[5].reason(), ::testing::HasSubstr("BW"));
}

TEST_F(ApplierTest, StaleAndOutOfOrderUseIsRefused) {
  EXPECT_THAT(applier_->Bootstrap(b_.genesis_envelope()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "genesis is written once"));
  EXPECT_THAT(applier_->Apply(DayBatch(0, 1, {})).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, "position 0"));
  // A batch at or below the applied position was applied before.
  KP_ASSERT_OK_AND_ASSIGN(
      BatchResult r, applier_->Apply(DayBatch(1, 1, {Import("P-1", "BW")})));
  EXPECT_TRUE(r.already_applied);
  EXPECT_TRUE(r.receipts.empty());
  EXPECT_EQ(store_->size(), 3u);
}

// A node commits batch N while the rules run over batch N+1: N+1 must see
// N's state and events as if N were in the store already.
TEST_F(ApplierTest, BatchStagedBeforeTheOneBeforeItCommitsReadsItsState) {
  const v1::Envelope flagged = Import("P-1", "VE");
  KP_ASSERT_OK_AND_ASSIGN(
      StagedApply first,
      applier_->Stage(applier_->Prepare(
          DayBatch(2, 1, {flagged, b_.Register("customs-2", v1::CUSTOMS)}))));
  ASSERT_EQ(first.result().receipts[0].outcome(), v1::Receipt::ACCEPTED);
  KP_ASSERT_OK_AND_ASSIGN(
      StagedApply second,
      applier_->Stage(applier_->Prepare(DayBatch(
          3, 2,
          {flagged,
           b_.Sign(ImportEvent("P-2", "vault-1",
                               IncomingCertificate("BW-P-2", "BW", 100, 100)),
                   {"customs-2"}),
           b_.Sign(TransferEvent("P-1", "vault-1", "customs-1"),
                   {"vault-1", "customs-1"})}))));
  // Nothing is visible before Commit.
  EXPECT_EQ(store_->size(), 3u);
  EXPECT_EQ(StateRecord(rules::ParcelKey("P-1")), "");

  KP_ASSERT_OK_AND_ASSIGN(BatchResult r1, applier_->Commit(std::move(first)));
  KP_ASSERT_OK_AND_ASSIGN(BatchResult r2, applier_->Commit(std::move(second)));
  EXPECT_EQ(r1.head.size, 5u);
  ASSERT_EQ(r2.receipts.size(), 3u);
  // The resubmission: the receipt of the batch that was still committing.
  EXPECT_EQ(r2.receipts[0].code(),
            static_cast<int>(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(r2.receipts[0].leaf_index(), 3u);
  EXPECT_EQ(r2.receipts[0].ledger_time().seconds(), kGenesisSeconds + kDay);
  EXPECT_THAT(r2.receipts[0].flags(), ElementsAre(v1::SANCTIONED_ORIGIN));
  // A signer registered, and a parcel imported, in the batch before.
  EXPECT_EQ(r2.receipts[1].outcome(), v1::Receipt::ACCEPTED)
      << r2.receipts[1].reason();
  EXPECT_EQ(r2.receipts[2].outcome(), v1::Receipt::ACCEPTED)
      << r2.receipts[2].reason();
  EXPECT_EQ(r2.head.size, 7u);
  EXPECT_EQ(store_->size(), 7u);
  EXPECT_EQ(store_->head().root, r2.head.root);
  EXPECT_EQ(applier_->applied_position(), 3u);
}

// Stage reads the records a batch's bodies name in one go; a staged batch
// not yet committed must still win over the store's older value.
TEST_F(ApplierTest, StateReadAheadNeverHidesAStagedBatch) {
  KP_ASSERT_OK_AND_ASSIGN(
      BatchResult r, applier_->Apply(DayBatch(2, 1, {Import("P-1", "BW")})));
  ASSERT_EQ(r.receipts[0].outcome(), v1::Receipt::ACCEPTED);
  const std::string parcel = rules::ParcelKey("P-1");
  const std::string cert = rules::ImportCertificateKey("BW", "BW-P-1");
  ASSERT_NE(StateRecord(parcel), "");
  auto staged = std::make_shared<PendingBatch>();
  staged->state.push_back({parcel, "as the staged batch leaves it"});

  StoreStateSource source(store_.get(), {staged});
  KP_ASSERT_OK(source.Prefetch({parcel, cert, rules::ParcelKey("P-404")}));
  KP_ASSERT_OK_AND_ASSIGN(std::optional<std::string> got, source.Get(parcel));
  EXPECT_EQ(got, "as the staged batch leaves it");
  KP_ASSERT_OK_AND_ASSIGN(got, source.Get(cert));
  EXPECT_EQ(got, StateRecord(cert));
  EXPECT_NE(got, "");
  KP_ASSERT_OK_AND_ASSIGN(got, source.Get(rules::ParcelKey("P-404")));
  EXPECT_EQ(got, std::nullopt);
  // A record not read ahead is read from the store as before.
  KP_ASSERT_OK_AND_ASSIGN(got, source.Get(rules::ActorKey("vault-1")));
  EXPECT_EQ(got, StateRecord(rules::ActorKey("vault-1")));
}

// Batches are committed in the order they were staged; a store that was
// asked otherwise writes nothing more, and the applier stages nothing more.
TEST_F(ApplierTest, CommitOutOfOrderWritesNothing) {
  KP_ASSERT_OK_AND_ASSIGN(StagedApply first,
                          applier_->Stage(applier_->Prepare(
                              DayBatch(2, 1, {Import("P-1", "BW")}))));
  KP_ASSERT_OK_AND_ASSIGN(StagedApply second,
                          applier_->Stage(applier_->Prepare(
                              DayBatch(3, 2, {Import("P-2", "BW")}))));
  EXPECT_THAT(
      applier_->Commit(std::move(second)).status(),
      StatusIs(absl::StatusCode::kFailedPrecondition, "committed when"));
  EXPECT_THAT(applier_->Commit(std::move(first)).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, ""));
  EXPECT_THAT(applier_->Apply(DayBatch(4, 3, {Import("P-3", "BW")})).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, ""));
  EXPECT_EQ(store_->size(), 3u);
}

// A write that fails (a broken disk) with batches staged behind it: none
// of them is answered as applied, not even one staged as a redelivery of a
// position the applier had already reached, and a restart finds the log
// as it was before the failed batch.
TEST(ApplierFailedWriteTest, NothingStagedBehindIsAnswered) {
  testing::CustodyBuilder b;
  testing::FailingDisk disk;
  const std::string dir = FreshDir("applier-failing-disk");
  store::StoreOptions options;
  options.env = disk.env();
  uint64_t size_before = 0;
  merkle::Hash root_before;
  {
    KP_ASSERT_OK_AND_ASSIGN(auto store, store::Store::Open(dir, options));
    KP_ASSERT_OK_AND_ASSIGN(auto applier, Applier::Open(store.get()));
    KP_ASSERT_OK(applier->Bootstrap(b.genesis_envelope()));
    KP_ASSERT_OK(applier
                     ->Apply(DayBatch(1, 0,
                                      {b.Register("customs-1", v1::CUSTOMS),
                                       b.Register("vault-1", v1::VAULT)}))
                     .status());
    size_before = store->size();
    root_before = store->head().root;
    KP_ASSERT_OK_AND_ASSIGN(
        StagedApply batch,
        applier->Stage(applier->Prepare(DayBatch(
            2, 1,
            {b.Sign(testing::ImportEvent(
                        "P-1", "vault-1",
                        testing::IncomingCertificate("BW-1", "BW", 10000, 100)),
                    {"customs-1"})}))));
    // The same position delivered again (a sequencer's retry): staged as
    // already applied.
    KP_ASSERT_OK_AND_ASSIGN(
        StagedApply again,
        applier->Stage(applier->Prepare(DayBatch(2, 1, {}))));
    disk.fail();
    EXPECT_FALSE(applier->Commit(std::move(batch)).ok());
    EXPECT_FALSE(applier->Commit(std::move(again)).ok());
    EXPECT_FALSE(applier->Apply(DayBatch(3, 2, {})).ok());
  }
  KP_ASSERT_OK_AND_ASSIGN(auto store, store::Store::Open(dir));
  EXPECT_EQ(store->size(), size_before);
  EXPECT_EQ(store->head().root, root_before);
}

TEST(ApplierOpenTest, NeedsAGenesisFirst) {
  KP_ASSERT_OK_AND_ASSIGN(auto store, store::Store::Open(FreshDir("empty")));
  KP_ASSERT_OK_AND_ASSIGN(auto applier, Applier::Open(store.get()));
  EXPECT_THAT(applier->Apply(DayBatch(1, 1, {})).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, "no genesis"));
  v1::Envelope forged = CustodyBuilder().genesis_envelope();
  forged.mutable_signatures()->RemoveLast();  // one of two governance keys
  EXPECT_THAT(applier->Bootstrap(forged),
              StatusIs(absl::StatusCode::kUnauthenticated, ""));
  EXPECT_EQ(store->size(), 0u);
}

// Applies the scenario to a fresh store and returns the root at every size.
// `pipelined`: each batch is staged before the one before it is committed,
// as a node does.
std::vector<merkle::Hash> ApplyScenario(const std::string& dir, int threads,
                                        bool pipelined = false) {
  std::vector<merkle::Hash> roots;
  auto scenario = testing::LoadScenario();
  EXPECT_TRUE(scenario.ok());
  auto store = store::Store::Open(FreshDir(dir));
  EXPECT_TRUE(store.ok());
  auto applier = Applier::Open(store->get(), ApplierOptions{threads});
  EXPECT_TRUE(applier.ok());
  EXPECT_TRUE((*applier)->Bootstrap(scenario->genesis()).ok());
  std::optional<StagedApply> committing;
  for (const OrderedBatch& b : testing::OrderedBatches(*scenario)) {
    if (!pipelined) {
      EXPECT_TRUE((*applier)->Apply(b).ok());
      continue;
    }
    absl::StatusOr<StagedApply> staged =
        (*applier)->Stage((*applier)->Prepare(b));
    EXPECT_TRUE(staged.ok()) << staged.status();
    if (committing.has_value()) {
      EXPECT_TRUE((*applier)->Commit(*std::move(committing)).ok());
    }
    committing.emplace(*std::move(staged));
  }
  if (committing.has_value()) {
    EXPECT_TRUE((*applier)->Commit(*std::move(committing)).ok());
  }
  for (uint64_t size = 1; size <= (*store)->size(); ++size) {
    roots.push_back(*(*store)->RootAt(size));
  }
  return roots;
}

TEST(ApplierReplayTest, ReplayFromGenesisGivesTheSameRootAtEverySize) {
  const std::vector<merkle::Hash> one = ApplyScenario("replay-1", 1);
  const std::vector<merkle::Hash> two = ApplyScenario("replay-2", 2);
  ASSERT_GT(one.size(), 30u);
  EXPECT_EQ(one, two);
  EXPECT_EQ(one, ApplyScenario("replay-pipelined", 2, /*pipelined=*/true));
}

TEST(ApplierReplayTest, RestartMidStreamAppliesEachBatchOnce) {
  const std::vector<merkle::Hash> straight = ApplyScenario("straight", 2);
  KP_ASSERT_OK_AND_ASSIGN(testdata::Scenario scenario, testing::LoadScenario());
  const std::vector<OrderedBatch> batches = testing::OrderedBatches(scenario);
  const std::string dir = FreshDir("restarted");
  {
    KP_ASSERT_OK_AND_ASSIGN(auto store, store::Store::Open(dir));
    KP_ASSERT_OK_AND_ASSIGN(auto applier, Applier::Open(store.get()));
    KP_ASSERT_OK(applier->Bootstrap(scenario.genesis()));
    for (size_t i = 0; i < batches.size() / 2; ++i) {
      KP_ASSERT_OK(applier->Apply(batches[i]).status());
    }
  }
  // The process restarts; the sequencer replays every batch from the start.
  KP_ASSERT_OK_AND_ASSIGN(auto store, store::Store::Open(dir));
  KP_ASSERT_OK_AND_ASSIGN(auto applier, Applier::Open(store.get()));
  EXPECT_EQ(applier->applied_position(), batches.size() / 2);
  size_t skipped = 0;
  for (const OrderedBatch& b : batches) {
    KP_ASSERT_OK_AND_ASSIGN(BatchResult r, applier->Apply(b));
    skipped += r.already_applied;
  }
  EXPECT_EQ(skipped, batches.size() / 2);
  ASSERT_EQ(store->size(), straight.size());
  EXPECT_EQ(*store->RootAt(store->size()), straight.back());
}

}  // namespace
}  // namespace kpledger::apply
