// A node's checkpoints (DESIGN §3, §5): C2SP signed notes over the tree
// heads this node computed itself, signed with its NODE key, and cosigned
// by the other nodes of its cluster.
//
// The checkpointer signs the store's head every `interval` while the log
// grows, and on demand when a reader needs a checkpoint covering a newer
// entry (a provenance bundle of an event just appended). A checkpoint is
// "cosigned" once at least the threshold of node keys in force at its size
// signed it (rules/node_set.h). Where the threshold is 1 the node's own
// signature is enough, if its key is in force. Otherwise, after signing, the
// checkpointer asks its peers (Cosigner) one after the other to cosign, passing
// each the signatures gathered so far; a peer signs only a body it computed
// itself at that size: the root and the policy line (CosignFor). A node asked
// to cosign a checkpoint that already carries the threshold of signatures,
// whose root or policy count it did not compute, has diverged from its cluster:
// it says so (the `diverged` hook) and serves no checkpoint from then on. So
// that a peer which refused while the threshold had not yet signed sees the
// cosigned checkpoint too, the checkpointer asks it again.
//
// Thread-safe.
#ifndef KPLEDGER_NODE_CHECKPOINT_CHECKPOINTER_H_
#define KPLEDGER_NODE_CHECKPOINT_CHECKPOINTER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kpledger/v1/genesis.pb.h"
#include "kpledger/v1/proof.pb.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/checkpoint/note.h"
#include "ledger/crypto/ed25519.h"
#include "ledger/store/store.h"

namespace kpledger::node {

// Another node, asked to cosign this node's checkpoints.
class Cosigner {
 public:
  virtual ~Cosigner() = default;
  virtual const std::string& address() const = 0;
  // The peer's signature line ("— <name> <base64>", no newline) over the
  // body of `note`, or why it does not sign.
  virtual absl::StatusOr<std::string> Cosign(const std::string& note) = 0;
};

struct CheckpointerHooks {
  // A cosigned checkpoint of `tree_size` entries became the latest.
  std::function<void(uint64_t tree_size)> cosigned;
  // This node's root or policy count differs from a cosigned checkpoint;
  // `why` says how.
  std::function<void(const std::string& why)> diverged;
};

// Checkpointer::KeyStanding() of a node key in force.
inline constexpr char kKeyInForce[] = "in force";

class Checkpointer {
 public:
  // The node's name is its key's: the genesis' name for it, or the name
  // the ledger registered it under, or else `key_name` (its key file's),
  // the actor id governance is to register it under (until then its
  // signatures do not count and its batches are refused; a warning says
  // so). FailedPrecondition if `key_name` is a node key's name in the
  // ledger but `key` is another key, or is not a note key name.
  static absl::StatusOr<std::unique_ptr<Checkpointer>> Create(
      const store::Store* store, const v1::Genesis& genesis,
      crypto::PrivateKey key, absl::string_view key_name);
  // A read-only mirror's, without a node key: it signs nothing, and serves
  // the cosigned checkpoints it is given (Adopt).
  static std::unique_ptr<Checkpointer> CreateMirror(const store::Store* store,
                                                    const v1::Genesis& genesis);
  ~Checkpointer();  // Stop()

  // This node's name: its key's note key name (Create); "mirror" for a
  // mirror.
  const std::string& name() const { return name_; }
  // How this node's key stands in the ledger as its store has it: "in
  // force", or "not in force: " and why (not registered yet, revoked at
  // entry N, the name is another key's); "none (a read-only mirror)".
  std::string KeyStanding() const;

  // Before Start: the other nodes to ask for cosignatures, and the hooks.
  void SetPeers(std::vector<std::unique_ptr<Cosigner>> peers,
                CheckpointerHooks hooks);

  // Signs (and gathers cosignatures) every `interval` when the log has
  // grown, until Stop.
  void Start(absl::Duration interval);
  void Stop();

