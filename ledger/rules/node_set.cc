#include "ledger/rules/node_set.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"
#include "ledger/crypto/ed25519.h"
#include "ledger/envelope/dsse.h"

namespace kpledger::rules {

v1::NodeSetRecord GenesisNodeSet(const v1::Genesis& genesis) {
  v1::NodeSetRecord set;
  for (const v1::NamedKey& k : genesis.node_keys()) {
    v1::NodeKeyRecord* key = set.add_keys();
    key->set_name(k.name());
    key->set_public_key(k.public_key());
  }
  return set;
}

absl::StatusOr<v1::NodeSetRecord> NodeSetOf(const StateView& state,
                                            const v1::Genesis& genesis) {
  KP_ASSIGN_OR_RETURN(std::optional<v1::NodeSetRecord> set, state.NodeSet());
  if (!set.has_value()) return GenesisNodeSet(genesis);
  return *std::move(set);
}

bool CountsAt(const v1::NodeKeyRecord& key, uint64_t tree_size) {
  return key.added_at() < tree_size &&
         (!key.removed() || tree_size <= key.removed_at());
}

std::vector<checkpoint::NoteVerifier> NodeVerifiersAt(
    const v1::NodeSetRecord& set, uint64_t tree_size) {
  std::vector<checkpoint::NoteVerifier> out;
  for (const v1::NodeKeyRecord& key : set.keys()) {
    if (!CountsAt(key, tree_size)) continue;
    absl::StatusOr<crypto::PublicKey> public_key =
        crypto::PublicKey::FromBytes(key.public_key());
    if (!public_key.ok()) continue;  // the rules admit 32-byte keys only
    absl::StatusOr<checkpoint::NoteVerifier> verifier =
        checkpoint::NoteVerifier::Create(key.name(), *public_key);
    if (verifier.ok()) out.push_back(*std::move(verifier));
  }
  return out;
}

uint32_t CheckpointThresholdAt(const v1::Genesis& genesis,
                               const v1::NodeSetRecord& set,
                               uint64_t tree_size) {
  const uint32_t threshold = genesis.checkpoint_threshold();
  const uint64_t genesis_keys = genesis.node_keys_size();
  if (!genesis.node_keys_by_governance() || 2 * threshold <= genesis_keys) {
    return threshold;
  }
  uint32_t in_force = 0;
  for (const v1::NodeKeyRecord& key : set.keys()) {
    if (CountsAt(key, tree_size)) ++in_force;
  }
  return std::max(threshold, in_force / 2 + 1);
}

absl::StatusOr<checkpoint::VerifiedCheckpoint> VerifyNodeCheckpoint(
    absl::string_view note, const v1::Genesis& genesis,
    const v1::NodeSetRecord& set, std::optional<uint32_t> at_least) {
  KP_ASSIGN_OR_RETURN(checkpoint::SignedNote parsed,
                      checkpoint::ParseNote(note));
  KP_ASSIGN_OR_RETURN(checkpoint::CheckpointBody body,
                      checkpoint::CheckpointBody::Parse(parsed.text));
  return checkpoint::VerifyCheckpoint(
      note, genesis.origin(), NodeVerifiersAt(set, body.tree_size),
      at_least.value_or(CheckpointThresholdAt(genesis, set, body.tree_size)));
}

const v1::NodeKeyRecord* FindNodeKey(const v1::NodeSetRecord& set,
                                     absl::string_view name) {
  for (const v1::NodeKeyRecord& key : set.keys()) {
    if (key.name() == name) return &key;
  }
  return nullptr;
}

uint64_t NodeUpdatesBelow(const v1::NodeSetRecord& set, uint64_t tree_size) {
  const auto& entries = set.update_entries();
  return std::lower_bound(entries.begin(), entries.end(), tree_size) -
         entries.begin();
}

bool ApplyNodeChange(const v1::Genesis& genesis, const v1::CustodyEvent& event,
                     uint64_t index, v1::NodeSetRecord* set) {
  if (!genesis.node_keys_by_governance()) return false;
  if (event.has_register_actor()) {
    const v1::RegisterActor& b = event.register_actor();
    if (b.role() != v1::NODE || !checkpoint::IsValidKeyName(b.actor_id()) ||
        !crypto::PublicKey::FromBytes(b.public_key()).ok()) {
      return false;
    }
    for (const v1::NodeKeyRecord& k : set->keys()) {
      if (k.name() == b.actor_id() || k.public_key() == b.public_key()) {
        return false;
      }
    }
    v1::NodeKeyRecord* key = set->add_keys();
    key->set_name(b.actor_id());
    key->set_public_key(b.public_key());
    key->set_added_at(index);
  } else if (event.has_revoke_actor()) {
    v1::NodeKeyRecord* key = nullptr;
    for (v1::NodeKeyRecord& k : *set->mutable_keys()) {
      if (k.name() == event.revoke_actor().actor_id()) key = &k;
    }
    if (key == nullptr || key->removed()) return false;
    key->set_removed(true);
    key->set_removed_at(index);
  } else {
    return false;
  }
  set->add_update_entries(index);
  return true;
}

absl::StatusOr<bool> ApplyNodeChangeEntry(const v1::Genesis& genesis,
                                          absl::string_view envelope,
                                          uint64_t index,
                                          v1::NodeSetRecord* set) {
  if (!genesis.node_keys_by_governance()) return false;
  // A verifier runs this on every entry it copies, nearly all of them
  // custody events: they are read only as far as their type (no event id
  // hashed, no copy of the set).
  KP_ASSIGN_OR_RETURN(const v1::Envelope env,
                      envelope::ParseEnvelope(envelope));
  v1::CustodyEvent event;
  if (env.payload_type() != envelope::kEventPayloadType ||
      !event.ParseFromString(env.payload())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "entry ", index, " is not a kpledger.v1.CustodyEvent envelope"));
  }
  if (!event.has_register_actor() && !event.has_revoke_actor()) return false;
  // Another ledger's event, whatever its signatures, is none of this one.
  if (event.origin() != genesis.origin()) return false;
  v1::NodeSetRecord changed = *set;
  if (!ApplyNodeChange(genesis, event, index, &changed)) return false;
  std::vector<crypto::PublicKey> keys;
  for (const v1::NamedKey& k : genesis.governance_keys()) {
    KP_ASSIGN_OR_RETURN(crypto::PublicKey key,
                        crypto::PublicKey::FromBytes(k.public_key()));
    keys.push_back(key);
  }
  absl::StatusOr<std::vector<std::string>> signers = envelope::VerifyEnvelope(
      env, envelope::kEventPayloadType,
      [&keys](absl::string_view key_id) -> const crypto::PublicKey* {
        for (const crypto::PublicKey& k : keys) {
          if (k.key_id() == key_id) return &k;
        }
        return nullptr;
      });
  if (!signers.ok() || signers->size() < genesis.governance_threshold()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "entry ", index,
        " changes the node keys but is not signed by the genesis' "
        "governance threshold of ",
        genesis.governance_threshold(), " keys",
        signers.ok() ? "" : absl::StrCat(": ", signers.status().message())));
  }
  *set = std::move(changed);
  return true;
}

}  // namespace kpledger::rules
