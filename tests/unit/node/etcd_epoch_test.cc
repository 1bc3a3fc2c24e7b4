#include "node/sequencer/etcd_epoch.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kpledger::node {
namespace {

using ::testing::HasSubstr;

const std::string kRoot(32, '\x07');
const std::string kOtherRoot(32, '\x08');

EtcdEpoch Epoch(uint64_t number, uint64_t tree_size, uint64_t start) {
  EtcdEpoch e;
  e.number = number;
  e.tree_size = tree_size;
  e.root = kRoot;
  e.start_revision = start;
  return e;
}

TEST(EtcdEpochTest, PositionsIncreaseAcrossEpochsAndEpochZeroIsTheRevision) {
  EXPECT_EQ(EtcdPosition(0, 41), 41u);
  EXPECT_LT(EtcdPosition(0, kMaxEpochRevision), EtcdPosition(1, 1));
  EXPECT_LT(EtcdPosition(1, 900), EtcdPosition(2, 3));
  const uint64_t p = EtcdPosition(3, 12345);
  EXPECT_EQ(EpochOf(p), 3u);
  EXPECT_EQ(RevisionOf(p), 12345u);
  EXPECT_EQ(DescribeEtcdPosition(41), "revision 41");
  EXPECT_EQ(DescribeEtcdPosition(p), "revision 12345 of etcd epoch 3");
}

TEST(EtcdEpochTest, ARecordReadsBackAsWritten) {
  const EtcdEpoch e = Epoch(2, 1500, 0);
  const std::string value = FormatEtcdEpoch(e);
  EXPECT_EQ(value,
            absl::StrCat("kpledger etcd epoch\n2\n1500\n",
                         "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n"));
  absl::StatusOr<EtcdEpoch> back = ParseEtcdEpoch(value, 77);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->number, 2u);
  EXPECT_EQ(back->tree_size, 1500u);
  EXPECT_EQ(back->root, kRoot);
  EXPECT_EQ(back->start_revision, 77u);
  EXPECT_EQ(back->start_position(), EtcdPosition(2, 77));
}

TEST(EtcdEpochTest, AMalformedRecordIsRefusedNamingWhatIsWrong) {
  const std::string root = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";
  struct Case {
    std::string value;
    std::string says;
  } cases[] = {
      {absl::StrCat("kpledger etcd epoch\n2\n1500\n", root), "newline"},
      {absl::StrCat("kpledger etcd epoch\n2\n", root, "\n"), "3 lines, not 4"},
      {absl::StrCat("kpledger epoch\n2\n1500\n", root, "\n"), "first line"},
      {absl::StrCat("kpledger etcd epoch\n0\n1500\n", root, "\n"),
       "epoch number \"0\""},
      {absl::StrCat("kpledger etcd epoch\n02\n1500\n", root, "\n"),
       "epoch number \"02\""},
      {absl::StrCat("kpledger etcd epoch\n16777216\n1500\n", root, "\n"),
       "epoch number \"16777216\""},
      {absl::StrCat("kpledger etcd epoch\n2\n0\n", root, "\n"),
       "tree size \"0\""},
      {absl::StrCat("kpledger etcd epoch\n2\n-5\n", root, "\n"),
       "tree size \"-5\""},
      {"kpledger etcd epoch\n2\n1500\nnot base64!\n", "root"},
      {"kpledger etcd epoch\n2\n1500\nBwcH\n", "3 bytes, not 32"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<EtcdEpoch> e = ParseEtcdEpoch(c.value, 5);
    ASSERT_FALSE(e.ok()) << c.value;
    EXPECT_TRUE(absl::IsInvalidArgument(e.status()));
    EXPECT_THAT(e.status().message(), HasSubstr("epoch record is malformed"));
    EXPECT_THAT(e.status().message(), HasSubstr(c.says)) << c.value;
  }
}

TEST(EtcdEpochTest, ANodeFollowsItsOwnEpochUnlessEtcdLostWhatItApplied) {
  const EtcdEpoch none;  // epoch 0: no record
  EXPECT_EQ(PlaceInEpoch(40, 9, kRoot, none, 40).standing,
            EpochStanding::kFollow);
  EXPECT_EQ(PlaceInEpoch(0, 1, kRoot, none, 1).standing,
            EpochStanding::kFollow);
  const EpochPlace behind = PlaceInEpoch(40, 9, kRoot, none, 12);
  EXPECT_EQ(behind.standing, EpochStanding::kBehind);
  EXPECT_THAT(behind.why, HasSubstr("etcd's revision 12 is behind"));
  EXPECT_THAT(behind.why, HasSubstr("--etcd-new-epoch"));

  const EtcdEpoch one = Epoch(1, 9, 3);
  EXPECT_EQ(PlaceInEpoch(EtcdPosition(1, 20), 15, kRoot, one, 25).standing,
            EpochStanding::kFollow);
  EXPECT_EQ(PlaceInEpoch(EtcdPosition(1, 20), 15, kRoot, one, 19).standing,
            EpochStanding::kBehind);
  // etcd restored from before epoch 2 began.
  const EpochPlace older =
      PlaceInEpoch(EtcdPosition(2, 5), 30, kRoot, one, 900);
  EXPECT_EQ(older.standing, EpochStanding::kBehind);
  EXPECT_THAT(older.why, HasSubstr("etcd holds epoch 1"));
}

TEST(EtcdEpochTest, ANewEpochIsEnteredOnlyFromExactlyItsStart) {
  const EtcdEpoch one = Epoch(1, 9, 3);
  EXPECT_EQ(PlaceInEpoch(40, 9, kRoot, one, 3).standing, EpochStanding::kEnter);
  // Behind the start: copy from a peer first.
  const EpochPlace short_log = PlaceInEpoch(35, 7, kOtherRoot, one, 3);
  EXPECT_EQ(short_log.standing, EpochStanding::kCatchUp);
  EXPECT_THAT(short_log.why, HasSubstr("holds 7"));
  // Past the start: etcd cannot extend this log.
  const EpochPlace past = PlaceInEpoch(44, 11, kRoot, one, 3);
  EXPECT_EQ(past.standing, EpochStanding::kPast);
  EXPECT_THAT(past.why, HasSubstr("starts on a log of 9 entries but this "
                                  "node holds 11"));
  // The same size, another history.
  const EpochPlace other = PlaceInEpoch(40, 9, kOtherRoot, one, 3);
  EXPECT_EQ(other.standing, EpochStanding::kPast);
  EXPECT_THAT(other.why, HasSubstr("holds another history"));
}

TEST(EtcdEpochTest, CompactionCountsEachNodeInTheEpochEtcdHolds) {
  const EtcdEpoch two = Epoch(2, 9, 300);
  EXPECT_EQ(RevisionDoneIn(EtcdPosition(2, 450), two), 450u);
  // Not entered yet: it needs every batch after the epoch's start.
  EXPECT_EQ(RevisionDoneIn(EtcdPosition(1, 9000), two), 300u);
  EXPECT_EQ(RevisionDoneIn(9000, two), 300u);
  // Past the epoch: etcd is behind it.
  EXPECT_EQ(RevisionDoneIn(EtcdPosition(3, 1), two), std::nullopt);
}

}  // namespace
}  // namespace kpledger::node
