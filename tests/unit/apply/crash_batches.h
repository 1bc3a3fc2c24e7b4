// The batches the applier crash test plays: actors, then rounds of imports
// and transfers of the previous round's parcels, deterministic (the same
// envelopes in every process), so a restarted process replays exactly
// what the killed one was applying.
#ifndef KPLEDGER_TESTS_UNIT_APPLY_CRASH_BATCHES_H_
#define KPLEDGER_TESTS_UNIT_APPLY_CRASH_BATCHES_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/apply/applier.h"
#include "tests/testing/custody_builder.h"

namespace kpledger::testing {

inline constexpr int kCrashBatches = 60;
inline constexpr int kCrashImportsPerBatch = 40;

// Batch positions are 1..kCrashBatches.
inline std::vector<apply::OrderedBatch> CrashBatches(CustodyBuilder& b) {
  std::vector<apply::OrderedBatch> out;
  apply::OrderedBatch actors;
  actors.position = 1;
  actors.proposed_time = {kGenesisSeconds, 0};
  for (const auto& [id, role] :
       {std::pair{"customs-1", v1::CUSTOMS}, std::pair{"vault-1", v1::VAULT},
        std::pair{"lab-1", v1::LAB}}) {
    actors.envelopes.push_back(b.Register(id, role).SerializeAsString());
  }
  out.push_back(std::move(actors));
  for (int n = 2; n <= kCrashBatches; ++n) {
    apply::OrderedBatch batch;
    batch.position = n;
    batch.proposed_time = {kGenesisSeconds + kDay + n * 60, 0};
    for (int i = 0; i < kCrashImportsPerBatch; ++i) {
      const std::string id = absl::StrCat("P-", n, "-", i);
      batch.envelopes.push_back(
          b.Sign(ImportEvent(id, "vault-1",
                             IncomingCertificate(absl::StrCat("BW-", n, "-", i),
                                                 "BW", 10000 + i, 1000000)),
                 {"customs-1"})
              .SerializeAsString());
      if (n > 2) {
        const std::string prev = absl::StrCat("P-", n - 1, "-", i);
        batch.envelopes.push_back(
            b.Sign(TransferEvent(prev, "vault-1", "lab-1"),
                   {"vault-1", "lab-1"})
                .SerializeAsString());
      }
    }
    out.push_back(std::move(batch));
  }
  return out;
}

}  // namespace kpledger::testing

#endif  // KPLEDGER_TESTS_UNIT_APPLY_CRASH_BATCHES_H_
