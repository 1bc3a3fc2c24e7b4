// A ledger state in memory with the usual actors registered, for tests of
// the custody rules: events go straight through rules::ApplyEvent, and an
// accepted event's changes are kept, a refused one's dropped, as the
// applier does.
#ifndef KPLEDGER_TESTS_UNIT_RULES_RULES_FIXTURE_H_
#define KPLEDGER_TESTS_UNIT_RULES_RULES_FIXTURE_H_

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ledger/rules/signed_event.h"
#include "ledger/rules/state.h"
#include "ledger/rules/validate.h"
#include "tests/testing/custody_builder.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::rules {

using ::kpledger::testing::kDay;
using ::kpledger::testing::kGenesisSeconds;
using ::kpledger::testing::StatusIs;

class RulesTest : public ::testing::Test {
 protected:
  RulesTest() : RulesTest(testing::DefaultPolicy()) {}
  explicit RulesTest(const v1::Policy& policy) : b_(policy) {
    StateChanges init(&state_);
    InitState(b_.genesis(), &init);
    Keep(init);
    for (const auto& [id, role, licence] :
         std::vector<std::tuple<std::string, v1::Role, std::string>>{
             {"customs-1", v1::CUSTOMS, ""},
             {"lab-1", v1::LAB, ""},
             {"lab-2", v1::LAB, ""},
             {"vault-1", v1::VAULT, ""},
             {"trader-1", v1::TRADER, "AZ-LIC-001"},
             {"trader-2", v1::TRADER, "AZ-LIC-002"},
             {"kpa", v1::KP_AUTHORITY, ""},
             {"inspector-1", v1::INSPECTOR, ""},
             {"node-1", v1::NODE, ""}}) {
      EXPECT_TRUE(Apply(b_.Register(id, role, licence)).ok()) << id;
    }
  }

  // Applies at `day` days after genesis.
  absl::StatusOr<std::vector<v1::Flag>> Apply(const v1::Envelope& env,
                                              int64_t day = 1) {
    absl::StatusOr<SignedEvent> ev = DecodeEvent(env.SerializeAsString());
    if (!ev.ok()) return ev.status();
    StateChanges changes(&state_);
    const EventContext ctx{&b_.genesis(),
                           entry::LedgerTime{kGenesisSeconds + day * kDay, 0},
                           index_};
    absl::StatusOr<std::vector<v1::Flag>> flags =
        ApplyEvent(ctx, *ev, &changes);
    if (flags.ok()) {
      Keep(changes);
      ++index_;
    }
    return flags;
  }

  // Imports parcel `id` from Botswana into custody of `custodian`.
  void ImportParcel(const std::string& id, int64_t mass_mct = 10000,
                    const std::string& custodian = "vault-1") {
    ASSERT_TRUE(Apply(b_.Sign(testing::ImportEvent(
                                  id, custodian,
                                  testing::IncomingCertificate(
                                      "BW-" + id, "BW", mass_mct, 1000000)),
                              {"customs-1"}))
                    .ok());
  }

  v1::ParcelState Parcel(const std::string& id) {
    absl::StatusOr<std::optional<v1::ParcelState>> p =
        StateView(&state_).Parcel(id);
    EXPECT_TRUE(p.ok() && p->has_value()) << id;
    return p.ok() && p->has_value() ? **p : v1::ParcelState();
  }
  v1::ActorRecord Actor(const std::string& id) {
    absl::StatusOr<std::optional<v1::ActorRecord>> a =
        StateView(&state_).Actor(id);
    EXPECT_TRUE(a.ok() && a->has_value()) << id;
    return a.ok() && a->has_value() ? **a : v1::ActorRecord();
  }
  // The number of records: a refused event must not change it.
  size_t RecordCount() const { return state_.records().size(); }

  void Keep(const StateChanges& changes) {
    for (const auto& [k, v] : changes.changes()) state_.Put(k, v);
  }

  testing::CustodyBuilder b_;
  MemoryStateSource state_;
  uint64_t index_ = 1;
};

}  // namespace kpledger::rules

#endif  // KPLEDGER_TESTS_UNIT_RULES_RULES_FIXTURE_H_
