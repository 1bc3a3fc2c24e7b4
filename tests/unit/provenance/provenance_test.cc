// Provenance bundles on a real ledger (the story is in
// provenance_fixture.h): what a bundle holds, what its account says, and
// how each kind of tampering is named.
#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/apply/checkpoint_body.h"
#include "ledger/base/encoding.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/checkpoint/policy_line.h"
#include "ledger/entry/leaf.h"
#include "ledger/merkle/hasher.h"
#include "ledger/provenance/account_text.h"
#include "ledger/provenance/bundle.h"
#include "ledger/provenance/verify.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/provenance/provenance_fixture.h"

namespace kpledger::provenance {
namespace {

using ::absl::StatusCode;
using ::kpledger::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string EntryName(uint64_t index) {
  return "entry " + std::to_string(index);
}

TEST_F(ProvenanceTest, BundleHoldsTheAncestryItsActorsAndThePolicyInLogOrder) {
  std::vector<uint64_t> want;
  for (const char* name :
       {"register customs-1", "register lab-1", "register trader-1",
        "register kpa", "policy", "rotate customs-1", "import A-1",
        "import B-1", "A-1 to lab-1", "B-1 to lab-1", "assess A-1", "split A-1",
        "merge M-1", "M-1 to trader-1", "export M-1", "confirm AZ-2026-0001",
        "revoke lab-1"}) {
    want.push_back(Index(name));
  }
  std::sort(want.begin(), want.end());
  const v1::ProvenanceBundle bundle = Bundle("M-1");
  EXPECT_EQ(bundle.parcel_id(), "M-1");
  EXPECT_EQ(bundle.genesis().proof().leaf_index(), 0u);
  EXPECT_THAT(Indexes(bundle), ElementsAreArray(want));
  for (const v1::BundleEntry& e : bundle.entries()) {
    EXPECT_EQ(e.proof().tree_size(), Size());
  }
}

TEST_F(ProvenanceTest, BundleLeavesOutUnrelatedParcelsAndActors) {
  const std::vector<uint64_t> got = Indexes(Bundle("M-1"));
  for (const char* name : {"import U-1", "U-1 to trader-2", "A-1b to vault-1",
                           "register vault-1", "register trader-2"}) {
    EXPECT_EQ(std::count(got.begin(), got.end(), Index(name)), 0) << name;
  }
}

TEST_F(ProvenanceTest, BundleOfMergedExportedParcelVerifies) {
  KP_ASSERT_OK_AND_ASSIGN(v1::ProvenanceAccount account, Verify(Bundle("M-1")));
  const v1::ParcelState& p = account.parcel();
  EXPECT_EQ(p.parcel_id(), "M-1");
  EXPECT_EQ(p.status(), v1::CLOSED);
  EXPECT_EQ(p.custodian(), "trader-1");
  EXPECT_EQ(p.mass_mct(), 26000);
  EXPECT_EQ(p.value_usd_cents(), 3900000);
  EXPECT_THAT(p.parents(), ElementsAre("A-1a", "B-1"));
  EXPECT_THAT(p.flags(), IsEmpty());
  EXPECT_EQ(account.genesis_hash(), trust_root_.hash);
  EXPECT_EQ(account.checkpoint().tree_size(), Size());
  EXPECT_THAT(account.checkpoint().signers(),
              ElementsAre("node-1.kpledger.test", "node-2.kpledger.test"));
}

TEST_F(ProvenanceTest, AccountHasMassWeightedOrigins) {
  KP_ASSERT_OK_AND_ASSIGN(v1::ProvenanceAccount account, Verify(Bundle("M-1")));
  // 6.000 ct of Botswana and 20.000 ct of South Africa in 26.000 ct.
  ASSERT_EQ(account.parcel().origins_size(), 2);
  EXPECT_EQ(account.parcel().origins(0).country(), "BW");
  EXPECT_EQ(account.parcel().origins(0).share_ppm(), 230769u);
  EXPECT_EQ(account.parcel().origins(1).country(), "ZA");
  EXPECT_EQ(account.parcel().origins(1).share_ppm(), 769231u);
}

TEST_F(ProvenanceTest, AccountNamesTheCertificatesInAndOut) {
  KP_ASSERT_OK_AND_ASSIGN(v1::ProvenanceAccount account, Verify(Bundle("M-1")));
  ASSERT_EQ(account.import_certificates_size(), 2);
  EXPECT_EQ(account.import_certificates(0).certificate().certificate_number(),
            "BW-2026-0001");
  EXPECT_EQ(account.import_certificates(0).parcel_id(), "A-1");
  EXPECT_EQ(account.import_certificates(1).certificate().exporting_country(),
            "ZA");
  EXPECT_EQ(account.export_certificate().certificate().certificate_number(),
            "AZ-2026-0001");
  EXPECT_EQ(account.export_certificate().index(), Index("export M-1"));
  EXPECT_EQ(account.confirmation().index(), Index("confirm AZ-2026-0001"));
  EXPECT_EQ(account.confirmation().confirmation().importing_country(), "AE");
}

TEST_F(ProvenanceTest, AccountListsEveryEntryWithItsSigners) {
  const v1::ProvenanceBundle bundle = Bundle("M-1");
  KP_ASSERT_OK_AND_ASSIGN(v1::ProvenanceAccount account, Verify(bundle));
  ASSERT_EQ(account.events_size(), bundle.entries_size());
  for (const v1::AccountEvent& e : account.events()) {
    if (e.index() == Index("A-1 to lab-1")) {
      EXPECT_EQ(e.event_type(), "custody_transfer");
      EXPECT_THAT(e.signers(), ElementsAre("customs-1", "lab-1"));
    }
    if (e.index() == Index("export M-1")) {
      EXPECT_THAT(e.signers(), ElementsAre("kpa", "customs-1"));
    }
    if (e.index() == Index("register kpa")) {
      EXPECT_THAT(e.signers(), ElementsAre("governance-1", "governance-2"));
    }
  }
}

TEST_F(ProvenanceTest, AccountTextIsReadable) {
  KP_ASSERT_OK_AND_ASSIGN(v1::ProvenanceAccount account, Verify(Bundle("M-1")));
  const std::string text = FormatAccount(account);
  EXPECT_THAT(text, HasSubstr("Provenance of parcel M-1: verified\n"));
  EXPECT_THAT(text, HasSubstr("  policy      1 update to the genesis' below "
                              "that size, all in this bundle\n"));
  EXPECT_THAT(text, HasSubstr("  custodian  trader-1\n"));
  EXPECT_THAT(text, HasSubstr("  mass       26.000 ct (declared 26.000 ct)"));
  EXPECT_THAT(text, HasSubstr("  value      $39,000.00\n"));
  EXPECT_THAT(text, HasSubstr("  origins    BW 23.0769%, ZA 76.9231%\n"));
  EXPECT_THAT(text, HasSubstr("  BW-2026-0001 from BW to AZ: origins BW 100%; "
                              "12.500 ct, $18,500.00"));
  EXPECT_THAT(text, HasSubstr("  confirmed by AE KP Authority: 26.000 ct"));
  EXPECT_THAT(text, HasSubstr("custody_transfer  A-1 from customs-1 to lab-1 "
                              "under seal S-1; "
                              "signed by customs-1, lab-1\n"));
}

TEST_F(ProvenanceTest, BundleOfLiveSplitChildVerifies) {
  KP_ASSERT_OK_AND_ASSIGN(v1::ProvenanceAccount account,
                          Verify(Bundle("A-1b")));
  EXPECT_EQ(account.parcel().status(), v1::ACTIVE);
  EXPECT_EQ(account.parcel().custodian(), "vault-1");
  EXPECT_EQ(account.parcel().mass_mct(), 6480);
  EXPECT_FALSE(account.has_export_certificate());
  ASSERT_EQ(account.import_certificates_size(), 1);
  EXPECT_EQ(account.import_certificates(0).parcel_id(), "A-1");
}

// A merge input's last event is the merge, which the rules re-run only
// with every input's state: the bundle carries the other inputs' chains.
TEST_F(ProvenanceTest, BundleOfMergeInputCarriesTheOtherInputs) {
  const v1::ProvenanceBundle bundle = Bundle("A-1a");
  const std::vector<uint64_t> got = Indexes(bundle);
  EXPECT_EQ(std::count(got.begin(), got.end(), Index("import B-1")), 1);
  KP_ASSERT_OK_AND_ASSIGN(v1::ProvenanceAccount account, Verify(bundle));
  EXPECT_EQ(account.parcel().status(), v1::CLOSED);
}

TEST_F(ProvenanceTest, CheckpointBeforeLaterGovernanceLeavesItOut) {
  const uint64_t size = Index("revoke lab-1");
  KP_ASSERT_OK_AND_ASSIGN(v1::ProvenanceBundle bundle,
                          BuildBundle(*store_, "M-1", Cosign(size)));
  const std::vector<uint64_t> got = Indexes(bundle);
  EXPECT_EQ(std::count(got.begin(), got.end(), Index("revoke lab-1")), 0);
  KP_EXPECT_OK(Verify(bundle));
}

// The policy update is entry Index("policy"): a checkpoint of exactly that
// many entries ends just before it, and counts none.
TEST_F(ProvenanceTest, PolicyCountCoversOnlyTheEntriesBelowTheTreeSize) {
  const uint64_t at = Index("policy");
  KP_ASSERT_OK_AND_ASSIGN(uint64_t below,
                          apply::PolicyUpdatesBelow(*store_, at));
  EXPECT_EQ(below, 0u);
  KP_ASSERT_OK_AND_ASSIGN(below, apply::PolicyUpdatesBelow(*store_, at + 1));
  EXPECT_EQ(below, 1u);
  KP_ASSERT_OK_AND_ASSIGN(
      checkpoint::CheckpointBody before,
      apply::StoreCheckpointBody(*store_, b_.genesis().origin(), at));
  EXPECT_THAT(before.extensions, ElementsAre("kpledger/policy-updates 0"));
  KP_ASSERT_OK_AND_ASSIGN(
      checkpoint::CheckpointBody with,
      apply::StoreCheckpointBody(*store_, b_.genesis().origin(), at + 1));
  EXPECT_THAT(with.extensions, ElementsAre("kpledger/policy-updates 1"));
  // A body at `at` that counts the update is not the store's.
  before.extensions = {"kpledger/policy-updates 1"};
  EXPECT_THAT(apply::CheckCountLines(*store_, before),
              StatusIs(StatusCode::kFailedPrecondition,
                       "the checkpoint says the log holds 1 policy update(s) "
                       "below tree size " +
                           std::to_string(at) + "; this node's log holds 0"));
  KP_EXPECT_OK(apply::CheckCountLines(*store_, with));
}

TEST_F(ProvenanceTest, ConfirmationPastTheCheckpointIsLeftOut) {
  const uint64_t size = Index("confirm AZ-2026-0001");
  KP_ASSERT_OK_AND_ASSIGN(v1::ProvenanceBundle bundle,
                          BuildBundle(*store_, "M-1", Cosign(size)));
  KP_ASSERT_OK_AND_ASSIGN(v1::ProvenanceAccount account, Verify(bundle));
  EXPECT_TRUE(account.has_export_certificate());
  EXPECT_FALSE(account.has_confirmation());
  EXPECT_THAT(FormatAccount(account),
              HasSubstr("no confirmation of receipt in this bundle"));
}

// --- BuildBundle refusals ---

TEST_F(ProvenanceTest, BuildRefusesUnknownParcel) {
  EXPECT_THAT(BuildBundle(*store_, "NO-SUCH", Cosign(Size())),
              StatusIs(StatusCode::kNotFound, "no parcel \"NO-SUCH\""));
}

TEST_F(ProvenanceTest, BuildRefusesCheckpointThatDoesNotCoverTheAncestry) {
  const uint64_t export_index = Index("export M-1");
  EXPECT_THAT(BuildBundle(*store_, "M-1", Cosign(export_index)),
              StatusIs(StatusCode::kFailedPrecondition,
                       "the ancestry of parcel M-1 reaches entry " +
                           std::to_string(export_index) +
                           " (export), past the checkpoint's tree size " +
                           std::to_string(export_index) +
                           ": use a checkpoint of tree size " +
                           std::to_string(export_index + 1) + " or more"));
}

TEST_F(ProvenanceTest, BuildRefusesCheckpointWhosePolicyLineIsNotTheStores) {
  const v1::Checkpoint cp =
      Cosign(Size(), 2, std::vector<std::string>{"kpledger/policy-updates 0"});
  EXPECT_THAT(
      BuildBundle(*store_, "M-1", cp),
      StatusIs(StatusCode::kFailedPrecondition,
               "the checkpoint says the log holds 0 policy update(s) "
               "below tree size " +
                   std::to_string(Size()) + "; this node's log holds 1"));
}

TEST_F(ProvenanceTest, BuildRefusesCheckpointPastTheStore) {
  v1::Checkpoint cp = Cosign(Size());
  checkpoint::CheckpointBody body;
  body.origin = b_.genesis().origin();
  body.tree_size = Size() + 5;
  body.extensions = {checkpoint::PolicyUpdatesLine(0)};
  cp.set_note(*checkpoint::SignCheckpoint(body, b_.NodeSigners(2)));
  EXPECT_THAT(BuildBundle(*store_, "M-1", cp),
              StatusIs(StatusCode::kOutOfRange, "is past this store's size"));
}

TEST_F(ProvenanceTest, BuildRefusesCheckpointOfAnotherRoot) {
  checkpoint::CheckpointBody body;
  body.origin = b_.genesis().origin();
  body.tree_size = Size();
  body.root = merkle::HashLeaf("another log");
  body.extensions = {checkpoint::PolicyUpdatesLine(0)};
  v1::Checkpoint cp;
  cp.set_note(*checkpoint::SignCheckpoint(body, b_.NodeSigners(2)));
  EXPECT_THAT(
      BuildBundle(*store_, "M-1", cp),
      StatusIs(StatusCode::kFailedPrecondition, "is not this store's root"));
}

// --- Tampered bundles ---

TEST_F(ProvenanceTest, FlippedPayloadByteFailsItsEntrysProof) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  const uint64_t i = Index("A-1 to lab-1");
  EditEnvelope(&bundle, i, [](v1::Envelope* env) {
    (*env->mutable_payload())[env->payload().size() / 2] ^= 0x01;
  });
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kFailedPrecondition,
                       EntryName(i) + ": inclusion proof for leaf " +
                           std::to_string(i) + " leads to root"));
}

