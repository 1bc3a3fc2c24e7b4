#include "node/checkpoint/checkpointer.h"

#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "ledger/apply/checkpoint_body.h"
#include "ledger/base/encoding.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/thread_name.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/checkpoint/policy_line.h"
#include "ledger/rules/genesis.h"
#include "ledger/rules/node_set.h"
#include "spdlog/spdlog.h"

namespace kpledger::node {
namespace {

v1::Checkpoint ToProto(std::string note,
                       const checkpoint::VerifiedCheckpoint& verified) {
  v1::Checkpoint cp;
  cp.set_note(std::move(note));
  cp.set_origin(verified.body.origin);
  cp.set_tree_size(verified.body.tree_size);
  cp.set_root_hash(
      std::string(verified.body.root.begin(), verified.body.root.end()));
  for (const std::string& s : verified.signers) cp.add_signers(s);
  return cp;
}

std::string Hex(const merkle::Hash& h) {
  return base::HexEncode(
      absl::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Checkpointer>> Checkpointer::Create(
    const store::Store* store, const v1::Genesis& genesis,
    crypto::PrivateKey key, absl::string_view key_name) {
  KP_ASSIGN_OR_RETURN(const v1::NodeSetRecord nodes,
                      apply::StoreNodeSet(*store, genesis));
  std::string name;
  for (const v1::NodeKeyRecord& k : nodes.keys()) {
    if (k.public_key() == key.public_key().bytes()) name = k.name();
  }
  if (name.empty()) {
    if (const v1::NodeKeyRecord* named = rules::FindNodeKey(nodes, key_name);
        named != nullptr || !checkpoint::IsValidKeyName(key_name)) {
      std::vector<std::string> names;
      for (const v1::NodeKeyRecord& k : nodes.keys()) names.push_back(k.name());
      return absl::FailedPreconditionError(absl::StrCat(
          "the node key (key id ", key.key_id(), ", named \"", key_name,
          "\" in its file) is not one of the ledger's node keys (",
          absl::StrJoin(names, ", "), ")",
          named != nullptr ? ", and its name is another key's"
                           : ", and its name is not a note key name"));
    }
    // Not in force until governance registers it: Run says so.
    name = std::string(key_name);
  }
  // The signer is made in the constructor, from the key it keeps (it
  // holds a reference).
  return std::unique_ptr<Checkpointer>(new Checkpointer(
      store, genesis, std::optional<crypto::PrivateKey>(std::move(key)),
      std::move(name)));
}

std::unique_ptr<Checkpointer> Checkpointer::CreateMirror(
    const store::Store* store, const v1::Genesis& genesis) {
  return std::unique_ptr<Checkpointer>(
      new Checkpointer(store, genesis, std::nullopt, "mirror"));
}

Checkpointer::Checkpointer(const store::Store* store,
                           const v1::Genesis& genesis,
                           std::optional<crypto::PrivateKey> key,
                           std::string name)
    : store_(store),
      genesis_(genesis),
      origin_(genesis.origin()),
      key_(std::move(key)),
      name_(std::move(name)),
      signer_(key_.has_value()
                  ? std::optional<checkpoint::NoteSigner>(
                        checkpoint::NoteSigner::Create(name_, *key_).value())
                  : std::nullopt) {}

absl::StatusOr<checkpoint::VerifiedCheckpoint> Checkpointer::Verify(
    absl::string_view note, std::optional<uint32_t> at_least) const {
  KP_ASSIGN_OR_RETURN(const v1::NodeSetRecord nodes,
                      apply::StoreNodeSet(*store_, genesis_));
  return rules::VerifyNodeCheckpoint(note, genesis_, nodes, at_least);
}

uint32_t Checkpointer::ThresholdAt(uint64_t tree_size) const {
  absl::StatusOr<v1::NodeSetRecord> nodes =
      apply::StoreNodeSet(*store_, genesis_);
  if (!nodes.ok()) return genesis_.checkpoint_threshold();
  return rules::CheckpointThresholdAt(genesis_, *nodes, tree_size);
}

Checkpointer::~Checkpointer() { Stop(); }

void Checkpointer::SetPeers(std::vector<std::unique_ptr<Cosigner>> peers,
                            CheckpointerHooks hooks) {
  peers_ = std::move(peers);
  peer_errors_.assign(peers_.size(), "");
  hooks_ = std::move(hooks);
}

absl::StatusOr<v1::Checkpoint> Checkpointer::SignHead() {
  if (!signer_.has_value()) {
    if (cosigned_.has_value()) return *cosigned_;
    return absl::UnavailableError(
        "this mirror holds no cosigned checkpoint yet: it has not caught up "
        "with the node it follows");
  }
  const store::TreeHead head = store_->head();
  if (latest_.has_value() && latest_->tree_size() >= head.size) {
    return *latest_;
  }
  KP_ASSIGN_OR_RETURN(checkpoint::CheckpointBody body,
                      apply::StoreCheckpointBody(*store_, origin_, head.size));
  KP_ASSIGN_OR_RETURN(std::string note,
                      checkpoint::SignCheckpoint(body, {*signer_}));
  v1::Checkpoint cp;
  cp.set_note(std::move(note));
  cp.set_origin(origin_);
  cp.set_tree_size(head.size);
  cp.set_root_hash(std::string(body.root.begin(), body.root.end()));
  cp.add_signers(name_);
  latest_ = cp;
  // Alone enough only with a key in force: otherwise its signature counts
  // for nothing.
  if (ThresholdAt(head.size) <= 1 && KeyStanding() == kKeyInForce) {
    cosigned_ = cp;
  }
  return cp;
}

absl::StatusOr<v1::Checkpoint> Checkpointer::Latest() {
  absl::MutexLock lock(&mu_);
  KP_RETURN_IF_ERROR(diverged_);
  if (!signer_.has_value()) return SignHead();  // the latest cosigned
  if (latest_.has_value()) return *latest_;
  return SignHead();
}

absl::StatusOr<v1::Checkpoint> Checkpointer::Cosigned(uint64_t min_size,
                                                      absl::Duration wait) {
  absl::MutexLock lock(&mu_);
  KP_RETURN_IF_ERROR(diverged_);
  auto covers = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return cosigned_.has_value() && cosigned_->tree_size() >= min_size;
  };
  const uint32_t threshold = ThresholdAt(store_->size());
  if (threshold <= 1 && signer_.has_value() && KeyStanding() == kKeyInForce) {
    if (covers()) return *cosigned_;
    return SignHead();
  }
  if (peers_.empty() && signer_.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no cosigned checkpoint: the ledger needs ", threshold,
        " node signatures on a checkpoint and this node has no peers to ask "
        "(run the ledger's nodes as a cluster, with --peers)"));
  }
  if (!covers()) {
    wake_ = true;
    struct Ready {
      Checkpointer* c;
      uint64_t min_size;
    } ready{this, min_size};
    mu_.AwaitWithTimeout(
        absl::Condition(
            +[](Ready* r) ABSL_NO_THREAD_SAFETY_ANALYSIS {
              return r->c->stopping_ || !r->c->diverged_.ok() ||
                     (r->c->cosigned_.has_value() &&
                      r->c->cosigned_->tree_size() >= r->min_size);
            },
            &ready),
        wait);
  }
  KP_RETURN_IF_ERROR(diverged_);
  if (covers()) return *cosigned_;
  return absl::UnavailableError(
      absl::StrCat("no checkpoint covering ", min_size,
                   " entries is cosigned by ", threshold,
                   " nodes yet: the peers did not cosign in time (are they up "
                   "and caught up? see their kpctl status)"));
}

void Checkpointer::GatherCosignatures(const v1::Checkpoint& cp) {
  std::string note = cp.note();
  size_t signers = cp.signers_size();  // this node's own signature
  const uint32_t threshold = ThresholdAt(cp.tree_size());
  std::vector<size_t> refused_below_threshold;
  std::vector<size_t> signed_below_threshold;
  for (size_t i = 0; i < peers_.size(); ++i) {
    const bool below = signers < threshold;
    const absl::Status asked = AskToCosign(i, cp.tree_size(), &note, &signers);
    if (below && absl::IsFailedPrecondition(asked)) {
      refused_below_threshold.push_back(i);
    }
    if (asked.ok() && signers < threshold) signed_below_threshold.push_back(i);
  }
  if (signers < threshold) return;
  Adopt(note);
  // A peer that signed before the threshold did has no cosigned checkpoint
  // of this size; shown the cosigned note, it adopts it (CosignFor).
  for (size_t i : signed_below_threshold) (void)peers_[i]->Cosign(note);
  // Those peers saw fewer signatures than it takes to call a disagreement
  // a divergence. Asked again with the cosigned checkpoint, a peer whose
  // root or policy count differs finds out, whatever its place in this
  // node's peer list (and one that was behind may sign now). A peer that
  // did not answer is not asked again: it would not answer now either.
  const size_t cosigned_by = signers;
  for (size_t i : refused_below_threshold) {
    (void)AskToCosign(i, cp.tree_size(), &note, &signers);
  }
  if (signers > cosigned_by) Adopt(note);
}

absl::Status Checkpointer::AskToCosign(size_t i, uint64_t tree_size,
                                       std::string* note, size_t* signers) {
  absl::StatusOr<std::string> line = peers_[i]->Cosign(*note);
  if (line.ok()) {
    std::string candidate = absl::StrCat(*note, *line, "\n");
    absl::StatusOr<checkpoint::VerifiedCheckpoint> after = Verify(candidate, 1);
    if (after.ok() && after->signers.size() > *signers) {
      *note = std::move(candidate);
      *signers = after->signers.size();
      peer_errors_[i].clear();
      return absl::OkStatus();
    }
    line = absl::UnauthenticatedError(absl::StrCat(
        "returned a signature line that does not verify: ", *line));
  }
  // Logged once per kind of error: a peer that is down or behind would
  // fill the log.
  const std::string error = absl::StatusCodeToString(line.status().code());
  if (error != peer_errors_[i]) {
    spdlog::warn("peer {} did not cosign checkpoint {}: {}",
                 peers_[i]->address(), tree_size, line.status().ToString());
    peer_errors_[i] = error;
  }
  return line.status();
}

void Checkpointer::Adopt(const std::string& note) {
  absl::StatusOr<checkpoint::VerifiedCheckpoint> verified = Verify(note);
  if (!verified.ok()) return;
  const uint64_t size = verified->body.tree_size;
  {
    absl::MutexLock lock(&mu_);
    if (cosigned_.has_value() && cosigned_->tree_size() >= size) return;
    cosigned_ = ToProto(note, *verified);
  }
  if (hooks_.cosigned) hooks_.cosigned(size);
}

absl::StatusOr<std::string> Checkpointer::CosignFor(const std::string& note) {
  KP_RETURN_IF_ERROR(diverged());
  if (!signer_.has_value()) {
    return absl::FailedPreconditionError(
        "this is a read-only mirror: it has no node key and cosigns nothing");
  }
  // The size first: the keys that count past this node's log are not
  // known here yet.
  KP_ASSIGN_OR_RETURN(const checkpoint::SignedNote parsed,
                      checkpoint::ParseNote(note));
  KP_ASSIGN_OR_RETURN(const checkpoint::CheckpointBody claimed,
                      checkpoint::CheckpointBody::Parse(parsed.text));
  const uint64_t have = store_->size();
  if (claimed.tree_size > have) {
    return absl::FailedPreconditionError(
        absl::StrCat("this node has ", have, " entries, fewer than the ",
                     claimed.tree_size, " of the checkpoint; ask again later"));
  }
  absl::StatusOr<checkpoint::VerifiedCheckpoint> asked = Verify(note, 1);
  if (!asked.ok()) {
    if (absl::IsUnauthenticated(asked.status())) {
      return absl::UnauthenticatedError(absl::StrCat(
          "a checkpoint to cosign must carry the valid signature of a node "
          "key in force at its size: ",
          asked.status().message()));
    }
    return asked.status();
  }
  const checkpoint::CheckpointBody& body = asked->body;
  // This node signs only the body it computes itself: the root, and the
  // extension lines (the policy line; none it does not know).
  KP_ASSIGN_OR_RETURN(
      const checkpoint::CheckpointBody mine,
      apply::StoreCheckpointBody(*store_, origin_, body.tree_size));
  KP_ASSIGN_OR_RETURN(const uint64_t my_count,
                      checkpoint::PolicyUpdateCount(mine));
  KP_ASSIGN_OR_RETURN(const uint64_t my_node_count,
                      checkpoint::NodeUpdateCount(mine));
  const std::string signers = absl::StrJoin(asked->signers, ", ");
  // A root, or a policy or node key count, other than this node's: if the
  // threshold vouches for it, this node's history is not its cluster's.
  std::string differs;
  if (mine.root != body.root) {
    differs =
        absl::StrCat("at tree size ", body.tree_size, " this node's root is ",
                     Hex(mine.root), ", but the checkpoint signed by ", signers,
                     " says ", Hex(body.root));
  } else if (absl::StatusOr<uint64_t> stated =
                 checkpoint::PolicyUpdateCount(body);
             stated.ok() && *stated != my_count) {
    differs = absl::StrCat("at tree size ", body.tree_size,
                           " this node's log holds ", my_count,
                           " policy update(s), but the checkpoint signed by ",
                           signers, " counts ", *stated);
  } else if (absl::StatusOr<uint64_t> nodes_stated =
                 checkpoint::NodeUpdateCount(body);
             nodes_stated.ok() && *nodes_stated != my_node_count) {
    differs = absl::StrCat("at tree size ", body.tree_size,
                           " this node's log holds ", my_node_count,
                           " node key update(s), but the checkpoint signed by ",
                           signers, " counts ", *nodes_stated);
  }
  if (!differs.empty()) {
    if (const uint32_t threshold = ThresholdAt(body.tree_size);
        asked->signers.size() >= threshold) {
      Diverge(absl::StrCat(differs, ", and they are the threshold of ",
                           threshold,
                           ": this node's history differs from "
                           "its cluster's"));
      return diverged();
    }
    spdlog::error("refused to cosign: {}", differs);
    return absl::FailedPreconditionError(absl::StrCat(
        "not cosigning a checkpoint this node did not compute: ", differs));
  }
  if (mine.extensions != body.extensions) {
    // The same root and no other count: the lines of another release (a
    // missing policy line, or one this release does not know). Not a
    // history this node disagrees with, so never a divergence, but not a
    // body it computed either.
    const std::string what = absl::StrCat(
        "at tree size ", body.tree_size, " the checkpoint signed by ", signers,
        " has the extension lines ",
        body.extensions.empty()
            ? "(none)"
            : absl::StrCat("\"", absl::StrJoin(body.extensions, "\", \""),
                           "\""),
        ", this node's are \"", absl::StrJoin(mine.extensions, "\", \""),
        "\" (a node of another release?)");
    // Logged by the service as a refused call: while a cluster is upgraded
    // the older nodes ask every round, and an error each time would bury
    // the real ones.
    return absl::FailedPreconditionError(absl::StrCat(
        "not cosigning a checkpoint this node did not compute: ", what));
  }
  KP_ASSIGN_OR_RETURN(checkpoint::NoteSignature sig,
                      signer_->Sign(parsed.text));
  std::string line(
      absl::StripSuffix(checkpoint::FormatSignatureLine(sig), "\n"));
  // With this node's signature the checkpoint may reach the threshold:
  // then it is this node's latest cosigned checkpoint too (Adopt checks).
  // A note this node signed already is shown to it once cosigned.
  if (std::find(asked->signers.begin(), asked->signers.end(), name_) ==
      asked->signers.end()) {
    Adopt(absl::StrCat(note, line, "\n"));
  } else {
    Adopt(note);
  }
  return line;
}

void Checkpointer::Diverge(const std::string& why) {
  {
    absl::MutexLock lock(&mu_);
    if (!diverged_.ok()) return;
    diverged_ = absl::FailedPreconditionError(
        absl::StrCat("this node diverged and serves no checkpoint: ", why));
  }
  spdlog::critical("DIVERGED: {}", why);
  if (hooks_.diverged) hooks_.diverged(why);
}

absl::Status Checkpointer::diverged() const {
  absl::MutexLock lock(&mu_);
  return diverged_;
}

void Checkpointer::Start(absl::Duration interval) {
  thread_ = std::thread([this, interval] {
    base::NameThisThread("kp-checkpoint");
    Run(interval);
  });
}

std::string Checkpointer::KeyStanding() const {
  if (!key_.has_value()) return "none (a read-only mirror)";
  absl::StatusOr<v1::NodeSetRecord> nodes =
      apply::StoreNodeSet(*store_, genesis_);
  if (!nodes.ok()) {
    return absl::StrCat("unknown: ", nodes.status().message());
  }
  const v1::NodeKeyRecord* key = rules::FindNodeKey(*nodes, name_);
  for (const v1::NodeKeyRecord& k : nodes->keys()) {
    if (k.public_key() == key_->public_key().bytes() && k.name() != name_) {
      // Registered under another id than its file's name, which this node
      // took at startup: its batches name the wrong node.
      return absl::StrCat("not in force under the name ", name_,
                          ": the ledger registered this key as ", k.name(),
                          "; restart the node, which then takes that name");
    }
  }
  if (key == nullptr) {
    return absl::StrCat(
        "not in force: not a node key of this ledger up to entry ",
        store_->size(),
        " (governance registers it: RegisterActor, role NODE, "
        "actor id ",
        name_, ")");
  }
  if (key->public_key() != key_->public_key().bytes()) {
    return absl::StrCat("not in force: the ledger's node key ", name_,
                        " is another key");
  }
  if (key->removed()) {
    return absl::StrCat("not in force: revoked at entry ", key->removed_at());
  }
  return kKeyInForce;
}

std::string Checkpointer::LogKeyStanding() {
  const std::string standing = KeyStanding();
  if (standing != standing_) {
    if (standing == kKeyInForce) {
      spdlog::info("this node's key {} is a node key in force", name_);
    } else {
      spdlog::warn(
          "this node's key {} is {}: its checkpoint signatures do not "
          "count and its batches are refused",
          name_, standing);
    }
    standing_ = standing;
  }
  return standing;
}

void Checkpointer::Run(absl::Duration interval) {
  if (signer_.has_value()) {
    absl::MutexLock lock(&mu_);
    LogKeyStanding();  // at once: the first round waits an interval
  }
  while (true) {
    std::optional<v1::Checkpoint> ask;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(
          absl::Condition(
              +[](Checkpointer* c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(c->mu_) {
                return c->stopping_ || c->wake_;
              },
              this),
          interval);
      if (stopping_) return;
      wake_ = false;
      if (!diverged_.ok() || !signer_.has_value()) continue;
      const std::string standing = LogKeyStanding();
      absl::StatusOr<v1::Checkpoint> cp = SignHead();
      if (!cp.ok()) {
        spdlog::error("cannot sign a checkpoint: {}", cp.status().ToString());
        continue;
      }
      // A key not in force gets no cosignature: its peers would refuse.
      if (standing == kKeyInForce && ThresholdAt(cp->tree_size()) > 1 &&
          !peers_.empty() &&
          (!cosigned_.has_value() ||
           cosigned_->tree_size() < cp->tree_size())) {
        ask = *std::move(cp);
      }
    }
    // Outside the lock: peers take a network round trip each.
    if (ask.has_value()) GatherCosignatures(*ask);
  }
}

void Checkpointer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace kpledger::node
