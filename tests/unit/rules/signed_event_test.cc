#include "ledger/rules/signed_event.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/envelope/dsse.h"
#include "tests/testing/sample_events.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::rules {
namespace {

using ::absl::StatusCode;
using ::kpledger::testing::StatusIs;

class SignedEventTest : public ::testing::Test {
 protected:
  const crypto::PrivateKey customs_ =
      kpledger::testing::DeterministicKey("customs");
};

TEST_F(SignedEventTest, DecodesTheEnvelopeThePayloadAndTheEventId) {
  const v1::Envelope env = kpledger::testing::SampleImport(customs_, 7);
  absl::StatusOr<SignedEvent> ev = DecodeEvent(env.SerializeAsString());
  ASSERT_TRUE(ev.ok()) << ev.status();
  EXPECT_EQ(ev->envelope_bytes, env.SerializeAsString());
  EXPECT_EQ(ev->envelope->SerializeAsString(), env.SerializeAsString());
  EXPECT_EQ(ev->event->SerializeAsString(), env.payload());
  EXPECT_EQ(ev->event_id, envelope::EventId(env.payload()));
  EXPECT_FALSE(ev->signers.has_value());  // not checked yet
}

// The applier decodes a batch on several threads onto one arena, then
// hands single events on: each must keep its messages alive on its own.
TEST_F(SignedEventTest, EventsOnASharedArenaOutliveTheBatchAndEachOther) {
  constexpr int kEvents = 64;
  std::vector<std::string> bytes;
  for (int i = 0; i < kEvents; ++i) {
    bytes.push_back(
        kpledger::testing::SampleImport(customs_, i + 1).SerializeAsString());
  }
  auto arena = std::make_shared<google::protobuf::Arena>();
  std::vector<absl::StatusOr<SignedEvent>> batch(kEvents,
                                                 absl::UnknownError("unset"));
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kEvents; i += 2) {
        batch[i] = DecodeEvent(bytes[i], arena);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  arena.reset();  // the events hold it now

  absl::StatusOr<SignedEvent> kept = batch[kEvents / 2];  // a copy
  ASSERT_TRUE(kept.ok()) << kept.status();
  batch.clear();
  v1::Envelope want;
  ASSERT_TRUE(want.ParseFromString(bytes[kEvents / 2]));
  EXPECT_EQ(kept->envelope->SerializeAsString(), bytes[kEvents / 2]);
  EXPECT_EQ(kept->event->SerializeAsString(), want.payload());
  EXPECT_EQ(kept->event_id, envelope::EventId(want.payload()));
}

TEST_F(SignedEventTest, RefusesAnotherPayloadType) {
  const v1::Envelope env =
      envelope::SignEnvelope("application/json", "{}", {&customs_});
  EXPECT_THAT(DecodeEvent(env.SerializeAsString()),
              StatusIs(StatusCode::kInvalidArgument,
                       "payload type is \"application/json\""));
}

TEST_F(SignedEventTest, RefusesAPayloadThatIsNotACustodyEvent) {
  const v1::Envelope env = envelope::SignEnvelope(
      envelope::kEventPayloadType, "\xff\xff\xff garbage", {&customs_});
  EXPECT_THAT(
      DecodeEvent(env.SerializeAsString()),
      StatusIs(StatusCode::kInvalidArgument, "not a kpledger.v1.CustodyEvent"));
}

TEST_F(SignedEventTest, RefusesFieldsACustodyEventDoesNotHave) {
  // Field 999, varint 1: well-formed protobuf, unknown to CustodyEvent.
  const std::string unknown_field = "\xb8\x3e\x01";
  const v1::Envelope env = envelope::SignEnvelope(envelope::kEventPayloadType,
                                                  unknown_field, {&customs_});
  EXPECT_THAT(DecodeEvent(env.SerializeAsString()),
              StatusIs(StatusCode::kInvalidArgument,
                       "fields a kpledger.v1.CustodyEvent does not have"));
}

TEST_F(SignedEventTest, RefusesBytesThatAreNotAnEnvelope) {
  auto arena = std::make_shared<google::protobuf::Arena>();
  EXPECT_THAT(DecodeEvent("\x0a\xff\x01truncated", arena),
              StatusIs(StatusCode::kInvalidArgument, "not a valid protobuf"));
  // A refusal leaves the shared arena usable for the batch's other events.
  const v1::Envelope env = kpledger::testing::SampleImport(customs_, 1);
  absl::StatusOr<SignedEvent> ev = DecodeEvent(env.SerializeAsString(), arena);
  ASSERT_TRUE(ev.ok()) << ev.status();
  EXPECT_EQ(ev->event->SerializeAsString(), env.payload());
}

}  // namespace
}  // namespace kpledger::rules
