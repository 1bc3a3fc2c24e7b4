#include "tests/unit/provenance/provenance_fixture.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "ledger/apply/checkpoint_body.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/checkpoint/policy_line.h"
#include "ledger/entry/leaf.h"
#include "ledger/envelope/dsse.h"
#include "ledger/merkle/hasher.h"
#include "ledger/provenance/bundle.h"
#include "ledger/provenance/verify.h"

namespace kpledger::provenance {

using ::kpledger::testing::AssessmentEvent;
using ::kpledger::testing::ConfirmationEvent;
using ::kpledger::testing::ExportEvent;
using ::kpledger::testing::ImportEvent;
using ::kpledger::testing::IncomingCertificate;
using ::kpledger::testing::kDay;
using ::kpledger::testing::kGenesisSeconds;
using ::kpledger::testing::MergeEvent;
using ::kpledger::testing::SplitEvent;
using ::kpledger::testing::TransferEvent;

void ProvenanceTest::SetUp() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  dir_ = (std::filesystem::path(tmp ? tmp : "/tmp") /
          ::testing::UnitTest::GetInstance()->current_test_info()->name())
             .string();
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  store::StoreOptions options;
  options.sync = false;  // nothing here survives a crash test
  auto store = store::Store::Open(dir_ + "/ledger", options);
  ASSERT_TRUE(store.ok()) << store.status();
  store_ = std::move(*store);
  auto applier = apply::Applier::Open(store_.get(), {.verify_threads = 1});
  ASSERT_TRUE(applier.ok()) << applier.status();
  applier_ = std::move(*applier);
  ASSERT_TRUE(applier_->Bootstrap(b_.genesis_envelope()).ok());
  auto root = rules::VerifyGenesisEnvelope(b_.genesis_envelope());
  ASSERT_TRUE(root.ok()) << root.status();
  trust_root_ = *std::move(root);

  v1::CustodyEvent policy;
  *policy.mutable_update_policy()->mutable_policy() = testing::DefaultPolicy();
  policy.mutable_update_policy()
      ->mutable_policy()
      ->set_confirmation_period_days(90);
  Submit(
      1,
      {{"register customs-1", b_.Register("customs-1", v1::CUSTOMS)},
       {"register lab-1", b_.Register("lab-1", v1::LAB)},
       {"register vault-1", b_.Register("vault-1", v1::VAULT)},
       {"register trader-1", b_.Register("trader-1", v1::TRADER, "AZ-LIC-001")},
       {"register trader-2", b_.Register("trader-2", v1::TRADER, "AZ-LIC-002")},
       {"register kpa", b_.Register("kpa", v1::KP_AUTHORITY)},
       {"policy", b_.Governance(policy)}});
  Submit(2, {{"import A-1",
              b_.Sign(ImportEvent("A-1", "customs-1",
                                  IncomingCertificate("BW-2026-0001", "BW",
                                                      12500, 1850000)),
                      {"customs-1"})},
             {"import B-1",
              b_.Sign(ImportEvent("B-1", "customs-1",
                                  IncomingCertificate("ZA-2026-0001", "ZA",
                                                      20000, 3000000)),
                      {"customs-1"})},
             {"import U-1",
              b_.Sign(ImportEvent("U-1", "vault-1",
                                  IncomingCertificate("BW-2026-0002", "BW",
                                                      9000, 1200000)),
                      {"customs-1"})}});
  Submit(
      3,
      {{"A-1 to lab-1",
        b_.Sign(TransferEvent("A-1", "customs-1", "lab-1", {"S-1"}),
                {"customs-1", "lab-1"})},
       {"B-1 to lab-1", b_.Sign(TransferEvent("B-1", "customs-1", "lab-1"),
                                {"customs-1", "lab-1"})},
       {"U-1 to trader-2", b_.Sign(TransferEvent("U-1", "vault-1", "trader-2"),
                                   {"vault-1", "trader-2"})}});
  Submit(4, {{"assess A-1",
              b_.Sign(AssessmentEvent("A-1", 12480, 1800000, "LAB-2026-17"),
                      {"lab-1"})}});
  Submit(5,
         {{"split A-1",
           b_.Sign(SplitEvent("A-1", {{"A-1a", 6000}, {"A-1b", 6480}}, 900000),
                   {"lab-1"})}});
  Submit(
      6,
      {{"merge M-1",
        b_.Sign(MergeEvent({"A-1a", "B-1"}, "M-1", 26000, 3900000), {"lab-1"})},
       {"A-1b to vault-1", b_.Sign(TransferEvent("A-1b", "lab-1", "vault-1"),
                                   {"lab-1", "vault-1"})}});
  v1::CustodyEvent rotate;
  rotate.mutable_rotate_key()->set_actor_id("customs-1");
  rotate.mutable_rotate_key()->set_new_public_key(std::string(
      testing::CustodyBuilder::ActorKey("customs-1", 1).public_key().bytes()));
  Submit(7, {{"rotate customs-1", b_.Governance(rotate)}});
  b_.SetKeyGeneration("customs-1", 1);
  Submit(7,
         {{"M-1 to trader-1", b_.Sign(TransferEvent("M-1", "lab-1", "trader-1"),
                                      {"lab-1", "trader-1"})}});
  Submit(8,
         {{"export M-1",
           b_.Sign(ExportEvent("M-1", "AZ-2026-0001", 26000, 3900000, "7102.31",
                               {{"BW", 230769}, {"ZA", 769231}}, "AZ-LIC-001",
                               "AE", kGenesisSeconds + 7 * kDay),
                   {"kpa", "customs-1"})}});
  Submit(10, {{"confirm AZ-2026-0001",
               b_.Sign(ConfirmationEvent("AZ-2026-0001", "AE", 26000,
                                         kGenesisSeconds + 9 * kDay),
                       {"kpa"})}});
  v1::CustodyEvent revoke;
  revoke.mutable_revoke_actor()->set_actor_id("lab-1");
  revoke.mutable_revoke_actor()->set_reason("accreditation withdrawn");
  Submit(11, {{"revoke lab-1", b_.Governance(revoke)}});
}

