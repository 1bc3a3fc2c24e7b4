#include "node/sequencer/etcd_sequencer.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "ledger/apply/checkpoint_body.h"
#include "ledger/base/thread_name.h"
#include "ledger/rules/node_set.h"
#include "node/checkpoint/checkpointer.h"
#include "node/sequencer/compaction.h"
#include "node/sequencer/own_batches.h"
#include "spdlog/spdlog.h"

namespace kpledger::node {
namespace {

constexpr absl::Duration kCallTimeout = absl::Seconds(3);
constexpr absl::Duration kWatchRetryDelay = absl::Milliseconds(200);

}  // namespace

std::string EtcdSequencer::DefaultPrefix(const std::string& genesis_hash) {
  return absl::StrCat("/kpledger/", genesis_hash, "/");
}

EtcdSequencer::EtcdSequencer(std::unique_ptr<EtcdClient> client,
                             BatchCodec codec, crypto::PrivateKey key,
                             EtcdSequencerOptions options,
                             std::vector<std::unique_ptr<PeerFollower>> peers,
                             MetricsRegistry* metrics)
    : client_(std::move(client)),
      codec_(std::move(codec)),
      key_(std::move(key)),
      options_(std::move(options)),
      peers_(std::move(peers)),
      metrics_(metrics) {
  proposed_ = metrics->GetCounter("kpledger_etcd_batches_proposed_total",
                                  "Batches this node put into etcd.");
  propose_failed_ = metrics->GetCounter(
      "kpledger_etcd_propose_failures_total",
      "Batches etcd did not take (no quorum, members down): their events "
      "were answered UNAVAILABLE.");
  watch_restarts_ = metrics->GetCounter(
      "kpledger_etcd_watch_restarts_total",
      "Times the watch on etcd broke and was resumed on the next member.");
  put_seconds_ = metrics->GetHistogram(
      "kpledger_etcd_put_seconds",
      "Time etcd took to take one of this node's batches: the put's round "
      "trip, a raft round synced by a majority of the members. Every "
      "receipt waits at least this long.",
      DoublingBuckets(0.0005, 12));
  db_bytes_ = metrics->GetGauge(
      "kpledger_etcd_db_bytes",
      "Size of etcd's database file, as a member says. Compaction frees "
      "space inside it for reuse; only etcdctl defrag shrinks it.");
  db_bytes_in_use_ = metrics->GetGauge(
      "kpledger_etcd_db_bytes_in_use",
      "Bytes of etcd's database in use, as a member says: what compaction "
      "keeps under 3/4 of --etcd-quota-bytes.");
  epoch_gauge_ = metrics->GetGauge(
      "kpledger_etcd_epoch",
      "The etcd epoch this node follows: 0 until etcd was lost and replaced "
      "and a new epoch started (kpnode --etcd-new-epoch).");
  compacted_revision_ =
      metrics->GetGauge("kpledger_etcd_compacted_revision",
                        "The revision this node last compacted etcd at. "
                        "Only the node furthest behind compacts, so the "
                        "highest value across the nodes in the same etcd "
                        "epoch is etcd's.");
}

EtcdSequencer::~EtcdSequencer() { Stop(); }

absl::Status EtcdSequencer::Start(uint64_t applied_position, Deliver deliver) {
  absl::MutexLock lock(&mu_);
  if (started_) return absl::FailedPreconditionError("sequencer started twice");
  started_ = true;
  deliver_ = std::move(deliver);
  watch_thread_ = std::thread([this, applied_position] {
    base::NameThisThread("kp-etcd-watch");
    WatchLoop(applied_position);
  });
  maintenance_thread_ = std::thread([this] {
    base::NameThisThread("kp-etcd-maint");
    MaintenanceLoop();
  });
  return absl::OkStatus();
}

bool EtcdSequencer::ReadyToPropose() const {
  return placed_ || stopping_ || !health_.ok();
}

absl::Status EtcdSequencer::Propose(ProposedBatch batch) {
  {
    absl::MutexLock lock(&mu_);
    // A batch's position needs etcd's epoch: at start, and while a new
    // epoch is read, wait a moment for it.
    mu_.AwaitWithTimeout(absl::Condition(this, &EtcdSequencer::ReadyToPropose),
                         options_.propose_timeout);
    if (!started_ || stopping_) {
      return absl::UnavailableError("the node is stopping");
    }
    if (!health_.ok()) return absl::UnavailableError(health_.message());
    if (!placed_) {
      return absl::UnavailableError(
          "this node has not read etcd's epoch yet (is etcd reachable?)");
    }
  }
  const std::string value = codec_.Encode(batch, key_);
  const absl::Time put_start = absl::Now();
  absl::StatusOr<int64_t> revision =
      client_->Put(absl::StrCat(options_.prefix, "batch/", node_.node_name),
                   value, options_.propose_timeout);
  // etcd's own refusal, or its gRPC server's for a message far over it.
  const bool too_large =
      (absl::IsInvalidArgument(revision.status()) &&
       absl::StrContains(revision.status().message(), "too large")) ||
      (absl::IsResourceExhausted(revision.status()) &&
       absl::StrContains(revision.status().message(), "larger than max"));
  if (too_large) {
    // etcd refused it outright (it is not ordered), and would refuse a
    // batch this large again: a setting to change, not a moment to wait.
    propose_failed_->Increment();
    const std::string why = absl::StrCat(
        "etcd refused a batch of ", value.size(), " bytes (",
        batch.envelopes.size(),
        " events) as too large: etcd's --max-request-bytes is below this "
        "node's batches; raise it (the example config has 1572864; at most "
        "16 MiB, what this node takes in one message) or lower this node's "
        "--batch-max-bytes (",
        revision.status().message(), ")");
    spdlog::error("{}", why);
    return absl::FailedPreconditionError(why);
  }
  if (!revision.ok()) {
    propose_failed_->Increment();
    spdlog::warn("etcd did not confirm batch {} ({} events): {}", batch.nonce,
                 batch.envelopes.size(), revision.status().ToString());
    // The put may still have happened: a resubmission is then answered
    // with the event's original receipt (ALREADY_EXISTS).
    return absl::UnavailableError(absl::StrCat(
        "the ordering service (etcd) did not confirm the batch (it may "
        "still be ordered: submit again to learn the outcome): ",
        revision.status().message()));
  }
  put_seconds_->Observe(absl::ToDoubleSeconds(absl::Now() - put_start));
  proposed_->Increment();
  {
    absl::MutexLock lock(&mu_);
    own_.Taken(batch.nonce,
               EtcdPosition(epoch_.number, static_cast<uint64_t>(*revision)));
  }
  return absl::OkStatus();
}

void EtcdSequencer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (watch_context_ != nullptr) watch_context_->TryCancel();
  }
  if (watch_thread_.joinable()) watch_thread_.join();
  if (maintenance_thread_.joinable()) maintenance_thread_.join();
}

