// The reports as text for people (kpctl report): aligned columns, carats
// as "12.500 ct", US dollars as "$18,500.00", times in RFC 3339 UTC. For
// scripts, print the messages with protobuf's JSON mapping instead.
// Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_REPORT_FORMAT_H_
#define KPLEDGER_LEDGER_REPORT_FORMAT_H_

#include <string>

#include "kpledger/v1/service.pb.h"

namespace kpledger::report {

// The period, then the imports and the exports: one row per (HS code,
// origin, partner country) and a total row per section.
std::string FormatStatistics(const v1::KpStatistics& stats);

// Imported, exported, re-measured, lost and in custody, as of a time.
std::string FormatBalance(const v1::Balance& balance);

// One line per anomaly: entry, ledger time, flag, parcel, certificate and
// detail.
std::string FormatAnomalies(const v1::ListAnomaliesResponse& anomalies);

}  // namespace kpledger::report

#endif  // KPLEDGER_LEDGER_REPORT_FORMAT_H_