void ProvenanceTest::Submit(
    int64_t day,
    const std::vector<std::pair<std::string, v1::Envelope>>& named) {
  apply::OrderedBatch batch;
  batch.position = ++position_;
  batch.proposed_time = entry::LedgerTime{kGenesisSeconds + day * kDay, 0};
  for (const auto& [name, env] : named) {
    batch.envelopes.push_back(env.SerializeAsString());
  }
  absl::StatusOr<apply::BatchResult> result = applier_->Apply(batch);
  ASSERT_TRUE(result.ok()) << result.status();
  for (size_t i = 0; i < named.size(); ++i) {
    const v1::Receipt& r = result->receipts[i];
    ASSERT_EQ(r.outcome(), v1::Receipt::ACCEPTED)
        << named[i].first << ": " << r.reason();
    index_[named[i].first] = r.leaf_index();
  }
}

v1::Checkpoint ProvenanceTest::Cosign(
    uint64_t tree_size, int signers,
    std::optional<std::vector<std::string>> extensions) const {
  checkpoint::CheckpointBody body =
      *apply::StoreCheckpointBody(*store_, b_.genesis().origin(), tree_size);
  if (extensions.has_value()) body.extensions = *std::move(extensions);
  v1::Checkpoint cp;
  cp.set_note(*checkpoint::SignCheckpoint(body, b_.NodeSigners(signers)));
  cp.set_origin(body.origin);
  cp.set_tree_size(tree_size);
  cp.set_root_hash(merkle::HashToBytes(body.root));
  for (const checkpoint::NoteSigner& s : b_.NodeSigners(signers)) {
    cp.add_signers(s.name());
  }
  return cp;
}

v1::ProvenanceBundle ProvenanceTest::Bundle(
    const std::string& parcel_id) const {
  absl::StatusOr<v1::ProvenanceBundle> bundle =
      BuildBundle(*store_, parcel_id, Cosign(Size()));
  EXPECT_TRUE(bundle.ok()) << bundle.status();
  return bundle.ok() ? *std::move(bundle) : v1::ProvenanceBundle();
}

