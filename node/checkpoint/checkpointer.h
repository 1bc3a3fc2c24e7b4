// A node's checkpoints (DESIGN §3): C2SP signed notes over the tree heads
// this node computed itself, signed with its NODE key.
//
// The checkpointer signs the store's head every `interval` while the log
// grows, and on demand when a reader needs a checkpoint covering a newer
// entry (a provenance bundle of an event just appended). A checkpoint is
// "cosigned" once at least the genesis' checkpoint_threshold node keys
// signed it; on a ledger whose threshold is 1 the node's own signature is
// enough, otherwise the other nodes' cosignatures are needed (the etcd
// cluster's business).
//
// Thread-safe.
#ifndef KPLEDGER_NODE_CHECKPOINT_CHECKPOINTER_H_
#define KPLEDGER_NODE_CHECKPOINT_CHECKPOINTER_H_

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kpledger/v1/genesis.pb.h"
#include "kpledger/v1/proof.pb.h"
#include "ledger/checkpoint/note.h"
#include "ledger/crypto/ed25519.h"
#include "ledger/store/store.h"

namespace kpledger::node {

class Checkpointer {
 public:
  // FailedPrecondition if `key` is not one of the genesis' node keys (the
  // message names the key and the genesis' node key names).
  static absl::StatusOr<std::unique_ptr<Checkpointer>> Create(
      const store::Store* store, const v1::Genesis& genesis,
      crypto::PrivateKey key);
  ~Checkpointer();  // Stop()

  // This node's name: its key's name in the genesis (the note key name).
  const std::string& name() const { return name_; }

  // Signs every `interval` when the log has grown, until Stop.
  void Start(absl::Duration interval);
  void Stop();

  // This node's latest signed checkpoint (signing the current head if it
  // signed none yet).
  absl::StatusOr<v1::Checkpoint> Latest();
  // The latest cosigned checkpoint whose tree size is at least `min_size`,
  // signing the current head if this node's signature is enough.
  // FailedPrecondition when none covers `min_size` and the genesis needs
  // the cosignatures of other nodes.
  absl::StatusOr<v1::Checkpoint> Cosigned(uint64_t min_size);

 private:
  Checkpointer(const store::Store* store, const v1::Genesis& genesis,
               crypto::PrivateKey key, std::string name);
  // Signs the store's current head unless the latest covers it already.
  absl::StatusOr<v1::Checkpoint> SignHead() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Run(absl::Duration interval);

  const store::Store* store_;
  const std::string origin_;
  const uint32_t threshold_;
  const crypto::PrivateKey key_;  // the signer refers to it
  const std::string name_;
  const checkpoint::NoteSigner signer_;
  std::thread thread_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<v1::Checkpoint> latest_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_CHECKPOINT_CHECKPOINTER_H_
