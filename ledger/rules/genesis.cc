#include "ledger/rules/genesis.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"
#include "ledger/crypto/ed25519.h"
#include "ledger/envelope/dsse.h"
#include "ledger/rules/codes.h"

namespace kpledger::rules {
namespace {

absl::Status Bad(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("genesis ", field, ": ", why));
}

// Keys listed in `keys` are 32 bytes and distinct; `threshold` is 1..count.
absl::Status CheckKeys(
    absl::string_view field,
    const google::protobuf::RepeatedPtrField<v1::NamedKey>& keys,
    uint32_t threshold, absl::string_view threshold_field) {
  if (keys.empty()) return Bad(field, "no keys");
  std::set<std::string> seen;
  for (int i = 0; i < keys.size(); ++i) {
    const v1::NamedKey& k = keys[i];
    if (k.name().empty())
      return Bad(field, absl::StrCat("key ", i, " has no name"));
    if (k.public_key().size() != crypto::kPublicKeySize) {
      return Bad(field, absl::StrCat("key ", k.name(), " has ",
                                     k.public_key().size(), " bytes, want 32"));
    }
    if (!seen.insert(k.public_key()).second) {
      return Bad(field, absl::StrCat("key ", k.name(), " is listed twice"));
    }
  }
  if (threshold == 0 || threshold > static_cast<uint32_t>(keys.size())) {
    return Bad(threshold_field,
               absl::StrCat("is ", threshold, ", want 1 to ", keys.size()));
  }
  return absl::OkStatus();
}

absl::Status CheckNodeKeyNames(const v1::Genesis& g) {
  std::set<std::string> names;
  for (const v1::NamedKey& k : g.node_keys()) {
    if (!checkpoint::IsValidKeyName(k.name())) {
      return Bad("node_keys", absl::StrCat("name \"", k.name(),
                                           "\" is not a note key name (no "
                                           "white space, no '+')"));
    }
    if (!names.insert(k.name()).second) {
      return Bad("node_keys",
                 absl::StrCat("name ", k.name(), " is used twice"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidatePolicy(const v1::Policy& p) {
  auto Bad = [](absl::string_view field, absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
  };
  for (const auto& [name, ppm] :
       {std::pair<const char*, uint32_t>{"mass_tolerance_ppm",
                                         p.mass_tolerance_ppm()},
        {"value_band_ppm", p.value_band_ppm()},
        {"loss_tolerance_ppm", p.loss_tolerance_ppm()}}) {
    if (ppm > kWholeShare) {
      return Bad(absl::StrCat("policy.", name),
                 absl::StrCat("is ", ppm, ", above 1000000 (the whole)"));
    }
  }
  std::set<std::string> countries;
  for (const v1::SanctionedOrigin& s : p.sanctioned_origins()) {
    if (!IsCountryCode(s.country())) {
      return Bad("policy.sanctioned_origins",
                 absl::StrCat("\"", s.country(),
                              "\" is not an ISO 3166-1 alpha-2 code"));
    }
    if (!countries.insert(s.country()).second) {
      return Bad("policy.sanctioned_origins",
                 absl::StrCat(s.country(), " is listed twice"));
    }
    if (s.action() != v1::SANCTION_REFUSE && s.action() != v1::SANCTION_FLAG) {
      return Bad("policy.sanctioned_origins",
                 absl::StrCat(s.country(), " has no action (refuse or flag)"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateGenesis(const v1::Genesis& g) {
  if (g.origin().empty()) return Bad("origin", "is empty");
  const bool has_control = std::any_of(
      g.origin().begin(), g.origin().end(),
      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
  if (has_control || !checkpoint::IsValidKeyName(g.origin())) {
    return Bad("origin", absl::StrCat("\"", g.origin(),
                                      "\" holds white space, '+' or "
                                      "characters a checkpoint cannot carry"));
  }
  if (!IsCountryCode(g.country_code())) {
    return Bad("country_code",
               absl::StrCat("\"", g.country_code(),
                            "\" is not an ISO 3166-1 alpha-2 code"));
  }
  KP_RETURN_IF_ERROR(CheckKeys("governance_keys", g.governance_keys(),
                               g.governance_threshold(),
                               "governance_threshold"));
  KP_RETURN_IF_ERROR(CheckKeys("node_keys", g.node_keys(),
                               g.checkpoint_threshold(),
                               "checkpoint_threshold"));
  KP_RETURN_IF_ERROR(CheckNodeKeyNames(g));
  if (absl::Status policy = ValidatePolicy(g.policy()); !policy.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("genesis ", policy.message()));
  }
  if (!g.has_created_at()) return Bad("created_at", "is missing");
  return absl::OkStatus();
}

absl::StatusOr<VerifiedGenesis> VerifyGenesisEnvelope(
    const v1::Envelope& envelope) {
  if (envelope.payload_type() != envelope::kGenesisPayloadType) {
    return absl::InvalidArgumentError(absl::StrCat(
        "genesis envelope payload type is \"", envelope.payload_type(),
        "\", want \"", envelope::kGenesisPayloadType, "\""));
  }
  VerifiedGenesis out;
  if (!out.genesis.ParseFromString(envelope.payload())) {
    return absl::InvalidArgumentError("genesis payload is not a Genesis");
  }
  KP_RETURN_IF_ERROR(ValidateGenesis(out.genesis));
  std::vector<crypto::PublicKey> keys;
  for (const v1::NamedKey& k : out.genesis.governance_keys()) {
    keys.push_back(*crypto::PublicKey::FromBytes(k.public_key()));
  }
  KP_ASSIGN_OR_RETURN(
      std::vector<std::string> signers,
      envelope::VerifyEnvelope(
          envelope, envelope::kGenesisPayloadType,
          [&](absl::string_view keyid) -> const crypto::PublicKey* {
            for (const crypto::PublicKey& k : keys) {
              if (k.key_id() == keyid) return &k;
            }
            return nullptr;
          }));
  // VerifyEnvelope refuses a key signing twice, so signers are distinct.
  if (signers.size() < out.genesis.governance_threshold()) {
    return absl::UnauthenticatedError(
        absl::StrCat("genesis has ", signers.size(), " governance signature",
                     signers.size() == 1 ? "" : "s", ", want ",
                     out.genesis.governance_threshold()));
  }
  out.hash = envelope::EventId(envelope.payload());
  return out;
}

std::vector<checkpoint::NoteVerifier> NodeVerifiers(
    const v1::Genesis& genesis) {
  std::vector<checkpoint::NoteVerifier> out;
  for (const v1::NamedKey& k : genesis.node_keys()) {
    out.push_back(*checkpoint::NoteVerifier::Create(
        k.name(), *crypto::PublicKey::FromBytes(k.public_key())));
  }
  return out;
}

}  // namespace kpledger::rules