absl::StatusOr<v1::ProvenanceAccount> ProvenanceTest::Verify(
    const v1::ProvenanceBundle& bundle) const {
  return VerifyBundle(bundle, trust_root_);
}

std::vector<uint64_t> ProvenanceTest::Indexes(
    const v1::ProvenanceBundle& bundle) {
  std::vector<uint64_t> out;
  for (const v1::BundleEntry& e : bundle.entries()) {
    out.push_back(e.proof().leaf_index());
  }
  return out;
}

v1::BundleEntry* ProvenanceTest::EntryOf(v1::ProvenanceBundle* bundle,
                                         uint64_t index) {
  for (v1::BundleEntry& e : *bundle->mutable_entries()) {
    if (e.proof().leaf_index() == index) return &e;
  }
  ADD_FAILURE() << "the bundle has no entry " << index;
  return bundle->add_entries();
}

void ProvenanceTest::Drop(v1::ProvenanceBundle* bundle, uint64_t index) {
  auto* entries = bundle->mutable_entries();
  entries->erase(std::find_if(entries->begin(), entries->end(),
                              [&](const v1::BundleEntry& e) {
                                return e.proof().leaf_index() == index;
                              }));
}

void ProvenanceTest::EditEnvelope(
    v1::ProvenanceBundle* bundle, uint64_t index,
    const std::function<void(v1::Envelope*)>& edit) {
  v1::BundleEntry* e = EntryOf(bundle, index);
  const entry::LeafView leaf = *entry::DecodeLeaf(e->leaf());
  v1::Envelope env;
  ASSERT_TRUE(env.ParseFromString(std::string(leaf.envelope)));
  edit(&env);
  e->set_leaf(entry::EncodeLeaf(index, leaf.time, env.SerializeAsString()));
}

v1::ProvenanceBundle ProvenanceTest::Forge(
    v1::ProvenanceBundle bundle, uint64_t index,
    const std::function<void(v1::Envelope*)>& edit) const {
  store::StoreOptions options;
  options.sync = false;
  std::unique_ptr<store::Store> forged =
      *store::Store::Open(dir_ + "/forged", options);
  for (uint64_t i = 0; i < Size(); ++i) {
    const std::string leaf = *store_->GetLeaf(i);
    const entry::LeafView view = *entry::DecodeLeaf(leaf);
    v1::Envelope env;
    EXPECT_TRUE(env.ParseFromString(std::string(view.envelope)));
    if (i == index) edit(&env);
    store::Batch batch;
    batch.ledger_time = view.time;
    batch.entries.push_back(
        {env.SerializeAsString(), envelope::EventId(env.payload())});
    EXPECT_TRUE(forged->Append(batch).ok());
  }
  // The forged store holds the log only, no state: the policy line is
  // the real store's (the edited entry is no policy update).
  checkpoint::CheckpointBody body;
  body.origin = b_.genesis().origin();
  body.tree_size = forged->size();
  body.root = forged->head().root;
  body.extensions = {checkpoint::PolicyUpdatesLine(
      *apply::PolicyUpdatesBelow(*store_, forged->size()))};
  v1::Checkpoint* cp = bundle.mutable_checkpoint();
  cp->set_note(*checkpoint::SignCheckpoint(body, b_.NodeSigners(2)));
  cp->set_root_hash(merkle::HashToBytes(body.root));
  auto reprove = [&](v1::BundleEntry* e) {
    const uint64_t i = e->proof().leaf_index();
    e->set_leaf(*forged->GetLeaf(i));
    e->mutable_proof()->clear_hashes();
    const std::vector<merkle::Hash> path =
        *forged->InclusionProof(i, body.tree_size);
    for (const merkle::Hash& h : path) {
      e->mutable_proof()->add_hashes(merkle::HashToBytes(h));
    }
  };
  reprove(bundle.mutable_genesis());
  for (v1::BundleEntry& e : *bundle.mutable_entries()) reprove(&e);
  return bundle;
}

}  // namespace kpledger::provenance
