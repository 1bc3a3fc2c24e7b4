#include "ledger/envelope/dsse.h"

#include <map>

#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/crypto/sha256.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::envelope {
namespace {

using ::kpledger::testing::StatusIs;

class DsseTest : public ::testing::Test {
 protected:
  // Resolves the key ids of the keys this fixture knows.
  absl::StatusOr<std::vector<std::string>> Verify(
      const v1::Envelope& env, absl::string_view type = kEventPayloadType) {
    return VerifyEnvelope(env, type, [this](absl::string_view id) {
      auto it = known_.find(std::string(id));
      return it == known_.end() ? nullptr : &it->second;
    });
  }
  void Know(const crypto::PrivateKey& k) {
    known_.emplace(k.key_id(), k.public_key());
  }

  crypto::PrivateKey customs_ = crypto::PrivateKey::Generate();
  crypto::PrivateKey authority_ = crypto::PrivateKey::Generate();
  std::map<std::string, crypto::PublicKey> known_;
};

TEST_F(DsseTest, PaeMatchesTheSpecExample) {
  // DSSE protocol.md, "Test vector".
  EXPECT_EQ(Pae("http://example.com/HelloWorld", "hello world"),
            "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
}

TEST_F(DsseTest, PaeOfEmptyParts) { EXPECT_EQ(Pae("", ""), "DSSEv1 0  0 "); }

TEST_F(DsseTest, SignedEnvelopeVerifies) {
  Know(customs_);
  v1::Envelope env =
      SignEnvelope(kEventPayloadType, "event bytes", {&customs_});
  KP_ASSERT_OK_AND_ASSIGN(std::vector<std::string> signers, Verify(env));
  EXPECT_EQ(signers, std::vector<std::string>{customs_.key_id()});
  EXPECT_TRUE(customs_.public_key().Verify(
      Pae(kEventPayloadType, "event bytes"), env.signatures(0).sig()));
}

TEST_F(DsseTest, MultiSignatureEnvelopeReportsEverySigner) {
  Know(customs_);
  Know(authority_);
  v1::Envelope env =
      SignEnvelope(kEventPayloadType, "export", {&authority_, &customs_});
  KP_ASSERT_OK_AND_ASSIGN(std::vector<std::string> signers, Verify(env));
  EXPECT_EQ(signers,
            (std::vector<std::string>{authority_.key_id(), customs_.key_id()}));
}

TEST_F(DsseTest, CoSignatureDoesNotChangeEventId) {
  v1::Envelope env = SignEnvelope(kEventPayloadType, "transfer", {&customs_});
  const std::string before = EventId(env.payload());
  AddSignature(&env, authority_);
  EXPECT_EQ(EventId(env.payload()), before);
  EXPECT_EQ(before, crypto::Sha256Hex("transfer"));
}

TEST_F(DsseTest, JsonMappingIsDsseJsonEnvelope) {
  v1::Envelope env = SignEnvelope(kEventPayloadType, "hi", {&customs_});
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(env, &json).ok());
  EXPECT_NE(
      json.find("\"payloadType\":\"application/vnd.kpledger.event.v1+proto\""),
      std::string::npos);
  EXPECT_NE(json.find("\"payload\":\"aGk=\""), std::string::npos);
  EXPECT_NE(json.find("\"signatures\":[{\"keyid\":\"" + customs_.key_id() +
                      "\",\"sig\":\""),
            std::string::npos);
}

TEST_F(DsseTest, SerializedEnvelopeParsesBack) {
  v1::Envelope env = SignEnvelope(kEventPayloadType, "p", {&customs_});
  KP_ASSERT_OK_AND_ASSIGN(v1::Envelope back,
                          ParseEnvelope(env.SerializeAsString()));
  EXPECT_EQ(back.SerializeAsString(), env.SerializeAsString());
}

// --- Refusals ---

TEST_F(DsseTest, WrongPayloadTypeIsRefused) {
  Know(customs_);
  v1::Envelope env = SignEnvelope("application/json", "{}", {&customs_});
  EXPECT_THAT(Verify(env), StatusIs(absl::StatusCode::kInvalidArgument,
                                    "payload type is \"application/json\""));
}

TEST_F(DsseTest, SignatureOverAnotherPayloadTypeIsRefused) {
  Know(customs_);
  v1::Envelope env = SignEnvelope(kGenesisPayloadType, "bytes", {&customs_});
  env.set_payload_type(std::string(kEventPayloadType));
  EXPECT_THAT(Verify(env),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "does not verify over the payload and its type"));
}

