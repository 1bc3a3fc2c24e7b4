#include "ledger/checkpoint/checkpoint.h"

#include "gtest/gtest.h"
#include "ledger/base/encoding.h"
#include "ledger/checkpoint/policy_line.h"
#include "tests/testing/sample_events.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::checkpoint {
namespace {

using ::kpledger::testing::StatusIs;

constexpr char kOrigin[] = "kpledger.az/custody";

class CheckpointTest : public ::testing::Test {
 protected:
  CheckpointTest() {
    for (const char* name : {"customs.node", "authority.node", "lab.node"}) {
      keys_.push_back(testing::DeterministicKey(name));
    }
    const char* names[] = {"customs.node", "authority.node", "lab.node"};
    for (size_t i = 0; i < keys_.size(); ++i) {
      signers_.push_back(*NoteSigner::Create(names[i], keys_[i]));
      trusted_.push_back(signers_.back().Verifier());
    }
  }

  CheckpointBody Body(uint64_t size) {
    CheckpointBody body;
    body.origin = kOrigin;
    body.tree_size = size;
    body.root = merkle::HashLeaf("root at " + std::to_string(size));
    return body;
  }

  std::string Sign(const CheckpointBody& body, std::vector<int> who) {
    std::vector<NoteSigner> s;
    for (int i : who) s.push_back(signers_[i]);
    return *SignCheckpoint(body, s);
  }

  std::vector<crypto::PrivateKey> keys_;
  std::vector<NoteSigner> signers_;
  std::vector<NoteVerifier> trusted_;
};

TEST_F(CheckpointTest, BodyIsOriginSizeAndBase64Root) {
  CheckpointBody body = Body(42);
  EXPECT_EQ(
      body.Marshal(),
      absl::StrCat(kOrigin, "\n42\n",
                   base::Base64Encode(crypto::DigestBytes(body.root)), "\n"));
  KP_ASSERT_OK_AND_ASSIGN(CheckpointBody back,
                          CheckpointBody::Parse(body.Marshal()));
  EXPECT_EQ(back.origin, kOrigin);
  EXPECT_EQ(back.tree_size, 42u);
  EXPECT_EQ(back.root, body.root);
}

TEST_F(CheckpointTest, ExtensionLinesRoundTrip) {
  CheckpointBody body = Body(7);
  body.extensions = {"ledger-time 2026-09-01T00:00:00Z"};
  KP_ASSERT_OK_AND_ASSIGN(CheckpointBody back,
                          CheckpointBody::Parse(body.Marshal()));
  EXPECT_EQ(back.extensions, body.extensions);
}

TEST_F(CheckpointTest, ThresholdOfNodeSignaturesVerifies) {
  const std::string note = Sign(Body(10), {0, 2});
  KP_ASSERT_OK_AND_ASSIGN(VerifiedCheckpoint cp,
                          VerifyCheckpoint(note, kOrigin, trusted_, 2));
  EXPECT_EQ(cp.body.tree_size, 10u);
  EXPECT_EQ(cp.signers, (std::vector<std::string>{"customs.node", "lab.node"}));
}

TEST_F(CheckpointTest, CosigningAddsASignatureToAnExistingNote) {
  std::string note = Sign(Body(10), {0});
  EXPECT_FALSE(VerifyCheckpoint(note, kOrigin, trusted_, 2).ok());
  KP_ASSERT_OK_AND_ASSIGN(note, AddCheckpointSignature(note, signers_[1]));
  KP_ASSERT_OK_AND_ASSIGN(VerifiedCheckpoint cp,
                          VerifyCheckpoint(note, kOrigin, trusted_, 2));
  EXPECT_EQ(cp.signers.size(), 2u);
  // Cosigning twice replaces, never duplicates.
  KP_ASSERT_OK_AND_ASSIGN(note, AddCheckpointSignature(note, signers_[1]));
  EXPECT_EQ(ParseNote(note)->signatures.size(), 2u);
}

TEST_F(CheckpointTest, SignaturesOfUnknownKeysAreIgnored) {
  crypto::PrivateKey stranger_key = crypto::PrivateKey::Generate();
  NoteSigner stranger = *NoteSigner::Create("stranger", stranger_key);
  std::string note = Sign(Body(3), {0});
  note = *AddCheckpointSignature(note, stranger);
  KP_ASSERT_OK_AND_ASSIGN(VerifiedCheckpoint cp,
                          VerifyCheckpoint(note, kOrigin, trusted_, 1));
  EXPECT_EQ(cp.signers, std::vector<std::string>{"customs.node"});
}

// --- Refusals ---

TEST_F(CheckpointTest, BelowThresholdIsUnauthenticated) {
  const std::string note = Sign(Body(10), {1});
  EXPECT_THAT(VerifyCheckpoint(note, kOrigin, trusted_, 2),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "checkpoint has 1 valid node signature, want 2 "
                       "(signed by authority.node)"));
}

TEST_F(CheckpointTest, DuplicateSignatureLinesCountOnce) {
  std::string note = Sign(Body(10), {1});
  note += note.substr(note.find("— "));
  EXPECT_THAT(VerifyCheckpoint(note, kOrigin, trusted_, 2),
              StatusIs(absl::StatusCode::kUnauthenticated, "want 2"));
}

