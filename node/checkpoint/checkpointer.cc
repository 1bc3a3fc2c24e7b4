#include "node/checkpoint/checkpointer.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ledger/base/status_macros.h"
#include "ledger/checkpoint/checkpoint.h"
#include "spdlog/spdlog.h"

namespace kpledger::node {

absl::StatusOr<std::unique_ptr<Checkpointer>> Checkpointer::Create(
    const store::Store* store, const v1::Genesis& genesis,
    crypto::PrivateKey key) {
  std::vector<std::string> names;
  for (const v1::NamedKey& nk : genesis.node_keys()) {
    if (nk.public_key() == key.public_key().bytes()) {
      // ValidateGenesis checked the name; the signer is made in the
      // constructor, from the key it keeps (it holds a reference).
      return std::unique_ptr<Checkpointer>(
          new Checkpointer(store, genesis, std::move(key), nk.name()));
    }
    names.push_back(nk.name());
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "the node key (key id ", key.key_id(),
      ") is not one of the genesis' node keys (", absl::StrJoin(names, ", "),
      "): a node signs checkpoints with a key the genesis names"));
}

Checkpointer::Checkpointer(const store::Store* store,
                           const v1::Genesis& genesis, crypto::PrivateKey key,
                           std::string name)
    : store_(store),
      origin_(genesis.origin()),
      threshold_(genesis.checkpoint_threshold()),
      key_(std::move(key)),
      name_(std::move(name)),
      signer_(checkpoint::NoteSigner::Create(name_, key_).value()) {}

Checkpointer::~Checkpointer() { Stop(); }

absl::StatusOr<v1::Checkpoint> Checkpointer::SignHead() {
  const store::TreeHead head = store_->head();
  if (latest_.has_value() && latest_->tree_size() >= head.size) {
    return *latest_;
  }
  checkpoint::CheckpointBody body;
  body.origin = origin_;
  body.tree_size = head.size;
  body.root = head.root;
  KP_ASSIGN_OR_RETURN(
      std::string note,
      checkpoint::SignCheckpoint(body, {checkpoint::NoteSigner(signer_)}));
  v1::Checkpoint cp;
  cp.set_note(std::move(note));
  cp.set_origin(origin_);
  cp.set_tree_size(head.size);
  cp.set_root_hash(std::string(head.root.begin(), head.root.end()));
  cp.add_signers(name_);
  latest_ = cp;
  return cp;
}

absl::StatusOr<v1::Checkpoint> Checkpointer::Latest() {
  absl::MutexLock lock(&mu_);
  if (latest_.has_value()) return *latest_;
  return SignHead();
}

absl::StatusOr<v1::Checkpoint> Checkpointer::Cosigned(uint64_t min_size) {
  if (threshold_ > 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no cosigned checkpoint: the genesis needs ", threshold_,
        " node signatures on a checkpoint and this node runs alone (the "
        "local sequencer); run the ledger's nodes as a cluster"));
  }
  absl::MutexLock lock(&mu_);
  if (latest_.has_value() && latest_->tree_size() >= min_size) return *latest_;
  return SignHead();
}

void Checkpointer::Start(absl::Duration interval) {
  thread_ = std::thread([this, interval] { Run(interval); });
}

void Checkpointer::Run(absl::Duration interval) {
  absl::MutexLock lock(&mu_);
  while (!mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval)) {
    if (absl::StatusOr<v1::Checkpoint> cp = SignHead(); !cp.ok()) {
      spdlog::error("cannot sign a checkpoint: {}", cp.status().ToString());
    }
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
