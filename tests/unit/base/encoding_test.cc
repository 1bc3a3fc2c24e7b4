#include "ledger/base/encoding.h"

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::base {
namespace {

using ::kpledger::testing::StatusIs;

TEST(EncodingTest, HexRoundTripsAndIsLowercase) {
  const std::string bytes("\x00\xab\xff\x10", 4);
  EXPECT_EQ(HexEncode(bytes), "00abff10");
  KP_ASSERT_OK_AND_ASSIGN(std::string back, HexDecode("00ABff10"));
  EXPECT_EQ(back, bytes);
}

TEST(EncodingTest, Base64MatchesRfc4648Vectors) {
  // RFC 4648 §10.
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  KP_ASSERT_OK_AND_ASSIGN(std::string back, Base64Decode("Zm9vYg=="));
  EXPECT_EQ(back, "foob");
}

TEST(EncodingTest, BigEndianFixedWidth) {
  std::string out;
  PutFixed64BE(&out, 0x0102030405060708ull);
  PutFixed32BE(&out, 0xa0b0c0d0u);
  EXPECT_EQ(HexEncode(out), "0102030405060708a0b0c0d0");
  EXPECT_EQ(DecodeFixed64BE(out.data()), 0x0102030405060708ull);
  EXPECT_EQ(DecodeFixed32BE(out.data() + 8), 0xa0b0c0d0u);
}

// --- Refusals ---

TEST(EncodingTest, HexWithOddLengthIsRefused) {
  EXPECT_THAT(HexDecode("abc", "event id"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "event id has odd length 3"));
}

TEST(EncodingTest, HexWithNonHexCharacterIsRefused) {
  EXPECT_THAT(HexDecode("zz"),
              StatusIs(absl::StatusCode::kInvalidArgument, "is not hex"));
}

TEST(EncodingTest, Base64WithoutPaddingOrWithGarbageIsRefused) {
  EXPECT_THAT(Base64Decode("Zg"),
              StatusIs(absl::StatusCode::kInvalidArgument, "not valid base64"));
  EXPECT_THAT(Base64Decode("Zm9v!mFy"),
              StatusIs(absl::StatusCode::kInvalidArgument, "not valid base64"));
}

}  // namespace
}  // namespace kpledger::base
