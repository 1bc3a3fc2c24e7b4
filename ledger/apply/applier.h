// The applier: takes the batches a sequencer ordered and applies them to
// the store, the same way on every node (DESIGN §2, step 4).
//
// For each batch:
//   1. Prepare (parallel, on all cores): decode every envelope and check
//      its signatures. This depends on nothing but the envelopes and the
//      signers' keys, so it may run ahead, for the next batches, while
//      earlier ones are validated and written.
//   2. Apply (sequential, in order): the ledger time is
//      max(previous ledger time, proposed time); each event is answered
//      with a receipt: a resubmitted event with its original outcome
//      (ALREADY_EXISTS), else what the custody rules (ledger/rules/
//      validate.h) decide against the state the events before it left.
//   3. The accepted events, the state they changed and the sequencer
//      position are written in one atomic, synced store batch. A refused
//      event writes nothing.
// Steps 2 and 3 are Stage and Commit, so that a node can write batch N
// while the rules run over batch N+1 (the sync is off the sequential
// path): Stage decides the receipts against the state the store and the
// batches staged before leave, and builds the write; Commit makes it.
// Receipts may be given only after Commit. Apply is both, one batch at a
// time.
// Apply depends only on the store's state, the batch and the genesis: no
// wall clock, randomness or unordered iteration, so replaying the same
// batches from genesis gives the same root at every size.
//
// Exactly once: a batch at or below the stored sequencer position was
// applied before (the process restarted and the sequencer replays from an
// older position); it is skipped.
//
// Thread safety: Prepare may be called from any thread. Stage (and Apply,
// Bootstrap) one at a time; Commit one at a time, in the order the batches
// were staged, and may run beside the next Stage.
#ifndef KPLEDGER_LEDGER_APPLY_APPLIER_H_
#define KPLEDGER_LEDGER_APPLY_APPLIER_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "kpledger/v1/envelope.pb.h"
#include "kpledger/v1/genesis.pb.h"
#include "kpledger/v1/ledger.pb.h"
#include "ledger/apply/store_state.h"
#include "ledger/base/worker_pool.h"
#include "ledger/entry/leaf.h"
#include "ledger/rules/signed_event.h"
#include "ledger/store/store.h"

namespace kpledger::apply {

// A batch in the order the sequencer gave it.
struct OrderedBatch {
  // The sequencer position: > 0 and increasing (the local sequencer's batch
  // number, etcd's revision). Stored with the batch.
  uint64_t position = 0;
  entry::LedgerTime proposed_time;     // the proposer's clock
  std::vector<std::string> envelopes;  // serialized Envelopes, verbatim
  // Entries copied from a peer's log (bootstrap, mirrors), which came in
  // several batches there: the batch may carry the position applied last
  // (or 0 on a new ledger), which it then keeps instead of being skipped.
  bool from_peer = false;
  // False: written without a sync of its own (store::Batch::sync); only
  // for batches that can be had again after a crash: from a peer whose
  // last batch is synced, or from etcd.
  bool sync = true;
  // The node that proposed the batch and the key it signed it with (the
  // ordering service's batches; empty for the local sequencer's and for
  // entries copied from a peer). If set, the batch is applied only if the
  // key is the node key of that name in force where the batch lands
  // (rules/node_set.h); otherwise every event of it is refused.
  std::string proposer;
  std::string proposer_key;
};

// A batch with its envelopes decoded and signatures checked.
struct PreparedBatch {
  uint64_t position = 0;
  bool from_peer = false;
  bool sync = true;
  std::string proposer;
  std::string proposer_key;
  entry::LedgerTime proposed_time;
  // One per envelope: the decoded event or why it cannot be decoded.
  std::vector<absl::StatusOr<rules::SignedEvent>> events;
};

struct BatchResult {
  // The batch was applied before this process started; nothing was done
  // and `receipts` is empty.
  bool already_applied = false;
  // Not OK if the batch as a whole was refused (its proposer, its time):
  // why. Every receipt then says so.
  absl::Status batch_refused;
  std::vector<v1::Receipt> receipts;  // one per envelope, in batch order
  store::TreeHead head;               // the tree after the batch
  entry::LedgerTime ledger_time;      // the batch's ledger time
};

// A batch Applier::Stage ran the rules over: its receipts decided and its
// store write built, not yet made. Move-only; pass it to Applier::Commit.
class StagedApply {
 public:
  StagedApply(StagedApply&&) = default;
  StagedApply& operator=(StagedApply&&) = default;