void EtcdSequencer::Cosigned(uint64_t position) {
  absl::MutexLock lock(&mu_);
  cosigned_ = std::max(cosigned_, position);
}

absl::Status EtcdSequencer::health() const {
  absl::MutexLock lock(&mu_);
  return health_;
}

std::string EtcdSequencer::DescribePosition(uint64_t position) const {
  if (EpochOf(position) == 0) return absl::StrCat(position);
  return absl::StrCat(RevisionOf(position), " in etcd epoch ",
                      EpochOf(position));
}

bool EtcdSequencer::Sleep(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stopping_), d);
  return !stopping_;
}

bool EtcdSequencer::AwaitHandedApplied() {
  // Not up to *last: a refused put moves it past the last batch handed.
  const uint64_t handed = [this] {
    absl::MutexLock lock(&mu_);
    return handed_;
  }();
  while (node_.applied_position() < handed) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return false;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

bool EtcdSequencer::Bootstrap(uint64_t* last) {
  auto stopping = [this] {
    absl::MutexLock lock(&mu_);
    return stopping_;
  };
  // Batches delivered before are applied first: the copy continues the
  // node's log as it is on disk.
  if (!AwaitHandedApplied()) return false;
  for (const std::unique_ptr<PeerFollower>& peer : peers_) {
    absl::StatusOr<PeerFollower::Caught> caught = peer->Round(
        node_, deliver_, *last, /*index_positions=*/false, stopping);
    if (!caught.ok()) {
      spdlog::warn("bootstrap from {}: {}", peer->address(),
                   caught.status().ToString());
      if (IsSyncRefusal(caught.status(), node_)) {
        SyncRefusedCounter(metrics_)->Increment();
      }
      if (!node_.checkpointer->diverged().ok()) return false;
      continue;
    }
    if (caught->entries == 0) continue;  // nothing newer there
    spdlog::info("bootstrapped {} entries from {}, up to its {}",
                 caught->entries, peer->address(),
                 DescribeEtcdPosition(caught->position));
    *last = caught->position;
    std::vector<uint64_t> skipped;
    {
      absl::MutexLock lock(&mu_);
      skipped = own_.SkippedUpTo(caught->position);
    }
    if (!skipped.empty() && node_.lost_proposals) {
      spdlog::info(
          "the copy went past {} of this node's own batches: their events "
          "are answered UNAVAILABLE (resubmitting gives their outcome)",
          skipped.size());
      node_.lost_proposals(skipped);
    }
    return true;
  }
  return false;
}

bool EtcdSequencer::FinishCopy(uint64_t* last) {
  const std::string why = absl::StrCat(
      "this node's log has ", node_.store->size(),
      " entries copied from a peer but not the etcd revision they end at "
      "(the copy was cut short); it takes no batches from etcd until a "
      "peer finishes the copy",
      peers_.empty() ? ", and it has no peers: list them in --peers" : "");
  spdlog::error("{}", why);
  {
    absl::MutexLock lock(&mu_);
    health_ = absl::FailedPreconditionError(why);
  }
  {
    absl::MutexLock lock(&mu_);
    waiting_ = true;  // until PlaceInEtcd places the node
  }
  while (!Bootstrap(last)) {
    if (!node_.checkpointer->diverged().ok() || !Sleep(absl::Seconds(2))) {
      return false;
    }
  }
  return true;
}

bool EtcdSequencer::JoinFromPeers(uint64_t* last) {
  const absl::Time since = absl::Now();
  while (true) {
    if (Bootstrap(last)) return true;
    if (!node_.checkpointer->diverged().ok()) return false;
    // Nothing copied: the peers are new too (a new ledger: follow etcd from
    // its start), not yet cosigned, lied, or did not answer. An etcd that
    // holds batches holds the ledger's order (replayed from its start; a
    // compacted start sends the node back to its peers); one that holds
    // none while a peer holds entries is a new etcd no epoch started yet.
    const auto [reached, most] = AskPeers();
    if (reached && most <= node_.store->size()) return true;
    absl::StatusOr<etcdserverpb::RangeResponse> batches = BatchKeys(0);
    if (reached && batches.ok() && batches->kvs_size() > 0) return true;
    // The peers of a cluster that starts together come up within moments:
    // meanwhile proposals wait (Propose), then are told why.
    const absl::Duration waited = absl::Now() - since;
    if (waited > absl::Seconds(2)) {
      SetWaiting(
          reached
              ? absl::StrCat("this node's log is new and a peer holds ", most,
                             " entries: it copies them, once a checkpoint of "
                             "them is cosigned, before it follows etcd")
              : "this node's log is new and no peer answered: it copies the "
                "ledger from a peer (or finds every peer new too) before it "
                "follows etcd");
    }
    if (!Sleep(waited > absl::Seconds(5) ? absl::Seconds(2)
                                         : absl::Milliseconds(200))) {
      return false;
    }
  }
}

void EtcdSequencer::SetWaiting(const std::string& why) {
  absl::MutexLock lock(&mu_);
  if (!waiting_ || health_.message() != why) spdlog::critical("{}", why);
  health_ = absl::FailedPreconditionError(why);
  waiting_ = true;
}

void EtcdSequencer::ClearWaiting() {
  absl::MutexLock lock(&mu_);
  if (!waiting_) return;
  health_ = absl::OkStatus();
  waiting_ = false;
}

EtcdSequencer::Next EtcdSequencer::PlaceInEtcd(uint64_t* last) {
  {
    // The watch ended: etcd may have been replaced meanwhile, so nothing is
    // put into it until the node is placed again.
    absl::MutexLock lock(&mu_);
    placed_ = false;
  }
  if (!AwaitHandedApplied()) return Next::kWait;
  // A linearizable read: its revision is the cluster's, not that of a
  // member still catching up after a restart.
  etcdserverpb::RangeRequest read_epoch;
  read_epoch.set_key(absl::StrCat(options_.prefix, "epoch"));
  absl::StatusOr<etcdserverpb::RangeResponse> read =
      client_->Range(read_epoch, kCallTimeout);
  // Unreachable: positions cannot be known without the epoch; try again.
  if (!read.ok()) return Next::kRetrySoon;
  const uint64_t etcd_revision =
      static_cast<uint64_t>(read->header().revision());
  if (etcd_revision > kMaxEpochRevision) {
    SetWaiting(absl::StrCat(
        "etcd's revision ", etcd_revision, " is past ", kMaxEpochRevision,
        ", the last an epoch can hold: this node takes no batches from it; "
        "move the ledger to a new etcd cluster (docs/operations.md, Backup "
        "and restore)"));
    return Next::kWait;
  }
  EtcdEpoch epoch;  // none: epoch 0
  if (read->kvs_size() > 0) {
    const uint64_t record_revision =
        static_cast<uint64_t>(read->kvs(0).mod_revision());
    absl::StatusOr<EtcdEpoch> parsed =
        ParseEtcdEpoch(read->kvs(0).value(), record_revision);
    if (!parsed.ok()) {
      // Every node reads the same record: none takes batches past it.
      SetWaiting(absl::StrCat(parsed.status().message(),
                              "; this node takes no batches from etcd until "
                              "a node started with --etcd-new-epoch "
                              "replaces it"));
      return options_.start_new_epoch ? ReplaceMalformed(*last, record_revision)
                                      : Next::kWait;
    }
    epoch = *std::move(parsed);
  }
  EtcdEpoch followed;
  {
    absl::MutexLock lock(&mu_);
    followed = epoch_;
  }
  if (epoch.number > 0 && EpochOf(*last) == epoch.number &&
      followed.number == epoch.number &&
      followed.start_revision != epoch.start_revision) {
    // The epoch this node entered was replaced by one of the same number.
    if (EpochOf(node_.applied_position()) == epoch.number) {
      SetWaiting(absl::StrCat(
          "etcd epoch ", epoch.number,
          " was replaced by another of the same number after this node "
          "applied batches of it; this node takes no batches from etcd "
          "(docs/operations.md, Backup and restore)"));
      return Next::kWait;
    }
    *last = node_.applied_position();  // it applied none: place it afresh
  }
  const store::TreeHead head = node_.store->head();
  const EpochPlace place = PlaceInEpoch(
      *last, head.size, crypto::DigestBytes(head.root), epoch, etcd_revision);
  switch (place.standing) {
    case EpochStanding::kFollow: {
      // An epoch this node is in starts on its log (a record of the same
      // number from elsewhere does not).
      if (epoch.number > 0 && !LogStartsEpoch(epoch, head.size)) {
        SetWaiting(absl::StrCat(
            "etcd's epoch ", epoch.number,
            " does not start on this node's log, yet this node applied "
            "batches of an epoch with that number: it takes no batches "
            "from etcd (docs/operations.md, Backup and restore)"));
        return Next::kWait;
      }
      // Its revision passed this node's: is it the history this node
      // applied, or a new etcd that merely counted that far?
      absl::StatusOr<bool> holds = EtcdHoldsApplied(epoch);
      if (!holds.ok()) return Next::kRetrySoon;
      if (*holds) break;
      SetWaiting(absl::StrCat(
          "etcd does not hold the batch this node applied at ",
          DescribeEtcdPosition(node_.applied_position()),
          ": etcd was replaced or restored from a snapshot; this node takes "
          "no batches from it until you ",
          kStartEpochAdvice));
      return WaitOrStartEpoch(*last, epoch);
    }
    case EpochStanding::kEnter: {
      spdlog::warn(
          "entering etcd epoch {} at this node's {} entries: watching etcd "
          "from revision {}",
          epoch.number, epoch.tree_size, epoch.start_revision + 1);
      *last = epoch.start_position();
      std::vector<uint64_t> lost;
      {
        absl::MutexLock lock(&mu_);
        lost = own_.SkippedUpTo(*last);
      }
      // Put into etcd before the epoch started: no node applies them.
      if (!lost.empty() && node_.lost_proposals) node_.lost_proposals(lost);
      break;
    }
    case EpochStanding::kCatchUp:
      SetWaiting(place.why);
      // From what the node applied: not from the start of an epoch it
      // entered before this one began, which no peer's copy can pass.
      *last = std::min(*last, node_.applied_position());
      return Bootstrap(last) ? Next::kRetrySoon : Next::kWait;
    case EpochStanding::kPast: {
      SetWaiting(place.why);
      // A log that extends the epoch's start may be a copy into the epoch
      // that a crash cut short (its last batches hold the peer's position):
      // a peer finishes it.
      if (!copied_past_ && head.size > epoch.tree_size &&
          LogStartsEpoch(epoch, head.size) && AskPeers().most > head.size) {
        copied_past_ = true;
        *last = std::min(*last, node_.applied_position());
        if (Bootstrap(last)) return Next::kRetrySoon;
      }
      return WaitOrStartEpoch(*last, epoch);
    }
    case EpochStanding::kBehind:
      SetWaiting(place.why);
      return WaitOrStartEpoch(*last, epoch);
  }
  {
    absl::MutexLock lock(&mu_);
    if (epoch_.number != epoch.number ||
        epoch_.start_revision != epoch.start_revision) {
      epoch_ = epoch;
      ++epoch_changes_;
      compacted_ = 0;  // a revision of the epoch before
    }
    placed_ = true;
  }
  epoch_gauge_->Set(static_cast<double>(epoch.number));
  ClearWaiting();
  return Next::kWatch;
}

EtcdSequencer::Next EtcdSequencer::ReplaceMalformed(uint64_t last,
                                                    uint64_t record_revision) {
  // Only from a node that applied every batch put before it, which
  // other nodes may have applied and acknowledged.
  absl::StatusOr<etcdserverpb::RangeResponse> before =
      BatchKeys(record_revision - 1);
  uint64_t put_last = 0;
  if (before.ok()) {
    for (const etcdserverpb::KeyValue& kv : before->kvs()) {
      put_last = std::max(put_last, static_cast<uint64_t>(kv.mod_revision()));
    }
  }
  if (!before.ok() && !absl::IsOutOfRange(before.status())) {
    return Next::kRetrySoon;
  }
  // Its last batch must be this etcd's (not a lost etcd's, whose
  // revisions say nothing here).
  const uint64_t applied = RevisionOf(node_.applied_position());
  absl::StatusOr<bool> here =
      applied == 0 ? absl::StatusOr<bool>(true) : EtcdHoldsBatchAt(applied);
  if (!here.ok()) return Next::kRetrySoon;
  if (!*here) {
    spdlog::error(
        "--etcd-new-epoch: not replacing the malformed epoch record: "
        "etcd does not hold the batch this node applied last, so this "
        "node did not follow this etcd; start the epoch from a node "
        "that did");
    return Next::kWait;
  }
  if (put_last > applied) {
    spdlog::error(
        "--etcd-new-epoch: not replacing the malformed epoch record: "
        "this node applied up to revision {}, and etcd holds a batch "
        "put before the record at revision {}; start the epoch from a "
        "node that applied it",
        applied, put_last);
    return Next::kWait;
  }
  EtcdEpoch replaced;
  replaced.start_revision = record_revision;
  return StartEpoch(last, replaced, /*malformed=*/true) ? Next::kRetrySoon
                                                        : Next::kWait;
}

uint64_t EtcdSequencer::etcd_epoch(uint64_t applied_position) const {
  absl::MutexLock lock(&mu_);
  return std::max(EpochOf(applied_position), epoch_.number);
}

bool EtcdSequencer::StartEpoch(uint64_t last, const EtcdEpoch& current,
                               bool malformed) {
  const store::TreeHead head = node_.store->head();
  const std::string refused = absl::StrCat(
      "--etcd-new-epoch: not starting a new etcd epoch at this node's ",
      head.size, " entries: ");
  // Other nodes reach the epoch's start by copying from a peer, which
  // copies only what a cosigned checkpoint covers.
  absl::StatusOr<v1::Checkpoint> cosigned =
      node_.checkpointer->Cosigned(head.size, absl::Seconds(5));
  if (!cosigned.ok() || cosigned->tree_size() != head.size) {
    spdlog::error(
        "{}they are not all covered by a cosigned checkpoint ({}); "
        "another node could not copy them",
        refused,
        cosigned.ok()
            ? absl::StrCat("the latest covers ", cosigned->tree_size())
            : cosigned.status().ToString());
    return false;
  }
  // Every peer must answer: the new epoch's number passes every epoch a
  // node applied or entered (so no node takes the new epoch's revisions for
  // ones it applied), and no entries past this node's can still be
  // cosigned: fewer than the threshold of nodes hold them.
  absl::StatusOr<v1::NodeSetRecord> nodes =
      apply::StoreNodeSet(*node_.store, *node_.genesis);
  if (!nodes.ok()) {
    spdlog::error("{}{}", refused, nodes.status().ToString());
    return false;
  }
  const uint32_t threshold =
      rules::CheckpointThresholdAt(*node_.genesis, *nodes, head.size);
  uint64_t highest = std::max(
      {EpochOf(last), EpochOf(node_.applied_position()), current.number});
  std::vector<std::string> unreached;
  std::vector<std::string> ahead;  // peers with more entries, and how many
  std::set<std::string> answered = {node_.node_name};
  for (const std::unique_ptr<PeerFollower>& peer : peers_) {
    absl::StatusOr<v1::NodeStatus> status = peer->Status(absl::Seconds(2));
    if (!status.ok()) {
      unreached.push_back(peer->address());
      continue;
    }
    answered.insert(status->node_name());
    highest = std::max<uint64_t>(highest, status->etcd_epoch());
    if (status->latest_cosigned().tree_size() > head.size) {
      spdlog::error(
          "{}peer {} holds a checkpoint of {} entries cosigned by the "
          "threshold: start the epoch on a node with all of them",
          refused, peer->address(), status->latest_cosigned().tree_size());
      return false;
    }
    if (status->tree_size() > head.size) {
      ahead.push_back(
          absl::StrCat(peer->address(), " (", status->tree_size(), ")"));
      continue;
    }
    absl::StatusOr<merkle::Hash> mine =
        node_.store->RootAt(status->tree_size());
    if (!status->diverged() && mine.ok() &&
        crypto::DigestBytes(*mine) != status->root_hash()) {
      spdlog::error(
          "{}peer {}'s log of {} entries is not this node's: its root differs",
          refused, peer->address(), status->tree_size());
      return false;
    }
  }
  // Every node key in force must answer, through --peers, unless the
  // operator vouches that the node is gone (its data dir never returns).
  std::vector<std::string> missing;
  const std::set<std::string> absent(options_.absent_nodes.begin(),
                                     options_.absent_nodes.end());
  size_t absent_in_force = 0;  // each may hold more entries
  for (const v1::NodeKeyRecord& key : nodes->keys()) {
    if (!rules::CountsAt(key, head.size) || answered.contains(key.name())) {
      continue;
    }
    if (absent.contains(key.name())) {
      ++absent_in_force;
    } else {
      missing.push_back(key.name());
    }
  }
  if (!missing.empty()) {
    spdlog::error(
        "{}nodes {} did not answer{}. Every node must, so that the epoch's "
        "number passes every epoch a node followed and no node holds "
        "entries that could still be cosigned: list them in --peers and "
        "start them; for a node that is gone for good, name it in "
        "--etcd-new-epoch-absent (and never start it again on its data dir). "
        "(A node governance registered reports its key file's name until it "
        "restarts: restart it if it answered under another name)",
        refused, absl::StrJoin(missing, ", "),
        unreached.empty() ? ""
                          : absl::StrCat(" (peers not reached: ",
                                         absl::StrJoin(unreached, ", "), ")"));
    return false;
  }
  if (ahead.size() + absent_in_force >= threshold) {
    spdlog::error(
        "{}peers {} hold more entries{}, enough of them ({} signatures make "
        "a checkpoint) to cosign more: start the epoch on the one of them "
        "with the most entries",
        refused, absl::StrJoin(ahead, ", "),
        absent_in_force == 0
            ? ""
            : absl::StrCat(" (and ", absent_in_force, " absent nodes may)"),
        threshold);
    return false;
  }
  EtcdEpoch next;
  next.number = highest + 1;
  next.tree_size = head.size;
  next.root = std::string(crypto::DigestBytes(head.root));
  if (next.number > kMaxEpoch) {
    spdlog::error("{}epoch {} is past the last there can be", refused,
                  next.number);
    return false;
  }
  // In one transaction: etcd's record is still `current`, and (unless it
  // is malformed, which every node stopped at) no batch was put since it
  // began, which a node may have applied.
  absl::StatusOr<int64_t> put = client_->PutIfUnchanged(
      absl::StrCat(options_.prefix, "epoch"), FormatEtcdEpoch(next),
      static_cast<int64_t>(current.start_revision),
      malformed ? "" : absl::StrCat(options_.prefix, "batch/"), kCallTimeout);
  if (!put.ok()) {
    spdlog::error("{}{}", refused,
                  absl::IsFailedPrecondition(put.status())
                      ? WhyEpochRefused(current)
                      : put.status().ToString());
    return false;
  }
  spdlog::warn(
      "started etcd epoch {} on this node's {} entries (etcd revision {}); "
      "remove --etcd-new-epoch from its configuration",
      next.number, next.tree_size, *put);
  if (!ahead.empty()) {
    spdlog::warn(
        "peers {} hold more entries, which fewer than {} nodes hold, so no "
        "checkpoint can be cosigned for them: they refuse this epoch, and "
        "their operators must replace their data dirs (docs/operations.md, "
        "Backup and restore)",
        absl::StrJoin(ahead, ", "), threshold);
  }
  return true;
}

EtcdSequencer::PeersSeen EtcdSequencer::AskPeers() {
  PeersSeen seen;
  for (const std::unique_ptr<PeerFollower>& peer : peers_) {
    absl::StatusOr<v1::NodeStatus> status = peer->Status(absl::Seconds(2));
    if (!status.ok()) continue;
    seen.reached = true;
    seen.most = std::max<uint64_t>(seen.most, status->tree_size());
  }
  return seen;
}

bool EtcdSequencer::LogStartsEpoch(const EtcdEpoch& epoch, uint64_t size) {
  if (size < epoch.tree_size) return false;
  absl::StatusOr<merkle::Hash> root = node_.store->RootAt(epoch.tree_size);
  return root.ok() && crypto::DigestBytes(*root) == epoch.root;
}

EtcdSequencer::Next EtcdSequencer::WaitOrStartEpoch(uint64_t last,
                                                    const EtcdEpoch& epoch) {
  return options_.start_new_epoch && StartEpoch(last, epoch, false)
             ? Next::kRetrySoon
             : Next::kWait;
}

absl::StatusOr<etcdserverpb::RangeResponse> EtcdSequencer::BatchKeys(
    uint64_t revision) {
  etcdserverpb::RangeRequest batches;
  batches.set_key(absl::StrCat(options_.prefix, "batch/"));
  batches.set_range_end(RangeEnd(batches.key()));
  batches.set_keys_only(true);
  batches.set_revision(static_cast<int64_t>(revision));
  return client_->Range(batches, kCallTimeout);
}

absl::StatusOr<bool> EtcdSequencer::EtcdHoldsApplied(const EtcdEpoch& epoch) {
  const uint64_t applied = node_.applied_position();
  if (EpochOf(applied) != epoch.number ||
      RevisionOf(applied) <= epoch.start_revision) {
    return true;  // nothing applied from this epoch's batches yet
  }
  return EtcdHoldsBatchAt(RevisionOf(applied));
}

absl::StatusOr<bool> EtcdSequencer::EtcdHoldsBatchAt(uint64_t revision) {
  absl::StatusOr<etcdserverpb::RangeResponse> keys = BatchKeys(revision);
  if (absl::IsOutOfRange(keys.status()) &&
      absl::StrContains(keys.status().message(), "compacted")) {
    return true;  // the watch finds the compaction and copies from a peer
  }
  if (!keys.ok()) return keys.status();
  for (const etcdserverpb::KeyValue& kv : keys->kvs()) {
    if (static_cast<uint64_t>(kv.mod_revision()) == revision) {
      return true;
    }
  }
  return false;
}

std::string EtcdSequencer::WhyEpochRefused(const EtcdEpoch& current) {
  absl::StatusOr<etcdserverpb::RangeResponse> read = BatchKeys(0);
  if (read.ok()) {
    for (const etcdserverpb::KeyValue& kv : read->kvs()) {
      if (static_cast<uint64_t>(kv.mod_revision()) > current.start_revision) {
        return absl::StrCat(
            "etcd holds a batch put since its epoch ", current.number,
            " began (", kv.key(), " at revision ", kv.mod_revision(),
            "), which nodes may have applied, so that epoch stands. If this "
            "etcd was restored from a snapshot or written to by mistake, "
            "use a new, empty etcd cluster instead");
      }
    }
  }
  return "etcd's epoch record changed meanwhile (another node started an "
         "epoch); this node places itself in it next";
}

void EtcdSequencer::WatchLoop(uint64_t applied_position) {
  uint64_t last = applied_position;
  {
    absl::MutexLock lock(&mu_);
    own_.DeliveredUpTo(applied_position);
    handed_ = applied_position;
  }
  if (last == 0 && node_.store->size() > 1) {
    // Entries but no etcd revision: a copy from a peer that a crash or stop
    // cut short (only its last batch stores the peer's revision). Watching
    // etcd from its first revision would apply the cluster's history again
    // on top of it, in another order; only a peer can finish it.
    if (!FinishCopy(&last)) return;
  } else if (last == 0 && !peers_.empty()) {
    // A new node copies what its peers hold instead of replaying all of
    // etcd's history (which may be compacted, or a new etcd's after the
    // old one was lost).
    if (!JoinFromPeers(&last)) return;
  }
  while (true) {
    switch (PlaceInEtcd(&last)) {
      case Next::kWatch:
        break;
      case Next::kRetrySoon:
        if (!Sleep(kWatchRetryDelay)) return;
        continue;
      case Next::kWait:
        if (!Sleep(absl::Seconds(2))) return;
        continue;
    }
    bool epoch_changed = false;
    if (WatchOnce(&last, &epoch_changed)) {
      if (!epoch_changed) {
        watch_restarts_->Increment();
        client_->Failover();
        if (!Sleep(kWatchRetryDelay)) return;
      }
      continue;
    }
    // Compacted past this node: bootstrap from a peer, then watch again.
    {
      absl::MutexLock lock(&mu_);
      if (stopping_ || health_.ok()) return;  // stopped, or Deliver failed
    }
    if (Bootstrap(&last)) {
      absl::MutexLock lock(&mu_);
      health_ = absl::OkStatus();
      continue;
    }
    if (!Sleep(absl::Seconds(2))) return;
  }
}

bool EtcdSequencer::WatchOnce(uint64_t* last, bool* epoch_changed) {
  grpc::ClientContext context;
  uint64_t epoch;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;
    watch_context_ = &context;
    epoch = epoch_.number;
  }
  const std::string batch_prefix = absl::StrCat(options_.prefix, "batch/");
  const std::string epoch_key = absl::StrCat(options_.prefix, "epoch");
  const std::string endpoint = client_->current_endpoint();
  auto stream = client_->Watch(&context);
  etcdserverpb::WatchRequest request;
  etcdserverpb::WatchCreateRequest* create = request.mutable_create_request();
  // The whole prefix, so that an epoch's start arrives in revision order
  // with the batches (progress/ puts are passed over).
  create->set_key(options_.prefix);
  create->set_range_end(RangeEnd(create->key()));
  create->set_start_revision(static_cast<int64_t>(RevisionOf(*last) + 1));
  create->add_filters(etcdserverpb::WatchCreateRequest::NODELETE);
  // A watch from far back gets up to a thousand revisions in one response:
  // with batches of up to a MiB, more than gRPC takes in one message.
  create->set_fragment(true);

  bool keep_going = true;
  etcdserverpb::WatchResponse response;
  if (stream->Write(request)) {
    while (keep_going && stream->Read(&response)) {
      if (response.canceled()) {
        if (response.compact_revision() > 0) {
          const std::string why = absl::StrCat(
              "etcd compacted its history at revision ",
              response.compact_revision(), " but this node applied only up to ",
              DescribeEtcdPosition(*last),
              ": bootstrap it from a peer (docs/operations.md)");
          spdlog::critical("{}", why);
          absl::MutexLock lock(&mu_);
          health_ = absl::FailedPreconditionError(why);
          keep_going = false;
          break;
        }
        spdlog::warn("etcd {} cancelled the watch: {}", endpoint,
                     response.cancel_reason());
        break;
      }
      for (const etcdserverpb::Event& event : response.events()) {
        if (event.type() != etcdserverpb::Event::PUT) continue;
        if (static_cast<uint64_t>(event.kv().mod_revision()) >
            kMaxEpochRevision) {
          *epoch_changed = true;  // PlaceInEtcd says what to do
          break;
        }
        const uint64_t position = EtcdPosition(
            epoch, static_cast<uint64_t>(event.kv().mod_revision()));
        if (position <= *last) continue;
        if (event.kv().key() == epoch_key) {
          spdlog::warn("etcd's epoch changed at revision {}",
                       event.kv().mod_revision());
          *epoch_changed = true;
          absl::MutexLock lock(&mu_);
          placed_ = false;  // proposals wait until it is read
          break;
        }
        if (!absl::StartsWith(event.kv().key(), batch_prefix)) continue;
        last_watch_error_.clear();
        absl::StatusOr<ProposedBatch> batch = codec_.Decode(event.kv().value());
        if (!batch.ok()) {
          // Every node decodes the same bytes the same way, so every node
          // skips this put alike.
          spdlog::error("refused the batch at etcd revision {} (key {}): {}",
                        event.kv().mod_revision(), event.kv().key(),
                        batch.status().ToString());
          metrics_
              ->GetCounter(
                  "kpledger_etcd_batches_refused_total", kBatchesRefusedHelp,
                  {{"reason", absl::StatusCodeToString(batch.status().code())}})
              ->Increment();
          *last = position;
          continue;
        }
        // etcd holds the batch (a quorum synced it before the put was
        // answered), so the node need not sync it: after a crash it watches
        // again from what it synced. Compaction waits for that: progress is
        // reported only for synced positions (Sequencer::Cosigned).
        if (absl::Status st = deliver_(
                SequencedBatch{position, *std::move(batch), /*from_peer=*/false,
                               /*sync=*/false});
            !st.ok()) {
          spdlog::info("etcd sequencer stops delivering at {}: {}",
                       DescribeEtcdPosition(position), st.ToString());
          keep_going = false;
          break;
        }
        *last = position;
        absl::MutexLock lock(&mu_);
        own_.DeliveredUpTo(position);
        handed_ = position;
      }
      if (*epoch_changed) break;
    }
  }
  {
    absl::MutexLock lock(&mu_);
    watch_context_ = nullptr;
    if (stopping_) keep_going = false;
  }
  if (keep_going && !*epoch_changed) {
    context.TryCancel();
    const grpc::Status status = stream->Finish();
    // Once per kind of failure: members that stay down would fill the log.
    const std::string error = status.error_message();
    if (error != last_watch_error_) {
      spdlog::warn(
          "etcd watch on {} ended ({}); resuming from revision {} on "
          "the next member",
          endpoint, error, RevisionOf(*last) + 1);
      last_watch_error_ = error;
    }
  } else {
    context.TryCancel();
    stream->Finish();
  }
  return keep_going;
}

