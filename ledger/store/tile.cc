#include "ledger/store/tile.h"

#include <cassert>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/encoding.h"

namespace kpledger::store {

TileSlot Locate(const merkle::NodeId& id) {
  TileSlot slot;
  slot.tile.level = id.level / kTileHeight;
  slot.row = id.level % kTileHeight;
  const uint32_t shift = kTileHeight - slot.row;
  slot.tile.index = id.index >> shift;
  slot.pos = id.index - (slot.tile.index << shift);
  return slot;
}

std::string TileKey(const TileId& id) {
  std::string key;
  key.push_back(static_cast<char>(id.level));
  base::PutFixed64BE(&key, id.index);
  return key;
}

void Tile::Add(const TileSlot& slot, const merkle::Hash& h) {
  assert(slot.tile == id_);
  assert(slot.pos == rows_[slot.row].size());
  rows_[slot.row].push_back(h);
}

bool Tile::Get(uint32_t row, uint64_t pos, merkle::Hash* out) const {
  if (row >= kTileHeight || pos >= rows_[row].size()) return false;
  *out = rows_[row][pos];
  return true;
}

std::string Tile::Encode() const {
  std::string out;
  const uint32_t w = width();
  out.reserve(2 + 2 * w * merkle::kHashSize);
  out.push_back(static_cast<char>(w >> 8));
  out.push_back(static_cast<char>(w & 0xff));
  for (uint32_t k = 0; k < kTileHeight; ++k) {
    assert(rows_[k].size() == (w >> k));
    for (const merkle::Hash& h : rows_[k]) {
      out.append(reinterpret_cast<const char*>(h.data()), h.size());
    }
  }
  return out;
}

size_t Tile::EncodedOffset(uint32_t width, uint32_t row, uint64_t pos) {
  size_t before = 0;
  for (uint32_t k = 0; k < row; ++k) before += width >> k;
  return 2 + (before + pos) * merkle::kHashSize;
}

namespace {

std::string Where(const TileId& id) {
  return absl::StrCat("Merkle tile (level ", id.level, ", index ", id.index,
                      ")");
}

// The width of an encoded tile, checked against its length.
absl::StatusOr<uint32_t> EncodedWidth(const TileId& id,
                                      absl::string_view value) {
  if (value.size() < 2) {
    return absl::DataLossError(absl::StrCat(Where(id), " has ", value.size(),
                                            " bytes, too short for a tile"));
  }
  const uint32_t w =
      (static_cast<uint8_t>(value[0]) << 8) | static_cast<uint8_t>(value[1]);
  const size_t want = Tile::EncodedOffset(w, kTileHeight, 0);
  if (w == 0 || w > kTileWidth || value.size() != want) {
    return absl::DataLossError(absl::StrCat(Where(id), " has width ", w,
                                            " and ", value.size(),
                                            " bytes, want ", want));
  }
  return w;
}

}  // namespace

absl::Status Tile::ReadNode(const TileId& id, absl::string_view value,
                            uint32_t row, uint64_t pos, merkle::Hash* out) {
  absl::StatusOr<uint32_t> w = EncodedWidth(id, value);
  if (!w.ok()) return w.status();
  if (row >= kTileHeight || pos >= (*w >> row)) {
    return absl::NotFoundError(absl::StrCat(Where(id), " of width ", *w,
                                            " has no node at row ", row,
                                            ", position ", pos));
  }
  std::memcpy(out->data(), value.data() + EncodedOffset(*w, row, pos),
              merkle::kHashSize);
  return absl::OkStatus();
}

absl::StatusOr<Tile> Tile::Decode(const TileId& id, absl::string_view value) {
  absl::StatusOr<uint32_t> width = EncodedWidth(id, value);
  if (!width.ok()) return width.status();
  const uint32_t w = *width;
  Tile tile(id);
  const char* p = value.data() + 2;
  for (uint32_t k = 0; k < kTileHeight; ++k) {
    tile.rows_[k].resize(w >> k);
    for (merkle::Hash& h : tile.rows_[k]) {
      std::memcpy(h.data(), p, merkle::kHashSize);
      p += merkle::kHashSize;
    }
  }
  return tile;
}

}  // namespace kpledger::store
