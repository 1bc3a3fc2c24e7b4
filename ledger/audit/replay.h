// Re-verifies a ledger from its entries, as a node streams them (kpctl
// audit, the integration tests): every leaf is decoded and hashed into a Merkle
// tree recomputed here, and every entry is replayed through the applier
// (ledger/apply) into a scratch store, so every signature and custody rule is
// checked again and every replayed leaf must equal the node's byte for byte.
//
// Entry 0 is the genesis (Bootstrap); consecutive entries of one ledger
// time are applied as one OrderedBatch proposed at that time (at most
// kMaxBatch entries each), so the applier derives the same ledger times.
// Every replayed entry must be ACCEPTED and land at its index. A ledger
// time moved later, but not past the next entry's, is one the proposer
// could have chosen: it replays cleanly, and only the root, compared with a
// signed checkpoint (kpctl audit does), tells.
// Memory: the O(log n) frontier, the roots asked for, one batch.
// Not thread-safe.
#ifndef KPLEDGER_LEDGER_AUDIT_REPLAY_H_
#define KPLEDGER_LEDGER_AUDIT_REPLAY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kpledger/v1/ledger.pb.h"
#include "kpledger/v1/proof.pb.h"
#include "ledger/apply/applier.h"
#include "ledger/merkle/compact_range.h"
#include "ledger/rules/genesis.h"
#include "ledger/store/store.h"

namespace kpledger::audit {

class Replayer {
 public:
  static constexpr size_t kMaxBatch = 1000;

  // A replayer whose scratch store lives in a new folder under
  // `parent_dir` (kpledger-replay-XXXXXX), removed with the replayer.
  // Unavailable if the folder cannot be made; the store's error if it
  // cannot be opened.
  static absl::StatusOr<std::unique_ptr<Replayer>> Create(
      const std::string& parent_dir);
  ~Replayer();

  // Remembers the root at `tree_size` when the replay passes it.
  // REQUIRES: called before that entry is added.
  void WatchSize(uint64_t tree_size) {
    roots_.emplace(tree_size, std::nullopt);
  }

  // Checks the next entry. REQUIRES: entries in order from index 0. On the
  // first difference, returns DataLoss (the node's bytes disagree with
  // themselves or the replay) or FailedPrecondition (the rules refuse an
  // entry on replay), and failed_entry() names the entry; every later call
  // returns the same error.
  absl::Status Add(const v1::LedgerEntry& entry);
  // Replays what is pending and compares the recomputed root with the
  // scratch store's.
  absl::Status Finish();

  uint64_t size() const { return range_.size(); }
  merkle::Hash root() const { return range_.Root(); }
  std::optional<merkle::Hash> RootAt(uint64_t tree_size) const;
  // The first failure of Add or Finish (OK if none) and its entry.
  const absl::Status& failed() const { return failed_; }
  uint64_t failed_entry() const { return failed_entry_; }
  // REQUIRES: entry 0 was added.
  const rules::VerifiedGenesis& genesis() const { return genesis_; }
  // The scratch store the entries were replayed into: what this replay's
  // rules made of them (the policy updates a checkpoint counts, say).
  const store::Store& store() const { return *store_; }

  // Checks `checkpoint`, as a node serves it, against this replay: at
  // least `threshold` (if none, CheckpointThreshold(its size)) of the node
  // keys in force at its size signed its
  // note (the error of checkpoint::VerifyCheckpoint otherwise), and its
  // root and count lines are the replay's at its size (DataLoss otherwise, and
  // past the replay). Returns the names of the node keys that signed it.
  // REQUIRES: entry 0 was added; WatchSize(the checkpoint's size) before
  // the replay passed that size (Internal otherwise).
  absl::StatusOr<std::vector<std::string>> CheckCheckpoint(
      const v1::Checkpoint& checkpoint,
      std::optional<uint32_t> threshold) const;

  // The signatures a checkpoint of `tree_size` of the replayed log needs
  // to be cosigned (rules::CheckpointThresholdAt).
  absl::StatusOr<uint32_t> CheckpointThreshold(uint64_t tree_size) const;

 private:
  struct Pending {
    uint64_t index;
    std::string leaf;
    std::string envelope;  // verbatim from the leaf
  };

  explicit Replayer(std::string dir);
  absl::Status Fail(uint64_t index, absl::Status status);
  absl::Status CheckEntry(const v1::LedgerEntry& entry, entry::LeafView* view);
  absl::Status AddGenesis(const v1::LedgerEntry& entry,
                          const entry::LeafView& view);
  absl::Status Flush();
  absl::Status CompareLeaf(uint64_t index, const std::string& leaf);

  std::string dir_;  // removed in the destructor, after the store closes
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<apply::Applier> applier_;
  rules::VerifiedGenesis genesis_;
  merkle::CompactRange range_;
  std::map<uint64_t, std::optional<merkle::Hash>> roots_;
  std::vector<Pending> pending_;
  entry::LedgerTime pending_time_;
  uint64_t position_ = 0;
  absl::Status failed_;
  uint64_t failed_entry_ = 0;
};

}  // namespace kpledger::audit

#endif  // KPLEDGER_LEDGER_AUDIT_REPLAY_H_
