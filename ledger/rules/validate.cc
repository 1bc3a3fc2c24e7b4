// What every event must pass before its own rules: the ledger's origin,
// its signatures and signers, and its parcel heads. Then the dispatch to the
// rules of its type.
#include "ledger/rules/validate.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/encoding.h"
#include "ledger/base/status_macros.h"
#include "ledger/crypto/sha256.h"
#include "ledger/rules/event_rules.h"
#include "ledger/rules/event_type.h"
#include "ledger/rules/node_set.h"
#include "ledger/rules/parcel_refs.h"

namespace kpledger::rules {
namespace {

bool IsGovernance(const v1::CustodyEvent& event) {
  switch (event.body_case()) {
    case v1::CustodyEvent::kRegisterActor:
    case v1::CustodyEvent::kRotateKey:
    case v1::CustodyEvent::kRevokeActor:
    case v1::CustodyEvent::kUpdatePolicy:
      return true;
    default:
      return false;
  }
}

}  // namespace

absl::StatusOr<std::optional<crypto::PublicKey>> FindKey(
    const v1::Genesis& genesis, const StateView& state,
    absl::string_view key_id) {
  for (const v1::NamedKey& k : genesis.governance_keys()) {
    KP_ASSIGN_OR_RETURN(crypto::PublicKey key,
                        crypto::PublicKey::FromBytes(k.public_key()));
    if (key.key_id() == key_id) return key;
  }
  KP_ASSIGN_OR_RETURN(std::optional<v1::KeyRecord> record, state.Key(key_id));
  if (!record.has_value()) return std::nullopt;
  KP_ASSIGN_OR_RETURN(crypto::PublicKey key,
                      crypto::PublicKey::FromBytes(record->public_key()));
  return key;
}

bool IsStateFailure(const absl::Status& s) {
  return absl::IsDataLoss(s) || absl::IsUnavailable(s) || absl::IsInternal(s) ||
         absl::IsUnknown(s) || absl::IsAborted(s);
}

void InitState(const v1::Genesis& genesis, StateChanges* changes) {
  v1::PolicyRecord policy;
  *policy.mutable_policy() = genesis.policy();
  changes->Put(std::string(kPolicyKey), policy);
  changes->Put(std::string(kNodeSetKey), GenesisNodeSet(genesis));
}

absl::StatusOr<std::vector<v1::Flag>> ApplyEvent(const EventContext& ctx,
                                                 const SignedEvent& event,
                                                 StateChanges* changes) {
  return EventRules(ctx, event, changes).Run();
}

EventRules::EventRules(const EventContext& ctx, const SignedEvent& event,
                       StateChanges* changes)
    : ctx_(ctx),
      ev_(event),
      changes_(changes),
      view_(changes),
      type_(EventType(*event.event)) {}

absl::StatusOr<std::vector<v1::Flag>> EventRules::Run() {
  const v1::CustodyEvent& e = *ev_.event;
  if (e.origin() != ctx_.genesis->origin()) {
    return Invalid("origin",
                   absl::StrCat("is \"", e.origin().substr(0, 80),
                                "\", this ledger is \"", ctx_.genesis->origin(),
                                "\" (an event binds to one ledger)"));
  }
  if (e.body_case() == v1::CustodyEvent::BODY_NOT_SET) {
    return absl::InvalidArgumentError(
        "event.body: is missing (no event type is set)");
  }
  KP_ASSIGN_OR_RETURN(policy_, view_.Policy());
  KP_RETURN_IF_ERROR(CheckSigners());
  if (IsGovernance(e)) KP_RETURN_IF_ERROR(CheckGovernanceSigners());
  KP_RETURN_IF_ERROR(CheckHeads());
  KP_RETURN_IF_ERROR(Dispatch());
  if (!flags_.empty()) {
    v1::EventFlags record;
    for (v1::Flag f : flags_) record.add_flags(f);
    changes_->Put(FlagsKey(ev_.event_id), record);
  }
  return flags_;
}

absl::Status EventRules::CheckSigners() {
  absl::Status checked = CheckSignersUnnamed();
  if (checked.ok() || IsStateFailure(checked)) return checked;
  return absl::Status(checked.code(),
                      absl::StrCat(type_, ".signatures: ", checked.message()));
}

absl::Status EventRules::CheckSignersUnnamed() {
  absl::StatusOr<std::vector<std::string>> signers;
  if (ev_.signers.has_value()) {
    signers = *ev_.signers;
  } else {
    SignedEvent copy = ev_;
    absl::Status lookup_error;
    const bool checked = CheckSignatures(
        &copy,
        [&](absl::string_view key_id) -> std::optional<crypto::PublicKey> {
          absl::StatusOr<std::optional<crypto::PublicKey>> key =
              FindKey(*ctx_.genesis, view_, key_id);
          if (!key.ok()) {
            lookup_error = key.status();
            return std::nullopt;
          }
          return *key;
        });
    KP_RETURN_IF_ERROR(lookup_error);
    if (!checked) {
      for (const v1::Signature& s : ev_.envelope->signatures()) {
        KP_ASSIGN_OR_RETURN(std::optional<crypto::PublicKey> key,
                            FindKey(*ctx_.genesis, view_, s.keyid()));
        if (!key.has_value()) {
          return absl::UnauthenticatedError(absl::StrCat(
              "signature by key ", base::ShortHex(s.keyid()),
              ": no registered actor or governance key has this key"));
        }
      }
    }
    if (!copy.signers.has_value()) {
      return absl::InternalError(
          "signature keys were found on the second look but not the first");
    }
    signers = *copy.signers;
  }
  KP_RETURN_IF_ERROR(signers.status());

  for (const std::string& key_id : *signers) {
    // Actors sign most events; a governance key is never an actor's key
    // (registration refuses it), so the order of the lookups is free.
    KP_ASSIGN_OR_RETURN(std::optional<v1::KeyRecord> key, view_.Key(key_id));
    if (!key.has_value()) {
      const v1::NamedKey* governance = nullptr;
      for (const v1::NamedKey& k : ctx_.genesis->governance_keys()) {
        if (crypto::Sha256Hex(k.public_key()) == key_id) governance = &k;
      }
      if (governance == nullptr) {
        return absl::UnauthenticatedError(absl::StrCat(
            "signature by key ", base::ShortHex(key_id),
            ": no registered actor or governance key has this key"));
      }
      governance_signers_.push_back(governance->name());
      continue;
    }
    KP_ASSIGN_OR_RETURN(std::optional<v1::ActorRecord> actor,
                        view_.Actor(key->actor_id()));
    if (!actor.has_value()) {
      return absl::DataLossError(absl::StrCat("key ", base::ShortHex(key_id),
                                              " names actor ", key->actor_id(),
                                              ", which has no record"));
    }
    if (actor->public_key() != key->public_key()) {
      return absl::UnauthenticatedError(
          absl::StrCat("signature by key ", base::ShortHex(key_id), ": actor ",
                       actor->actor_id(),
                       " no longer holds this key (it was rotated); sign "
                       "with the actor's current key"));
    }
    if (actor->revoked()) {
      return absl::PermissionDeniedError(absl::StrCat(
          "signer ", actor->actor_id(), " is revoked (", actor->revoke_reason(),
          "): its events are refused from its revocation on"));
    }
    actor_signers_.emplace(actor->actor_id(), *std::move(actor));
  }

  if (IsGovernance(*ev_.event)) return absl::OkStatus();
  if (!governance_signers_.empty()) {
    return absl::PermissionDeniedError(
        absl::StrCat("governance key ", governance_signers_.front(),
                     " signs governance events only, not ", type_));
  }
  return absl::OkStatus();
}

absl::Status EventRules::CheckHeads() {
  if (absl::Status listed = CheckParcelHeads(*ev_.event); !listed.ok()) {
    return Refuse(listed.code(), "parcels", listed.message());
  }
  for (const v1::ParcelHead& h : ev_.event->parcels()) {
    KP_ASSIGN_OR_RETURN(std::optional<v1::ParcelState> parcel,
                        view_.Parcel(h.parcel_id()));
    if (h.head().empty()) {
      if (parcel.has_value()) {
        return Precondition("parcels",
                            absl::StrCat("parcel id ", h.parcel_id(),
                                         " is already used (created at entry ",
                                         parcel->created_at_index(),
                                         "); a new parcel needs an unused id"));
      }
      continue;
    }
    if (!parcel.has_value()) {
      return Refuse(absl::StatusCode::kNotFound, "parcels",
                    absl::StrCat("no parcel ", h.parcel_id()));
    }
    if (parcel->head() != h.head()) {
      return Precondition("parcels",
                          absl::StrCat("stale head for parcel ", h.parcel_id(),
                                       ": the event "
                                       "names ",
                                       base::ShortHex(h.head()),
                                       ", the parcel's latest event is ",
                                       base::ShortHex(parcel->head()),
                                       " (re-read the parcel and sign again)"));
    }
    touched_.emplace(h.parcel_id(), *std::move(parcel));
  }
  return absl::OkStatus();
}

absl::Status EventRules::Dispatch() {
  const v1::CustodyEvent& e = *ev_.event;
  switch (e.body_case()) {
    case v1::CustodyEvent::kImport:
      return Import(e.import());
    case v1::CustodyEvent::kLabAssessment:
      return LabAssessment(e.lab_assessment());
    case v1::CustodyEvent::kCustodyTransfer:
      return CustodyTransfer(e.custody_transfer());
    case v1::CustodyEvent::kSplit:
      return Split(e.split());
    case v1::CustodyEvent::kMerge:
      return Merge(e.merge());
    case v1::CustodyEvent::kExport:
      return Export(e.export_());
    case v1::CustodyEvent::kImportConfirmation:
      return ImportConfirmation(e.import_confirmation());
    case v1::CustodyEvent::kInspection:
      return Inspection(e.inspection());
    case v1::CustodyEvent::kHold:
      return Hold(e.hold());
    case v1::CustodyEvent::kRelease:
      return Release(e.release());
    case v1::CustodyEvent::kRegisterActor:
      return RegisterActor(e.register_actor());
    case v1::CustodyEvent::kRotateKey:
      return RotateKey(e.rotate_key());
    case v1::CustodyEvent::kRevokeActor:
      return RevokeActor(e.revoke_actor());
    case v1::CustodyEvent::kUpdatePolicy:
      return UpdatePolicy(e.update_policy());
    case v1::CustodyEvent::BODY_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(
      "event.body: is missing (no event type is set)");
}

absl::Status EventRules::Refuse(absl::StatusCode code, absl::string_view field,
                                absl::string_view why) const {
  return absl::Status(code, absl::StrCat(type_, ".", field, ": ", why));
}

absl::Status EventRules::Within(const absl::Status& status) const {
  if (status.ok()) return status;
  // A shared check that names its field ("certificate.mass_mct: ...")
  // continues the event's field path; one that does not is prefixed.
  const absl::string_view message = status.message();
  const size_t colon = message.find(": ");
  const bool names_field =
      colon != absl::string_view::npos &&
      message.substr(0, colon).find(' ') == absl::string_view::npos;
  return absl::Status(status.code(),
                      absl::StrCat(type_, names_field ? "." : ": ", message));
}

const v1::ActorRecord* EventRules::SignerWithRole(v1::Role role) const {
  for (const auto& [id, actor] : actor_signers_) {
    if (actor.role() == role) return &actor;
  }
  return nullptr;
}

bool EventRules::SignedBy(absl::string_view actor_id) const {
  return actor_signers_.find(std::string(actor_id)) != actor_signers_.end();
}

absl::Status EventRules::RequireRole(v1::Role role,
                                     absl::string_view what) const {
  if (SignerWithRole(role) != nullptr) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat(type_, ".signatures: needs the signature of a ",
                   v1::Role_Name(role), " actor (", what, "); signed by ",
                   actor_signers_.empty() ? "none" : "only other roles"));
}

absl::Status EventRules::RequireSignedBy(absl::string_view actor_id,
                                         absl::string_view as) const {
  if (SignedBy(actor_id)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      type_, ".signatures: needs the signature of ", actor_id, " (", as, ")"));
}

