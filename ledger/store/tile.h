// Merkle tiles: how the store keeps perfect Merkle nodes in RocksDB, 8 levels
// to a record, so an append writes a few records per batch instead of two
// per leaf, and a proof reads a few records instead of two per level.
//
// Tile (tile_level T, tile_index N) holds the perfect nodes at tree levels
// 8T .. 8T+7 below the would-be node (8T+8, N): at in-tile row k (tree
// level 8T+k), the nodes with index in [N * 2^(8-k), (N+1) * 2^(8-k)).
// A tile fills from the left; its width w (1..256) is how many row-0 nodes
// it holds, and row k then holds floor(w / 2^k) nodes.
//
//   tile value := width:u16be row_0 row_1 ... row_7
//   row_k      := hash[floor(width / 2^k)]       (32 bytes each, left to right)
//
// Key: tile_level:u8 tile_index:u64be (9 bytes). Page: docs/formats/store.md.
// Thread-safe: pure functions and value types.
#ifndef KPLEDGER_LEDGER_STORE_TILE_H_
#define KPLEDGER_LEDGER_STORE_TILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ledger/merkle/hasher.h"
#include "ledger/merkle/node_id.h"

namespace kpledger::store {

inline constexpr uint32_t kTileHeight = 8;
inline constexpr uint32_t kTileWidth = 1u << kTileHeight;  // 256

struct TileId {
  uint32_t level = 0;  // tile level T: tree levels 8T .. 8T+7
  uint64_t index = 0;  // tile index N
  bool operator==(const TileId& o) const {
    return level == o.level && index == o.index;
  }
};

// Where a perfect node lives: its tile, its row k and its position in it.
struct TileSlot {
  TileId tile;
  uint32_t row = 0;
  uint64_t pos = 0;
};

TileSlot Locate(const merkle::NodeId& id);
std::string TileKey(const TileId& id);

// A tile's nodes, row by row. Appending node by node in log order keeps the
// rows consistent with the width.
class Tile {
 public:
  Tile() = default;
  explicit Tile(TileId id) : id_(id) {}

  const TileId& id() const { return id_; }
  uint32_t width() const { return static_cast<uint32_t>(rows_[0].size()); }
  bool full() const { return width() == kTileWidth; }

  // Adds the node at `slot`. REQUIRES: slot.tile == id() and slot.pos is the
  // next position of its row (nodes arrive in log order).
  void Add(const TileSlot& slot, const merkle::Hash& h);
  // The node at row/pos, or false if the tile does not hold it.
  bool Get(uint32_t row, uint64_t pos, merkle::Hash* out) const;

  std::string Encode() const;
  // DataLoss if the value is not a well-formed tile.
  static absl::StatusOr<Tile> Decode(const TileId& id, absl::string_view value);
  // Reads one node straight from an encoded tile, without decoding the rest:
  // NotFound if the tile does not hold it yet, DataLoss if malformed.
  static absl::Status ReadNode(const TileId& id, absl::string_view value,
                               uint32_t row, uint64_t pos, merkle::Hash* out);
  // Byte offset of a node in an encoded tile of `width`.
  static size_t EncodedOffset(uint32_t width, uint32_t row, uint64_t pos);

 private:
  TileId id_;
  std::vector<merkle::Hash> rows_[kTileHeight];
};

}  // namespace kpledger::store

#endif  // KPLEDGER_LEDGER_STORE_TILE_H_
