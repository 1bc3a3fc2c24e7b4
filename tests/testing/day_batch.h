// An ordered batch of custody events as a sequencer hands it to the
// applier, stamped with a day of the custody builder's calendar.
#ifndef KPLEDGER_TESTS_TESTING_DAY_BATCH_H_
#define KPLEDGER_TESTS_TESTING_DAY_BATCH_H_

#include <cstdint>
#include <vector>

#include "kpledger/v1/envelope.pb.h"
#include "ledger/apply/applier.h"
#include "tests/testing/custody_builder.h"

namespace kpledger::testing {

// `events` at sequencer `position`, proposed `day` days after genesis.
inline apply::OrderedBatch DayBatch(uint64_t position, int64_t day,
                                    const std::vector<v1::Envelope>& events) {
  apply::OrderedBatch b;
  b.position = position;
  b.proposed_time = entry::LedgerTime{kGenesisSeconds + day * kDay, 0};
  for (const v1::Envelope& e : events) {
    b.envelopes.push_back(e.SerializeAsString());
  }
  return b;
}

}  // namespace kpledger::testing

#endif  // KPLEDGER_TESTS_TESTING_DAY_BATCH_H_
