// Store::Stage, Store::Commit and Store::Append: how batches enter the log.
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/encoding.h"
#include "ledger/base/status_macros.h"
#include "ledger/store/keys.h"
#include "ledger/store/rocksdb_glue.h"
#include "ledger/store/store.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace kpledger::store {
namespace {

// Builds a batch's tile records: files each new perfect node in its tile;
// a tile the batch moves past is full and is written at once, the edge
// tiles once at the end.
class TileWriter {
 public:
  TileWriter(std::vector<Tile> tiles, rocksdb::WriteBatch* wb,
             rocksdb::ColumnFamilyHandle* family)
      : tiles_(std::move(tiles)),
        dirty_(tiles_.size(), false),
        wb_(wb),
        family_(family) {}

  void Add(const merkle::NodeId& id, const merkle::Hash& h) {
    const TileSlot slot = Locate(id);
    const uint32_t t = slot.tile.level;
    if (t == tiles_.size()) {
      tiles_.emplace_back(slot.tile);
      dirty_.push_back(false);
    } else if (!(tiles_[t].id() == slot.tile)) {
      if (dirty_[t]) Put(tiles_[t]);
      tiles_[t] = Tile(slot.tile);
    }
    tiles_[t].Add(slot, h);
    dirty_[t] = true;
  }

  // Writes the edge tiles the batch changed; returns them for the next batch.
  std::vector<Tile> Finish() {
    for (size_t t = 0; t < tiles_.size(); ++t) {
      if (dirty_[t]) Put(tiles_[t]);
    }
    return std::move(tiles_);
  }

 private:
  void Put(const Tile& tile) {
    wb_->Put(family_, TileKey(tile.id()), tile.Encode());
  }

  std::vector<Tile> tiles_;
  std::vector<bool> dirty_;
  rocksdb::WriteBatch* wb_;
  rocksdb::ColumnFamilyHandle* family_;
};

}  // namespace

StagedBatch::StagedBatch() = default;
StagedBatch::StagedBatch(StagedBatch&&) noexcept = default;
StagedBatch& StagedBatch::operator=(StagedBatch&&) noexcept = default;
StagedBatch::~StagedBatch() = default;

absl::Status Store::CheckNotBroken() const {
  absl::MutexLock lock(&mu_);
  if (broken_.ok()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "store must be reopened after a failed commit: ", broken_.message()));
}

absl::Status Store::CheckNewEventIds(const Batch& batch,
                                     std::vector<std::string>* raw_ids) const {
  raw_ids->reserve(batch.entries.size());
  for (const PendingEntry& e : batch.entries) {
    KP_ASSIGN_OR_RETURN(std::string raw, EventIdKey(e.event_id));
    raw_ids->push_back(std::move(raw));
  }
  std::vector<absl::string_view> sorted(raw_ids->begin(), raw_ids->end());
  std::sort(sorted.begin(), sorted.end());
  auto dup = std::adjacent_find(sorted.begin(), sorted.end());
  if (dup != sorted.end()) {
    return absl::AlreadyExistsError(
        absl::StrCat("event ", base::ShortHex(base::HexEncode(*dup)),
                     " is twice in the batch"));
  }
  // Batches still committing first, then the log: a batch leaves the
  // pending set only after it is in the log, so no id slips between.
  {
    absl::MutexLock lock(&mu_);
    for (size_t i = 0; i < raw_ids->size(); ++i) {
      if (pending_ids_.count((*raw_ids)[i]) > 0) {
        return absl::AlreadyExistsError(
            absl::StrCat("event ", base::ShortHex(batch.entries[i].event_id),
                         " is in a batch still being committed"));
      }
    }
    // Every batch committed with entries grows the log: the caller's look
    // covers every id the index holds unless it holds more entries.
    if (batch.ids_absent_below.has_value() &&
        *batch.ids_absent_below >= head_.size) {
      return absl::OkStatus();
    }
  }
  KP_ASSIGN_OR_RETURN(
      std::vector<std::optional<uint64_t>> found,
      ReadEventIndex(*raw_ids, [&](size_t i) -> absl::string_view {
        return batch.entries[i].event_id;
      }));
  for (size_t i = 0; i < found.size(); ++i) {
    if (!found[i].has_value()) continue;
    return absl::AlreadyExistsError(
        absl::StrCat("event ", base::ShortHex(batch.entries[i].event_id),
                     " is already entry ", *found[i]));
  }
  return absl::OkStatus();
}

