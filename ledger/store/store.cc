#include "ledger/store/store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/encoding.h"
#include "ledger/base/status_macros.h"
#include "ledger/merkle/proof.h"
#include "ledger/store/keys.h"
#include "ledger/store/rocksdb_glue.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/memtablerep.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"

namespace kpledger::store {
absl::StatusOr<std::unique_ptr<Store>> Store::Open(
    const std::string& dir, const StoreOptions& options) {
  std::unique_ptr<Store> store(new Store());
  KP_RETURN_IF_ERROR(store->Init(dir, options));
  KP_RETURN_IF_ERROR(store->LoadHead());
  return store;
}

absl::Status Store::Init(const std::string& dir, const StoreOptions& options) {
  options_ = options;
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  // One writer (the applier); the hash memtable below needs this off.
  db_options.allow_concurrent_memtable_write = false;
  // Bound memtable memory across all column families, whatever the log's
  // size.
  db_options.db_write_buffer_size = options.write_buffer_bytes;
  // Write flushed tables back to disk as they are built, so the per-batch
  // WAL sync does not wait behind a large writeback (measured: +10-20%
  // pipelined appends at a million entries). Strict: a table is written
  // back no more than 1 MiB ahead of what is on disk; otherwise a flush
  // queues many chunks at once, and on this machine's disk an fdatasync
  // beside a 48 MiB table written that way waited up to 136 ms instead of
  // 32 (a receipt waits for that sync).
  db_options.bytes_per_sync = 1 << 20;
  db_options.strict_bytes_per_sync = true;
  // No preallocated WAL (RocksDB reserves ~70 MiB ahead with fallocate):
  // on ext4 each synced write into reserved space also converts its
  // extent, and kpbench's half-rate p99 held under 50 ms in 8 of 8 runs
  // without it against 4 of 8 with it (full-load ingest the same).
  db_options.allow_fallocate = false;
  if (options.env != nullptr) db_options.env = options.env;
  // Flushes and compactions yield the CPU to the pipeline in front of them
  // (signature checks, the rules, the synced write): a flush that lands in
  // a burst of submissions otherwise delays their answers.
  db_options.env->LowerThreadPoolCPUPriority(rocksdb::Env::Priority::HIGH,
                                             rocksdb::CpuPriority::kLow);
  db_options.env->LowerThreadPoolCPUPriority(rocksdb::Env::Priority::LOW,
                                             rocksdb::CpuPriority::kLow);

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  // Point lookups (event ids, Merkle tiles, entries) dominate reads.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions base(db_options);
  base.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // Hashes, signatures and random ids do not compress; compressing them
  // only costs the CPU that verification needs.
  base.compression = rocksdb::kNoCompression;
  base.level_compaction_dynamic_level_bytes = true;

  // Event ids are uniformly random and only ever looked up whole: hash the
  // memtable by a 4-byte prefix instead of keeping one big sorted list.
  rocksdb::ColumnFamilyOptions random_keys = base;
  random_keys.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(4));
  random_keys.memtable_factory.reset(
      rocksdb::NewHashSkipListRepFactory(1 << 16));
  // Append checks every new event id is absent; a whole-key bloom filter on
  // the memtable answers most of those checks without a search.
  random_keys.memtable_prefix_bloom_size_ratio = 0.1;
  random_keys.memtable_whole_key_filtering = true;