TEST_F(ProvenanceTest, FlippedSignatureByteFailsItsEntrysProof) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  const uint64_t i = Index("export M-1");
  EditEnvelope(&bundle, i, [](v1::Envelope* env) {
    (*env->mutable_signatures(0)->mutable_sig())[7] ^= 0x01;
  });
  EXPECT_THAT(Verify(bundle), StatusIs(StatusCode::kFailedPrecondition,
                                       EntryName(i) + ": inclusion proof"));
}

TEST_F(ProvenanceTest, FlippedProofHashIsNamed) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  const uint64_t i = Index("split A-1");
  (*EntryOf(&bundle, i)->mutable_proof()->mutable_hashes(2))[0] ^= 0x01;
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kFailedPrecondition,
                       EntryName(i) + ": inclusion proof for leaf " +
                           std::to_string(i) + " leads to root"));
}

TEST_F(ProvenanceTest, LeafThatDoesNotDecodeIsNamedByPosition) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  bundle.mutable_entries(3)->set_leaf("short");
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kDataLoss,
                       "entries[3]: leaf has 5 bytes, shorter than its "
                       "25-byte header"));
}

TEST_F(ProvenanceTest, RepeatedEntryIsRefused) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  const uint64_t i = Index("split A-1");
  *bundle.add_entries() = *EntryOf(&bundle, i);
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kInvalidArgument,
                       EntryName(i) + " (entries[" +
                           std::to_string(bundle.entries_size() - 1) +
                           "]) follows entry"));
}

