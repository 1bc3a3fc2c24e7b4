// The rules of governance events: actors are registered, re-keyed and
// revoked, and the policy replaced, only with the signatures of at least
// governance_threshold distinct governance keys of the genesis (DESIGN §4).
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ledger/base/status_macros.h"
#include "ledger/checkpoint/note.h"
#include "ledger/crypto/sha256.h"
#include "ledger/rules/event_rules.h"
#include "ledger/rules/genesis.h"
#include "ledger/rules/node_set.h"
#include "ledger/rules/parcel_refs.h"

namespace kpledger::rules {

absl::Status EventRules::CheckGovernanceSigners() {
  if (!actor_signers_.empty()) {
    return absl::PermissionDeniedError(absl::StrCat(
        type_,
        ".signatures: governance events are signed by governance keys "
        "only; ",
        actor_signers_.begin()->first, " is an actor"));
  }
  const uint32_t threshold = ctx_.genesis->governance_threshold();
  if (governance_signers_.size() < threshold) {
    return absl::PermissionDeniedError(absl::StrCat(
        type_, ".signatures: needs the signatures of ", threshold,
        " distinct governance keys, has ", governance_signers_.size(),
        governance_signers_.empty()
            ? ""
            : absl::StrCat(" (", absl::StrJoin(governance_signers_, ", "),
                           ")")));
  }
  return absl::OkStatus();
}

namespace {

bool IsGovernanceKey(const v1::Genesis& genesis, absl::string_view key) {
  for (const v1::NamedKey& k : genesis.governance_keys()) {
    if (k.public_key() == key) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<v1::ActorRecord> EventRules::RegisteredActor(
    absl::string_view actor_id) const {
  KP_ASSIGN_OR_RETURN(std::optional<v1::ActorRecord> actor,
                      view_.Actor(actor_id));
  if (!actor.has_value()) {
    return Refuse(
        absl::StatusCode::kNotFound, "actor_id",
        absl::StrCat("no registered actor \"", actor_id.substr(0, 40), "\""));
  }
  return *std::move(actor);
}

absl::Status EventRules::CheckFreshKey(absl::string_view field,
                                       absl::string_view key) const {
  absl::StatusOr<crypto::PublicKey> parsed = crypto::PublicKey::FromBytes(key);
  if (!parsed.ok()) {
    return Invalid(field, absl::StrCat("has ", key.size(), " bytes, want 32"));
  }
  if (IsGovernanceKey(*ctx_.genesis, key)) {
    return Precondition(field,
                        "is a governance key; actors have keys of their own");
  }
  if (NodeKeysByGovernance()) {
    KP_ASSIGN_OR_RETURN(const v1::NodeSetRecord nodes, NodeSet());
    for (const v1::NodeKeyRecord& node : nodes.keys()) {
      if (node.public_key() == key) {
        return Precondition(
            field, absl::StrCat("is (or was) node key ", node.name(),
                                "; every actor has a fresh key of its own"));
      }
    }
  }
  KP_ASSIGN_OR_RETURN(std::optional<v1::KeyRecord> used,
                      view_.Key(parsed->key_id()));
  if (used.has_value()) {
    return Precondition(
        field, absl::StrCat("is (or was) the key of actor ", used->actor_id(),
                            "; every actor has a fresh key of its own"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::NodeSetRecord> EventRules::NodeSet() const {
  return NodeSetOf(view_, *ctx_.genesis);
}

bool EventRules::NodeKeysByGovernance() const {
  return ctx_.genesis->node_keys_by_governance();
}

void EventRules::PutNodeChange(v1::NodeSetRecord set) {
  if (ApplyNodeChange(*ctx_.genesis, *ev_.event, ctx_.index, &set)) {
    changes_->Put(std::string(kNodeSetKey), set);
  }
}

absl::Status EventRules::CheckNodeRemoval(const v1::NodeSetRecord& set,
                                          absl::string_view name) const {
  // The keys in force once this entry is applied, less the one removed.
  uint32_t left = 0;
  for (const v1::NodeKeyRecord& key : set.keys()) {
    if (key.name() != name && CountsAt(key, ctx_.index + 1)) ++left;
  }
  const uint32_t threshold = ctx_.genesis->checkpoint_threshold();
  if (left < threshold) {
    return Precondition(
        "actor_id",
        absl::StrCat("removing node key ", name, " would leave ", left,
                     " node key", left == 1 ? "" : "s",
                     ", fewer than the checkpoint threshold of ", threshold,
                     ", and no checkpoint could be cosigned again: register "
                     "the node key that replaces it first"));
  }
  return absl::OkStatus();
}

void EventRules::PutKey(absl::string_view actor_id, absl::string_view key) {
  v1::KeyRecord record;
  record.set_public_key(std::string(key));
  record.set_actor_id(std::string(actor_id));
  changes_->Put(KeyKey(crypto::Sha256Hex(key)), record);
}

absl::Status EventRules::RegisterActor(const v1::RegisterActor& b) {
  if (!IsValidParcelId(b.actor_id())) {
    return Invalid("actor_id",
                   absl::StrCat("\"", b.actor_id().substr(0, 40),
                                "\" is not an id (1 to 128 printable "
                                "characters, no spaces)"));
  }
  if (b.name().empty()) return Invalid("name", "is missing");
  if (b.role() == v1::ROLE_UNSPECIFIED || !v1::Role_IsValid(b.role())) {
    return Invalid("role", "is missing or unknown");
  }
  if (NodeKeysByGovernance() && b.role() == v1::NODE &&
      !checkpoint::IsValidKeyName(b.actor_id())) {
    return Invalid("actor_id",
                   "is a node key's name in its checkpoint signatures, so it "
                   "may not hold a '+'");
  }
  KP_ASSIGN_OR_RETURN(std::optional<v1::ActorRecord> existing,
                      view_.Actor(b.actor_id()));
  if (existing.has_value()) {
    return Precondition(
        "actor_id", absl::StrCat(b.actor_id(), " is already registered (entry ",
                                 existing->governance_entries(0),
                                 "); use RotateKey to change its key"));
  }
  KP_ASSIGN_OR_RETURN(v1::NodeSetRecord nodes, NodeSet());
  if (NodeKeysByGovernance() && FindNodeKey(nodes, b.actor_id()) != nullptr) {
    return Precondition("actor_id", absl::StrCat(b.actor_id(),
                                                 " is the name of a node key "
                                                 "(the genesis' or "
                                                 "registered); choose "
                                                 "another id"));
  }
  KP_RETURN_IF_ERROR(CheckFreshKey("public_key", b.public_key()));
  v1::ActorRecord actor;
  actor.set_actor_id(b.actor_id());
  actor.set_name(b.name());
  actor.set_role(b.role());
  actor.set_public_key(b.public_key());
  actor.set_license_id(b.license_id());
  actor.add_governance_entries(ctx_.index);
  changes_->Put(ActorKey(b.actor_id()), actor);
  PutKey(b.actor_id(), b.public_key());
  PutNodeChange(std::move(nodes));
  return absl::OkStatus();
}

absl::Status EventRules::RotateKey(const v1::RotateKey& b) {
  KP_ASSIGN_OR_RETURN(v1::ActorRecord actor, RegisteredActor(b.actor_id()));
  if (actor.revoked()) {
    return Precondition("actor_id", absl::StrCat(b.actor_id(),
                                                 " is revoked; register a "
                                                 "new actor instead"));
  }
  if (NodeKeysByGovernance() && actor.role() == v1::NODE) {
    // Checkpoints signed with the old key must stay verifiable, and a
    // node key's history is its name's.
    return Precondition(
        "actor_id",
        absl::StrCat(b.actor_id(),
                     " is a node key, which is not rotated: register the new "
                     "key as another NODE actor, then revoke this one"));
  }
  KP_RETURN_IF_ERROR(CheckFreshKey("new_public_key", b.new_public_key()));
  actor.set_public_key(b.new_public_key());
  actor.add_governance_entries(ctx_.index);
  changes_->Put(ActorKey(b.actor_id()), actor);
  PutKey(b.actor_id(), b.new_public_key());
  return absl::OkStatus();
}

absl::Status EventRules::RevokeActor(const v1::RevokeActor& b) {
  KP_ASSIGN_OR_RETURN(std::optional<v1::ActorRecord> actor,
                      view_.Actor(b.actor_id()));
  KP_ASSIGN_OR_RETURN(v1::NodeSetRecord nodes, NodeSet());
  // A node key: a NODE actor, or a genesis node key, which has no actor
  // record, only its name (no actor may take it).
  const v1::NodeKeyRecord* node =
      NodeKeysByGovernance() &&
              (!actor.has_value() || actor->role() == v1::NODE)
          ? FindNodeKey(nodes, b.actor_id())
          : nullptr;
  if (!actor.has_value() && node == nullptr) {
    return RegisteredActor(b.actor_id()).status();
  }
  if ((actor.has_value() && actor->revoked()) ||
      (node != nullptr && node->removed())) {
    return Precondition("actor_id",
                        absl::StrCat(b.actor_id(), " is already revoked"));
  }
  if (b.reason().empty()) return Invalid("reason", "is missing");
  if (node != nullptr) {
    KP_RETURN_IF_ERROR(CheckNodeRemoval(nodes, b.actor_id()));
  }
  if (actor.has_value()) {
    actor->set_revoked(true);
    actor->set_revoke_reason(b.reason());
    actor->add_governance_entries(ctx_.index);
    changes_->Put(ActorKey(b.actor_id()), *actor);
  }
  if (node != nullptr) PutNodeChange(std::move(nodes));
  return absl::OkStatus();
}

absl::Status EventRules::UpdatePolicy(const v1::UpdatePolicy& b) {
  if (!b.has_policy()) return Invalid("policy", "is missing");
  KP_RETURN_IF_ERROR(Within(ValidatePolicy(b.policy())));
  v1::PolicyRecord record = policy_;
  *record.mutable_policy() = b.policy();
  record.add_update_entries(ctx_.index);
  changes_->Put(std::string(kPolicyKey), record);
  return absl::OkStatus();
}

}  // namespace kpledger::rules
