#include "ledger/envelope/dsse.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/encoding.h"
#include "ledger/base/status_macros.h"
#include "ledger/crypto/sha256.h"

namespace kpledger::envelope {
std::string Pae(absl::string_view payload_type, absl::string_view payload) {
  return absl::StrCat("DSSEv1 ", payload_type.size(), " ", payload_type, " ",
                      payload.size(), " ", payload);
}

std::string EventId(absl::string_view payload) {
  return crypto::Sha256Hex(payload);
}

bool IsEventId(absl::string_view id) {
  return id.size() == 64 &&
         id.find_first_not_of("0123456789abcdef") == absl::string_view::npos;
}

void AddSignature(v1::Envelope* env, const crypto::PrivateKey& signer) {
  v1::Signature* sig = env->add_signatures();
  sig->set_keyid(signer.key_id());
  sig->set_sig(signer.Sign(Pae(env->payload_type(), env->payload())));
}

v1::Envelope SignEnvelope(
    absl::string_view payload_type, std::string payload,
    const std::vector<const crypto::PrivateKey*>& signers) {
  v1::Envelope env;
  env.set_payload_type(std::string(payload_type));
  env.set_payload(std::move(payload));
  for (const crypto::PrivateKey* signer : signers) AddSignature(&env, *signer);
  return env;
}

absl::StatusOr<v1::Envelope> ParseEnvelope(absl::string_view bytes) {
  v1::Envelope env;
  KP_RETURN_IF_ERROR(ParseEnvelopeInto(bytes, &env));
  return env;
}

absl::Status ParseEnvelopeInto(absl::string_view bytes, v1::Envelope* env) {
  if (bytes.size() > kMaxEnvelopeBytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "envelope has ", bytes.size(), " bytes, limit ", kMaxEnvelopeBytes));
  }
  if (!env->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat("envelope is not a valid protobuf (", bytes.size(),
                     " bytes, truncated or garbage)"));
  }
  if (!env->GetReflection()->GetUnknownFields(*env).empty()) {
    return absl::InvalidArgumentError(
        "envelope has unknown fields (garbage or another message type)");
  }
  if (env->payload_type().empty()) {
    return absl::InvalidArgumentError("envelope has no payload type");
  }
  if (env->payload().empty()) {
    return absl::InvalidArgumentError("envelope has an empty payload");
  }
  return absl::OkStatus();
}

absl::Status CheckEnvelopeShape(const v1::Envelope& env,
                                absl::string_view want_payload_type) {
  if (env.payload_type() != want_payload_type) {
    return absl::InvalidArgumentError(absl::StrCat(
        "envelope payload type is \"", env.payload_type().substr(0, 80),
        "\", want \"", want_payload_type, "\""));
  }
  if (env.payload().empty()) {
    return absl::InvalidArgumentError("envelope has an empty payload");
  }
  if (env.signatures().empty()) {
    return absl::UnauthenticatedError("envelope has no signatures");
  }
  if (env.signatures_size() > kMaxSignatures) {
    return absl::InvalidArgumentError(
        absl::StrCat("envelope has ", env.signatures_size(),
                     " signatures, limit ", kMaxSignatures));
  }
  // At most kMaxSignatures: compared pairwise, with no allocation (this
  // runs at Submit and in every node's checks, for every event).
  for (int i = 0; i < env.signatures_size(); ++i) {
    const v1::Signature& s = env.signatures(i);
    bool repeated = false;
    for (int j = 0; j < i && !repeated; ++j) {
      repeated = env.signatures(j).keyid() == s.keyid();
    }
    if (repeated) {
      return absl::InvalidArgumentError(absl::StrCat("signature ", i, ": key ",
                                                     base::ShortHex(s.keyid()),
                                                     " signed twice"));
    }
    if (s.sig().size() != crypto::kSignatureSize) {
      return absl::InvalidArgumentError(
          absl::StrCat("signature ", i, " has ", s.sig().size(),
                       " bytes, want ", crypto::kSignatureSize));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> VerifyEnvelope(
    const v1::Envelope& env, absl::string_view want_payload_type,
    KeyResolver resolve) {
  KP_RETURN_IF_ERROR(CheckEnvelopeShape(env, want_payload_type));
  const std::string pae = Pae(env.payload_type(), env.payload());
  std::vector<std::string> signers;
  for (int i = 0; i < env.signatures_size(); ++i) {
    const v1::Signature& s = env.signatures(i);
    const crypto::PublicKey* key = resolve(s.keyid());
    if (key == nullptr) {
      return absl::UnauthenticatedError(absl::StrCat(
          "signature ", i, ": unknown key id ", base::ShortHex(s.keyid())));
    }
    if (!key->Verify(pae, s.sig())) {
      return absl::UnauthenticatedError(
          absl::StrCat("signature ", i, " by key ", base::ShortHex(s.keyid()),
                       " does not verify over the payload and its type"));
    }
    signers.push_back(s.keyid());
  }
  return signers;
}

}  // namespace kpledger::envelope