absl::StatusOr<StagedBatch> Store::Stage(const Batch& batch) {
  if (batch.ledger_time.nanos >= 1000000000u) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ledger time nanos ", batch.ledger_time.nanos, ", want < 1e9"));
  }
  absl::MutexLock stage_lock(&stage_mu_);
  KP_RETURN_IF_ERROR(CheckNotBroken());
  StagedBatch staged;
  KP_RETURN_IF_ERROR(CheckNewEventIds(batch, &staged.raw_ids_));

  staged.write_ = std::make_unique<rocksdb::WriteBatch>();
  rocksdb::WriteBatch& wb = *staged.write_;
  merkle::CompactRange range = staged_range_;
  TileWriter tiles(staged_tiles_, &wb, merkle_);
  const uint64_t first = range.size();
  for (size_t i = 0; i < batch.entries.size(); ++i) {
    const uint64_t index = first + i;
    const std::string leaf =
        entry::EncodeLeaf(index, batch.ledger_time, batch.entries[i].envelope);
    wb.Put(entries_, EntryKey(index), leaf);
    wb.Put(event_index_, staged.raw_ids_[i], EncodeU64(index));
    range.Append(merkle::HashLeaf(leaf),
                 [&](const merkle::NodeId& id, const merkle::Hash& h) {
                   tiles.Add(id, h);
                 });
  }
  std::vector<Tile> edge_tiles = tiles.Finish();
  for (const StateRecord& record : batch.state) {
    wb.Put(state_, ToSlice(record.key), record.value);
  }
  wb.Put(meta_, ToSlice(kTreeSizeKey), EncodeU64(range.size()));
  if (first == 0 && !batch.entries.empty()) {
    staged.genesis_hash_ = batch.entries[0].event_id;
    wb.Put(meta_, ToSlice(kGenesisHashKey), staged.raw_ids_[0]);
  }
  if (!batch.applied_position.empty()) {
    staged.applied_position_ = batch.applied_position;
    wb.Put(meta_, ToSlice(kAppliedPositionKey), batch.applied_position);
  }
  staged.head_ = TreeHead{range.size(), range.Root()};
  staged.seq_ = next_stage_seq_++;
  staged.sync_ = batch.sync;
  staged_range_ = std::move(range);
  staged_tiles_ = std::move(edge_tiles);
  absl::MutexLock lock(&mu_);
  pending_ids_.insert(staged.raw_ids_.begin(), staged.raw_ids_.end());
  return staged;
}

absl::StatusOr<TreeHead> Store::Commit(StagedBatch batch) {
  absl::MutexLock commit_lock(&commit_mu_);
  KP_RETURN_IF_ERROR(CheckNotBroken());
  if (batch.seq_ != next_commit_seq_) {
    absl::Status out_of_order = absl::FailedPreconditionError(
        absl::StrCat("batch staged as number ", batch.seq_,
                     " committed when number ", next_commit_seq_, " is next"));
    absl::MutexLock lock(&mu_);
    broken_ = out_of_order;
    return out_of_order;
  }
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync && batch.sync_;
  absl::Status written =
      FromRocksDb(db_->Write(wo, batch.write_.get()), "cannot append batch");
  absl::MutexLock lock(&mu_);
  if (!written.ok()) {
    broken_ = written;
    return written;
  }
  ++next_commit_seq_;
  for (const std::string& id : batch.raw_ids_) pending_ids_.erase(id);
  head_ = batch.head_;
  if (!batch.genesis_hash_.empty()) genesis_hash_ = batch.genesis_hash_;
  if (!batch.applied_position_.empty()) {
    applied_position_ = batch.applied_position_;
  }
  return head_;
}

absl::Status Store::Sync() {
  if (!options_.sync) return absl::OkStatus();
  KP_RETURN_IF_ERROR(CheckNotBroken());
  return FromRocksDb(db_->SyncWAL(), "cannot sync the write-ahead log");
}

absl::StatusOr<TreeHead> Store::Append(const Batch& batch) {
  KP_ASSIGN_OR_RETURN(StagedBatch staged, Stage(batch));
  return Commit(std::move(staged));
}

}  // namespace kpledger::store
