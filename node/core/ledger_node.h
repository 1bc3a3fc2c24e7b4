// A kpledger node: the store, the applier, the batcher in front of a
// sequencer, and the checkpointer, wired into the pipeline of DESIGN §2:
//
//   Submit -> Batcher -> Sequencer.Propose ... Sequencer delivers in order
//          -> Prepare (decode, verify signatures; runs ahead, in the
//             sequencer's thread) -> Stage (the rules; the apply thread)
//          -> Commit (one synced write; the commit thread, while the apply
//             thread stages the next batch) -> receipts to the submitters.
//
// A receipt is given only after the write of its batch returned, so every
// acknowledged event survives a crash. The services (node/service/) read
// the store directly; the node adds what they cannot read there: waiting
// for new entries, checkpoints and the report projection.
//
// Thread-safe.
#ifndef KPLEDGER_NODE_CORE_LEDGER_NODE_H_
#define KPLEDGER_NODE_CORE_LEDGER_NODE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kpledger/v1/envelope.pb.h"
#include "ledger/apply/applier.h"
#include "ledger/crypto/ed25519.h"
#include "ledger/report/report_builder.h"
#include "ledger/store/store.h"
#include "node/batcher/batcher.h"
#include "node/checkpoint/checkpointer.h"
#include "node/http/metrics.h"
#include "node/sequencer/sequencer.h"

namespace kpledger::node {

struct NodeOptions {
  std::string data_dir;
  v1::Envelope genesis;  // the ledger's genesis envelope
  // The node key (Checkpointer::Create says how it is named). None: a read-only
  // mirror, which signs nothing (its sequencer is a MirrorSequencer).
  std::optional<crypto::PrivateKey> node_key;
  // The name in the node key's file: the node's name if the ledger does
  // not name its key yet (Checkpointer::Create).
  std::string node_key_name;
  BatcherOptions batcher;
  int verify_threads = 0;  // 0: one per core
  absl::Duration checkpoint_interval = absl::Seconds(1);
  store::StoreOptions store;
};

class LedgerNode {
 public:
  // Opens (or creates) the store in options.data_dir and writes the
  // genesis into an empty one. FailedPrecondition when the data dir holds
  // another ledger (its genesis hash differs) or the node key's file names
  // a node key of the ledger that is another key (Checkpointer::Create);
  // the store's errors otherwise (Unavailable:
  // the data dir is locked by another kpnode).
  static absl::StatusOr<std::unique_ptr<LedgerNode>> Open(
      NodeOptions options, std::unique_ptr<Sequencer> sequencer,
      MetricsRegistry* metrics);
  ~LedgerNode();  // Stop()

  // Before Start: the other nodes of the cluster, asked to cosign this
  // node's checkpoints. A node that diverged records why in DIVERGED in its
  // data dir; if that file is there, the node starts diverged (it applies
  // nothing, takes no submissions and serves no checkpoint).
  void SetPeers(std::vector<std::unique_ptr<Cosigner>> peers);

  // Starts the sequencer, the apply thread and the checkpointer.
  absl::Status Start();
  // Stops taking submissions, answers the waiting ones Unavailable, and
  // stops the threads. The store stays open for reads until destruction.
  void Stop();

  // Queues one serialized envelope; `done` gets its receipt once its batch
  // is durable. ResourceExhausted when too many events wait.
  absl::Status Submit(std::string envelope, ReceiptCallback done);

  const store::Store& store() const { return *store_; }
  const v1::Genesis& genesis() const { return applier_->genesis(); }
  const std::string& genesis_hash() const { return applier_->genesis_hash(); }
  const std::string& name() const { return checkpointer_->name(); }
  const std::string sequencer_name() const { return sequencer_->name(); }
  uint64_t applied_position() const;
  // The sequencer's words for it (etcd's name the epoch).
  std::string applied_position_text() const {
    return sequencer_->DescribePosition(applied_position());
  }
  uint64_t etcd_epoch() const {
    return sequencer_->etcd_epoch(applied_position());
  }
  Checkpointer& checkpointer() { return *checkpointer_; }

  // Where the log stood after the last batch that left it at `tree_size`
  // entries, if that batch is recent (the last 100,000 batches): what a
  // peer bootstrapping from this node resumes from.
  struct BatchEnd {
    uint64_t size = 0;
    uint64_t position = 0;
    entry::LedgerTime ledger_time;
  };
  std::optional<BatchEnd> BatchEndAt(uint64_t tree_size) const;

