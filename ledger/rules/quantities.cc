#include "ledger/rules/quantities.h"

#include <algorithm>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/rules/codes.h"

namespace kpledger::rules {
namespace {

using Wide = unsigned __int128;

Wide Abs(__int128 v) { return static_cast<Wide>(v < 0 ? -v : v); }

struct Share {
  std::string country;
  Wide numerator = 0;  // sum of mass_mct * share_ppm
  uint32_t ppm = 0;
  Wide remainder = 0;
};

}  // namespace

absl::StatusOr<std::vector<v1::OriginShare>> MergeOrigins(
    const std::vector<MergeInput>& inputs) {
  if (inputs.empty()) return absl::InvalidArgumentError("merge of no parcels");
  std::map<std::string, Share> by_country;  // ordered: deterministic
  Wide total = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].mass_mct <= 0 || inputs[i].origins.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("merge input ", i, " has no mass or no origins"));
    }
    total += static_cast<Wide>(inputs[i].mass_mct);
    for (const v1::OriginShare& o : inputs[i].origins) {
      Share& s = by_country[o.country()];
      s.country = o.country();
      s.numerator += static_cast<Wide>(inputs[i].mass_mct) * o.share_ppm();
    }
  }
  std::vector<Share> shares;
  uint64_t assigned = 0;
  for (auto& [country, s] : by_country) {
    if (s.numerator == 0) continue;
    s.ppm = static_cast<uint32_t>(s.numerator / total);
    s.remainder = s.numerator % total;
    assigned += s.ppm;
    shares.push_back(s);
  }
  // Largest remainder; std::stable_sort keeps country order among ties.
  std::vector<Share*> order;
  for (Share& s : shares) order.push_back(&s);
  std::stable_sort(order.begin(), order.end(),
                   [](const Share* a, const Share* b) {
                     return a->remainder > b->remainder;
                   });
  for (size_t k = 0; assigned < kWholeShare && k < order.size(); ++k) {
    ++order[k]->ppm;
    ++assigned;
  }
  // A country with any mass is named with at least 1 ppm, taken from the
  // largest share (lowest country code among equals).
  for (Share& s : shares) {
    if (s.ppm > 0) continue;
    Share* largest = &shares[0];
    for (Share& t : shares) {
      if (t.ppm > largest->ppm) largest = &t;
    }
    --largest->ppm;
    s.ppm = 1;
  }
  std::vector<v1::OriginShare> out;
  for (const Share& s : shares) {
    v1::OriginShare o;
    o.set_country(s.country);
    o.set_share_ppm(s.ppm);
    out.push_back(o);
  }
  return out;
}

absl::Status CheckMassConserved(int64_t in_mct, int64_t out_mct,
                                uint32_t loss_tolerance_ppm) {
  if (out_mct > in_mct) {
    return absl::FailedPreconditionError(
        absl::StrCat("mass out ", out_mct, " mct exceeds mass in ", in_mct,
                     " mct: mass cannot be created"));
  }
  const Wide lost = static_cast<Wide>(in_mct - out_mct) * kWholeShare;
  if (lost > static_cast<Wide>(in_mct) * loss_tolerance_ppm) {
    return absl::FailedPreconditionError(absl::StrCat(
        "mass out ", out_mct, " mct loses ", in_mct - out_mct, " of ", in_mct,
        " mct, more than the loss tolerance of ", loss_tolerance_ppm, " ppm"));
  }
  return absl::OkStatus();
}

bool ValuePerCaratOutsideBand(int64_t from_mass_mct,
                              int64_t from_value_usd_cents, int64_t to_mass_mct,
                              int64_t to_value_usd_cents, uint32_t band_ppm) {
  // |to_value/to_mass - from_value/from_mass| > band * from_value/from_mass,
  // cross-multiplied to stay in integers.
  const __int128 to_x =
      static_cast<__int128>(to_value_usd_cents) * from_mass_mct;
  const __int128 from_x =
      static_cast<__int128>(from_value_usd_cents) * to_mass_mct;
  return Abs(to_x - from_x) * kWholeShare >
         static_cast<Wide>(from_x) * band_ppm;
}

std::vector<v1::Flag> AssessmentFlags(int64_t declared_mass_mct,
                                      int64_t declared_value_usd_cents,
                                      int64_t measured_mass_mct,
                                      int64_t assessed_value_usd_cents,
                                      const v1::Policy& policy) {
  std::vector<v1::Flag> flags;
  const Wide mass_diff =
      Abs(static_cast<__int128>(measured_mass_mct) - declared_mass_mct);
  if (mass_diff * kWholeShare >
      static_cast<Wide>(declared_mass_mct) * policy.mass_tolerance_ppm()) {
    flags.push_back(v1::MASS_DISCREPANCY);
  }
  if (ValuePerCaratOutsideBand(declared_mass_mct, declared_value_usd_cents,
                               measured_mass_mct, assessed_value_usd_cents,
                               policy.value_band_ppm())) {
    flags.push_back(v1::VALUE_OUTLIER);
  }
  return flags;
}

}  // namespace kpledger::rules