  // The rules look up state records that mostly exist, but every new
  // parcel and certificate is first looked up absent: a whole-key bloom
  // filter on the memtable answers those without a search.
  rocksdb::ColumnFamilyOptions state = base;
  state.memtable_prefix_bloom_size_ratio = 0.05;
  state.memtable_whole_key_filtering = true;

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = {
      {rocksdb::kDefaultColumnFamilyName, base},
      {std::string(kEntriesFamily), base},
      {std::string(kEventIndexFamily), random_keys},
      {std::string(kStateFamily), state},
      {std::string(kMerkleFamily), base},
      {std::string(kMetaFamily), base},
  };
  // An existing database must already be a kpledger store: never add our
  // column families to someone else's RocksDB.
  std::vector<std::string> existing;
  const bool is_new =
      !rocksdb::DB::ListColumnFamilies(db_options, dir, &existing).ok();
  if (!is_new && std::find(existing.begin(), existing.end(),
                           std::string(kMetaFamily)) == existing.end()) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir, " is a RocksDB database but not a kpledger store (no \"",
        kMetaFamily, "\" column family)"));
  }
  rocksdb::DB* raw = nullptr;
  KP_RETURN_IF_ERROR(FromRocksDb(
      rocksdb::DB::Open(db_options, dir, descriptors, &families_, &raw),
      absl::StrCat("cannot open store ", dir)));
  db_.reset(raw);
  entries_ = families_[1];
  event_index_ = families_[2];
  state_ = families_[3];
  merkle_ = families_[4];
  meta_ = families_[5];

  std::string format;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), meta_, ToSlice(kFormatKey), &format);
  // A first Open that died before stamping leaves a store with no entries.
  if (s.IsNotFound() && (is_new || !HasEntries())) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return FromRocksDb(
        db_->Put(wo, meta_, ToSlice(kFormatKey), ToSlice(kFormatValue)),
        "cannot write store format");
  }
  if (s.IsNotFound()) {
    return absl::FailedPreconditionError(
        absl::StrCat("store ", dir, " holds entries but no format stamp"));
  }
  KP_RETURN_IF_ERROR(FromRocksDb(s, "cannot read store format"));
  if (format != kFormatValue) {
    return absl::FailedPreconditionError(
        absl::StrCat("store ", dir, " has format \"", format, "\", want \"",
                     kFormatValue, "\""));
  }
  return absl::OkStatus();
}

bool Store::HasEntries() const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), entries_));
  it->SeekToFirst();
  return it->Valid();
}

Store::~Store() {
  if (db_ == nullptr) return;
  for (rocksdb::ColumnFamilyHandle* h : families_) {
    db_->DestroyColumnFamilyHandle(h);
  }
  db_->Close();
}

absl::StatusOr<uint64_t> Store::StoredTreeSize() const {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), meta_, ToSlice(kTreeSizeKey), &value);
  if (s.IsNotFound()) return 0;
  KP_RETURN_IF_ERROR(FromRocksDb(s, "cannot read tree size"));
  if (value.size() != 8) {
    return absl::DataLossError(
        absl::StrCat("stored tree size has ", value.size(), " bytes, want 8"));
  }
  return DecodeU64(value);
}

absl::Status Store::LoadHead() {
  KP_ASSIGN_OR_RETURN(uint64_t size, StoredTreeSize());
  std::vector<merkle::Hash> frontier;
  if (size > 0) {
    absl::StatusOr<std::vector<merkle::Hash>> nodes =
        ReadNodes(merkle::PerfectNodes(0, size));
    if (!nodes.ok() && !absl::IsDataLoss(nodes.status())) {
      return nodes.status();  // e.g. Unavailable: an I/O error, not loss
    }
    if (!nodes.ok()) {
      return absl::DataLossError(absl::StrCat(
          "store of size ", size,
          " lacks its Merkle frontier: ", nodes.status().message()));
    }
    frontier = std::move(*nodes);
  }
  KP_ASSIGN_OR_RETURN(
      merkle::CompactRange range,
      merkle::CompactRange::FromHashes(size, std::move(frontier)));
  KP_ASSIGN_OR_RETURN(std::vector<Tile> edge_tiles, LoadEdgeTiles(size));

  std::string genesis, position;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_,
                               ToSlice(kGenesisHashKey), &genesis);
  if (!s.IsNotFound())
    KP_RETURN_IF_ERROR(FromRocksDb(s, "cannot read genesis hash"));
  s = db_->Get(rocksdb::ReadOptions(), meta_, ToSlice(kAppliedPositionKey),
               &position);
  if (!s.IsNotFound()) {
    KP_RETURN_IF_ERROR(FromRocksDb(s, "cannot read applied position"));
  }

  absl::MutexLock stage_lock(&stage_mu_);
  absl::MutexLock lock(&mu_);
  head_ = TreeHead{size, range.Root()};
  staged_range_ = std::move(range);
  staged_tiles_ = std::move(edge_tiles);
  genesis_hash_ = genesis.empty() ? "" : base::HexEncode(genesis);
  applied_position_ = position;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Tile>> Store::LoadEdgeTiles(uint64_t size) const {
  std::vector<Tile> tiles;
  // Tile level T holds tree level 8T in its row 0; its rightmost tile is the
  // one holding the last complete node of that level.
  for (uint32_t t = 0; t * kTileHeight < 64 && (size >> (t * kTileHeight)) > 0;
       ++t) {
    const uint64_t last = (size >> (t * kTileHeight)) - 1;
    const TileSlot slot = Locate(merkle::NodeId{t * kTileHeight, last});
    std::string value;
    rocksdb::Status s =
        db_->Get(rocksdb::ReadOptions(), merkle_, TileKey(slot.tile), &value);
    if (s.IsNotFound()) {
      return absl::DataLossError(
          absl::StrCat("store of size ", size, " lacks Merkle tile (level ",
                       slot.tile.level, ", index ", slot.tile.index, ")"));
    }
    KP_RETURN_IF_ERROR(FromRocksDb(s, "cannot read Merkle tile"));
    KP_ASSIGN_OR_RETURN(Tile tile, Tile::Decode(slot.tile, value));
    tiles.push_back(std::move(tile));
  }
  return tiles;
}

