// The plain-text account: event text cannot forge lines. (Its units are
// ledger/base/units.h, tested in report_test.)
#include "ledger/provenance/account_text.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kpledger::provenance {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(AccountTextTest, EventTextCannotForgeLines) {
  v1::ProvenanceAccount account;
  account.set_parcel_id("P-1");
  v1::AccountEvent* e = account.add_events();
  e->set_index(7);
  e->set_event_type("hold");
  e->add_signers("inspector-1");
  e->mutable_event()->mutable_hold()->set_parcel_id("P-1");
  e->mutable_event()->mutable_hold()->set_reason(
      "seals\n  entry 99  2026-09-02T00:00:00Z  release  P-1: all clear");
  const std::string text = FormatAccount(account);
  EXPECT_THAT(text, HasSubstr("hold  P-1: seals   entry 99"));
  EXPECT_THAT(text, Not(HasSubstr("\n  entry 99")));
}

// The policy line says whether the events were judged by the genesis'
// policy or by updates to it, and that the bundle holds every update.
TEST(AccountTextTest, PolicyLineNamesTheUpdates) {
  v1::ProvenanceAccount account;
  account.set_parcel_id("P-1");
  EXPECT_THAT(FormatAccount(account),
              HasSubstr("\n  policy      the genesis', not updated below "
                        "that size\n"));
  account.set_policy_updates(3);
  EXPECT_THAT(FormatAccount(account),
              HasSubstr("\n  policy      3 updates to the genesis' below that "
                        "size, all in this bundle\n"));
}

}  // namespace
}  // namespace kpledger::provenance
