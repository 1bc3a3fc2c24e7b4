#include "node/core/ledger_node.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/file.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/thread_name.h"
#include "ledger/entry/time.h"
#include "ledger/report/project.h"
#include "ledger/rules/genesis.h"
#include "node/sequencer/batch_codec.h"
#include "spdlog/spdlog.h"

namespace kpledger::node {
namespace {

// Batches waiting between Prepare and Stage: enough to keep the apply
// thread busy while the next batch's signatures are checked, no more.
constexpr size_t kMaxPreparedBatches = 2;
// Batches staged and waiting for (or in) their commit: one being written
// while the next waits keeps the commit thread busy; more would only hold
// more receipts back.
constexpr size_t kMaxStagedBatches = 2;
// Batch ends remembered for CosignedUpTo: checkpoints are cosigned within
// seconds, far fewer batches than this.
constexpr size_t kBatchEndsKept = 100000;

// The proposer's clock: each batch's proposed time.
entry::LedgerTime WallClock() { return entry::FromAbslTime(absl::Now()); }

}  // namespace

absl::StatusOr<std::unique_ptr<LedgerNode>> LedgerNode::Open(
    NodeOptions options, std::unique_ptr<Sequencer> sequencer,
    MetricsRegistry* metrics) {
  std::unique_ptr<LedgerNode> node(
      new LedgerNode(std::move(options), std::move(sequencer), metrics));
  KP_RETURN_IF_ERROR(node->Init());
  return node;
}

LedgerNode::LedgerNode(NodeOptions options,
                       std::unique_ptr<Sequencer> sequencer,
                       MetricsRegistry* registry)
    : options_(std::move(options)), sequencer_(std::move(sequencer)) {
  MetricsRegistry& r = *registry;
  metrics_.registry = registry;
  metrics_.submitted = r.GetCounter("kpledger_submissions_total",
                                    "Events submitted to this node.");
  metrics_.applied_batches = r.GetCounter(
      "kpledger_batches_applied_total", "Batches applied from the sequencer.");
  metrics_.batch_events =
      r.GetHistogram("kpledger_batch_events", "Events per proposed batch.",
                     DoublingBuckets(1, 13));
  metrics_.batch_bytes =
      r.GetHistogram("kpledger_batch_bytes", "Bytes per proposed batch.",
                     DoublingBuckets(1024, 11));
  metrics_.apply_seconds = r.GetHistogram(
      "kpledger_apply_seconds",
      "Time to apply one batch: from the start of its rules to the end "
      "of its store write.",
      DoublingBuckets(0.0005, 12));
  metrics_.round_seconds = r.GetHistogram(
      "kpledger_batch_round_seconds",
      "Time from proposing one of this node's batches to answering its "
      "submitters: ordering (the sequencer), delivery, rules and write.",
      DoublingBuckets(0.0005, 12));
  metrics_.accepted = r.GetCounter("kpledger_events_accepted_total",
                                   "Events the rules accepted into the log.");
  metrics_.tree_size =
      r.GetGauge("kpledger_tree_size", "Entries in the log (the tree size).");
  metrics_.pending =
      r.GetGauge("kpledger_pending_events",
                 "Events submitted to this node and not yet answered.");
  metrics_.diverged = r.GetGauge(
      "kpledger_diverged",
      "1 once this node's root differs from a checkpoint cosigned by the "
      "threshold of node keys: it applies and serves nothing more.");
}

LedgerNode::~LedgerNode() { Stop(); }

absl::Status LedgerNode::Init() {
  KP_ASSIGN_OR_RETURN(rules::VerifiedGenesis genesis,
                      rules::VerifyGenesisEnvelope(options_.genesis));
  KP_ASSIGN_OR_RETURN(store_,
                      store::Store::Open(options_.data_dir, options_.store));
  const std::string stored_hash = store_->genesis_hash();
  if (!stored_hash.empty() && stored_hash != genesis.hash) {
    return absl::FailedPreconditionError(absl::StrCat(
        "data dir ", options_.data_dir, " holds another ledger: its genesis ",
        "hash is ", stored_hash, ", the genesis given is ", genesis.hash,
        " (origin ", genesis.genesis.origin(),
        "); use the ledger's own genesis or another data dir"));
  }
  apply::ApplierOptions applier_options;
  applier_options.verify_threads = options_.verify_threads;
  KP_ASSIGN_OR_RETURN(applier_,
                      apply::Applier::Open(store_.get(), applier_options));
  if (stored_hash.empty()) {
    KP_RETURN_IF_ERROR(applier_->Bootstrap(options_.genesis));
    spdlog::info("new ledger {} (genesis {}) in {}", genesis.genesis.origin(),
                 genesis.hash, options_.data_dir);
  }
  if (options_.node_key.has_value()) {
    KP_ASSIGN_OR_RETURN(
        checkpointer_,
        Checkpointer::Create(store_.get(), applier_->genesis(),
                             *std::exchange(options_.node_key, std::nullopt),
                             options_.node_key_name));
    // A node alone orders its own batches, which nothing checks against the
    // node keys (the ordering service's are, where they are applied), and
    // has no peer to learn a later registration from.
    if (const std::string standing = checkpointer_->KeyStanding();
        sequencer_->name() == "local" && standing != kKeyInForce) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the node key ", checkpointer_->name(), " is ", standing,
          ": a node that runs alone (--sequencer local) needs a node key of "
          "the ledger in force"));
    }
  } else {
    // A read-only mirror: it signs nothing.
    checkpointer_ =
        Checkpointer::CreateMirror(store_.get(), applier_->genesis());
  }
  BatcherHooks hooks;
  hooks.batch_closed = [this](size_t events, size_t bytes) {
    metrics_.batch_events->Observe(static_cast<double>(events));
    metrics_.batch_bytes->Observe(static_cast<double>(bytes));
  };
  hooks.batch_answered = [this](absl::Duration round) {
    metrics_.round_seconds->Observe(absl::ToDoubleSeconds(round));
  };
  batcher_ = std::make_unique<Batcher>(options_.batcher, checkpointer_->name(),
                                       sequencer_.get(), WallClock, hooks);
  absl::MutexLock lock(&mu_);
  size_ = store_->size();
  applied_position_ = applier_->applied_position();
  batch_ends_.push_back({size_, applied_position_, applier_->ledger_time()});
  metrics_.tree_size->Set(static_cast<double>(size_));
  return absl::OkStatus();
}