TEST_F(DsseTest, AlteredPayloadIsRefused) {
  Know(customs_);
  v1::Envelope env = SignEnvelope(kEventPayloadType, "mass=1000", {&customs_});
  env.set_payload("mass=9000");
  EXPECT_THAT(Verify(env), StatusIs(absl::StatusCode::kUnauthenticated,
                                    "signature 0 by key"));
}

TEST_F(DsseTest, UnknownKeyIdIsRefused) {
  v1::Envelope env = SignEnvelope(kEventPayloadType, "x", {&customs_});
  EXPECT_THAT(Verify(env), StatusIs(absl::StatusCode::kUnauthenticated,
                                    "signature 0: unknown key id " +
                                        customs_.key_id().substr(0, 12)));
}

TEST_F(DsseTest, EnvelopeWithoutSignaturesIsRefused) {
  v1::Envelope env = SignEnvelope(kEventPayloadType, "x", {});
  EXPECT_THAT(Verify(env),
              StatusIs(absl::StatusCode::kUnauthenticated, "no signatures"));
}

TEST_F(DsseTest, SameKeyTwiceIsRefused) {
  Know(customs_);
  v1::Envelope env =
      SignEnvelope(kEventPayloadType, "x", {&customs_, &customs_});
  EXPECT_THAT(Verify(env),
              StatusIs(absl::StatusCode::kInvalidArgument, "signed twice"));
}

TEST_F(DsseTest, OneBadSignatureAmongGoodOnesRefusesTheEnvelope) {
  Know(customs_);
  Know(authority_);
  v1::Envelope env =
      SignEnvelope(kEventPayloadType, "x", {&customs_, &authority_});
  (*env.mutable_signatures(1)->mutable_sig())[0] ^= 0x40;
  EXPECT_THAT(Verify(env), StatusIs(absl::StatusCode::kUnauthenticated,
                                    "signature 1 by key"));
}

TEST_F(DsseTest, SignatureOfWrongLengthIsRefused) {
  Know(customs_);
  v1::Envelope env = SignEnvelope(kEventPayloadType, "x", {&customs_});
  env.mutable_signatures(0)->mutable_sig()->pop_back();
  EXPECT_THAT(Verify(env), StatusIs(absl::StatusCode::kInvalidArgument,
                                    "signature 0 has 63 bytes, want 64"));
}

TEST_F(DsseTest, GarbageBytesAreRefused) {
  EXPECT_THAT(
      ParseEnvelope("\xff\xff\xff\xff garbage"),
      StatusIs(absl::StatusCode::kInvalidArgument, "not a valid protobuf"));
}

TEST_F(DsseTest, TruncatedEnvelopeIsRefused) {
  const std::string bytes =
      SignEnvelope(kEventPayloadType, "payload", {&customs_})
          .SerializeAsString();
  // Cutting inside the signature leaves a length-delimited field unfinished.
  EXPECT_THAT(
      ParseEnvelope(bytes.substr(0, bytes.size() - 5)),
      StatusIs(absl::StatusCode::kInvalidArgument, "truncated or garbage"));
}

TEST_F(DsseTest, EveryTruncationFailsToParseOrVerify) {
  Know(customs_);
  const std::string bytes =
      SignEnvelope(kEventPayloadType, "payload", {&customs_})
          .SerializeAsString();
  for (size_t len = 0; len < bytes.size(); ++len) {
    absl::StatusOr<v1::Envelope> env = ParseEnvelope(bytes.substr(0, len));
    if (env.ok()) {
      EXPECT_FALSE(Verify(*env).ok()) << "truncated to " << len << " bytes";
    }
  }
}

TEST_F(DsseTest, UnknownFieldsAreRefused) {
  std::string bytes =
      SignEnvelope(kEventPayloadType, "p", {&customs_}).SerializeAsString();
  bytes += std::string("\x78\x01", 2);  // field 15, varint 1
  EXPECT_THAT(ParseEnvelope(bytes),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown fields"));
}

TEST_F(DsseTest, OversizedEnvelopeIsRefusedBeforeParsing) {
  EXPECT_THAT(ParseEnvelope(std::string(kMaxEnvelopeBytes + 1, 'x')),
              StatusIs(absl::StatusCode::kResourceExhausted, "limit"));
}

TEST_F(DsseTest, EmptyPayloadIsRefused) {
  v1::Envelope env;
  env.set_payload_type(std::string(kEventPayloadType));
  env.add_signatures()->set_keyid("k");
  EXPECT_THAT(ParseEnvelope(env.SerializeAsString()),
              StatusIs(absl::StatusCode::kInvalidArgument, "empty payload"));
}

}  // namespace
}  // namespace kpledger::envelope
