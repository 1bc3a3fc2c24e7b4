#include "node/query/queries.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/apply/checkpoint_body.h"
#include "ledger/apply/store_state.h"
#include "ledger/base/status_macros.h"
#include "ledger/crypto/ed25519.h"
#include "ledger/entry/leaf.h"
#include "ledger/entry/time.h"
#include "ledger/envelope/dsse.h"
#include "ledger/rules/codes.h"
#include "ledger/rules/node_set.h"
#include "ledger/rules/parcel_refs.h"
#include "ledger/rules/signed_event.h"
#include "ledger/rules/state.h"

namespace kpledger::node {
namespace {

// What a caller sent, quoted for an error message: at most 80 bytes, with
// control and non-ASCII bytes escaped (the message goes back in a header).
std::string Echo(absl::string_view text) {
  return absl::StrCat("\"", absl::CHexEscape(text.substr(0, 80)), "\"",
                      text.size() > 80 ? " (truncated)" : "");
}

// Calls fn(key, record) for each state record under `prefix` after
// `start_after`, parsed as a `Record`, until fn returns false. DataLoss
// names a record that does not parse.
template <typename Record>
absl::Status ScanRecords(
    const store::Store& store, absl::string_view prefix,
    absl::string_view start_after,
    absl::FunctionRef<bool(absl::string_view key, Record& record)> fn) {
  absl::Status bad;
  KP_RETURN_IF_ERROR(store.ScanState(
      prefix, start_after, [&](absl::string_view key, absl::string_view value) {
        Record record;
        if (!record.ParseFromArray(value.data(),
                                   static_cast<int>(value.size()))) {
          bad = absl::DataLossError(absl::StrCat(
              "state record ", key, " is not a ", record.GetTypeName()));
          return false;
        }
        return fn(key, record);
      }));
  return bad;
}

constexpr uint32_t kDefaultPageSize = 100;
constexpr uint32_t kMaxPageSize = 1000;
// A parcel's chain is one event per custody step; a longer walk means the
// store is corrupt (a cycle), not a busy parcel.
constexpr size_t kMaxChain = 100000;

absl::StatusOr<v1::CustodyEvent> EventOf(const v1::LedgerEntry& entry) {
  v1::CustodyEvent event;
  if (!event.ParseFromString(entry.envelope().payload())) {
    return absl::DataLossError(
        absl::StrCat("entry ", entry.index(), " does not hold an event"));
  }
  return event;
}

}  // namespace

absl::StatusOr<v1::LedgerEntry> EntryAt(const store::Store& store,
                                        uint64_t index) {
  KP_ASSIGN_OR_RETURN(std::string leaf, store.GetLeaf(index));
  KP_ASSIGN_OR_RETURN(entry::LeafView view, entry::DecodeLeaf(leaf));
  absl::StatusOr<v1::Envelope> env = envelope::ParseEnvelope(view.envelope);
  if (!env.ok()) {
    return absl::DataLossError(
        absl::StrCat("entry ", index, ": ", env.status().message()));
  }
  v1::LedgerEntry out;
  out.set_index(index);
  *out.mutable_ledger_time() = entry::ToTimestamp(view.time);
  out.set_event_id(envelope::EventId(env->payload()));
  *out.mutable_envelope() = *std::move(env);
  out.set_leaf(std::move(leaf));
  return out;
}

absl::StatusOr<v1::LedgerEntry> EventEntry(const store::Store& store,
                                           absl::string_view event_id) {
  if (!envelope::IsEventId(event_id)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "event id ", Echo(event_id),
        " is not 64 lowercase hex digits (the SHA-256 of the payload)"));
  }
  absl::StatusOr<uint64_t> index = store.FindEvent(event_id);
  if (absl::IsNotFound(index.status())) {
    return absl::NotFoundError(
        absl::StrCat("no event ", event_id, " in the ledger"));
  }
  KP_RETURN_IF_ERROR(index.status());
  return EntryAt(store, *index);
}

absl::StatusOr<v1::ParcelState> Parcel(const store::Store& store,
                                       absl::string_view parcel_id) {
  if (parcel_id.empty()) {
    return absl::InvalidArgumentError("parcel_id is empty");
  }
  if (!rules::IsValidParcelId(parcel_id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("parcel_id ", Echo(parcel_id),
                     " is not a parcel id (1 to 128 printable characters, no "
                     "spaces)"));
  }
  apply::StoreStateSource source(&store);
  KP_ASSIGN_OR_RETURN(std::optional<v1::ParcelState> parcel,
                      rules::StateView(&source).Parcel(parcel_id));
  if (!parcel.has_value()) {
    return absl::NotFoundError(absl::StrCat("no parcel ", parcel_id));
  }
  return *std::move(parcel);
}