std::string LedgerNode::diverged_file() const {
  return absl::StrCat(options_.data_dir, "/DIVERGED");
}

void LedgerNode::SetPeers(std::vector<std::unique_ptr<Cosigner>> peers) {
  CheckpointerHooks hooks;
  hooks.cosigned = [this](uint64_t tree_size) { CosignedUpTo(tree_size); };
  hooks.diverged = [this](const std::string& why) {
    // Kept beside the store, so a restart does not serve this history as
    // valid again: only a new data dir (a bootstrap) or a backup clears it.
    if (absl::Status recorded =
            base::WriteNewFile(diverged_file(), absl::StrCat(why, "\n"), 0644);
        !recorded.ok() && !absl::IsAlreadyExists(recorded)) {
      spdlog::error(
          "cannot record the divergence: {}; a restart would not know of it",
          recorded.ToString());
    }
    metrics_.diverged->Set(1);
    {
      absl::MutexLock lock(&mu_);
      diverged_ = true;
      failed_flag_ = true;
    }
    // Nothing more is applied here: answer every waiting event now.
    batcher_->Abandon(absl::UnavailableError(absl::StrCat(
        "this node diverged from its cluster (", why,
        ") before the event was applied; it may or may not be in the log: "
        "submit it again to another node (a duplicate is answered with the "
        "original receipt)")));
  };
  checkpointer_->SetPeers(std::move(peers), std::move(hooks));
  absl::StatusOr<std::string> earlier = base::ReadFile(diverged_file());
  if (absl::IsNotFound(earlier.status())) return;
  // A record that cannot be read still says the node diverged.
  checkpointer_->Diverge(absl::StrCat(
      "on an earlier run: ",
      earlier.ok() ? absl::StripAsciiWhitespace(*earlier)
                   : earlier.status().message(),
      " (", diverged_file(), "; docs/operations.md says how to recover)"));
}