  // Blocks until the log holds more than `size` entries, the deadline
  // passes or the node stops; returns the log's size.
  uint64_t WaitForEntries(uint64_t size, absl::Time deadline) const;

  // Runs `fn` on the report projection, brought up to the log's size.
  absl::Status WithReports(
      absl::FunctionRef<void(const report::ReportBuilder&)> fn);

  // OK unless this node diverged: then FailedPrecondition saying so, for
  // the reads that answer from its state (parcels, certificates, actors,
  // the policy, proofs, reports), which is not its cluster's ledger. Its
  // log entries are still served, so an operator can compare them.
  absl::Status CheckNotDiverged() const;

  // OK while the node applies batches; the reason once it stopped: a batch
  // could not be applied (a store write failed), its root differs from a
  // cosigned checkpoint (diverged), or the sequencer cannot deliver.
  absl::Status health() const;
  // The store write that failed and stopped the node; OK if none. Unlike
  // the other reasons of health(), the process cannot go on serving.
  absl::Status write_failure() const;

 private:
  struct Metrics {
    Counter* submitted;
    Counter* applied_batches;
    Counter* accepted;
    Histogram* batch_events;
    Histogram* batch_bytes;
    Histogram* apply_seconds;
    Histogram* round_seconds;
    Gauge* tree_size;
    Gauge* pending;
    Gauge* diverged;
    MetricsRegistry* registry;
  };
  struct Prepared {
    std::string proposer;
    uint64_t nonce = 0;
    apply::PreparedBatch batch;
  };
  struct Staged {
    std::string proposer;
    uint64_t nonce = 0;
    uint64_t position = 0;
    absl::Time start;  // when its Stage began
    apply::StagedApply batch;
  };

  LedgerNode(NodeOptions options, std::unique_ptr<Sequencer> sequencer,
             MetricsRegistry* metrics);
  absl::Status Init();
  // The sequencer's Deliver: prepares the batch and queues it for ApplyLoop.
  absl::Status Deliver(SequencedBatch batch);
  // Stages the prepared batches in order and queues them for CommitLoop.
  void ApplyLoop();
  // Commits the staged batches in order and answers their submitters.
  void CommitLoop();
  // A batch could not be staged or committed: its submitters get why.
  void FailBatch(const std::string& proposer, uint64_t nonce,
                 const absl::Status& status);
  void CountReceipts(const std::vector<v1::Receipt>& receipts);
  void Fail(const absl::Status& status);
  // A cosigned checkpoint covers `tree_size` entries: tells the sequencer
  // the position of the last batch it covers.
  void CosignedUpTo(uint64_t tree_size);
  // Where a divergence is recorded across restarts.
  std::string diverged_file() const;
  // The last of batch_ends_ at or below `tree_size` entries; null if none.
  const BatchEnd* LastBatchEndUpTo(uint64_t tree_size) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  NodeOptions options_;
  std::unique_ptr<Sequencer> sequencer_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<apply::Applier> applier_;
  std::unique_ptr<Checkpointer> checkpointer_;
  std::unique_ptr<Batcher> batcher_;
  Metrics metrics_;
  std::thread apply_thread_;
  std::thread commit_thread_;
  std::atomic<bool> failed_flag_{false};  // failed_ is set; read by Submit

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status failed_ ABSL_GUARDED_BY(mu_);  // the first store write failed
  bool diverged_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<Prepared> apply_queue_ ABSL_GUARDED_BY(mu_);
  std::deque<Staged> commit_queue_ ABSL_GUARDED_BY(mu_);
  bool staging_done_ ABSL_GUARDED_BY(mu_) = false;  // ApplyLoop returned
  uint64_t size_ ABSL_GUARDED_BY(mu_) = 0;  // what WaitForEntries watches
  uint64_t applied_position_ ABSL_GUARDED_BY(mu_) = 0;
  // After each recent batch, oldest first: which position a cosigned
  // checkpoint covers, and where a bootstrapping peer resumes.
  std::deque<BatchEnd> batch_ends_ ABSL_GUARDED_BY(mu_);

  absl::Mutex reports_mu_;
  std::unique_ptr<report::ReportBuilder> reports_ ABSL_GUARDED_BY(reports_mu_);
};

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_CORE_LEDGER_NODE_H_