TEST_F(ProvenanceTest, OversizedBundleIsRefused) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  while (bundle.entries_size() <= static_cast<int>(kMaxBundleEntries)) {
    bundle.add_entries();
  }
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kResourceExhausted, "more than 100000"));
}

TEST_F(ProvenanceTest, ProofOfAnotherLeafIsNamed) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  const uint64_t i = Index("split A-1");
  EntryOf(&bundle, i)->mutable_proof()->set_leaf_index(i + 1);
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kInvalidArgument,
                       EntryName(i) + ": its inclusion proof is for leaf " +
                           std::to_string(i + 1)));
}

TEST_F(ProvenanceTest, ProofForAnotherTreeSizeIsNamed) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  const uint64_t i = Index("split A-1");
  EntryOf(&bundle, i)->mutable_proof()->set_tree_size(Size() - 1);
  EXPECT_THAT(
      Verify(bundle),
      StatusIs(StatusCode::kInvalidArgument,
               EntryName(i) + ": its inclusion proof is for tree size " +
                   std::to_string(Size() - 1) + ", the checkpoint's is " +
                   std::to_string(Size())));
}

TEST_F(ProvenanceTest, ProofHashOfTheWrongLengthIsNamed) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  const uint64_t i = Index("split A-1");
  EntryOf(&bundle, i)->mutable_proof()->mutable_hashes(1)->pop_back();
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kInvalidArgument,
                       EntryName(i) +
                           ": inclusion proof hash 1 has 31 bytes, want 32"));
}

