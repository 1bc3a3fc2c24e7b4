// The etcd sequencer (DESIGN §5): etcd, one member per agency, orders the
// batches of every node of a cluster.
//
// Keys under the ledger's prefix (default "/kpledger/<genesis hash>/"):
//   batch/<node name>     each put is one batch of that node (batch_codec.h);
//                         the key is overwritten, every put is kept in
//                         etcd's history until compaction
//   progress/<node name>  the sequencer position up to which that node
//                         applied and cosigned; decimal
//   epoch                 where the current epoch starts (etcd_epoch.h);
//                         absent until etcd is first replaced
// Every node watches the prefix from the revision after the one its store
// says it applied last, and delivers the batch puts in revision order. The
// batch's position (its epoch and revision, etcd_epoch.h) is stored in the
// same write as the batch, so a restart resumes exactly. A put of the
// epoch key ends the watch: the node then enters the new epoch if it starts
// at exactly its log, and otherwise takes no batches (health() says why).
// A node started with `start_new_epoch` that finds etcd behind it (restored
// or replaced) starts a new epoch at its own log, once that is cosigned and
// no peer it reaches holds more entries. A put that is not a node's signed
// batch for this ledger is refused (logged, counted) and skipped by every node
// (batch_codec.h; the applier checks the proposer's key against the node
// keys in force).
//
// Once every node that reported progress is past a revision, etcd is
// compacted there, by the node furthest behind (compaction.h): the
// overwritten batch values vanish and etcd's database stops growing. Only
// node keys in force count; one that never reported (an agency not yet
// running) does not hold compaction back, and a revoked one's progress is
// ignored. A node that then
// needs compacted batches bootstraps from a peer. If a node stops reporting
// progress and the bytes in use in etcd's database pass 3/4 of its quota
// anyway, the sequencer compacts at its own progress and logs which nodes
// are left behind: etcd must not fill, or every node stops.
//
// When a member fails, calls and the watch move on to the next member; the
// watch resumes from the revision after the last one delivered.
//
// A node whose log is new, or that etcd's compaction left behind,
// bootstraps from a peer (node/sync/): it copies the peer's log up to its
// latest cosigned checkpoint, verified before anything is applied and
// re-applied through the rules, then watches from the peer's revision there.
#ifndef KPLEDGER_NODE_SEQUENCER_ETCD_SEQUENCER_H_
#define KPLEDGER_NODE_SEQUENCER_ETCD_SEQUENCER_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ledger/crypto/ed25519.h"
#include "node/http/metrics.h"
#include "node/sequencer/batch_codec.h"
#include "node/sequencer/etcd_client.h"
#include "node/sequencer/etcd_epoch.h"
#include "node/sequencer/own_batches.h"
#include "node/sequencer/sequencer.h"
#include "node/sync/peer_follower.h"

namespace kpledger::node {

struct EtcdSequencerOptions {
  std::string prefix;  // ends in "/"
  // How long a proposal may wait for etcd before its events are answered
  // UNAVAILABLE (no quorum).
  absl::Duration propose_timeout = absl::Seconds(2);
  // How often progress is reported and compaction considered.
  absl::Duration maintenance_interval = absl::Seconds(5);
  int64_t quota_bytes = int64_t{2} << 30;  // etcd's --quota-backend-bytes
  // kpnode --etcd-new-epoch: start a new epoch when etcd is behind.
  bool start_new_epoch = false;
  // --etcd-new-epoch-absent: nodes (key names) an epoch is started without.
  std::vector<std::string> absent_nodes;
};

class EtcdSequencer : public Sequencer {
 public:
  // `peers`: nodes to bootstrap from when this node's log is new or etcd
  // compacted batches it has not applied; may be empty.
  EtcdSequencer(std::unique_ptr<EtcdClient> client, BatchCodec codec,
                crypto::PrivateKey key, EtcdSequencerOptions options,
                std::vector<std::unique_ptr<PeerFollower>> peers,
                MetricsRegistry* metrics);
  ~EtcdSequencer() override;

  std::string name() const override { return "etcd"; }
  void SetNode(NodeView node) override { node_ = std::move(node); }
  absl::Status Start(uint64_t applied_position, Deliver deliver) override;
  absl::Status Propose(ProposedBatch batch) override;
  void Stop() override;
  void Cosigned(uint64_t position) override;
  absl::Status health() const override;
  std::string DescribePosition(uint64_t position) const override;
  uint64_t etcd_epoch(uint64_t applied_position) const override;

  // The default prefix of a ledger.
  static std::string DefaultPrefix(const std::string& genesis_hash);

