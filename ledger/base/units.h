// Readable forms of the ledger's integer units (DESIGN §3) for people:
// milli-carats as carats with three decimals, US cents as dollars and
// cents, parts per million as a percentage. Integers only, thousands
// separated by commas, so every node prints the same text.
// Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_BASE_UNITS_H_
#define KPLEDGER_LEDGER_BASE_UNITS_H_

#include <cstdint>
#include <string>

namespace kpledger::base {

// 12500 -> "12.500 ct"; 1234500 -> "1,234.500 ct"; -100 -> "-0.100 ct".
std::string FormatCarats(int64_t mass_mct);

// 1850000 -> "$18,500.00"; -5 -> "-$0.05".
std::string FormatUsd(int64_t value_usd_cents);

// 600000 -> "60%"; 437886 -> "43.7886%"; 5000 -> "0.5%"; 0 -> "0%".
std::string FormatPercent(uint64_t ppm);

}  // namespace kpledger::base

#endif  // KPLEDGER_LEDGER_BASE_UNITS_H_