TEST_F(ProvenanceTest, GenesisEntryAtAnotherIndexOrWithAChangedProofIsNamed) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  const entry::LeafView genesis =
      entry::DecodeLeaf(bundle.genesis().leaf()).value();
  const std::string envelope(genesis.envelope);
  bundle.mutable_genesis()->set_leaf(
      entry::EncodeLeaf(1, genesis.time, envelope));
  EXPECT_THAT(Verify(bundle), StatusIs(StatusCode::kInvalidArgument,
                                       "genesis entry has index 1, want 0"));
  bundle = Bundle("M-1");
  (*bundle.mutable_genesis()->mutable_proof()->mutable_hashes(0))[5] ^= 0x10;
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kFailedPrecondition,
                       "entry 0: inclusion proof for leaf 0 leads to root"));
}

// Colluding nodes can cosign any log; the rules still refuse what no
// honest node would have accepted.
TEST_F(ProvenanceTest, PayloadChangedInCosignedLogFailsItsSignature) {
  const uint64_t i = Index("A-1 to lab-1");
  const v1::ProvenanceBundle bundle =
      Forge(Bundle("M-1"), i, [](v1::Envelope* env) {
        (*env->mutable_payload())[env->payload().size() - 1] ^= 0x01;
      });
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kUnauthenticated,
                       EntryName(i) + " (custody_transfer) does not pass the "
                                      "rules: custody_transfer.signatures: "
                                      "signature 0 by key"));
}

