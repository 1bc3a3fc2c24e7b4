#include "ledger/provenance/entry_checks.h"

#include <algorithm>
#include <map>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/crypto/ed25519.h"
#include "ledger/merkle/hasher.h"
#include "ledger/merkle/verify.h"

namespace kpledger::provenance {
namespace {

// Below this many entries per thread, starting a thread costs more than it
// saves.
constexpr size_t kEntriesPerThread = 4;

using KeyMap = std::map<std::string, crypto::PublicKey, std::less<>>;

void AddKey(absl::string_view bytes, KeyMap* keys) {
  absl::StatusOr<crypto::PublicKey> key = crypto::PublicKey::FromBytes(bytes);
  // A malformed key is the rules' to refuse, during the replay.
  if (key.ok()) keys->emplace(key->key_id(), *std::move(key));
}

// The keys the bundle carries, by key id.
KeyMap BundleKeys(const std::vector<CheckedEntry>& entries,
                  const v1::Genesis& genesis) {
  KeyMap keys;
  for (const v1::NamedKey& k : genesis.governance_keys()) {
    AddKey(k.public_key(), &keys);
  }
  for (const CheckedEntry& c : entries) {
    if (!c.event.ok()) continue;
    const v1::CustodyEvent& ev = *c.event->event;
    if (ev.has_register_actor())
      AddKey(ev.register_actor().public_key(), &keys);
    if (ev.has_rotate_key()) AddKey(ev.rotate_key().new_public_key(), &keys);
  }
  return keys;
}

// Runs fn(i) for every i < n, on up to all cores.
template <typename Fn>
void ParallelFor(size_t n, const Fn& fn) {
  const size_t threads =
      std::clamp<size_t>(n / kEntriesPerThread, 1,
                         std::max(1u, std::thread::hardware_concurrency()));
  const size_t chunk = (n + threads - 1) / threads;
  auto run = [&](size_t begin) {
    for (size_t i = begin; i < std::min(n, begin + chunk); ++i) fn(i);
  };
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(run, t * chunk);
  run(0);
  for (std::thread& h : helpers) h.join();
}

}  // namespace

absl::Status ProveEntry(const v1::BundleEntry& e, uint64_t index,
                        const checkpoint::CheckpointBody& cp) {
  const std::string name = absl::StrCat("entry ", index);
  const v1::InclusionProof& proof = e.proof();
  if (proof.leaf_index() != index) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": its inclusion proof is for leaf ", proof.leaf_index()));
  }
  if (proof.tree_size() != cp.tree_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": its inclusion proof is for tree size ", proof.tree_size(),
        ", the checkpoint's is ", cp.tree_size));
  }
  std::vector<merkle::Hash> path(proof.hashes_size());
  for (int i = 0; i < proof.hashes_size(); ++i) {
    if (!merkle::HashFromBytes(proof.hashes(i), &path[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": inclusion proof hash ", i, " has ",
                       proof.hashes(i).size(), " bytes, want 32"));
    }
  }
  const absl::Status verified = merkle::VerifyInclusion(
      index, cp.tree_size, merkle::HashLeaf(e.leaf()), path, cp.root);
  if (verified.ok()) return verified;
  return absl::Status(verified.code(),
                      absl::StrCat(name, ": ", verified.message()));
}

std::vector<CheckedEntry> CheckEntries(const v1::ProvenanceBundle& bundle,
                                       const checkpoint::CheckpointBody& cp,
                                       const v1::Genesis& genesis) {
  // Decoding is cheap and tells which keys the bundle carries.
  std::vector<CheckedEntry> out(bundle.entries_size());
  for (int i = 0; i < bundle.entries_size(); ++i) {
    CheckedEntry& c = out[i];
    c.leaf = entry::DecodeLeaf(bundle.entries(i).leaf());
    if (c.leaf.ok())
      c.event = rules::DecodeEvent(std::string(c.leaf->envelope));
  }
  const KeyMap keys = BundleKeys(out, genesis);
  ParallelFor(out.size(), [&](size_t i) {
    CheckedEntry& c = out[i];
    if (!c.leaf.ok()) return;
    c.proof = ProveEntry(bundle.entries(i), c.leaf->index, cp);
    if (!c.event.ok()) return;
    rules::CheckSignatures(
        &*c.event,
        [&keys](absl::string_view key_id) -> std::optional<crypto::PublicKey> {
          auto it = keys.find(key_id);
          if (it == keys.end()) return std::nullopt;
          return it->second;
        });
  });
  return out;
}

}  // namespace kpledger::provenance
