// Collects a parcel's bundle entries from a store, then proves each against
// the checkpoint.
#include "ledger/provenance/bundle.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/apply/checkpoint_body.h"
#include "ledger/apply/store_state.h"
#include "ledger/base/encoding.h"
#include "ledger/base/status_macros.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/checkpoint/note.h"
#include "ledger/entry/leaf.h"
#include "ledger/provenance/scope.h"
#include "ledger/rules/event_type.h"
#include "ledger/rules/signed_event.h"
#include "ledger/rules/state.h"

namespace kpledger::provenance {
namespace {

// Which entries a bundle holds, with their leaves as the store has them.
class EntryCollector {
 public:
  EntryCollector(const store::Store& store, uint64_t tree_size)
      : store_(store),
        source_(&store),
        state_(&source_),
        tree_size_(tree_size) {}

  // The ancestry DAG of `parcel`, and the actors its events name.
  absl::Status AddAncestry(const v1::ParcelState& parcel);
  // The confirmation of the parcel's export, if one is below the tree size.
  absl::Status AddConfirmation(const v1::ParcelState& parcel);
  // The governance entries of the actors named so far, and the policy
  // updates, below the tree size.
  absl::Status AddGovernance();

  // Leaf bytes by index.
  const std::map<uint64_t, std::string>& leaves() const { return leaves_; }

 private:
  absl::StatusOr<std::string> ReadLeaf(uint64_t index);
  absl::StatusOr<rules::SignedEvent> ReadEvent(uint64_t index);
  absl::Status KeepIfCovered(uint64_t index);
  absl::Status NoteSigners(uint64_t index, const rules::SignedEvent& ev);
  void NoteCustodians(const v1::CustodyEvent& ev);

  const store::Store& store_;
  apply::StoreStateSource source_;
  rules::StateView state_;
  const uint64_t tree_size_;
  std::map<uint64_t, std::string> leaves_;
  std::set<std::string> actors_;
};

absl::Status EntryCollector::AddAncestry(const v1::ParcelState& parcel) {
  // Every head of every parcel an event touches is followed, not only the
  // head of the parcel the walk came along: the verifier re-runs each event
  // and the rules read the state of every parcel it touches (a merge reads
  // all its inputs, even when the walk came from one of them).
  std::vector<std::string> pending = {parcel.head()};
  std::set<std::string> queued = {parcel.head()};
  uint64_t last_index = 0;
  std::string last_type;
  while (!pending.empty()) {
    if (queued.size() > kMaxBundleEntries) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the ancestry of parcel ", parcel.parcel_id(),
                       " has more than ", kMaxBundleEntries, " events"));
    }
    const std::string event_id = std::move(pending.back());
    pending.pop_back();
    absl::StatusOr<uint64_t> index = store_.FindEvent(event_id);
    if (absl::IsNotFound(index.status())) {
      return absl::DataLossError(absl::StrCat(
          "event ", base::ShortHex(event_id), ", in the ancestry of parcel ",
          parcel.parcel_id(), ", is not in the log"));
    }
    KP_RETURN_IF_ERROR(index.status());
    KP_ASSIGN_OR_RETURN(rules::SignedEvent ev, ReadEvent(*index));
    if (*index >= last_index) {
      last_index = *index;
      last_type = rules::EventType(*ev.event);
    }
    KP_RETURN_IF_ERROR(NoteSigners(*index, ev));
    NoteCustodians(*ev.event);
    for (const v1::ParcelHead& h : ev.event->parcels()) {
      if (!h.head().empty() && queued.insert(h.head()).second) {
        pending.push_back(h.head());
      }
    }
  }
  if (last_index >= tree_size_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the ancestry of parcel ", parcel.parcel_id(), " reaches entry ",
        last_index, " (", last_type, "), past the checkpoint's tree size ",
        tree_size_, ": use a checkpoint of tree size ", last_index + 1,
        " or more"));
  }
  return absl::OkStatus();
}

absl::Status EntryCollector::AddConfirmation(const v1::ParcelState& parcel) {
  if (parcel.export_certificate().empty()) return absl::OkStatus();
  KP_ASSIGN_OR_RETURN(std::optional<v1::ExportRecord> record,
                      state_.Export(parcel.export_certificate()));
  if (!record.has_value()) {
    return absl::DataLossError(absl::StrCat(
        "parcel ", parcel.parcel_id(), " names export certificate ",
        parcel.export_certificate(), ", of which the store has no record"));
  }
  const uint64_t index = record->confirmation_leaf_index();
  if (record->confirmation_event_id().empty() || index >= tree_size_) {
    return absl::OkStatus();
  }
  KP_ASSIGN_OR_RETURN(rules::SignedEvent ev, ReadEvent(index));
  return NoteSigners(index, ev);
}

