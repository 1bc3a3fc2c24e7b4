#include "node/sequencer/compaction.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kpledger::node {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr int64_t kQuota = 1000;

CompactionInput Input(std::string me, std::map<std::string, uint64_t> progress,
                      int64_t in_use = 100) {
  CompactionInput in;
  in.progress = std::move(progress);
  in.nodes = {"customs", "lab", "vault"};
  in.node_name = std::move(me);
  auto own = in.progress.find(in.node_name);
  in.cosigned = own == in.progress.end() ? 0 : own->second;
  in.db_bytes_in_use = in_use;
  in.quota_bytes = kQuota;
  return in;
}

TEST(CompactionTest, TheNodeFurthestBehindCompactsAtItsProgress) {
  const std::map<std::string, uint64_t> progress = {
      {"customs", 90}, {"lab", 40}, {"vault", 70}};
  EXPECT_EQ(PlanCompaction(Input("lab", progress)).revision, 40);
  EXPECT_FALSE(PlanCompaction(Input("lab", progress)).forced);
  // The others leave it to the lab: one compaction per revision.
  EXPECT_EQ(PlanCompaction(Input("customs", progress)).revision, 0);
  EXPECT_EQ(PlanCompaction(Input("vault", progress)).revision, 0);
}

TEST(CompactionTest, ATieGoesToTheFirstInGenesisOrder) {
  const std::map<std::string, uint64_t> progress = {
      {"customs", 50}, {"lab", 50}, {"vault", 50}};
  EXPECT_EQ(PlanCompaction(Input("customs", progress)).revision, 50);
  EXPECT_EQ(PlanCompaction(Input("lab", progress)).revision, 0);
}

TEST(CompactionTest, AGenesisNodeThatNeverReportedDoesNotHoldItBack) {
  // A spare node key in the genesis, or an agency not running yet: it
  // bootstraps from a peer when it starts.
  EXPECT_EQ(
      PlanCompaction(Input("lab", {{"customs", 90}, {"lab", 40}})).revision,
      40);
}

TEST(CompactionTest, AReportingNodeThatStoppedHoldsItBack) {
  // The vault reported 10 and stopped: the others wait for it.
  const std::map<std::string, uint64_t> progress = {
      {"customs", 90}, {"lab", 80}, {"vault", 10}};
  EXPECT_EQ(PlanCompaction(Input("customs", progress)).revision, 0);
  EXPECT_EQ(PlanCompaction(Input("lab", progress)).revision, 0);
}

TEST(CompactionTest, ProgressOfANameOutsideTheGenesisIsIgnored) {
  EXPECT_EQ(PlanCompaction(
                Input("lab", {{"customs", 90}, {"lab", 40}, {"intruder", 1}}))
                .revision,
            40);
}

TEST(CompactionTest, ANodeThatHasNotReportedDoesNotCompact) {
  EXPECT_EQ(PlanCompaction(Input("lab", {{"customs", 90}})).revision, 0);
  EXPECT_EQ(PlanCompaction(Input("lab", {})).revision, 0);
}

TEST(CompactionTest, NearTheQuotaANodeCompactsAtItsOwnProgress) {
  const std::map<std::string, uint64_t> progress = {
      {"customs", 90}, {"lab", 80}, {"vault", 10}};
  // 750 is 3/4 of the quota: not past it yet.
  EXPECT_EQ(PlanCompaction(Input("customs", progress, 750)).revision, 0);
  const CompactionPlan plan = PlanCompaction(Input("customs", progress, 751));
  EXPECT_EQ(plan.revision, 90);
  EXPECT_TRUE(plan.forced);
  EXPECT_THAT(plan.left_behind, ElementsAre("lab", "vault"));
}

TEST(CompactionTest, NearTheQuotaTheNodeFurthestBehindIsNotForced) {
  // Its own progress is the common one: nothing is left behind.
  const CompactionPlan plan = PlanCompaction(
      Input("lab", {{"customs", 90}, {"lab", 40}, {"vault", 70}}, 900));
  EXPECT_EQ(plan.revision, 40);
  EXPECT_FALSE(plan.forced);
  EXPECT_THAT(plan.left_behind, IsEmpty());
}

}  // namespace
}  // namespace kpledger::node
