// RocksDB layout of a kpledger store: one column family per kind of record.
//
//   family       key                              value
//   entries      index: u64be                     leaf (ledger/entry/leaf.h)
//   event_index  event id: 32 raw bytes           index: u64be
//   state        record key (rules/state_keys.h)  record (a protobuf)
//   merkle       tile level: u8, index: u64be     tile (ledger/store/tile.h)
//   meta         "format"                         "kpledger-store/1"
//                "tree_size"                      u64be
//                "genesis_hash"                   32 raw bytes: entry 0's id
//                "applied_position"               opaque sequencer position
//
// Big-endian integers make RocksDB's bytewise order the numeric order, so a
// scan of `entries` is log order. Only perfect subtrees are stored, 8 tree
// levels to a tile (ledger/store/tile.h). Every record
// of a batch, `tree_size` and `applied_position` included, is written in one
// WriteBatch. Page: docs/formats/store.md.
#ifndef KPLEDGER_LEDGER_STORE_KEYS_H_
#define KPLEDGER_LEDGER_STORE_KEYS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kpledger::store {

inline constexpr absl::string_view kEntriesFamily = "entries";
inline constexpr absl::string_view kEventIndexFamily = "event_index";
inline constexpr absl::string_view kStateFamily = "state";
inline constexpr absl::string_view kMerkleFamily = "merkle";
inline constexpr absl::string_view kMetaFamily = "meta";

inline constexpr absl::string_view kFormatKey = "format";
inline constexpr absl::string_view kFormatValue = "kpledger-store/1";
inline constexpr absl::string_view kTreeSizeKey = "tree_size";
inline constexpr absl::string_view kGenesisHashKey = "genesis_hash";
inline constexpr absl::string_view kAppliedPositionKey = "applied_position";

inline constexpr size_t kEntryKeySize = 8;

std::string EntryKey(uint64_t index);
std::string EncodeU64(uint64_t v);
// REQUIRES: bytes.size() == 8.
uint64_t DecodeU64(absl::string_view bytes);
// The event_index key of an event id (64 lowercase hex digits): its 32 raw
// bytes. InvalidArgument names what is wrong with any other string.
absl::StatusOr<std::string> EventIdKey(absl::string_view event_id);

}  // namespace kpledger::store

#endif  // KPLEDGER_LEDGER_STORE_KEYS_H_
