// Apportions a certificate's mass or value over its origin countries by
// their shares, in integers, so that the parts sum exactly to the whole
// (the Hamilton, or largest-remainder, method; the same rounding as
// rules::MergeOrigins). KP statistics by origin country use it for
// mixed-origin certificates; docs/reports.md shows a worked example.
// Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_REPORT_SHARES_H_
#define KPLEDGER_LEDGER_REPORT_SHARES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "google/protobuf/repeated_field.h"
#include "kpledger/v1/common.pb.h"

namespace kpledger::report {

// One origin country's part of an amount (milli-carats or US cents).
struct Portion {
  std::string country;
  int64_t amount = 0;

  bool operator==(const Portion& o) const {
    return country == o.country && amount == o.amount;
  }
};

// Each country gets amount * share / sum_of_shares rounded down; the units
// left over go one each to the countries with the largest remainders,
// ties to the lower country code. So every part is within one unit of its
// exact share, and the parts sum to `amount`. Sorted by country code; a
// country listed twice has its shares added.
// REQUIRES: amount >= 0; at least one share > 0 (the rules accept only
// certificates whose shares sum to 1,000,000 ppm).
std::vector<Portion> Apportion(
    int64_t amount,
    const google::protobuf::RepeatedPtrField<v1::OriginShare>& origins);

}  // namespace kpledger::report

#endif  // KPLEDGER_LEDGER_REPORT_SHARES_H_
