// The arithmetic of custody, in integers only (DESIGN §3: milli-carats, US
// cents, parts per million; no floating point, so every node computes the
// same result): origin shares of merged parcels, mass conservation across a
// split or merge, and the lab assessment's red flags (KPCS reviews: mass
// substitution, under- and over-valuation).
// Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_RULES_QUANTITIES_H_
#define KPLEDGER_LEDGER_RULES_QUANTITIES_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kpledger/v1/common.pb.h"
#include "kpledger/v1/genesis.pb.h"
#include "kpledger/v1/ledger.pb.h"

namespace kpledger::rules {

// One parcel going into a merge: its mass and its origin shares.
struct MergeInput {
  int64_t mass_mct = 0;
  std::vector<v1::OriginShare> origins;
};

// The mass-weighted origin shares of the merged parcel (EU rules for mixed
// origin: every origin country named with its share). Each country's share
// is its exact share rounded down; the ppm left over go one each to the
// largest remainders (ties: lower country code first), and a country with
// any mass keeps at least 1 ppm. Sorted by country code; sums to 1,000,000.
// InvalidArgument if an input has no mass or no origins.
absl::StatusOr<std::vector<v1::OriginShare>> MergeOrigins(
    const std::vector<MergeInput>& inputs);

// A split or merge may lose mass (dust, breakage) up to the policy's loss
// tolerance, and may never gain any. FailedPrecondition with both masses
// otherwise.
absl::Status CheckMassConserved(int64_t in_mct, int64_t out_mct,
                                uint32_t loss_tolerance_ppm);

// True when the value per carat of (to_mass, to_value) differs from that of
// (from_mass, from_value) by more than band_ppm of the latter: a parcel
// re-valued out of line (under- or over-valuation, a KPCS red flag).
// REQUIRES: all masses and values > 0.
bool ValuePerCaratOutsideBand(int64_t from_mass_mct,
                              int64_t from_value_usd_cents, int64_t to_mass_mct,
                              int64_t to_value_usd_cents, uint32_t band_ppm);

// The flags a lab assessment earns against the parcel's declared figures:
// MASS_DISCREPANCY when the measured mass differs from the declared mass by
// more than mass_tolerance_ppm of it; VALUE_OUTLIER when the assessed value
// per carat differs from the declared value per carat by more than
// value_band_ppm of it. REQUIRES: all masses and values > 0.
std::vector<v1::Flag> AssessmentFlags(int64_t declared_mass_mct,
                                      int64_t declared_value_usd_cents,
                                      int64_t measured_mass_mct,
                                      int64_t assessed_value_usd_cents,
                                      const v1::Policy& policy);

}  // namespace kpledger::rules

#endif  // KPLEDGER_LEDGER_RULES_QUANTITIES_H_
