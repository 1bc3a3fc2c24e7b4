// The checks of verify.h, step by step, and the replay of the rules.
#include "ledger/provenance/verify.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/base/encoding.h"
#include "ledger/base/status_macros.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/checkpoint/policy_line.h"
#include "ledger/crypto/sha256.h"
#include "ledger/entry/leaf.h"
#include "ledger/entry/time.h"
#include "ledger/envelope/dsse.h"
#include "ledger/merkle/hasher.h"
#include "ledger/provenance/account.h"
#include "ledger/provenance/entry_checks.h"
#include "ledger/provenance/scope.h"
#include "ledger/rules/event_type.h"
#include "ledger/rules/node_set.h"
#include "ledger/rules/signed_event.h"
#include "ledger/rules/state.h"
#include "ledger/rules/validate.h"

namespace kpledger::provenance {
namespace {

// The error `s` with `where` in front of its message.
absl::Status At(absl::string_view where, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(where, ": ", s.message()));
}

absl::Status FieldDiffers(absl::string_view field, absl::string_view got,
                          absl::string_view want) {
  return absl::InvalidArgumentError(absl::StrCat(
      "checkpoint.", field, " is ", got, ", its signed note says ", want));
}

// Step 1.
absl::StatusOr<checkpoint::VerifiedCheckpoint> VerifyBundleCheckpoint(
    const v1::Checkpoint& cp, const v1::Genesis& genesis,
    const v1::NodeSetRecord& nodes) {
  absl::StatusOr<checkpoint::VerifiedCheckpoint> verified =
      rules::VerifyNodeCheckpoint(cp.note(), genesis, nodes);
  if (!verified.ok()) return At("checkpoint", verified.status());
  // Only the note is signed; the parsed fields are for readers of the
  // bundle, who must not be shown other figures than the ones verified.
  const checkpoint::CheckpointBody& body = verified->body;
  if (cp.origin() != body.origin) {
    return FieldDiffers("origin", cp.origin(), body.origin);
  }
  if (cp.tree_size() != body.tree_size) {
    return FieldDiffers("tree_size", absl::StrCat(cp.tree_size()),
                        absl::StrCat(body.tree_size));
  }
  if (cp.root_hash() != merkle::HashToBytes(body.root)) {
    return FieldDiffers("root_hash",
                        base::ShortHex(base::HexEncode(cp.root_hash())),
                        merkle::ShortHex(body.root));
  }
  return verified;
}

// Step 4: every policy update below the checkpoint's size is in the
// bundle (ledger/checkpoint/policy_line.h). Each entry is proven to be in
// the log at its own index, so as many proven updates as the checkpoint
// counts are all of them. Checked before the rules run, which would
// otherwise refuse, under the older policy, an entry a left-out update
// allowed, and name that entry instead.
// `have` entries of a kind (`what`, plural) proven in the bundle against
// the `want` its checkpoint counts below `tree_size`: fewer is a bundle
// that left one out (InvalidArgument; `why_all` says why it must hold them
// all), more a checkpoint whose signers counted wrong (FailedPrecondition).
absl::Status CheckCount(absl::string_view what, absl::string_view why_all,
                        uint64_t have, uint64_t want, uint64_t tree_size) {
  if (have < want) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the bundle holds ", have, " ", what, "(s), but the checkpoint ",
        "says the log holds ", want, " below tree size ", tree_size,
        ": a bundle holds every ", what, ", or ", why_all));
  }
  if (have > want) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the bundle proves ", have, " ", what, "s in the log below tree ",
        "size ", tree_size, ", but the checkpoint counts ", want,
        ": its signers counted wrong"));
  }
  return absl::OkStatus();
}

absl::Status CheckPolicyUpdates(const std::vector<CheckedEntry>& checked,
                                uint64_t want, uint64_t tree_size) {
  uint64_t have = 0;
  for (const CheckedEntry& c : checked) {
    if (!c.event.ok()) return absl::OkStatus();  // step 5 names the entry
    if (c.event->event->has_update_policy()) ++have;
  }
  return CheckCount("policy update",
                    "the rules would be re-run under a policy that was not "
                    "in force",
                    have, want, tree_size);
}

