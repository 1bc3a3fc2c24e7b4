#include "node/sequencer/own_batches.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kpledger::node {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(OwnBatchesTest, ACopyPastABatchTheWatchDidNotDeliverSkipsIt) {
  OwnBatches own;
  own.Taken(/*nonce=*/1, /*revision=*/10);
  own.Taken(2, 14);
  own.Taken(3, 20);
  own.DeliveredUpTo(10);  // batch 1 came back
  // The copy ends at revision 17: batch 2 was in it, batch 3 is after it.
  EXPECT_THAT(own.SkippedUpTo(17), ElementsAre(2u));
  EXPECT_EQ(own.size(), 1u);
  own.DeliveredUpTo(20);
  EXPECT_EQ(own.size(), 0u);
  EXPECT_THAT(own.SkippedUpTo(30), IsEmpty());
}

TEST(OwnBatchesTest, ABatchDeliveredBeforeItsPutWasAnsweredIsNotKept) {
  OwnBatches own;
  own.DeliveredUpTo(12);
  own.Taken(7, 12);
  EXPECT_EQ(own.size(), 0u);
  EXPECT_THAT(own.SkippedUpTo(40), IsEmpty());
}

TEST(OwnBatchesTest, AfterACopyOnlyLaterRevisionsAreKept) {
  OwnBatches own;
  EXPECT_THAT(own.SkippedUpTo(50), IsEmpty());
  own.Taken(8, 45);  // answered after the copy, below its end
  own.Taken(9, 55);
  EXPECT_EQ(own.size(), 1u);
  EXPECT_THAT(own.SkippedUpTo(60), ElementsAre(9u));
}

}  // namespace
}  // namespace kpledger::node