TreeHead Store::head() const {
  absl::MutexLock lock(&mu_);
  return head_;
}

std::string Store::genesis_hash() const {
  absl::MutexLock lock(&mu_);
  return genesis_hash_;
}

uint64_t Store::staged_size() const {
  absl::MutexLock lock(&stage_mu_);
  return staged_range_.size();
}

std::string Store::applied_position() const {
  absl::MutexLock lock(&mu_);
  return applied_position_;
}

absl::StatusOr<std::string> Store::GetLeaf(uint64_t index) const {
  const uint64_t size = this->size();
  if (index >= size) {
    return absl::OutOfRangeError(absl::StrCat(
        "entry ", index, " is past the log's end (size ", size, ")"));
  }
  std::string leaf;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), entries_, EntryKey(index), &leaf);
  if (s.IsNotFound()) {
    return absl::DataLossError(
        absl::StrCat("entry ", index, " is missing from a log of size ", size));
  }
  KP_RETURN_IF_ERROR(FromRocksDb(s, absl::StrCat("cannot read entry ", index)));
  return leaf;
}

absl::StatusOr<uint64_t> Store::FindEvent(absl::string_view event_id) const {
  KP_ASSIGN_OR_RETURN(std::vector<std::optional<uint64_t>> found,
                      FindEvents({std::string(event_id)}));
  if (!found[0].has_value()) {
    return absl::NotFoundError(absl::StrCat("no event ", event_id));
  }
  return *found[0];
}

absl::StatusOr<std::vector<std::optional<uint64_t>>> Store::FindEvents(
    const std::vector<std::string>& event_ids) const {
  std::vector<std::string> raw(event_ids.size());
  for (size_t i = 0; i < event_ids.size(); ++i) {
    KP_ASSIGN_OR_RETURN(raw[i], EventIdKey(event_ids[i]));
  }
  // Read the size first: an Append in progress writes the index before it
  // publishes the new size, and until then its events are not in the log.
  const uint64_t log_size = size();
  KP_ASSIGN_OR_RETURN(std::vector<std::optional<uint64_t>> found,
                      ReadEventIndex(raw, [&](size_t i) -> absl::string_view {
                        return event_ids[i];
                      }));
  for (std::optional<uint64_t>& index : found) {
    if (index.has_value() && *index >= log_size) index.reset();
  }
  return found;
}

absl::StatusOr<std::vector<std::optional<uint64_t>>> Store::ReadEventIndex(
    const std::vector<std::string>& raw_ids,
    absl::FunctionRef<absl::string_view(size_t)> hex_id) const {
  auto [values, statuses] = MultiGet(db_.get(), event_index_, raw_ids);
  std::vector<std::optional<uint64_t>> found(raw_ids.size());
  for (size_t i = 0; i < raw_ids.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    KP_RETURN_IF_ERROR(FromRocksDb(statuses[i], "cannot read event index"));
    if (values[i].size() != 8) {
      return absl::DataLossError(
          absl::StrCat("event index entry for ", base::ShortHex(hex_id(i)),
                       " has ", values[i].size(), " bytes, want 8"));
    }
    found[i] = DecodeU64(ToView(values[i]));
  }
  return found;
}

absl::StatusOr<std::string> Store::GetState(absl::string_view key) const {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), state_, ToSlice(key), &value);
  if (s.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("no state record ", key));
  }
  KP_RETURN_IF_ERROR(FromRocksDb(s, "cannot read state"));
  return value;
}

absl::StatusOr<std::vector<std::optional<std::string>>> Store::GetStates(
    const std::vector<std::string>& keys) const {
  auto [values, statuses] = MultiGet(db_.get(), state_, keys);
  std::vector<std::optional<std::string>> found(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    KP_RETURN_IF_ERROR(FromRocksDb(statuses[i], "cannot read state"));
    found[i] = values[i].ToString();
  }
  return found;
}