  // Decided, but not durable until Commit returns: give no receipt before.
  const BatchResult& result() const { return result_; }

 private:
  friend class Applier;
  StagedApply() = default;

  BatchResult result_;
  std::optional<store::StagedBatch> write_;  // none: already applied
  std::shared_ptr<const PendingBatch> pending_;
};

struct ApplierOptions {
  // Threads that check signatures; 0: one per core.
  int verify_threads = 0;
};

class Applier {
 public:
  // An applier over `store`, which must outlive it. An empty store needs
  // Bootstrap before the first batch; otherwise entry 0 must be a valid
  // genesis (DataLoss if not).
  static absl::StatusOr<std::unique_ptr<Applier>> Open(
      store::Store* store, const ApplierOptions& options = {});

  // Writes entry 0: the genesis envelope, checked (rules/genesis.h), with
  // its created_at as ledger time, and the state it starts (the policy).
  // FailedPrecondition if the store is not empty.
  absl::Status Bootstrap(const v1::Envelope& genesis);

  PreparedBatch Prepare(OrderedBatch batch) const;
  // FailedPrecondition before Bootstrap or for position 0; an I/O error of
  // the store fails the whole batch, which writes nothing.
  absl::StatusOr<StagedApply> Stage(PreparedBatch batch);
  // Writes a staged batch (synced unless the batch says not to). An error
  // leaves the store refusing every later write (store.h) and this applier
  // every later Stage and Commit with the same error, a batch staged as
  // already applied too: nothing of this batch or those staged after it is
  // written, and none may be answered.
  absl::StatusOr<BatchResult> Commit(StagedApply staged);
  // Stage, then Commit.
  absl::StatusOr<BatchResult> Apply(PreparedBatch batch);
  absl::StatusOr<BatchResult> Apply(OrderedBatch batch) {
    return Apply(Prepare(std::move(batch)));
  }

  // REQUIRES: bootstrapped.
  const v1::Genesis& genesis() const { return genesis_; }
  const std::string& genesis_hash() const { return genesis_hash_; }
  // As of the last batch staged: read them beside Stage, not Commit.
  uint64_t applied_position() const { return applied_position_; }
  entry::LedgerTime ledger_time() const { return ledger_time_; }

 private:
  Applier(store::Store* store, const ApplierOptions& options);
  absl::Status Load();
  // The public key of a key id: a governance key, or any actor's key
  // (cached; keys never change meaning, a key id is the key's hash).
  std::optional<crypto::PublicKey> LookupKey(absl::string_view key_id) const;
  absl::StatusOr<v1::Receipt> Duplicate(const std::string& event_id,
                                        uint64_t index) const;
  // Stage's last step: the store's Stage, and `batch` becomes pending.
  // OK if `batch`'s proposer may propose it at leaf `index`; otherwise the
  // refusal of every event of it. An error only if the state is unreadable.
  absl::StatusOr<absl::Status> CheckProposer(const StoreStateSource& stored,
                                             const PreparedBatch& batch,
                                             uint64_t index) const;
  absl::StatusOr<StagedApply> StageWrite(uint64_t position, store::Batch out,
                                         BatchResult result,
                                         std::shared_ptr<PendingBatch> batch);

  store::Store* store_;
  int verify_threads_;
  // Prepare's helpers (verify_threads_ - 1: the caller is the other).
  std::unique_ptr<base::WorkerPool> prepare_pool_;
  bool bootstrapped_ = false;
  v1::Genesis genesis_;
  std::string genesis_hash_;
  // Stage's state: as the batches staged so far leave the ledger.
  uint64_t applied_position_ = 0;
  entry::LedgerTime ledger_time_;

  // Batches staged and not yet committed, oldest first: the state the next
  // Stage reads through.
  absl::Mutex pending_mu_;
  std::deque<std::shared_ptr<const PendingBatch>> pending_
      ABSL_GUARDED_BY(pending_mu_);
  // The first failed Commit: every later Stage and Commit answers it, a
  // batch staged as already applied too (this applier's position may be
  // ahead of what the store holds).
  absl::Status failed_ ABSL_GUARDED_BY(pending_mu_);

  mutable absl::Mutex keys_mu_;
  mutable std::map<std::string, crypto::PublicKey, std::less<>> keys_
      ABSL_GUARDED_BY(keys_mu_);
};

}  // namespace kpledger::apply

#endif  // KPLEDGER_LEDGER_APPLY_APPLIER_H_