TEST_F(ProvenanceTest, SignatureChangedInCosignedLogIsNamed) {
  const uint64_t i = Index("A-1 to lab-1");
  const v1::ProvenanceBundle bundle =
      Forge(Bundle("M-1"), i, [](v1::Envelope* env) {
        (*env->mutable_signatures(1)->mutable_sig())[7] ^= 0x01;
      });
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kUnauthenticated,
                       EntryName(i) + " (custody_transfer) does not pass the "
                                      "rules: custody_transfer.signatures: "
                                      "signature 1 by key"));
}

TEST_F(ProvenanceTest, DroppedAncestorIsNamedByTheEntryThatNeedsIt) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  Drop(&bundle, Index("A-1 to lab-1"));
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kFailedPrecondition,
                       EntryName(Index("assess A-1")) +
                           " (lab_assessment) does not pass the rules: "
                           "lab_assessment.parcels: stale head for parcel "
                           "A-1"));
}

TEST_F(ProvenanceTest, DroppedImportIsNamedByTheEntryThatNeedsIt) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  Drop(&bundle, Index("import B-1"));
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kNotFound,
                       EntryName(Index("B-1 to lab-1")) +
                           " (custody_transfer) does not pass the rules: "
                           "custody_transfer.parcels: no parcel B-1"));
}