absl::StatusOr<v1::ListParcelEventsResponse> ParcelEvents(
    const store::Store& store, absl::string_view parcel_id) {
  KP_ASSIGN_OR_RETURN(v1::ParcelState parcel, Parcel(store, parcel_id));
  std::vector<v1::LedgerEntry> chain;
  std::string event_id = parcel.head();
  while (!event_id.empty()) {
    if (chain.size() >= kMaxChain) {
      return absl::DataLossError(absl::StrCat("the chain of parcel ", parcel_id,
                                              " does not end (a cycle?)"));
    }
    KP_ASSIGN_OR_RETURN(v1::LedgerEntry entry, EventEntry(store, event_id));
    KP_ASSIGN_OR_RETURN(v1::CustodyEvent event, EventOf(entry));
    chain.push_back(std::move(entry));
    // The previous event is the head this event named for the parcel; the
    // event that created the parcel names none (an Import, or a Split or
    // Merge, which names its inputs only).
    event_id.clear();
    for (const v1::ParcelHead& h : event.parcels()) {
      if (h.parcel_id() == parcel_id) event_id = h.head();
    }
  }
  v1::ListParcelEventsResponse out;
  apply::StoreStateSource source(&store);
  const rules::StateView view(&source);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    for (const v1::Signature& s : it->envelope().signatures()) {
      if (out.signer_actors().contains(s.keyid())) continue;
      KP_ASSIGN_OR_RETURN(std::string actor, view.SignerActor(s.keyid()));
      (*out.mutable_signer_actors())[s.keyid()] = std::move(actor);
    }
    *out.add_entries() = std::move(*it);
  }
  return out;
}

absl::StatusOr<v1::ListActorsResponse> ListActors(
    const store::Store& store, const v1::ListActorsRequest& request) {
  if (!v1::Role_IsValid(request.role())) {
    return absl::InvalidArgumentError(
        absl::StrCat("role ", request.role(), " is not a kpledger.v1.Role"));
  }
  v1::ListActorsResponse out;
  absl::Status bad;
  KP_RETURN_IF_ERROR(ScanRecords<v1::ActorRecord>(
      store, rules::ActorKey(""), "",
      [&](absl::string_view key, v1::ActorRecord& record) {
        if (request.role() != v1::ROLE_UNSPECIFIED &&
            record.role() != request.role()) {
          return true;
        }
        absl::StatusOr<crypto::PublicKey> pk =
            crypto::PublicKey::FromBytes(record.public_key());
        if (!pk.ok()) {
          bad = absl::DataLossError(absl::StrCat(
              "state record ", key, " has a bad key: ", pk.status().message()));
          return false;
        }
        v1::ListActorsResponse::Actor* a = out.add_actors();
        a->set_actor_id(record.actor_id());
        a->set_name(record.name());
        a->set_role(record.role());
        a->set_key_id(pk->key_id());
        a->set_license_id(record.license_id());
        a->set_revoked(record.revoked());
        a->set_revoke_reason(record.revoke_reason());
        *a->mutable_governance_entries() = record.governance_entries();
        return true;
      }));
  KP_RETURN_IF_ERROR(bad);
  return out;
}

absl::StatusOr<v1::GetPolicyResponse> PolicyInForce(const store::Store& store) {
  apply::StoreStateSource source(&store);
  KP_ASSIGN_OR_RETURN(v1::PolicyRecord record,
                      rules::StateView(&source).Policy());
  v1::GetPolicyResponse out;
  *out.mutable_policy() = std::move(*record.mutable_policy());
  *out.mutable_update_entries() = record.update_entries();
  return out;
}

absl::StatusOr<v1::ListNodeKeysResponse> NodeKeys(const store::Store& store,
                                                  const v1::Genesis& genesis) {
  // The size first: the state is never older than the size read before it
  // (checkpoint_body.h), so a key added meanwhile shows, not yet in force.
  const uint64_t size = store.size();
  KP_ASSIGN_OR_RETURN(const v1::NodeSetRecord set,
                      apply::StoreNodeSet(store, genesis));
  v1::ListNodeKeysResponse out;
  out.set_tree_size(size);
  out.set_checkpoint_threshold(
      rules::CheckpointThresholdAt(genesis, set, size));
  out.set_by_governance(genesis.node_keys_by_governance());
  *out.mutable_update_entries() = set.update_entries();
  for (const v1::NodeKeyRecord& k : set.keys()) {
    KP_ASSIGN_OR_RETURN(const crypto::PublicKey public_key,
                        crypto::PublicKey::FromBytes(k.public_key()));
    v1::ListNodeKeysResponse::NodeKey* key = out.add_keys();
    key->set_name(k.name());
    key->set_key_id(public_key.key_id());
    key->set_added_at(k.added_at());
    key->set_removed(k.removed());
    key->set_removed_at(k.removed_at());
    key->set_in_force(rules::CountsAt(k, size));
  }
  return out;
}