v1::ParcelState& EventRules::Touched(const std::string& parcel_id) {
  return touched_.at(parcel_id);
}

absl::Status EventRules::RequireActive(const v1::ParcelState& p,
                                       absl::string_view action,
                                       absl::string_view field) const {
  if (p.status() == v1::ACTIVE) return absl::OkStatus();
  return Precondition(
      field,
      absl::StrCat("parcel ", p.parcel_id(), " is ",
                   v1::ParcelStatus_Name(p.status()), ": it cannot ", action,
                   p.status() == v1::HELD ? " until released" : ""));
}

absl::Status EventRules::RequireNotClosed(const v1::ParcelState& p,
                                          absl::string_view action) const {
  if (p.status() != v1::CLOSED) return absl::OkStatus();
  return Precondition(
      "parcel_id",
      absl::StrCat("parcel ", p.parcel_id(), " is CLOSED: it cannot ", action));
}

absl::StatusOr<v1::ActorRecord> EventRules::Custodian(
    absl::string_view actor_id, absl::string_view field) const {
  if (actor_id.empty()) return Invalid(field, "is missing");
  KP_ASSIGN_OR_RETURN(std::optional<v1::ActorRecord> actor,
                      view_.Actor(actor_id));
  if (!actor.has_value()) {
    return Refuse(absl::StatusCode::kNotFound, field,
                  absl::StrCat("no registered actor ", actor_id));
  }
  if (actor->revoked()) {
    return Precondition(field, absl::StrCat("actor ", actor_id,
                                            " is revoked and cannot hold "
                                            "parcels"));
  }
  switch (actor->role()) {
    case v1::CUSTOMS:
    case v1::VAULT:
    case v1::LAB:
    case v1::TRADER:
      return *std::move(actor);
    default:
      return Precondition(
          field, absl::StrCat("actor ", actor_id, " is a ",
                              v1::Role_Name(actor->role()),
                              "; only CUSTOMS, VAULT, LAB or TRADER actors "
                              "hold parcels"));
  }
}