 private:
  void WatchLoop(uint64_t applied_position);
  // One watch stream, until it ends. Returns false when delivery must stop
  // (Stop, a Deliver error, or etcd compacted what this node still needs);
  // true to watch again: on the next member, or (*epoch_changed) once
  // PlaceInEtcd has read the new epoch.
  bool WatchOnce(uint64_t* last, bool* epoch_changed);
  enum class Next { kWatch, kRetrySoon, kWait };
  // Reads etcd's epoch and places the node in it (etcd_epoch.h): kWatch
  // once the watch may start from *last (moved to the epoch's start when
  // the node enters it); otherwise health() says why not, and the node
  // copies from a peer or starts a new epoch where it should.
  Next PlaceInEtcd(uint64_t* last);
  // --etcd-new-epoch over a malformed epoch record put at
  // `record_revision`: only from a node whose last batch is this etcd's and
  // that applied every batch put before the record.
  Next ReplaceMalformed(uint64_t last, uint64_t record_revision);
  // Starts a new epoch at this node's log, replacing `current` (the record
  // etcd holds: its number and mod revision; none: zeros), unless a check
  // says not to (logged). `malformed`: the record etcd holds does not
  // parse, so no node took batches put after it. True once started.
  bool StartEpoch(uint64_t last, const EtcdEpoch& current, bool malformed);
  // Whether any peer answered GetStatus, and the most entries one holds.
  struct PeersSeen {
    bool reached = false;
    uint64_t most = 0;
  };
  PeersSeen AskPeers();
  // Whether this node's log (of `size` entries) starts with the epoch's:
  // at least its size, and its root there.
  bool LogStartsEpoch(const EtcdEpoch& epoch, uint64_t size);
  // Under --etcd-new-epoch, tries to start an epoch replacing `epoch`:
  // kRetrySoon once started; otherwise kWait.
  Next WaitOrStartEpoch(uint64_t last, const EtcdEpoch& epoch);
  // The keys under batch/ as etcd held them at `revision` (0: now).
  absl::StatusOr<etcdserverpb::RangeResponse> BatchKeys(uint64_t revision);
  // Whether etcd holds the batch this node applied last (its history is
  // this node's), for a node in etcd's epoch; true if it cannot tell
  // (compacted: the watch finds out), error if etcd did not answer.
  absl::StatusOr<bool> EtcdHoldsApplied(const EtcdEpoch& epoch);
  // Whether etcd holds a batch put at `revision` (a history read); true if
  // compacted past it.
  absl::StatusOr<bool> EtcdHoldsBatchAt(uint64_t revision);
  // Why etcd refused to start an epoch replacing `current`.
  std::string WhyEpochRefused(const EtcdEpoch& current);
  // Until a peer answers, a node with a new log does not follow etcd: it
  // copies the ledger from a peer, or finds every peer new too.
  bool JoinFromPeers(uint64_t* last);
  // Waits until the node applied every batch the watch handed it: placing
  // the node reads its log, and a copy continues it. False once stopping.
  bool AwaitHandedApplied();
  bool ReadyToPropose() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // health() says `why` until ClearWaiting; logged when it changes.
  void SetWaiting(const std::string& why);
  void ClearWaiting();
  // Copies the log from a peer up to its latest cosigned checkpoint and
  // moves *last to the peer's position there. False if no peer could.
  bool Bootstrap(uint64_t* last);
  // Bootstrap, again every 2 s until a peer finishes a copy that a crash cut
  // short; health() says why meanwhile. False once stopping or diverged.
  bool FinishCopy(uint64_t* last);
  void MaintenanceLoop();
  void Maintain();
  bool Sleep(absl::Duration d);  // false once stopping

  std::unique_ptr<EtcdClient> client_;
  const BatchCodec codec_;
  const crypto::PrivateKey key_;
  const EtcdSequencerOptions options_;
  std::vector<std::unique_ptr<PeerFollower>> peers_;
  NodeView node_;
  Deliver deliver_;
  std::thread watch_thread_;
  std::string last_watch_error_;  // the watch thread's
  std::thread maintenance_thread_;

  Counter* proposed_;
  Counter* propose_failed_;
  Counter* watch_restarts_;
  Histogram* put_seconds_;
  Gauge* db_bytes_;
  Gauge* db_bytes_in_use_;
  Gauge* epoch_gauge_;
  Gauge* compacted_revision_;
  MetricsRegistry* metrics_;

  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status health_ ABSL_GUARDED_BY(mu_);
  grpc::ClientContext* watch_context_ ABSL_GUARDED_BY(mu_) = nullptr;
  uint64_t cosigned_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t reported_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t compacted_ ABSL_GUARDED_BY(mu_) = 0;  // a revision of epoch_
  // etcd's epoch as last read, and whether health_ is PlaceInEtcd's.
  EtcdEpoch epoch_ ABSL_GUARDED_BY(mu_);
  uint64_t epoch_changes_ ABSL_GUARDED_BY(mu_) = 0;
  bool waiting_ ABSL_GUARDED_BY(mu_) = false;
  // The node was placed in etcd's epoch (Propose waits for it at start and
  // while a new epoch is read).
  bool placed_ ABSL_GUARDED_BY(mu_) = false;
  // A node past an epoch's start tries a copy from a peer that holds more
  // once (a copy into the epoch that a crash cut short).
  bool copied_past_ = false;  // the watch thread's
  // The last position the watch handed to deliver_.
  uint64_t handed_ ABSL_GUARDED_BY(mu_) = 0;
  // This node's batches etcd took and the watch has not delivered yet, and
  // the last position handed to deliver_ (by the watch or a copy).
  OwnBatches own_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_SEQUENCER_ETCD_SEQUENCER_H_
