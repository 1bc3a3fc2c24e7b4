// The durable ledger: log entries, their Merkle tree, the event-id index and
// parcel states in one RocksDB database (layout: ledger/store/keys.h).
//
// Contract:
// - Commit writes a whole batch (entries, index, state records, Merkle
//   nodes, tree size, applied sequencer position) in one atomic WriteBatch,
//   synced to disk when options.sync is set. When Commit returns OK the batch
//   is durable; after a crash (kill -9) a reopened store holds every batch
//   Commit acknowledged and never part of a batch.
// - Entries are immutable: an index, once written, never changes.
// - Proofs and roots read their O(log n) Merkle nodes from a few tiles
//   (ledger/store/tile.h) with one MultiGet, never a scan. Memory use is
//   independent of the log's size: the in-memory state is the O(log n)
//   frontier and one tile per 8 tree levels; RocksDB's memtables and cache
//   have fixed budgets.
// Thread safety: see Stage and Commit for appending; every other method may
// be called from any thread at any time, also while batches are appended.
#ifndef KPLEDGER_LEDGER_STORE_STORE_H_
#define KPLEDGER_LEDGER_STORE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "ledger/entry/leaf.h"
#include "ledger/merkle/compact_range.h"
#include "ledger/merkle/hasher.h"
#include "ledger/merkle/node_id.h"
#include "ledger/store/tile.h"

namespace rocksdb {
class DB;
class Env;
class ColumnFamilyHandle;
class WriteBatch;
}  // namespace rocksdb

namespace kpledger::store {

struct StoreOptions {
  // fsync the write-ahead log on every Commit: receipts are durable.
  bool sync = true;
  // RocksDB block cache shared by all column families.
  size_t block_cache_bytes = size_t{64} << 20;
  // Memtables of all column families together.
  size_t write_buffer_bytes = size_t{128} << 20;
  // What RocksDB reads and writes files through; null: the local disk.
  // Tests pass one that fails writes on demand. Must outlive the store.
  rocksdb::Env* env = nullptr;
};

// One entry to append.
struct PendingEntry {
  std::string envelope;  // serialized Envelope, verbatim
  std::string event_id;  // lowercase hex SHA-256 of the envelope's payload
};

// A record of the ledger's state, kept beside the log. The store does not
// read it; the rules own its keys and values.
struct StateRecord {
  std::string key;
  std::string value;
};

struct Batch {
  entry::LedgerTime ledger_time;
  std::vector<PendingEntry> entries;
  // State records the batch creates or replaces (parcel states, actors,
  // certificates: ledger/rules/state_keys.h), written with its entries.
  std::vector<StateRecord> state;
  // The sequencer position this batch came from, stored with it so a
  // restart resumes exactly after it. Empty: leave the stored one.
  std::string applied_position;
  // False: not synced on its own (when options.sync); the next synced
  // write, or Sync, makes it durable with it. Only for batches that can be
  // had again after a crash: entries copied from a peer's log, batches
  // etcd holds.
  bool sync = true;
  // The caller found none of the entries' event ids among the log's first
  // `ids_absent_below` entries: those committed (FindEvents) and those of
  // the batches it staged since, which it keeps track of (the applier
  // does, and runs the rules in between). Stage then skips reading the ids
  // again unless more entries were committed; it still refuses ids
  // repeated in the batch or in batches not yet committed. Unset: Stage
  // reads every id.
  std::optional<uint64_t> ids_absent_below;
};

// The tree after some batch: its size and root hash.
struct TreeHead {
  uint64_t size = 0;
  merkle::Hash root;
};

class Store;

// A batch Store::Stage made ready to commit: its indexes assigned, its leaves
// encoded and hashed, its Merkle tiles and its one atomic write built.
// Move-only; must be passed to Store::Commit.
class StagedBatch {
 public:
  StagedBatch(StagedBatch&&) noexcept;
  StagedBatch& operator=(StagedBatch&&) noexcept;
  ~StagedBatch();

