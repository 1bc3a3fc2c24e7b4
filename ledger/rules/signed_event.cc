#include "ledger/rules/signed_event.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"
#include "ledger/envelope/dsse.h"

namespace kpledger::rules {

absl::StatusOr<SignedEvent> DecodeEvent(std::string envelope_bytes) {
  SignedEvent ev;
  KP_ASSIGN_OR_RETURN(ev.envelope, envelope::ParseEnvelope(envelope_bytes));
  if (ev.envelope.payload_type() != envelope::kEventPayloadType) {
    return absl::InvalidArgumentError(absl::StrCat(
        "envelope payload type is \"", ev.envelope.payload_type().substr(0, 80),
        "\", want \"", envelope::kEventPayloadType, "\""));
  }
  if (!ev.event.ParseFromString(ev.envelope.payload())) {
    return absl::InvalidArgumentError(
        "payload is not a kpledger.v1.CustodyEvent (garbage or truncated)");
  }
  if (!ev.event.GetReflection()->GetUnknownFields(ev.event).empty()) {
    return absl::InvalidArgumentError(
        "payload has fields a kpledger.v1.CustodyEvent does not have");
  }
  ev.event_id = envelope::EventId(ev.envelope.payload());
  ev.envelope_bytes = std::move(envelope_bytes);
  return ev;
}

bool CheckSignatures(SignedEvent* ev, KeyLookup lookup) {
  // VerifyEnvelope takes pointers to keys; hold them here.
  std::map<std::string, crypto::PublicKey> keys;
  for (const v1::Signature& s : ev->envelope.signatures()) {
    std::optional<crypto::PublicKey> key = lookup(s.keyid());
    if (!key.has_value()) return false;
    keys.emplace(s.keyid(), *std::move(key));
  }
  ev->signers = envelope::VerifyEnvelope(
      ev->envelope, envelope::kEventPayloadType,
      [&](absl::string_view keyid) -> const crypto::PublicKey* {
        auto it = keys.find(std::string(keyid));
        return it == keys.end() ? nullptr : &it->second;
      });
  return true;
}

}  // namespace kpledger::rules