// Step 1, first: the node keys the bundle's entries leave in force, which
// the checkpoint's signatures are counted against (rules/node_set.h), and
// how many of its entries changed them. An entry that does not decode is
// passed over here; step 3 names it.
struct BundleNodeKeys {
  v1::NodeSetRecord set;
  uint64_t updates = 0;
};
absl::StatusOr<BundleNodeKeys> NodeKeysOf(const v1::ProvenanceBundle& bundle,
                                          const v1::Genesis& genesis) {
  BundleNodeKeys out{rules::GenesisNodeSet(genesis)};
  for (int i = 0; i < bundle.entries_size(); ++i) {
    absl::StatusOr<entry::LeafView> leaf =
        entry::DecodeLeaf(bundle.entries(i).leaf());
    if (!leaf.ok()) continue;
    absl::StatusOr<bool> changed = rules::ApplyNodeChangeEntry(
        genesis, leaf->envelope, leaf->index, &out.set);
    if (absl::IsUnauthenticated(changed.status())) {
      return At(absl::StrCat("entries[", i, "]"), changed.status());
    }
    if (changed.ok() && *changed) ++out.updates;
  }
  return out;
}

// Step 2. The hash is compared before the proof is checked, so that a
// bundle of another ledger is named as such.
absl::Status VerifyGenesisEntry(const v1::BundleEntry& e,
                                const checkpoint::CheckpointBody& cp,
                                const rules::VerifiedGenesis& trust_root) {
  absl::StatusOr<entry::LeafView> leaf = entry::DecodeLeaf(e.leaf());
  if (!leaf.ok()) return At("genesis entry", leaf.status());
  if (leaf->index != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("genesis entry has index ", leaf->index, ", want 0"));
  }
  absl::StatusOr<v1::Envelope> env = envelope::ParseEnvelope(leaf->envelope);
  if (!env.ok()) return At("genesis entry", env.status());
  const std::string hash = envelope::EventId(env->payload());
  if (hash != trust_root.hash) {
    return absl::FailedPreconditionError(
        absl::StrCat("genesis entry has hash ", base::ShortHex(hash),
                     ", the trust root's is ", base::ShortHex(trust_root.hash),
                     ": the bundle is of another ledger"));
  }
  return ProveEntry(e, 0, cp);
}

// Step 5: the rules re-run over an in-memory state.
class Replay {
 public:
  explicit Replay(const v1::Genesis& genesis) : genesis_(genesis) {
    rules::StateChanges init(&state_);
    rules::InitState(genesis, &init);
    Keep(init);
    for (const v1::NamedKey& k : genesis.governance_keys()) {
      governance_names_.emplace(crypto::Sha256Hex(k.public_key()), k.name());
    }
  }

  // Re-runs the rules on `ev`, the event of `leaf`; on acceptance keeps
  // what it changed and appends it to `events`.
  absl::Status Apply(const entry::LeafView& leaf, rules::SignedEvent ev,
                     std::vector<v1::AccountEvent>* events) {
    rules::StateChanges changes(&state_);
    const rules::EventContext ctx{&genesis_, leaf.time, leaf.index};
    absl::StatusOr<std::vector<v1::Flag>> flags =
        rules::ApplyEvent(ctx, ev, &changes);
    if (!flags.ok()) {
      return absl::Status(
          flags.status().code(),
          absl::StrCat(
              "entry ", leaf.index, " (", rules::EventType(*ev.event),
              ") does not pass the rules: ", flags.status().message()));
    }
    Keep(changes);

    v1::AccountEvent* out = &events->emplace_back();
    out->set_index(leaf.index);
    *out->mutable_ledger_time() = entry::ToTimestamp(leaf.time);
    out->set_event_type(rules::EventType(*ev.event));
    out->set_event_id(ev.event_id);
    // Accepted: every signature verified and its key is known.
    for (const v1::Signature& s : ev.envelope->signatures()) {
      KP_ASSIGN_OR_RETURN(std::string signer, SignerName(s.keyid()));
      out->add_signers(std::move(signer));
    }
    for (v1::Flag f : *flags) out->add_flags(f);
    *out->mutable_event() = *ev.event;
    return absl::OkStatus();
  }