absl::Status EntryCollector::AddGovernance() {
  for (const std::string& actor_id : actors_) {
    KP_ASSIGN_OR_RETURN(std::optional<v1::ActorRecord> actor,
                        state_.Actor(actor_id));
    if (!actor.has_value()) {
      return absl::DataLossError(absl::StrCat(
          "actor ", actor_id, ", named by a bundled event, has no record"));
    }
    for (uint64_t index : actor->governance_entries()) {
      KP_RETURN_IF_ERROR(KeepIfCovered(index));
    }
  }
  KP_ASSIGN_OR_RETURN(v1::PolicyRecord policy, state_.Policy());
  for (uint64_t index : policy.update_entries()) {
    KP_RETURN_IF_ERROR(KeepIfCovered(index));
  }
  // And every change to the node keys: the verifier counts the
  // checkpoint's signatures against the keys they leave in force.
  KP_ASSIGN_OR_RETURN(std::optional<v1::NodeSetRecord> nodes, state_.NodeSet());
  if (nodes.has_value()) {
    for (uint64_t index : nodes->update_entries()) {
      KP_RETURN_IF_ERROR(KeepIfCovered(index));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> EntryCollector::ReadLeaf(uint64_t index) {
  auto it = leaves_.find(index);
  if (it == leaves_.end()) {
    KP_ASSIGN_OR_RETURN(std::string leaf, store_.GetLeaf(index));
    it = leaves_.emplace(index, std::move(leaf)).first;
  }
  return it->second;
}

absl::StatusOr<rules::SignedEvent> EntryCollector::ReadEvent(uint64_t index) {
  KP_ASSIGN_OR_RETURN(std::string leaf, ReadLeaf(index));
  KP_ASSIGN_OR_RETURN(entry::LeafView view, entry::DecodeLeaf(leaf));
  absl::StatusOr<rules::SignedEvent> ev =
      rules::DecodeEvent(std::string(view.envelope));
  if (!ev.ok()) {
    return absl::DataLossError(absl::StrCat(
        "entry ", index, " is not a custody event: ", ev.status().message()));
  }
  return ev;
}

absl::Status EntryCollector::KeepIfCovered(uint64_t index) {
  if (index >= tree_size_) return absl::OkStatus();
  return ReadLeaf(index).status();
}

absl::Status EntryCollector::NoteSigners(uint64_t index,
                                         const rules::SignedEvent& ev) {
  // Custody events are signed by actors only, never by governance keys.
  for (const v1::Signature& s : ev.envelope->signatures()) {
    absl::StatusOr<std::string> actor = state_.SignerActor(s.keyid());
    if (!actor.ok()) {
      return absl::Status(
          actor.status().code(),
          absl::StrCat("entry ", index, ": ", actor.status().message()));
    }
    actors_.insert(*std::move(actor));
  }
  return absl::OkStatus();
}

void EntryCollector::NoteCustodians(const v1::CustodyEvent& ev) {
  for (std::string& actor : NamedCustodians(ev)) {
    actors_.insert(std::move(actor));
  }
}

// The body of `cp`, checked against the store: a bundle is proven against
// the root the store has at the checkpoint's size.
absl::StatusOr<checkpoint::CheckpointBody> CheckedBody(
    const store::Store& store, const v1::Checkpoint& cp) {
  KP_ASSIGN_OR_RETURN(checkpoint::SignedNote note,
                      checkpoint::ParseNote(cp.note()));
  KP_ASSIGN_OR_RETURN(checkpoint::CheckpointBody body,
                      checkpoint::CheckpointBody::Parse(note.text));
  if (body.tree_size > store.size()) {
    return absl::OutOfRangeError(
        absl::StrCat("checkpoint tree size ", body.tree_size,
                     " is past this store's size ", store.size()));
  }
  KP_ASSIGN_OR_RETURN(merkle::Hash root, store.RootAt(body.tree_size));
  if (root != body.root) {
    return absl::FailedPreconditionError(
        absl::StrCat("checkpoint root ", merkle::ShortHex(body.root),
                     " is not this store's root ", merkle::ShortHex(root),
                     " at tree size ", body.tree_size,
                     " (a checkpoint of another ledger or of a node that "
                     "diverged)"));
  }
  // The verifier holds the bundle to the policy line: a bundle against a
  // checkpoint whose line is not this store's would not verify.
  KP_RETURN_IF_ERROR(apply::CheckCountLines(store, body));
  return body;
}

absl::Status Prove(const store::Store& store, uint64_t index, std::string leaf,
                   uint64_t tree_size, v1::BundleEntry* out) {
  KP_ASSIGN_OR_RETURN(std::vector<merkle::Hash> path,
                      store.InclusionProof(index, tree_size));
  out->set_leaf(std::move(leaf));
  v1::InclusionProof* proof = out->mutable_proof();
  proof->set_leaf_index(index);
  proof->set_tree_size(tree_size);
  for (const merkle::Hash& h : path) proof->add_hashes(merkle::HashToBytes(h));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::ProvenanceBundle> BuildBundle(
    const store::Store& store, absl::string_view parcel_id,
    const v1::Checkpoint& checkpoint) {
  KP_ASSIGN_OR_RETURN(checkpoint::CheckpointBody body,
                      CheckedBody(store, checkpoint));
  apply::StoreStateSource source(&store);
  KP_ASSIGN_OR_RETURN(std::optional<v1::ParcelState> parcel,
                      rules::StateView(&source).Parcel(parcel_id));
  if (!parcel.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("no parcel \"", parcel_id.substr(0, 128), "\""));
  }
  EntryCollector entries(store, body.tree_size);
  KP_RETURN_IF_ERROR(entries.AddAncestry(*parcel));
  KP_RETURN_IF_ERROR(entries.AddConfirmation(*parcel));
  KP_RETURN_IF_ERROR(entries.AddGovernance());
  if (entries.leaves().size() > kMaxBundleEntries) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the bundle of parcel ", parcel_id, " needs ", entries.leaves().size(),
        " entries, more than ", kMaxBundleEntries));
  }

  v1::ProvenanceBundle bundle;
  bundle.set_parcel_id(std::string(parcel_id));
  *bundle.mutable_checkpoint() = checkpoint;
  KP_ASSIGN_OR_RETURN(std::string genesis, store.GetLeaf(0));
  KP_RETURN_IF_ERROR(Prove(store, 0, std::move(genesis), body.tree_size,
                           bundle.mutable_genesis()));
  for (const auto& [index, leaf] : entries.leaves()) {
    KP_RETURN_IF_ERROR(
        Prove(store, index, leaf, body.tree_size, bundle.add_entries()));
  }
  return bundle;
}

}  // namespace kpledger::provenance
