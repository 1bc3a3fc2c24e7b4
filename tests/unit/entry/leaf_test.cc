#include "ledger/entry/leaf.h"

#include "gtest/gtest.h"
#include "ledger/base/encoding.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::entry {
namespace {

using ::kpledger::testing::StatusIs;

// Golden vector of docs/formats/entry.md: entry 5 at 2026-09-01T00:00:00.5Z
// carrying the 3-byte envelope "abc".
constexpr char kGoldenHex[] =
    "01"                // version
    "0000000000000005"  // index
    "000000006a961580"  // seconds 1788220800
    "1dcd6500"          // nanos 500000000
    "00000003"          // envelope length
    "616263";           // envelope

TEST(LeafTest, EncodesTheDocumentedLayout) {
  const std::string leaf =
      EncodeLeaf(5, LedgerTime{1788220800, 500000000}, "abc");
  EXPECT_EQ(base::HexEncode(leaf), kGoldenHex);
}

TEST(LeafTest, DecodesWhatItEncodes) {
  const std::string leaf = EncodeLeaf(42, LedgerTime{-1, 7}, "envelope");
  KP_ASSERT_OK_AND_ASSIGN(LeafView view, DecodeLeaf(leaf));
  EXPECT_EQ(view.index, 42u);
  EXPECT_EQ(view.time, (LedgerTime{-1, 7}));
  EXPECT_EQ(view.envelope, "envelope");
}

// --- Corruptions ---

TEST(LeafTest, ShortHeaderIsDataLoss) {
  EXPECT_THAT(DecodeLeaf(std::string("\x01\x00", 2)),
              StatusIs(absl::StatusCode::kDataLoss,
                       "leaf has 2 bytes, shorter than its 25-byte header"));
}

TEST(LeafTest, UnknownVersionIsDataLoss) {
  std::string leaf = EncodeLeaf(1, LedgerTime{1, 0}, "x");
  leaf[0] = 0x02;
  EXPECT_THAT(DecodeLeaf(leaf),
              StatusIs(absl::StatusCode::kDataLoss, "version 2, want 1"));
}

TEST(LeafTest, TruncatedEnvelopeIsDataLoss) {
  const std::string leaf = EncodeLeaf(9, LedgerTime{1, 0}, "abcdef");
  EXPECT_THAT(DecodeLeaf(leaf.substr(0, leaf.size() - 2)),
              StatusIs(absl::StatusCode::kDataLoss,
                       "leaf 9 says its envelope has 6 bytes, but 4 follow"));
}

TEST(LeafTest, TrailingBytesAreDataLoss) {
  const std::string leaf = EncodeLeaf(9, LedgerTime{1, 0}, "abc") + "zz";
  EXPECT_THAT(DecodeLeaf(leaf), StatusIs(absl::StatusCode::kDataLoss,
                                         "has 3 bytes, but 5 follow"));
}

TEST(LeafTest, NanosOutOfRangeIsDataLoss) {
  std::string leaf = EncodeLeaf(3, LedgerTime{1, 0}, "x");
  leaf[17] = '\x7f';
  EXPECT_THAT(DecodeLeaf(leaf),
              StatusIs(absl::StatusCode::kDataLoss, "want < 1e9"));
}

}  // namespace
}  // namespace kpledger::entry