const LedgerNode::BatchEnd* LedgerNode::LastBatchEndUpTo(
    uint64_t tree_size) const {
  // Sizes only grow along the deque: the first end past `tree_size`, less
  // one.
  auto past = std::upper_bound(
      batch_ends_.begin(), batch_ends_.end(), tree_size,
      [](uint64_t size, const BatchEnd& end) { return size < end.size; });
  return past == batch_ends_.begin() ? nullptr : &*std::prev(past);
}

std::optional<LedgerNode::BatchEnd> LedgerNode::BatchEndAt(
    uint64_t tree_size) const {
  absl::MutexLock lock(&mu_);
  const BatchEnd* end = LastBatchEndUpTo(tree_size);
  if (end == nullptr || end->size != tree_size) return std::nullopt;
  return *end;
}

void LedgerNode::CosignedUpTo(uint64_t tree_size) {
  uint64_t position = 0;
  {
    absl::MutexLock lock(&mu_);
    if (const BatchEnd* end = LastBatchEndUpTo(tree_size)) {
      position = end->position;
    }
  }
  if (position == 0) return;
  // Batches from etcd are applied without a sync of their own; etcd may
  // forget them once this node reports them cosigned, so sync them first.
  if (absl::Status synced = store_->Sync(); !synced.ok()) {
    spdlog::error("cannot sync the store: {}", synced.ToString());
    return;
  }
  sequencer_->Cosigned(position);
}

absl::Status LedgerNode::Start() {
  sequencer_->SetNode(NodeView{
      store_.get(), checkpointer_.get(), &applier_->genesis(),
      applier_->genesis_hash(), checkpointer_->name(),
      [this] { return applied_position(); },
      [this](const std::vector<uint64_t>& nonces) {
        for (uint64_t nonce : nonces) {
          batcher_->Complete(
              nonce, absl::UnavailableError(
                         "this node will not apply the event's batch from etcd "
                         "(it copied that part of the log from a peer, or etcd "
                         "was replaced) and has no receipt of its own for it: "
                         "submit it again to learn its outcome (if it was "
                         "accepted: ALREADY_EXISTS, with its index)"));
        }
      }});
  apply_thread_ = std::thread([this] {
    base::NameThisThread("kp-apply");
    ApplyLoop();
  });
  commit_thread_ = std::thread([this] {
    base::NameThisThread("kp-commit");
    CommitLoop();
  });
  checkpointer_->Start(options_.checkpoint_interval);
  KP_RETURN_IF_ERROR(sequencer_->Start(
      applier_->applied_position(),
      [this](SequencedBatch batch) { return Deliver(std::move(batch)); }));
  spdlog::info("node {} serving ledger {}: {} entries, sequencer {}", name(),
               genesis().origin(), store_->size(), sequencer_->name());
  return absl::OkStatus();
}

void LedgerNode::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
  }
  // Answer what is in flight, then stop taking anything.
  if (batcher_ != nullptr) batcher_->Drain(absl::Seconds(5));
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (batcher_ != nullptr) batcher_->Stop();
  if (sequencer_ != nullptr) sequencer_->Stop();
  if (apply_thread_.joinable()) apply_thread_.join();
  // After the apply thread: the batches it staged are committed first.
  if (commit_thread_.joinable()) commit_thread_.join();
  if (checkpointer_ != nullptr) checkpointer_->Stop();
}

absl::Status LedgerNode::Submit(std::string envelope, ReceiptCallback done) {
  metrics_.submitted->Increment();
  if (failed_flag_.load(std::memory_order_relaxed)) return health();
  // The pending gauge is set once per applied batch, not here: Submit is
  // the hot path and pending() takes the batcher's lock again.
  return batcher_->Submit(std::move(envelope), std::move(done));
}