  rules::StateView view() const { return rules::StateView(&state_); }

 private:
  void Keep(const rules::StateChanges& changes) {
    for (const auto& [key, value] : changes.changes()) state_.Put(key, value);
  }

  // A governance key's name, or the actor id of an actor's key.
  absl::StatusOr<std::string> SignerName(const std::string& key_id) const {
    auto it = governance_names_.find(key_id);
    if (it != governance_names_.end()) return it->second;
    KP_ASSIGN_OR_RETURN(std::optional<v1::KeyRecord> key, view().Key(key_id));
    if (!key.has_value()) {
      return absl::InternalError(
          absl::StrCat("key ", base::ShortHex(key_id),
                       " signed an accepted event but the "
                       "replayed state has no record of it"));
    }
    return key->actor_id();
  }

  const v1::Genesis& genesis_;
  rules::MemoryStateSource state_;
  std::map<std::string, std::string> governance_names_;  // key id -> name
};

// The actor a governance entry is about; empty for any other entry.
std::string GovernedActor(const v1::CustodyEvent& e) {
  switch (e.body_case()) {
    case v1::CustodyEvent::kRegisterActor:
      return e.register_actor().actor_id();
    case v1::CustodyEvent::kRotateKey:
      return e.rotate_key().actor_id();
    case v1::CustodyEvent::kRevokeActor:
      return e.revoke_actor().actor_id();
    default:
      return "";
  }
}