TEST_F(ProvenanceTest, DroppedRegistrationIsNamedByTheEntryThatNeedsIt) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  Drop(&bundle, Index("register lab-1"));
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kUnauthenticated,
                       EntryName(Index("A-1 to lab-1")) +
                           " (custody_transfer) does not pass the rules: "
                           "custody_transfer.signatures: signature by key"));
}

// Without the update the rules would be re-run under the genesis' policy,
// not the one in force, and the account could lose the flags it raised.
TEST_F(ProvenanceTest, DroppedPolicyUpdateIsRefused) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  Drop(&bundle, Index("policy"));
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kInvalidArgument,
                       "the bundle holds 0 policy update(s), but the "
                       "checkpoint says the log holds 1 below tree size " +
                           std::to_string(Size()) +
                           ": a bundle holds every policy update"));
}

TEST_F(ProvenanceTest, CheckpointThatCountsMorePolicyUpdatesIsRefused) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  *bundle.mutable_checkpoint() =
      Cosign(Size(), 2, std::vector<std::string>{"kpledger/policy-updates 2"});
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kInvalidArgument,
                       "the bundle holds 1 policy update(s), but the "
                       "checkpoint says the log holds 2"));
}

TEST_F(ProvenanceTest, CheckpointThatCountsFewerPolicyUpdatesIsRefused) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  *bundle.mutable_checkpoint() =
      Cosign(Size(), 2, std::vector<std::string>{"kpledger/policy-updates 0"});
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kFailedPrecondition,
                       "the bundle proves 1 policy updates in the log below "
                       "tree size " +
                           std::to_string(Size()) +
                           ", but the checkpoint counts 0: its signers "
                           "counted wrong"));
}

TEST_F(ProvenanceTest, CheckpointWithoutPolicyLineIsRefused) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  *bundle.mutable_checkpoint() =
      Cosign(Size(), 2, std::vector<std::string>{"example.org/other 1"});
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kInvalidArgument,
                       "checkpoint: checkpoint has no "
                       "\"kpledger/policy-updates <count>\" line"));
}

TEST_F(ProvenanceTest, SwappedEntriesAreRefused) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  const uint64_t split = Index("split A-1");
  const uint64_t merge = Index("merge M-1");
  const std::vector<uint64_t> order = Indexes(bundle);
  const size_t merge_at =
      std::find(order.begin(), order.end(), merge) - order.begin();
  std::swap(*EntryOf(&bundle, split), *EntryOf(&bundle, merge));
  // The split now sits where the merge was, right after it.
  EXPECT_THAT(
      Verify(bundle),
      StatusIs(StatusCode::kInvalidArgument,
               EntryName(split) + " (entries[" + std::to_string(merge_at) +
                   "]) follows " + EntryName(merge) +
                   ": entries must be in log order, each once"));
}

TEST_F(ProvenanceTest, TamperedCheckpointSignatureIsNamed) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  std::string note = bundle.checkpoint().note();
  // A character well inside the first signature's base64, past its key
  // hash: the signature bytes change, the signer stays recognised.
  const size_t line = note.find("\n\xe2\x80\x94 ") + 1;
  const size_t sig = note.find(' ', line + 4) + 1;
  note[sig + 40] = note[sig + 40] == 'A' ? 'B' : 'A';
  bundle.mutable_checkpoint()->set_note(note);
  EXPECT_THAT(Verify(bundle), StatusIs(StatusCode::kUnauthenticated,
                                       "checkpoint: checkpoint signature by "
                                       "node-1.kpledger.test does not verify"));
}

TEST_F(ProvenanceTest, CheckpointSignedByTooFewNodesIsRefused) {
  KP_ASSERT_OK_AND_ASSIGN(
      v1::ProvenanceBundle bundle,
      BuildBundle(*store_, "M-1", Cosign(Size(), /*signers=*/1)));
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kUnauthenticated,
                       "checkpoint: checkpoint has 1 valid node signature, "
                       "want 2"));
}

TEST_F(ProvenanceTest, CheckpointFieldThatDisagreesWithItsNoteIsNamed) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  bundle.mutable_checkpoint()->set_tree_size(Size() + 1);
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kInvalidArgument,
                       "checkpoint.tree_size is " + std::to_string(Size() + 1) +
                           ", its signed note says " + std::to_string(Size())));
}