void EtcdSequencer::MaintenanceLoop() {
  while (Sleep(options_.maintenance_interval)) Maintain();
}

void EtcdSequencer::Maintain() {
  uint64_t cosigned;
  int64_t compacted;
  bool report;
  bool waiting;
  EtcdEpoch epoch;
  uint64_t epoch_changes;
  {
    absl::MutexLock lock(&mu_);
    cosigned = cosigned_;
    compacted = compacted_;
    report = cosigned_ > reported_;
    waiting = waiting_ || !placed_;
    epoch = epoch_;
    epoch_changes = epoch_changes_;
  }
  const std::string progress = absl::StrCat(options_.prefix, "progress/");
  // Nothing is written into an etcd this node is not placed in (one that
  // replaced the ledger's before an epoch started there).
  if (report && !waiting) {
    // The watch passes progress/ puts over.
    absl::StatusOr<int64_t> put =
        client_->Put(absl::StrCat(progress, node_.node_name),
                     absl::StrCat(cosigned), kCallTimeout);
    // Unreachable, or out of space (etcd's NOSPACE alarm refuses puts):
    // report next time, and compact meanwhile, which frees space.
    if (put.ok()) {
      absl::MutexLock lock(&mu_);
      reported_ = cosigned;
    }
  }

  etcdserverpb::RangeRequest range;
  range.set_key(progress);
  range.set_range_end(RangeEnd(progress));
  absl::StatusOr<etcdserverpb::RangeResponse> ranged =
      client_->Range(range, kCallTimeout);
  absl::StatusOr<etcdserverpb::StatusResponse> status =
      client_->Status(kCallTimeout);
  if (!ranged.ok() || !status.ok()) return;
  db_bytes_->Set(static_cast<double>(status->dbsize()));
  db_bytes_in_use_->Set(static_cast<double>(status->dbsizeinuse()));

  // Compaction counts in revisions of the epoch this node follows; a node
  // that has not entered it needs nothing before its start. Not while etcd
  // is behind this node or in an epoch it cannot follow.
  const std::optional<uint64_t> done = RevisionDoneIn(cosigned, epoch);
  if (waiting || !done.has_value()) return;
  CompactionInput in;
  for (const etcdserverpb::KeyValue& kv : ranged->kvs()) {
    uint64_t position = 0;
    if (!absl::SimpleAtoi(kv.value(), &position)) continue;
    if (std::optional<uint64_t> revision = RevisionDoneIn(position, epoch)) {
      in.progress[kv.key().substr(progress.size())] = *revision;
    }
  }
  // The nodes whose progress counts: those whose keys are in force now. A
  // node governance removed is no longer waited for.
  absl::StatusOr<v1::NodeSetRecord> nodes =
      apply::StoreNodeSet(*node_.store, *node_.genesis);
  if (!nodes.ok()) return;
  const uint64_t size = node_.store->size();
  for (const v1::NodeKeyRecord& key : nodes->keys()) {
    if (rules::CountsAt(key, size)) in.nodes.push_back(key.name());
  }
  in.node_name = node_.node_name;
  in.cosigned = *done;
  in.db_bytes_in_use = status->dbsizeinuse();
  in.quota_bytes = options_.quota_bytes;
  const CompactionPlan plan = PlanCompaction(in);
  const int64_t target = plan.revision;
  if (plan.forced && target > compacted) {
    spdlog::warn(
        "etcd's database has {} bytes in use, over 3/4 of its {} byte quota: "
        "compacting at this node's progress, revision {}; nodes {} fall "
        "behind and must bootstrap from a peer",
        status->dbsizeinuse(), options_.quota_bytes, target,
        plan.left_behind.empty() ? "(none)"
                                 : absl::StrJoin(plan.left_behind, ", "));
  }
  if (target <= compacted) return;
  {
    // Placed in another epoch meanwhile: its revisions are other ones.
    absl::MutexLock lock(&mu_);
    if (epoch_changes_ != epoch_changes) return;
  }
  if (absl::Status st = client_->Compact(target, kCallTimeout); !st.ok()) {
    spdlog::warn("etcd compaction at revision {}: {}", target, st.ToString());
    return;
  }
  spdlog::info("compacted etcd at revision {}", target);
  compacted_revision_->Set(static_cast<double>(target));
  absl::MutexLock lock(&mu_);
  if (epoch_changes_ == epoch_changes) compacted_ = target;
}

}  // namespace kpledger::node
