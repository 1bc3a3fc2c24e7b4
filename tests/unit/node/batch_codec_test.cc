// The bytes of a batch in etcd: what a node signs decodes to the same
// batch on every node; anything else is refused with the reason.
#include "node/sequencer/batch_codec.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpledger/v1/batch.pb.h"
#include "ledger/envelope/dsse.h"
#include "ledger/rules/genesis.h"
#include "tests/testing/custody_builder.h"

namespace kpledger::node {
namespace {

using ::testing::HasSubstr;

class BatchCodecTest : public ::testing::Test {
 protected:
  BatchCodecTest()
      : hash_(rules::VerifyGenesisEnvelope(b_.genesis_envelope())->hash),
        codec_(BatchCodec::Create(b_.genesis(), hash_).value()) {
    batch_.proposer = b_.genesis().node_keys(1).name();
    batch_.nonce = 42;
    batch_.proposed_time = {1800000000, 123};
    batch_.envelopes = {"first envelope", std::string("\0second", 7)};
  }

  testing::CustodyBuilder b_;
  std::string hash_;
  BatchCodec codec_;
  ProposedBatch batch_;
};

TEST_F(BatchCodecTest, RoundTrips) {
  absl::StatusOr<ProposedBatch> got =
      codec_.Decode(codec_.Encode(batch_, b_.node_key(1)));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->proposer, batch_.proposer);
  EXPECT_EQ(got->nonce, 42u);
  EXPECT_EQ(got->proposed_time, batch_.proposed_time);
  EXPECT_EQ(got->envelopes, batch_.envelopes);
  EXPECT_EQ(got->proposer_key,
            std::string(b_.node_key(1).public_key().bytes()));
}

// A node governance registered is not in the genesis: its batch decodes
// with the key it carries, which the applier checks against the ledger's
// node keys (applier_test: BatchesAreAppliedOnlyFromNodeKeysInForce).
TEST_F(BatchCodecTest, ANodeNotInTheGenesisIsLeftToTheApplier) {
  const crypto::PrivateKey key = testing::CustodyBuilder::ActorKey("agency");
  batch_.proposer = "agency";
  absl::StatusOr<ProposedBatch> got = codec_.Decode(codec_.Encode(batch_, key));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->proposer, "agency");
  EXPECT_EQ(got->proposer_key, std::string(key.public_key().bytes()));
  // The carried key must be the one that signed.
  v1::Envelope env;
  ASSERT_TRUE(env.ParseFromString(codec_.Encode(batch_, key)));
  v1::Batch b;
  ASSERT_TRUE(b.ParseFromString(env.payload()));
  b.set_proposer_key(std::string(
      testing::CustodyBuilder::ActorKey("other").public_key().bytes()));
  env.set_payload(b.SerializeAsString());
  const absl::Status st = codec_.Decode(env.SerializeAsString()).status();
  EXPECT_TRUE(absl::IsUnauthenticated(st)) << st;
}

TEST_F(BatchCodecTest, RefusesGarbageAndTruncation) {
  EXPECT_TRUE(absl::IsInvalidArgument(codec_.Decode("garbage").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(codec_.Decode("").status()));
  const std::string good = codec_.Encode(batch_, b_.node_key(1));
  EXPECT_FALSE(codec_.Decode(good.substr(0, good.size() / 2)).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(
      codec_.Decode(std::string(kMaxBatchBytes + 1, 'x')).status()));
}

TEST_F(BatchCodecTest, RefusesAGenesisNodesNameSignedByAnotherKey) {
  const absl::Status st =
      codec_
          .Decode(codec_.Encode(batch_, testing::CustodyBuilder::ActorKey("x")))
          .status();
  EXPECT_TRUE(absl::IsUnauthenticated(st)) << st;
}

TEST_F(BatchCodecTest, RefusesANodeProposingInAnotherNodesName) {
  // Node 0's key, node 1's name.
  const absl::Status st =
      codec_.Decode(codec_.Encode(batch_, b_.node_key(0))).status();
  EXPECT_TRUE(absl::IsUnauthenticated(st)) << st;
  EXPECT_THAT(st.message(), HasSubstr(batch_.proposer));
}

TEST_F(BatchCodecTest, RefusesABatchOfAnotherLedger) {
  BatchCodec other =
      BatchCodec::Create(b_.genesis(), std::string(64, 'a')).value();
  const absl::Status st =
      codec_.Decode(other.Encode(batch_, b_.node_key(1))).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(st)) << st;
}

TEST_F(BatchCodecTest, RefusesAChangedBatch) {
  v1::Envelope env;
  ASSERT_TRUE(env.ParseFromString(codec_.Encode(batch_, b_.node_key(1))));
  v1::Batch b;
  ASSERT_TRUE(b.ParseFromString(env.payload()));
  b.set_nonce(43);
  env.set_payload(b.SerializeAsString());
  EXPECT_TRUE(
      absl::IsUnauthenticated(codec_.Decode(env.SerializeAsString()).status()));
}

}  // namespace
}  // namespace kpledger::node