absl::Status LedgerNode::Deliver(SequencedBatch sequenced) {
  Prepared prepared;
  prepared.proposer = std::move(sequenced.batch.proposer);
  prepared.nonce = sequenced.batch.nonce;
  apply::OrderedBatch ordered{sequenced.position, sequenced.batch.proposed_time,
                              std::move(sequenced.batch.envelopes),
                              sequenced.from_peer, sequenced.sync};
  // Only the ordering service's batches carry a key: the local
  // sequencer's are this node's own, a peer's entries were checked there.
  if (!sequenced.batch.proposer_key.empty()) {
    ordered.proposer = prepared.proposer;
    ordered.proposer_key = std::move(sequenced.batch.proposer_key);
  }
  prepared.batch = applier_->Prepare(std::move(ordered));
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](LedgerNode* n) ABSL_EXCLUSIVE_LOCKS_REQUIRED(n->mu_) {
        return n->stopping_ || n->apply_queue_.size() < kMaxPreparedBatches;
      },
      this));
  if (stopping_) return absl::UnavailableError("the node is stopping");
  apply_queue_.push_back(std::move(prepared));
  return absl::OkStatus();
}

void LedgerNode::ApplyLoop() {
  while (true) {
    Prepared next;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](LedgerNode* n) ABSL_EXCLUSIVE_LOCKS_REQUIRED(n->mu_) {
            return n->stopping_ || !n->apply_queue_.empty();
          },
          this));
      if (apply_queue_.empty()) break;  // stopping, nothing left
      if (diverged_) break;             // apply nothing more: see health()
      // A write failed: the store takes none after it (store.h).
      if (!failed_.ok()) break;
      next = std::move(apply_queue_.front());
      apply_queue_.pop_front();
    }
    const absl::Time start = absl::Now();
    const uint64_t position = next.batch.position;
    absl::StatusOr<apply::StagedApply> staged =
        applier_->Stage(std::move(next.batch));
    if (!staged.ok()) {
      FailBatch(next.proposer, next.nonce, staged.status());
      break;
    }
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](LedgerNode* n) ABSL_EXCLUSIVE_LOCKS_REQUIRED(n->mu_) {
          return n->commit_queue_.size() < kMaxStagedBatches;
        },
        this));
    commit_queue_.push_back(Staged{std::move(next.proposer), next.nonce,
                                   position, start, *std::move(staged)});
  }
  absl::MutexLock lock(&mu_);
  staging_done_ = true;
}

void LedgerNode::CommitLoop() {
  while (true) {
    std::optional<Staged> next;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](LedgerNode* n) ABSL_EXCLUSIVE_LOCKS_REQUIRED(n->mu_) {
            return n->staging_done_ || !n->commit_queue_.empty();
          },
          this));
      if (commit_queue_.empty()) return;  // and nothing more comes
      next.emplace(std::move(commit_queue_.front()));
      commit_queue_.pop_front();
    }
    // Every staged batch goes through Commit, in order, also after a
    // failed one (whose store refuses it): its submitters learn why.
    absl::StatusOr<apply::BatchResult> result =
        applier_->Commit(std::move(next->batch));
    if (!result.ok()) {
      FailBatch(next->proposer, next->nonce, result.status());
      continue;
    }
    if (!result->batch_refused.ok()) {
      // Refused alike by every node, as a batch that does not decode is.
      spdlog::error("refused the batch at position {} (proposer {}): {}",
                    next->position, next->proposer,
                    result->batch_refused.ToString());
      metrics_.registry
          ->GetCounter(
              "kpledger_etcd_batches_refused_total", kBatchesRefusedHelp,
              {{"reason",
                absl::StatusCodeToString(result->batch_refused.code())}})
          ->Increment();
    }
    metrics_.apply_seconds->Observe(
        absl::ToDoubleSeconds(absl::Now() - next->start));
    metrics_.applied_batches->Increment();
    CountReceipts(result->receipts);
    {
      absl::MutexLock lock(&mu_);
      size_ = result->head.size;
      applied_position_ = std::max(applied_position_, next->position);
      batch_ends_.push_back({size_, applied_position_, result->ledger_time});
      if (batch_ends_.size() > kBatchEndsKept) batch_ends_.pop_front();
    }
    metrics_.tree_size->Set(static_cast<double>(result->head.size));
    if (next->proposer == name() && !result->already_applied) {
      batcher_->Complete(next->nonce, std::move(result->receipts));
    }
    metrics_.pending->Set(static_cast<double>(batcher_->pending()));
  }
}