TEST_F(ProvenanceTest, CheckpointOriginOrRootThatDisagreesWithItsNote) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  bundle.mutable_checkpoint()->set_origin("kpledger.test/elsewhere");
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kInvalidArgument,
                       "checkpoint.origin is kpledger.test/elsewhere, its "
                       "signed note says "));
  bundle = Bundle("M-1");
  (*bundle.mutable_checkpoint()->mutable_root_hash())[0] ^= 0x01;
  EXPECT_THAT(Verify(bundle), StatusIs(StatusCode::kInvalidArgument,
                                       "checkpoint.root_hash is "));
}

TEST_F(ProvenanceTest, GenesisEntryOfAnotherLedgerIsNamed) {
  v1::Policy other_policy = testing::DefaultPolicy();
  other_policy.set_loss_tolerance_ppm(2000);
  const testing::CustodyBuilder other(other_policy);
  v1::ProvenanceBundle bundle = Bundle("M-1");
  bundle.mutable_genesis()->set_leaf(entry::EncodeLeaf(
      0, b_.genesis_time(), other.genesis_envelope().SerializeAsString()));
  EXPECT_THAT(Verify(bundle), StatusIs(StatusCode::kFailedPrecondition,
                                       "the bundle is of another ledger"));
}

TEST_F(ProvenanceTest, BundleIsRefusedUnderAnotherTrustRoot) {
  v1::Policy other_policy = testing::DefaultPolicy();
  other_policy.set_loss_tolerance_ppm(2000);
  const testing::CustodyBuilder other(other_policy);
  KP_ASSERT_OK_AND_ASSIGN(
      rules::VerifiedGenesis other_root,
      rules::VerifyGenesisEnvelope(other.genesis_envelope()));
  EXPECT_THAT(
      VerifyBundle(Bundle("M-1"), other_root),
      StatusIs(StatusCode::kFailedPrecondition,
               "genesis entry has hash " + base::ShortHex(trust_root_.hash) +
                   ", the trust root's is " + base::ShortHex(other_root.hash)));
}

TEST_F(ProvenanceTest, BundleThatNeverCreatesItsParcelIsRefused) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  bundle.set_parcel_id("U-1");
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kNotFound,
                       "parcel U-1 is not created by any entry of the "
                       "bundle"));
}

// A bundle is the parcel's provenance and nothing else: relabelled for a
// parcel of its DAG, it would show that parcel as of a later entry than
// its own last event (A-1b went to vault-1 on day 6; M-1's bundle does not
// say so).
TEST_F(ProvenanceTest, BundleRelabelledForAnotherParcelOfItsDagIsRefused) {
  v1::ProvenanceBundle bundle = Bundle("M-1");
  bundle.set_parcel_id("A-1b");
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kInvalidArgument,
                       "is not in the provenance of parcel A-1b"));
}

TEST_F(ProvenanceTest, EntriesOfAnUnrelatedParcelAreRefused) {
  // Entries that verify on their own (proved, signed, accepted by the
  // rules), padded into M-1's bundle in log order.
  v1::ProvenanceBundle bundle = Bundle("M-1");
  const v1::ProvenanceBundle other = Bundle("U-1");
  std::vector<v1::BundleEntry> entries(bundle.entries().begin(),
                                       bundle.entries().end());
  for (const v1::BundleEntry& e : other.entries()) {
    const uint64_t index = e.proof().leaf_index();
    if (index == Index("register vault-1") || index == Index("import U-1")) {
      entries.push_back(e);
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const v1::BundleEntry& a, const v1::BundleEntry& b) {
              return a.proof().leaf_index() < b.proof().leaf_index();
            });
  bundle.clear_entries();
  for (v1::BundleEntry& e : entries) *bundle.add_entries() = std::move(e);
  EXPECT_THAT(Verify(bundle),
              StatusIs(StatusCode::kInvalidArgument,
                       EntryName(Index("register vault-1")) +
                           " (register_actor) is not in the provenance of "
                           "parcel M-1"));
}

}  // namespace
}  // namespace kpledger::provenance
