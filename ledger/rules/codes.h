// The value rules every custody check shares: country codes (ISO 3166-1
// alpha-2), the HS codes KPCS covers, and shares in parts per million.
// Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_RULES_CODES_H_
#define KPLEDGER_LEDGER_RULES_CODES_H_

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace kpledger::rules {

// A whole, in parts per million: shares of a parcel sum to this.
inline constexpr uint32_t kWholeShare = 1000000;

// Upper bounds on any one mass and value the ledger records: 10^12 mct is
// a billion carats (the world mines about 120 million a year), 10^14 US
// cents a trillion dollars. They keep every sum over the children of a
// split or the inputs of a merge, and every cross-multiplication of a value
// by a mass by a ppm tolerance, inside 64- and 128-bit integers.
inline constexpr int64_t kMaxMassMct = 1000000000000;
inline constexpr int64_t kMaxValueUsdCents = 100000000000000;
// A KP certificate number: the exporting country's code and more, in
// printable ASCII with single spaces.
inline constexpr size_t kMaxCertificateNumberBytes = 64;

inline bool IsValidMassMct(int64_t mass_mct) {
  return mass_mct > 0 && mass_mct <= kMaxMassMct;
}
inline bool IsValidValueUsdCents(int64_t value_usd_cents) {
  return value_usd_cents > 0 && value_usd_cents <= kMaxValueUsdCents;
}

// Two upper-case ASCII letters, e.g. "BW". (Whether the code is assigned is
// not checked: the ledger has no table of countries.)
inline bool IsCountryCode(absl::string_view code) {
  return code.size() == 2 && code[0] >= 'A' && code[0] <= 'Z' &&
         code[1] >= 'A' && code[1] <= 'Z';
}

// "7102.10" (unsorted), "7102.21" (industrial) or "7102.31"
// (non-industrial): the HS codes KPCS covers for rough diamonds.
inline bool IsRoughDiamondHsCode(absl::string_view hs_code) {
  return hs_code == "7102.10" || hs_code == "7102.21" || hs_code == "7102.31";
}

}  // namespace kpledger::rules

#endif  // KPLEDGER_LEDGER_RULES_CODES_H_