void LedgerNode::FailBatch(const std::string& proposer, uint64_t nonce,
                           const absl::Status& status) {
  // The store refuses every later write (store.h): stop, loudly. No event
  // of the batch was acknowledged; a restart resumes after the last
  // durable batch. The node is marked failed before anyone is answered, so
  // a submitter told UNAVAILABLE finds health() saying why.
  spdlog::critical("cannot apply batch {}: {}; the node stops applying", nonce,
                   status.ToString());
  Fail(status);
  if (proposer == name()) {
    // A write whose sync failed may still reach the disk: say "may".
    batcher_->Complete(
        nonce, absl::UnavailableError(absl::StrCat(
                   "the node could not write the batch (", status.message(),
                   "); it may or may not be in the log: submit it again to a "
                   "working node (a duplicate is answered with the original "
                   "receipt)")));
  }
  // Nothing after it will be applied here: answer every waiting event now
  // rather than when the node is stopped.
  batcher_->Abandon(absl::UnavailableError(absl::StrCat(
      "the node stopped applying (", status.message(),
      ") before the event was applied; it may or may not be in the log: "
      "submit it again to a working node (a duplicate is answered with the "
      "original receipt)")));
}

void LedgerNode::CountReceipts(const std::vector<v1::Receipt>& receipts) {
  for (const v1::Receipt& r : receipts) {
    if (r.outcome() == v1::Receipt::ACCEPTED) {
      metrics_.accepted->Increment();
    } else {
      metrics_.registry
          ->GetCounter("kpledger_events_refused_total",
                       "Events refused, by gRPC status code.",
                       {{"code", absl::StatusCodeToString(
                                     static_cast<absl::StatusCode>(r.code()))}})
          ->Increment();
    }
  }
}

void LedgerNode::Fail(const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  if (failed_.ok()) failed_ = status;  // the first: the later follow from it
  failed_flag_ = true;
}

absl::Status LedgerNode::health() const {
  absl::MutexLock lock(&mu_);
  if (!failed_.ok()) {
    return absl::UnavailableError(
        absl::StrCat("the node stopped applying: ", failed_.message()));
  }
  if (stopping_) return absl::UnavailableError("the node is stopping");
  if (diverged_) return checkpointer_->diverged();
  return sequencer_->health();
}

absl::Status LedgerNode::write_failure() const {
  absl::MutexLock lock(&mu_);
  return failed_;
}

uint64_t LedgerNode::applied_position() const {
  absl::MutexLock lock(&mu_);
  return applied_position_;
}

uint64_t LedgerNode::WaitForEntries(uint64_t size, absl::Time deadline) const {
  absl::MutexLock lock(&mu_);
  struct Args {
    const LedgerNode* node;
    uint64_t size;
  } args{this, size};
  mu_.AwaitWithDeadline(absl::Condition(
                            +[](Args* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                              return a->node->stopping_ ||
                                     a->node->size_ > a->size;
                            },
                            &args),
                        deadline);
  return size_;
}

absl::Status LedgerNode::CheckNotDiverged() const {
  const absl::Status diverged = checkpointer_->diverged();
  if (diverged.ok()) return diverged;
  return absl::FailedPreconditionError(absl::StrCat(
      diverged.message(),
      "; nor does it answer from its state, which is not its cluster's "
      "ledger: ask another agency's node"));
}

absl::Status LedgerNode::WithReports(
    absl::FunctionRef<void(const report::ReportBuilder&)> fn) {
  KP_RETURN_IF_ERROR(CheckNotDiverged());
  absl::MutexLock lock(&reports_mu_);
  if (reports_ == nullptr) {
    KP_ASSIGN_OR_RETURN(report::ReportBuilder built,
                        report::ProjectStore(*store_));
    reports_ = std::make_unique<report::ReportBuilder>(std::move(built));
  } else {
    KP_RETURN_IF_ERROR(report::CatchUp(*store_, reports_.get()));
  }
  fn(*reports_);
  return absl::OkStatus();
}

}  // namespace kpledger::node
