#include "ledger/rules/parcel_refs.h"

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::rules {
namespace {

using ::kpledger::testing::StatusIs;

const std::string kHeadA(64, 'a');
const std::string kHeadB(64, 'b');

void List(v1::CustodyEvent* ev, const std::string& id,
          const std::string& head) {
  v1::ParcelHead* h = ev->add_parcels();
  h->set_parcel_id(id);
  h->set_head(head);
}

v1::CustodyEvent MergeEvent() {
  v1::CustodyEvent ev;
  ev.mutable_merge()->add_parcel_ids("AZ-P-1");
  ev.mutable_merge()->add_parcel_ids("AZ-P-2");
  ev.mutable_merge()->set_new_parcel_id("AZ-P-3");
  List(&ev, "AZ-P-1", kHeadA);
  List(&ev, "AZ-P-2", kHeadB);
  List(&ev, "AZ-P-3", "");
  return ev;
}

TEST(ParcelRefsTest, EachEventTypeTouchesItsParcels) {
  v1::CustodyEvent split;
  split.mutable_split()->set_parcel_id("P");
  split.mutable_split()->add_children()->set_parcel_id("P-a");
  split.mutable_split()->add_children()->set_parcel_id("P-b");
  TouchedParcels t = ParcelsTouchedBy(split);
  EXPECT_EQ(t.existing, std::vector<std::string>{"P"});
  EXPECT_EQ(t.created, (std::vector<std::string>{"P-a", "P-b"}));

  v1::CustodyEvent imp;
  imp.mutable_import()->set_parcel_id("N");
  EXPECT_EQ(ParcelsTouchedBy(imp).created, std::vector<std::string>{"N"});

  v1::CustodyEvent hold;
  hold.mutable_hold()->set_parcel_id("H");
  EXPECT_EQ(ParcelsTouchedBy(hold).existing, std::vector<std::string>{"H"});

  v1::CustodyEvent governance;
  governance.mutable_register_actor()->set_actor_id("lab-1");
  t = ParcelsTouchedBy(governance);
  EXPECT_TRUE(t.existing.empty() && t.created.empty());
}

TEST(ParcelRefsTest, MergeListingEveryParcelOnceIsAccepted) {
  KP_EXPECT_OK(CheckParcelHeads(MergeEvent()));
}

TEST(ParcelRefsTest, EventsTouchingNoParcelNeedNoList) {
  v1::CustodyEvent ev;
  ev.mutable_import_confirmation()->set_certificate_number("AZ-2026-1");
  KP_EXPECT_OK(CheckParcelHeads(ev));
}

// --- Refusals ---

TEST(ParcelRefsTest, TouchedParcelMissingFromTheListIsRefused) {
  v1::CustodyEvent ev = MergeEvent();
  ev.mutable_parcels()->RemoveLast();
  EXPECT_THAT(CheckParcelHeads(ev),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "parcel AZ-P-3: is touched by the event but not "
                       "listed in parcels"));
}

TEST(ParcelRefsTest, ListedParcelTheEventDoesNotTouchIsRefused) {
  v1::CustodyEvent ev = MergeEvent();
  List(&ev, "AZ-P-9", kHeadA);
  EXPECT_THAT(CheckParcelHeads(ev),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "parcel AZ-P-9: is listed in parcels but the event "
                       "does not touch it"));
}

TEST(ParcelRefsTest, ParcelListedTwiceIsRefused) {
  v1::CustodyEvent ev = MergeEvent();
  List(&ev, "AZ-P-1", kHeadA);
  EXPECT_THAT(CheckParcelHeads(ev), StatusIs(absl::StatusCode::kInvalidArgument,
                                             "is listed twice in parcels"));
}

TEST(ParcelRefsTest, CreatedParcelWithAHeadIsRefused) {
  v1::CustodyEvent ev = MergeEvent();
  ev.mutable_parcels(2)->set_head(kHeadA);
  EXPECT_THAT(CheckParcelHeads(ev),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "parcel AZ-P-3: is created by the event, so its head "
                       "must be empty"));
}

TEST(ParcelRefsTest, ExistingParcelWithoutAnEventIdHeadIsRefused) {
  v1::CustodyEvent ev = MergeEvent();
  ev.mutable_parcels(0)->set_head("");
  EXPECT_THAT(CheckParcelHeads(ev),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "parcel AZ-P-1: head \"\" is not an event id"));
  ev.mutable_parcels(0)->set_head(std::string(64, 'A'));
  EXPECT_THAT(CheckParcelHeads(ev), StatusIs(absl::StatusCode::kInvalidArgument,
                                             "is not an event id"));
}

TEST(ParcelRefsTest, MergingAParcelWithItselfIsRefused) {
  v1::CustodyEvent ev = MergeEvent();
  ev.mutable_merge()->set_parcel_ids(1, "AZ-P-1");
  EXPECT_THAT(CheckParcelHeads(ev),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "parcel AZ-P-1: is named twice by the event"));
}

TEST(ParcelRefsTest, SplitChildThatIsTheParentIsRefused) {
  v1::CustodyEvent ev;
  ev.mutable_split()->set_parcel_id("P");
  ev.mutable_split()->add_children()->set_parcel_id("P");
  List(&ev, "P", kHeadA);
  EXPECT_THAT(CheckParcelHeads(ev),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "parcel P: is both read and created"));
}

TEST(ParcelRefsTest, MalformedParcelIdIsRefused) {
  for (const std::string& bad :
       {std::string(""), std::string("AZ P 1"), std::string(129, 'x'),
        std::string("tab\tid")}) {
    v1::CustodyEvent ev;
    ev.mutable_import()->set_parcel_id(bad);
    List(&ev, bad, "");
    EXPECT_THAT(
        CheckParcelHeads(ev),
        StatusIs(absl::StatusCode::kInvalidArgument, "is not a parcel id"))
        << bad;
  }
}

}  // namespace
}  // namespace kpledger::rules