absl::Status Store::ScanState(
    absl::string_view prefix, absl::string_view start_after,
    absl::FunctionRef<bool(absl::string_view, absl::string_view)> fn) const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), state_));
  if (start_after.empty()) {
    it->Seek(ToSlice(prefix));
  } else {
    it->Seek(ToSlice(start_after));
    if (it->Valid() && ToView(it->key()) == start_after) it->Next();
  }
  for (; it->Valid(); it->Next()) {
    const absl::string_view key = ToView(it->key());
    if (!absl::StartsWith(key, prefix)) break;
    if (!fn(key, ToView(it->value()))) break;
  }
  return FromRocksDb(it->status(), "cannot scan state");
}

absl::StatusOr<std::vector<merkle::Hash>> Store::ReadNodes(
    const std::vector<merkle::NodeId>& ids) const {
  // One read per distinct tile; a proof touches a few tiles per 8 levels.
  std::vector<TileSlot> slots;
  slots.reserve(ids.size());
  std::vector<TileId> tiles;
  std::vector<size_t> tile_of(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    slots.push_back(Locate(ids[i]));
    size_t t = 0;
    while (t < tiles.size() && !(tiles[t] == slots[i].tile)) ++t;
    if (t == tiles.size()) tiles.push_back(slots[i].tile);
    tile_of[i] = t;
  }
  std::vector<std::string> key_bytes;
  key_bytes.reserve(tiles.size());
  for (const TileId& t : tiles) key_bytes.push_back(TileKey(t));
  auto [values, statuses] = MultiGet(db_.get(), merkle_, key_bytes);
  for (size_t t = 0; t < tiles.size(); ++t) {
    if (statuses[t].IsNotFound()) {
      return absl::DataLossError(absl::StrCat("Merkle tile (level ",
                                              tiles[t].level, ", index ",
                                              tiles[t].index, ") is missing"));
    }
    KP_RETURN_IF_ERROR(FromRocksDb(statuses[t], "cannot read Merkle tile"));
  }
  std::vector<merkle::Hash> out(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    absl::Status s = Tile::ReadNode(slots[i].tile, ToView(values[tile_of[i]]),
                                    slots[i].row, slots[i].pos, &out[i]);
    if (!s.ok()) {
      return absl::DataLossError(
          absl::StrCat("Merkle node (level ", ids[i].level, ", index ",
                       ids[i].index, ") is missing: ", s.message()));
    }
  }
  return out;
}

absl::StatusOr<merkle::Hash> Store::RootAt(uint64_t tree_size) const {
  const TreeHead head = this->head();
  if (tree_size > head.size) {
    return absl::OutOfRangeError(absl::StrCat(
        "tree size ", tree_size, " is past the log's size ", head.size));
  }
  if (tree_size == head.size) return head.root;
  return merkle::RootAt(tree_size,
                        [this](const std::vector<merkle::NodeId>& ids) {
                          return ReadNodes(ids);
                        });
}

absl::StatusOr<std::vector<merkle::Hash>> Store::InclusionProof(
    uint64_t index, uint64_t tree_size) const {
  const uint64_t size = this->size();
  if (tree_size > size) {
    return absl::OutOfRangeError(absl::StrCat(
        "tree size ", tree_size, " is past the log's size ", size));
  }
  return merkle::InclusionProof(index, tree_size,
                                [this](const std::vector<merkle::NodeId>& ids) {
                                  return ReadNodes(ids);
                                });
}

absl::StatusOr<std::vector<merkle::Hash>> Store::ConsistencyProof(
    uint64_t old_size, uint64_t new_size) const {
  const uint64_t size = this->size();
  if (new_size > size) {
    return absl::OutOfRangeError(
        absl::StrCat("tree size ", new_size, " is past the log's size ", size));
  }
  return merkle::ConsistencyProof(
      old_size, new_size, [this](const std::vector<merkle::NodeId>& ids) {
        return ReadNodes(ids);
      });
}

absl::Status Store::ScanEntries(
    absl::FunctionRef<absl::Status(uint64_t, absl::string_view)> fn) const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), entries_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const rocksdb::Slice key = it->key();
    if (key.size() != kEntryKeySize) {
      return absl::DataLossError(absl::StrCat("entries family holds a key of ",
                                              key.size(), " bytes, want 8"));
    }
    KP_RETURN_IF_ERROR(
        fn(DecodeU64(absl::string_view(key.data(), key.size())),
           absl::string_view(it->value().data(), it->value().size())));
  }
  return FromRocksDb(it->status(), "cannot scan entries");
}

}  // namespace kpledger::store
