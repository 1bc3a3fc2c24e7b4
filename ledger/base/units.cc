#include "ledger/base/units.h"

#include "absl/strings/str_cat.h"

namespace kpledger::base {
namespace {

// The magnitude of v, also for INT64_MIN.
uint64_t Magnitude(int64_t v) {
  return v < 0 ? uint64_t{0} - static_cast<uint64_t>(v)
               : static_cast<uint64_t>(v);
}

// 1234567 -> "1,234,567".
std::string Grouped(uint64_t v) {
  std::string digits = absl::StrCat(v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

// `v` zero-padded to `width` digits.
std::string Padded(uint64_t v, size_t width) {
  std::string s = absl::StrCat(v);
  if (s.size() < width) s.insert(0, width - s.size(), '0');
  return s;
}

}  // namespace

std::string FormatCarats(int64_t mass_mct) {
  const uint64_t m = Magnitude(mass_mct);
  return absl::StrCat(mass_mct < 0 ? "-" : "", Grouped(m / 1000), ".",
                      Padded(m % 1000, 3), " ct");
}

std::string FormatUsd(int64_t value_usd_cents) {
  const uint64_t c = Magnitude(value_usd_cents);
  return absl::StrCat(value_usd_cents < 0 ? "-" : "", "$", Grouped(c / 100),
                      ".", Padded(c % 100, 2));
}

std::string FormatPercent(uint64_t ppm) {
  // 1% is 10,000 ppm: four decimals of a percent, trailing zeros dropped.
  std::string fraction = Padded(ppm % 10000, 4);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  return absl::StrCat(Grouped(ppm / 10000), fraction.empty() ? "" : ".",
                      fraction, "%");
}

}  // namespace kpledger::base