absl::StatusOr<v1::ListParcelsResponse> ListParcels(
    const store::Store& store, const v1::ListParcelsRequest& request) {
  const uint32_t page_size = request.page_size() == 0
                                 ? kDefaultPageSize
                                 : std::min(request.page_size(), kMaxPageSize);
  const std::string prefix = rules::ParcelKey("");
  std::string start_after;
  if (!request.page_token().empty()) {
    start_after = rules::ParcelKey(request.page_token());
  }
  v1::ListParcelsResponse out;
  std::string last_key;
  KP_RETURN_IF_ERROR(ScanRecords<v1::ParcelState>(
      store, prefix, start_after,
      [&](absl::string_view key, v1::ParcelState& parcel) {
        if (static_cast<uint32_t>(out.parcels_size()) == page_size) {
          out.set_next_page_token(std::string(last_key.substr(prefix.size())));
          return false;
        }
        last_key = std::string(key);
        if (request.status() != v1::PARCEL_STATUS_UNSPECIFIED &&
            parcel.status() != request.status()) {
          return true;
        }
        if (!request.custodian().empty() &&
            parcel.custodian() != request.custodian()) {
          return true;
        }
        *out.add_parcels() = std::move(parcel);
        return true;
      }));
  return out;
}

absl::StatusOr<v1::FindCertificateResponse> FindCertificate(
    const store::Store& store, absl::string_view number) {
  if (number.empty()) {
    return absl::InvalidArgumentError("certificate_number is empty");
  }
  if (number.size() > rules::kMaxCertificateNumberBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "certificate_number ", Echo(number), " has ", number.size(),
        " bytes; KP certificate numbers have at most ",
        rules::kMaxCertificateNumberBytes));
  }
  apply::StoreStateSource source(&store);
  const rules::StateView state(&source);
  v1::FindCertificateResponse out;
  KP_ASSIGN_OR_RETURN(std::optional<v1::ExportRecord> exported,
                      state.Export(number));
  if (exported.has_value()) {
    KP_ASSIGN_OR_RETURN(*out.mutable_entry(),
                        EntryAt(store, exported->leaf_index()));
    KP_ASSIGN_OR_RETURN(v1::CustodyEvent event, EventOf(out.entry()));
    *out.mutable_certificate() = event.export_().certificate();
    out.set_parcel_id(exported->parcel_id());
    if (!exported->confirmation_event_id().empty()) {
      KP_ASSIGN_OR_RETURN(*out.mutable_confirmation(),
                          EntryAt(store, exported->confirmation_leaf_index()));
    }
    return out;
  }
  // Incoming certificates are keyed by exporting country and number; the
  // number alone is looked for among them (one record per import).
  const std::string suffix = absl::StrCat("/", number);
  std::optional<v1::ImportCertificateRecord> found;
  absl::Status parse_error;
  KP_RETURN_IF_ERROR(store.ScanState(
      "cert-in/", "", [&](absl::string_view key, absl::string_view value) {
        if (!absl::EndsWith(key, suffix)) return true;
        v1::ImportCertificateRecord record;
        if (!record.ParseFromArray(value.data(),
                                   static_cast<int>(value.size()))) {
          parse_error = absl::DataLossError(
              absl::StrCat("state record ", key, " is not a certificate"));
          return false;
        }
        if (record.certificate_number() != number) return true;
        found = std::move(record);
        return false;
      }));
  KP_RETURN_IF_ERROR(parse_error);
  if (!found.has_value()) {
    return absl::NotFoundError(absl::StrCat("no KP certificate ", Echo(number),
                                            " was imported or exported here"));
  }
  KP_ASSIGN_OR_RETURN(*out.mutable_entry(),
                      EntryAt(store, found->leaf_index()));
  KP_ASSIGN_OR_RETURN(v1::CustodyEvent event, EventOf(out.entry()));
  *out.mutable_certificate() = event.import().certificate();
  out.set_parcel_id(found->parcel_id());
  return out;
}

}  // namespace kpledger::node