TEST_F(CheckpointTest, OneKeyUnderTwoNamesCountsOnce) {
  // A genesis that lists one public key twice must not let its holder meet
  // a threshold of two alone.
  NoteSigner alias = *NoteSigner::Create("alias.node", keys_[0]);
  std::vector<NoteVerifier> trusted = trusted_;
  trusted.push_back(alias.Verifier());
  std::string note = Sign(Body(10), {0});
  note = *AddCheckpointSignature(note, alias);
  EXPECT_THAT(VerifyCheckpoint(note, kOrigin, trusted, 2),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "checkpoint has 1 valid node signature, want 2"));
}

TEST_F(CheckpointTest, TamperedBodyFailsEverySignature) {
  std::string note = Sign(Body(10), {0, 1});
  note.replace(note.find("\n10\n"), 4, "\n11\n");
  EXPECT_THAT(VerifyCheckpoint(note, kOrigin, trusted_, 1),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "signature by customs.node does not verify"));
}

TEST_F(CheckpointTest, FlippedSignatureBitFails) {
  std::string note = Sign(Body(10), {0});
  const size_t at = note.rfind(' ') + 10;
  note[at] = note[at] == 'A' ? 'B' : 'A';
  EXPECT_THAT(VerifyCheckpoint(note, kOrigin, trusted_, 1),
              StatusIs(absl::StatusCode::kUnauthenticated, "does not verify"));
}

TEST_F(CheckpointTest, OtherOriginIsRefused) {
  CheckpointBody body = Body(10);
  body.origin = "kpledger.other/custody";
  EXPECT_THAT(VerifyCheckpoint(Sign(body, {0}), kOrigin, trusted_, 1),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "is for origin \"kpledger.other/custody\""));
}

TEST_F(CheckpointTest, MalformedBodiesAreRefused) {
  EXPECT_THAT(CheckpointBody::Parse("origin\n12\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "has 2 lines, want at least 3"));
  EXPECT_THAT(CheckpointBody::Parse("origin\n012\nAAAA\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "tree size \"012\" is not a decimal number"));
  EXPECT_THAT(CheckpointBody::Parse("origin\n-1\nAAAA\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, "not a decimal"));
  EXPECT_THAT(CheckpointBody::Parse("origin\n1\nAAAA\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "root hash is not 32 bytes"));
  EXPECT_THAT(
      CheckpointBody::Parse("\n1\nAAAA\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, "origin line is empty"));
}

TEST_F(CheckpointTest, NoteWithNoSignaturesAtAllIsMalformed) {
  EXPECT_THAT(VerifyCheckpoint(Body(1).Marshal(), kOrigin, trusted_, 1),
              StatusIs(absl::StatusCode::kInvalidArgument, "malformed note"));
}

TEST_F(CheckpointTest, PolicyLineStatesTheCountAndSurvivesTheNote) {
  CheckpointBody body = Body(12);
  body.extensions = {"example.org/other 5", PolicyUpdatesLine(3)};
  EXPECT_EQ(body.extensions[1], "kpledger/policy-updates 3");
  KP_ASSERT_OK_AND_ASSIGN(
      VerifiedCheckpoint v,
      VerifyCheckpoint(Sign(body, {0, 1}), kOrigin, trusted_, 2));
  // Another key's line is ignored; the policy line is found after it.
  KP_ASSERT_OK_AND_ASSIGN(uint64_t count, PolicyUpdateCount(v.body));
  EXPECT_EQ(count, 3u);
  body.extensions = {PolicyUpdatesLine(0)};
  KP_ASSERT_OK_AND_ASSIGN(count, PolicyUpdateCount(body));
  EXPECT_EQ(count, 0u);
}

TEST_F(CheckpointTest, PolicyLineMissingTwiceOrMalformedIsRefused) {
  CheckpointBody body = Body(12);
  EXPECT_THAT(PolicyUpdateCount(body),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "has no \"kpledger/policy-updates <count>\" line"));
  // A key that only starts like ours is another key.
  body.extensions = {"kpledger/policy-updatesX 3"};
  EXPECT_THAT(PolicyUpdateCount(body),
              StatusIs(absl::StatusCode::kInvalidArgument, "has no"));
  body.extensions = {PolicyUpdatesLine(1), PolicyUpdatesLine(1)};
  EXPECT_THAT(PolicyUpdateCount(body),
              StatusIs(absl::StatusCode::kInvalidArgument, "two"));
  for (const char* bad :
       {"kpledger/policy-updates", "kpledger/policy-updates ",
        "kpledger/policy-updates 01", "kpledger/policy-updates -1",
        "kpledger/policy-updates 2 3", "kpledger/policy-updates x",
        "kpledger/policy-updates 99999999999999999999"}) {
    body.extensions = {bad};
    EXPECT_THAT(PolicyUpdateCount(body),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "does not end in a decimal count"))
        << bad;
  }
}

}  // namespace
}  // namespace kpledger::checkpoint