  // The tree once this batch is committed.
  const TreeHead& head() const { return head_; }

 private:
  friend class Store;
  StagedBatch();

  uint64_t seq_ = 0;  // Stage order; Commit checks it
  bool sync_ = true;
  std::unique_ptr<rocksdb::WriteBatch> write_;
  TreeHead head_;
  std::string genesis_hash_;  // set when the batch holds entry 0
  std::string applied_position_;
  std::vector<std::string> raw_ids_;  // event ids, 32 raw bytes each
};

class Store {
 public:
  // Opens (creating if missing) the store in directory `dir`.
  // FailedPrecondition if `dir` holds a database of another format or a
  // RocksDB database that is not a kpledger store;
  // DataLoss if its Merkle frontier is missing; Unavailable on I/O errors
  // (e.g. the directory is locked by another process).
  static absl::StatusOr<std::unique_ptr<Store>> Open(
      const std::string& dir, const StoreOptions& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Appending is two steps, so that the CPU work of one batch can overlap
  // the disk write of the one before it (the applier's pipeline):
  //   Stage   assigns the batch's entries indexes size(), size()+1, ...,
  //           encodes and hashes the leaves, extends the Merkle tree, and
  //           builds the batch's one atomic write. Nothing is written.
  //   Commit  writes a staged batch to disk (synced if options.sync) and
  //           then publishes its tree head: readers see the batch only once
  //           Commit returns OK, and then it is durable.
  // Stage calls run one at a time, Commit calls too, and batches must be
  // committed in the order they were staged; Stage(N+1) may run while
  // Commit(N) does. A failed Commit (an I/O error, or a batch committed out
  // of order because one was dropped) leaves the store refusing every later
  // Stage and Commit (FailedPrecondition): reopen it, as after a crash.
  // Nothing acknowledged is lost and nothing half-written becomes visible.
  //
  // Stage refuses, writing nothing: InvalidArgument for an event id that is
  // not 64 lowercase hex digits or nanos out of range; AlreadyExists for an
  // event id already in the log, in a batch staged but not yet committed,
  // or twice in the batch.
  absl::StatusOr<StagedBatch> Stage(const Batch& batch);
  absl::StatusOr<TreeHead> Commit(StagedBatch batch);
  // Stage then Commit: one batch at a time.
  absl::StatusOr<TreeHead> Append(const Batch& batch);
  // Makes every batch committed so far durable, those committed without a
  // sync of their own (Batch::sync false) too. One fsync; nothing to do
  // unless options.sync. Safe beside Stage and Commit.
  absl::Status Sync();

  TreeHead head() const;
  uint64_t size() const { return head().size; }
  // The log's size once every batch staged so far is committed: the index
  // the next Stage gives its first entry.
  uint64_t staged_size() const;
  // Lowercase hex event id of entry 0; empty while the log is empty.
  std::string genesis_hash() const;
  std::string applied_position() const;

  // OutOfRange if index >= size(); DataLoss if the entry is missing.
  absl::StatusOr<std::string> GetLeaf(uint64_t index) const;
  // The index of the entry with this event id (lowercase hex); NotFound.
  absl::StatusOr<uint64_t> FindEvent(absl::string_view event_id) const;
  // The indexes of many events in one read: nullopt for an event not in
  // the log. InvalidArgument for an id that is not 64 lowercase hex digits.
  absl::StatusOr<std::vector<std::optional<uint64_t>>> FindEvents(
      const std::vector<std::string>& event_ids) const;
  // The value of a state record, as of the last committed batch; NotFound.
  absl::StatusOr<std::string> GetState(absl::string_view key) const;
  // The values of many state records in one read: nullopt for a record
  // that does not exist.
  absl::StatusOr<std::vector<std::optional<std::string>>> GetStates(
      const std::vector<std::string>& keys) const;

  // Calls fn(key, value) for the state records whose key starts with
  // `prefix` and sorts after `start_after` (empty: from the first), in key
  // order, as of the last committed batch; stops when fn returns false.
  // For listings (parcels by status, certificates by number).
  absl::Status ScanState(
      absl::string_view prefix, absl::string_view start_after,
      absl::FunctionRef<bool(absl::string_view key, absl::string_view value)>
          fn) const;

  // RFC 9162 roots and proofs for any size up to size(). OutOfRange past it.
  absl::StatusOr<merkle::Hash> RootAt(uint64_t tree_size) const;
  absl::StatusOr<std::vector<merkle::Hash>> InclusionProof(
      uint64_t index, uint64_t tree_size) const;
  absl::StatusOr<std::vector<merkle::Hash>> ConsistencyProof(
      uint64_t old_size, uint64_t new_size) const;

  // The stored hashes of perfect nodes, in order; DataLoss if one is
  // missing or not 32 bytes.
  absl::StatusOr<std::vector<merkle::Hash>> ReadNodes(
      const std::vector<merkle::NodeId>& ids) const;

  // Calls fn(index in the key, leaf bytes) for every record of the
  // entries family in key order, including any past size() (the audit
  // reports those). Stops at fn's first error and returns it.
  absl::Status ScanEntries(absl::FunctionRef<absl::Status(
                               uint64_t key_index, absl::string_view leaf)>
                               fn) const;

  // The tree size recorded in the meta family (what Open trusted).
  absl::StatusOr<uint64_t> StoredTreeSize() const;

 private:
  Store() = default;
  absl::Status Init(const std::string& dir, const StoreOptions& options);
  absl::Status LoadHead();
  bool HasEntries() const;
  absl::StatusOr<std::vector<Tile>> LoadEdgeTiles(uint64_t size) const;
  absl::Status CheckNewEventIds(const Batch& batch,
                                std::vector<std::string>* raw_ids) const;
  // The entry the event index gives each raw event id (nullopt: none), in
  // one read; DataLoss for a malformed index entry, naming the event by
  // hex_id(i).
  absl::StatusOr<std::vector<std::optional<uint64_t>>> ReadEventIndex(
      const std::vector<std::string>& raw_ids,
      absl::FunctionRef<absl::string_view(size_t)> hex_id) const;
  absl::Status CheckNotBroken() const;

  StoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> families_;
  rocksdb::ColumnFamilyHandle* entries_ = nullptr;
  rocksdb::ColumnFamilyHandle* event_index_ = nullptr;
  rocksdb::ColumnFamilyHandle* state_ = nullptr;
  rocksdb::ColumnFamilyHandle* merkle_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;

  // Stage's state: the tree as the staged batches leave it (the frontier
  // and the rightmost tile of each tile level, which the next batch
  // extends).
  mutable absl::Mutex stage_mu_;
  merkle::CompactRange staged_range_ ABSL_GUARDED_BY(stage_mu_);
  std::vector<Tile> staged_tiles_ ABSL_GUARDED_BY(stage_mu_);
  uint64_t next_stage_seq_ ABSL_GUARDED_BY(stage_mu_) = 0;

  absl::Mutex commit_mu_;
  uint64_t next_commit_seq_ ABSL_GUARDED_BY(commit_mu_) = 0;

  // What readers see, and what Stage and Commit share.
  mutable absl::Mutex mu_;
  TreeHead head_ ABSL_GUARDED_BY(mu_);
  // Event ids of batches staged but not yet committed.
  std::set<std::string> pending_ids_ ABSL_GUARDED_BY(mu_);
  // Set by a failed Commit; every later Stage and Commit is refused.
  absl::Status broken_ ABSL_GUARDED_BY(mu_);
  std::string genesis_hash_ ABSL_GUARDED_BY(mu_);
  std::string applied_position_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kpledger::store

#endif  // KPLEDGER_LEDGER_STORE_STORE_H_
