#include "ledger/store/tile.h"

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::store {
namespace {

using ::kpledger::testing::StatusIs;

merkle::Hash Node(uint32_t level, uint64_t index) {
  return merkle::HashLeaf(std::to_string(level) + "/" + std::to_string(index));
}

TEST(TileTest, LocatesNodesInTheirTileRowAndPosition) {
  TileSlot s = Locate(merkle::NodeId{0, 300});
  EXPECT_EQ(s.tile, (TileId{0, 1}));
  EXPECT_EQ(s.row, 0u);
  EXPECT_EQ(s.pos, 44u);
  s = Locate(merkle::NodeId{7, 5});  // leaves 640..767: tile 2, row 7
  EXPECT_EQ(s.tile, (TileId{0, 2}));
  EXPECT_EQ(s.row, 7u);
  EXPECT_EQ(s.pos, 1u);
  s = Locate(merkle::NodeId{8, 0});  // first node of tile level 1
  EXPECT_EQ(s.tile, (TileId{1, 0}));
  EXPECT_EQ(s.row, 0u);
  s = Locate(merkle::NodeId{17, 3});
  EXPECT_EQ(s.tile, (TileId{2, 0}));
  EXPECT_EQ(s.row, 1u);
  EXPECT_EQ(s.pos, 3u);
}

TEST(TileTest, PartialTileEncodesAndDecodesRowByRow) {
  Tile tile(TileId{0, 0});
  // 5 leaves: row 0 has 5 nodes, row 1 has 2, row 2 has 1.
  for (uint64_t i = 0; i < 5; ++i) {
    tile.Add(Locate({0, i}), Node(0, i));
    if (i % 2 == 1) tile.Add(Locate({1, i / 2}), Node(1, i / 2));
    if (i == 3) tile.Add(Locate({2, 0}), Node(2, 0));
  }
  const std::string value = tile.Encode();
  EXPECT_EQ(value.size(), 2 + (5 + 2 + 1) * 32u);
  KP_ASSERT_OK_AND_ASSIGN(Tile back, Tile::Decode(TileId{0, 0}, value));
  merkle::Hash h;
  ASSERT_TRUE(back.Get(1, 1, &h));
  EXPECT_EQ(h, Node(1, 1));
  EXPECT_FALSE(back.Get(1, 2, &h));
  KP_ASSERT_OK(Tile::ReadNode(TileId{0, 0}, value, 2, 0, &h));
  EXPECT_EQ(h, Node(2, 0));
  EXPECT_THAT(Tile::ReadNode(TileId{0, 0}, value, 3, 0, &h),
              StatusIs(absl::StatusCode::kNotFound, "has no node at row 3"));
}

// --- Corruptions ---

TEST(TileTest, TruncatedTileIsDataLoss) {
  Tile tile(TileId{1, 4});
  tile.Add(Locate({8, 1024}), Node(8, 1024));
  const std::string value = tile.Encode();
  EXPECT_THAT(Tile::Decode(TileId{1, 4}, value.substr(0, value.size() - 1)),
              StatusIs(absl::StatusCode::kDataLoss,
                       "Merkle tile (level 1, index 4) has width 1 and 33 "
                       "bytes, want 34"));
}

TEST(TileTest, WidthPastTwoHundredFiftySixIsDataLoss) {
  merkle::Hash h;
  EXPECT_THAT(
      Tile::ReadNode(TileId{0, 0}, std::string("\x01\x01", 2), 0, 0, &h),
      StatusIs(absl::StatusCode::kDataLoss, "has width 257"));
}

}  // namespace
}  // namespace kpledger::store