  // This node's latest signed checkpoint (signing the current head if it
  // signed none yet).
  absl::StatusOr<v1::Checkpoint> Latest();
  // The latest cosigned checkpoint, once one covers `min_size` entries;
  // waits up to `wait` for the peers' cosignatures. FailedPrecondition when
  // the genesis needs other nodes' signatures and there are no peers, or
  // the node diverged; Unavailable when the peers did not cosign in time.
  absl::StatusOr<v1::Checkpoint> Cosigned(
      uint64_t min_size, absl::Duration wait = absl::Seconds(5));

  // A peer asks this node to cosign `note`, which must carry at least one
  // valid signature of a node key in force at its size (node_set.h).
  // Returns this node's signature line.
  //   InvalidArgument     not a checkpoint
  //   FailedPrecondition  another origin; more entries than this node has
  //                       (yet); a root or policy count this node did not
  //                       compute (a divergence when the threshold signed
  //                       it); no policy line, or extension lines of
  //                       another release (never a divergence); this node
  //                       diverged
  //   Unauthenticated     no valid signature of a node key in force
  absl::StatusOr<std::string> CosignFor(const std::string& note);

  // Makes `note` the latest cosigned checkpoint if it verifies at the
  // threshold at its size and is newer. The caller checked that its body
  // (root and count lines) is this node's at that size.
  void Adopt(const std::string& note);

  // Why this node diverged from its cluster; OK if it did not.
  absl::Status diverged() const;

  // Marks this node diverged (its log is not its cluster's): it serves no
  // checkpoint from now on, logs `why` as critical and calls the diverged
  // hook (which stops the node applying). The first reason is kept. Called
  // when a threshold-signed checkpoint disagrees with this node's root or
  // policy count, and by the peer follower when entries copied from a peer
  // do not give the root or policy count of the peer's checkpoint once
  // applied here.
  void Diverge(const std::string& why);

 private:
  Checkpointer(const store::Store* store, const v1::Genesis& genesis,
               std::optional<crypto::PrivateKey> key, std::string name);
  // Signs the store's current head unless the latest covers it already.
  absl::StatusOr<v1::Checkpoint> SignHead() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Asks every peer to cosign `cp`; adopts the result if cosigned.
  void GatherCosignatures(const v1::Checkpoint& cp);
  // Asks peer `i` to cosign `*note`. OK if it did: `*note` and `*signers`
  // then have its signature. Otherwise its answer (FailedPrecondition: it
  // refused) or why it gave none.
  absl::Status AskToCosign(size_t i, uint64_t tree_size, std::string* note,
                           size_t* signers);
  void Run(absl::Duration interval);
  // KeyStanding(), logged when it is not what it was last time.
  std::string LogKeyStanding() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // rules::VerifyNodeCheckpoint against the node keys of this node's log,
  // at `at_least` signatures or the threshold at the checkpoint's size.
  absl::StatusOr<checkpoint::VerifiedCheckpoint> Verify(
      absl::string_view note,
      std::optional<uint32_t> at_least = std::nullopt) const;
  // rules::CheckpointThresholdAt `tree_size` of this node's log (the
  // genesis' threshold if the log cannot be read).
  uint32_t ThresholdAt(uint64_t tree_size) const;

  const store::Store* store_;
  const v1::Genesis genesis_;
  const std::string origin_;
  const std::optional<crypto::PrivateKey> key_;  // none on a mirror
  const std::string name_;
  // Refers to key_; none on a mirror.
  const std::optional<checkpoint::NoteSigner> signer_;
  std::vector<std::unique_ptr<Cosigner>> peers_;
  CheckpointerHooks hooks_;
  std::thread thread_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool wake_ ABSL_GUARDED_BY(mu_) = false;  // a reader waits for a cosigned
  absl::Status diverged_ ABSL_GUARDED_BY(mu_);
  std::optional<v1::Checkpoint> latest_ ABSL_GUARDED_BY(mu_);
  std::optional<v1::Checkpoint> cosigned_ ABSL_GUARDED_BY(mu_);
  // KeyStanding() when last logged: a change is logged once.
  std::string standing_ ABSL_GUARDED_BY(mu_);
  // Per peer, the last error logged, so a peer that is down is logged once.
  std::vector<std::string> peer_errors_;
};

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_CHECKPOINT_CHECKPOINTER_H_