// Step 7: the bundle holds what BuildBundle puts in one, nothing else. A
// bundle with entries outside the parcel's ancestry would let its builder
// show another parcel's events in the account, or a parcel of the DAG (a
// split sibling, say) as of an entry later than its own last event.
absl::Status CheckBundleScope(const std::string& parcel_id,
                              const rules::StateView& state,
                              const std::vector<v1::AccountEvent>& events) {
  KP_ASSIGN_OR_RETURN(std::optional<v1::ParcelState> parcel,
                      state.Parcel(parcel_id));
  if (!parcel.has_value()) return absl::OkStatus();  // AssembleAccount says
  std::map<std::string, const v1::AccountEvent*> by_id;
  for (const v1::AccountEvent& e : events) by_id[e.event_id()] = &e;
  // The ancestry DAG, as BuildBundle walks it: every head every event names.
  std::set<std::string> dag;
  std::set<std::string> actors;  // signers and custodians it names
  std::vector<std::string> pending = {parcel->head()};
  while (!pending.empty()) {
    const std::string id = std::move(pending.back());
    pending.pop_back();
    auto it = by_id.find(id);
    // The replay accepted every head link, so a head names an entry here.
    if (it == by_id.end() || !dag.insert(id).second) continue;
    const v1::AccountEvent& e = *it->second;
    actors.insert(e.signers().begin(), e.signers().end());
    for (std::string& actor : NamedCustodians(e.event())) {
      actors.insert(std::move(actor));
    }
    for (const v1::ParcelHead& h : e.event().parcels()) {
      if (!h.head().empty()) pending.push_back(h.head());
    }
  }
  auto confirms_its_export = [&](const v1::CustodyEvent& ev) {
    return ev.has_import_confirmation() &&
           !parcel->export_certificate().empty() &&
           ev.import_confirmation().certificate_number() ==
               parcel->export_certificate();
  };
  for (const v1::AccountEvent& e : events) {
    if (confirms_its_export(e.event())) {
      actors.insert(e.signers().begin(), e.signers().end());
    }
  }
  // The node key changes, which the checkpoint's signatures are counted
  // against.
  KP_ASSIGN_OR_RETURN(std::optional<v1::NodeSetRecord> nodes, state.NodeSet());
  std::set<uint64_t> node_updates;
  if (nodes.has_value()) {
    node_updates.insert(nodes->update_entries().begin(),
                        nodes->update_entries().end());
  }
  for (const v1::AccountEvent& e : events) {
    const v1::CustodyEvent& ev = e.event();
    const std::string governed = GovernedActor(ev);
    if (dag.count(e.event_id()) > 0 || confirms_its_export(ev) ||
        ev.has_update_policy() || node_updates.count(e.index()) > 0 ||
        (!governed.empty() && actors.count(governed) > 0)) {
      continue;
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "entry ", e.index(), " (", e.event_type(),
        ") is not in the provenance of parcel ", parcel_id,
        ": a bundle holds the parcel's ancestry, the governance entries of "
        "the actors it names, the policy updates, the node key changes and "
        "the confirmation of its export, nothing else"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::ProvenanceAccount> VerifyBundle(
    const v1::ProvenanceBundle& bundle,
    const rules::VerifiedGenesis& trust_root) {
  if (bundle.entries_size() > static_cast<int>(kMaxBundleEntries)) {
    return absl::ResourceExhaustedError(
        absl::StrCat("bundle has ", bundle.entries_size(),
                     " entries, more than ", kMaxBundleEntries));
  }
  KP_ASSIGN_OR_RETURN(const BundleNodeKeys nodes,
                      NodeKeysOf(bundle, trust_root.genesis));
  KP_ASSIGN_OR_RETURN(checkpoint::VerifiedCheckpoint cp,
                      VerifyBundleCheckpoint(bundle.checkpoint(),
                                             trust_root.genesis, nodes.set));
  const absl::StatusOr<uint64_t> policy_updates =
      checkpoint::PolicyUpdateCount(cp.body);
  if (!policy_updates.ok()) return At("checkpoint", policy_updates.status());
  const absl::StatusOr<uint64_t> node_updates =
      checkpoint::NodeUpdateCount(cp.body);
  if (!node_updates.ok()) return At("checkpoint", node_updates.status());
  KP_RETURN_IF_ERROR(VerifyGenesisEntry(bundle.genesis(), cp.body, trust_root));

  // Step 3 for every entry before steps 4-5 for any: a misordered or
  // unproven bundle is named as such, not by the rule it happens to break.
  std::vector<CheckedEntry> checked =
      CheckEntries(bundle, cp.body, trust_root.genesis);
  uint64_t previous = 0;  // the genesis
  for (size_t i = 0; i < checked.size(); ++i) {
    const CheckedEntry& c = checked[i];
    if (!c.leaf.ok()) {
      return At(absl::StrCat("entries[", i, "]"), c.leaf.status());
    }
    if (c.leaf->index <= previous) {
      return absl::InvalidArgumentError(
          absl::StrCat("entry ", c.leaf->index, " (entries[", i,
                       "]) follows entry ", previous,
                       ": entries must be in log order, each once, after the "
                       "genesis"));
    }
    previous = c.leaf->index;
    KP_RETURN_IF_ERROR(c.proof);
  }
  KP_RETURN_IF_ERROR(
      CheckPolicyUpdates(checked, *policy_updates, cp.body.tree_size));
  // As for the policy: a bundle that left out a key's removal would count
  // that key's signatures.
  KP_RETURN_IF_ERROR(CheckCount(
      "node key update", "the signatures of a removed node key would count",
      nodes.updates, *node_updates, cp.body.tree_size));

  Replay replay(trust_root.genesis);
  std::vector<v1::AccountEvent> events;
  for (CheckedEntry& c : checked) {
    if (!c.event.ok()) {
      return At(absl::StrCat("entry ", c.leaf->index), c.event.status());
    }
    KP_RETURN_IF_ERROR(replay.Apply(*c.leaf, *std::move(c.event), &events));
  }

  KP_RETURN_IF_ERROR(
      CheckBundleScope(bundle.parcel_id(), replay.view(), events));
  KP_ASSIGN_OR_RETURN(
      v1::ProvenanceAccount account,
      AssembleAccount(bundle.parcel_id(), replay.view(), std::move(events)));
  v1::Checkpoint* checkpoint = account.mutable_checkpoint();
  checkpoint->set_note(bundle.checkpoint().note());
  checkpoint->set_origin(cp.body.origin);
  checkpoint->set_tree_size(cp.body.tree_size);
  checkpoint->set_root_hash(merkle::HashToBytes(cp.body.root));
  for (std::string& s : cp.signers) checkpoint->add_signers(std::move(s));
  account.set_genesis_hash(trust_root.hash);
  account.set_policy_updates(*policy_updates);
  return account;
}

}  // namespace kpledger::provenance