void EventRules::AddFlag(v1::Flag flag) {
  auto it = std::lower_bound(flags_.begin(), flags_.end(), flag);
  if (it == flags_.end() || *it != flag) flags_.insert(it, flag);
}

void EventRules::PutParcel(v1::ParcelState parcel) {
  parcel.set_head(ev_.event_id);
  std::vector<int> flags(parcel.flags().begin(), parcel.flags().end());
  flags.insert(flags.end(), flags_.begin(), flags_.end());
  std::sort(flags.begin(), flags.end());
  flags.erase(std::unique(flags.begin(), flags.end()), flags.end());
  parcel.clear_flags();
  for (int f : flags) parcel.add_flags(static_cast<v1::Flag>(f));
  changes_->Put(ParcelKey(parcel.parcel_id()), parcel);
}

std::vector<std::string> StateKeysRead(const v1::CustodyEvent& event) {
  TouchedParcels parcels = ParcelsTouchedBy(event);
  std::vector<std::string> keys;
  keys.reserve(parcels.existing.size() + parcels.created.size() + 1);
  for (const std::string& id : parcels.existing) keys.push_back(ParcelKey(id));
  for (const std::string& id : parcels.created) keys.push_back(ParcelKey(id));
  if (event.has_import()) {
    const v1::KpCertificate& cert = event.import().certificate();
    keys.push_back(ImportCertificateKey(cert.exporting_country(),
                                        cert.certificate_number()));
  } else if (event.has_export_()) {
    keys.push_back(
        ExportKey(event.export_().certificate().certificate_number()));
  } else if (event.has_import_confirmation()) {
    keys.push_back(ExportKey(event.import_confirmation().certificate_number()));
  }
  return keys;
}

}  // namespace kpledger::rules
