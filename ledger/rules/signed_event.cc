#include "ledger/rules/signed_event.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"
#include "ledger/envelope/dsse.h"

namespace kpledger::rules {

absl::StatusOr<SignedEvent> DecodeEvent(
    std::string envelope_bytes,
    std::shared_ptr<google::protobuf::Arena> arena) {
  if (arena == nullptr) arena = std::make_shared<google::protobuf::Arena>();
  auto* env = google::protobuf::Arena::CreateMessage<v1::Envelope>(arena.get());
  KP_RETURN_IF_ERROR(envelope::ParseEnvelopeInto(envelope_bytes, env));
  if (env->payload_type() != envelope::kEventPayloadType) {
    return absl::InvalidArgumentError(absl::StrCat(
        "envelope payload type is \"", env->payload_type().substr(0, 80),
        "\", want \"", envelope::kEventPayloadType, "\""));
  }
  auto* event =
      google::protobuf::Arena::CreateMessage<v1::CustodyEvent>(arena.get());
  if (!event->ParseFromString(env->payload())) {
    return absl::InvalidArgumentError(
        "payload is not a kpledger.v1.CustodyEvent (garbage or truncated)");
  }
  if (!event->GetReflection()->GetUnknownFields(*event).empty()) {
    return absl::InvalidArgumentError(
        "payload has fields a kpledger.v1.CustodyEvent does not have");
  }
  SignedEvent ev;
  ev.event_id = envelope::EventId(env->payload());
  ev.envelope_bytes = std::move(envelope_bytes);
  ev.envelope = env;
  ev.event = event;
  ev.arena = std::move(arena);
  return ev;
}

bool CheckSignatures(SignedEvent* ev, KeyLookup lookup) {
  // VerifyEnvelope takes pointers to keys; hold them here.
  std::map<std::string, crypto::PublicKey> keys;
  for (const v1::Signature& s : ev->envelope->signatures()) {
    std::optional<crypto::PublicKey> key = lookup(s.keyid());
    if (!key.has_value()) return false;
    keys.emplace(s.keyid(), *std::move(key));
  }
  ev->signers = envelope::VerifyEnvelope(
      *ev->envelope, envelope::kEventPayloadType,
      [&](absl::string_view keyid) -> const crypto::PublicKey* {
        auto it = keys.find(std::string(keyid));
        return it == keys.end() ? nullptr : &it->second;
      });
  return true;
}

}  // namespace kpledger::rules
