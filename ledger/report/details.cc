#include "ledger/report/details.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ledger/base/units.h"
#include "ledger/entry/time.h"

namespace kpledger::report {
namespace {

using ::kpledger::base::FormatCarats;
using ::kpledger::base::FormatPercent;
using ::kpledger::base::FormatUsd;

using Wide = unsigned __int128;

Wide Abs(__int128 v) { return static_cast<Wide>(v < 0 ? -v : v); }

// |part| / whole in ppm, rounded down. REQUIRES: whole > 0.
uint64_t Ppm(Wide part, Wide whole) {
  return static_cast<uint64_t>(part * 1000000 / whole);
}

// Value per carat, in US cents, rounded down. REQUIRES: mass_mct > 0.
int64_t PerCarat(int64_t value_usd_cents, int64_t mass_mct) {
  return static_cast<int64_t>(static_cast<__int128>(value_usd_cents) * 1000 /
                              mass_mct);
}

// "2 days 3 hours", "5 hours", "less than an hour".
std::string Duration(int64_t seconds) {
  const int64_t days = seconds / entry::kSecondsPerDay;
  const int64_t hours = seconds % entry::kSecondsPerDay / 3600;
  std::vector<std::string> parts;
  if (days > 0)
    parts.push_back(absl::StrCat(days, days == 1 ? " day" : " days"));
  if (hours > 0) {
    parts.push_back(absl::StrCat(hours, hours == 1 ? " hour" : " hours"));
  }
  return parts.empty() ? "less than an hour" : absl::StrJoin(parts, " ");
}

// "+X% per carat (band Y%)": the value per carat of `to` against `from`,
// cross-multiplied as rules::ValuePerCaratOutsideBand compares them.
std::string PerCaratChange(int64_t from_mass_mct, int64_t from_value_usd_cents,
                           int64_t to_mass_mct, int64_t to_value_usd_cents,
                           uint32_t value_band_ppm) {
  const __int128 to_x =
      static_cast<__int128>(to_value_usd_cents) * from_mass_mct;
  const __int128 from_x =
      static_cast<__int128>(from_value_usd_cents) * to_mass_mct;
  return absl::StrCat(
      to_x < from_x ? "-" : "+",
      FormatPercent(Ppm(Abs(to_x - from_x), static_cast<Wide>(from_x))),
      " per carat (band ", FormatPercent(value_band_ppm), ")");
}

}  // namespace

std::string SanctionedOriginDetail(const v1::KpCertificate& cert,
                                   const v1::Policy& policy) {
  const entry::LedgerTime issued = entry::FromTimestamp(cert.issued_at());
  std::vector<std::string> named;
  for (const v1::OriginShare& o : cert.origins()) {
    for (const v1::SanctionedOrigin& s : policy.sanctioned_origins()) {
      if (s.country() != o.country() || s.action() != v1::SANCTION_FLAG ||
          issued < entry::FromTimestamp(s.effective_from())) {
        continue;
      }
      named.push_back(
          absl::StrCat(o.country(), " (", FormatPercent(o.share_ppm()), ")"));
    }
  }
  return absl::StrCat("certificate from ", cert.exporting_country(), " for ",
                      FormatCarats(cert.mass_mct()), " names origin ",
                      named.empty() ? "?" : absl::StrJoin(named, ", "),
                      ", which the sanctions policy flags for review");
}

std::string MassDiscrepancyDetail(int64_t declared_mass_mct,
                                  int64_t measured_mass_mct,
                                  uint32_t mass_tolerance_ppm) {
  const __int128 diff =
      static_cast<__int128>(measured_mass_mct) - declared_mass_mct;
  return absl::StrCat(
      "lab measured ", FormatCarats(measured_mass_mct), ", declared ",
      FormatCarats(declared_mass_mct), ": ", diff < 0 ? "-" : "+",
      FormatPercent(Ppm(Abs(diff), static_cast<Wide>(declared_mass_mct))),
      " (tolerance ", FormatPercent(mass_tolerance_ppm), ")");
}

std::string ValueOutlierDetail(int64_t declared_mass_mct,
                               int64_t declared_value_usd_cents,
                               int64_t measured_mass_mct,
                               int64_t assessed_value_usd_cents,
                               uint32_t value_band_ppm) {
  return absl::StrCat(
      "lab assessed ", FormatUsd(assessed_value_usd_cents), " for ",
      FormatCarats(measured_mass_mct), " (",
      FormatUsd(PerCarat(assessed_value_usd_cents, measured_mass_mct)),
      "/ct), declared ", FormatUsd(declared_value_usd_cents), " for ",
      FormatCarats(declared_mass_mct), " (",
      FormatUsd(PerCarat(declared_value_usd_cents, declared_mass_mct)),
      "/ct): ",
      PerCaratChange(declared_mass_mct, declared_value_usd_cents,
                     measured_mass_mct, assessed_value_usd_cents,
                     value_band_ppm));
}

std::string RevaluationDetail(const std::string& what, int64_t in_mass_mct,
                              int64_t in_value_usd_cents, int64_t out_mass_mct,
                              int64_t out_value_usd_cents,
                              uint32_t value_band_ppm) {
  return absl::StrCat(
      what == "merge" ? "merged into " : "split into ",
      FormatUsd(out_value_usd_cents), " for ", FormatCarats(out_mass_mct), " (",
      FormatUsd(PerCarat(out_value_usd_cents, out_mass_mct)), "/ct) from ",
      FormatUsd(in_value_usd_cents), " for ", FormatCarats(in_mass_mct), " (",
      FormatUsd(PerCarat(in_value_usd_cents, in_mass_mct)), "/ct): ",
      PerCaratChange(in_mass_mct, in_value_usd_cents, out_mass_mct,
                     out_value_usd_cents, value_band_ppm));
}

std::string QuickReexportDetail(entry::LedgerTime imported,
                                entry::LedgerTime exported,
                                const std::string& import_certificate,
                                uint32_t quick_reexport_days) {
  return absl::StrCat(
      "exported unchanged ", Duration(exported.seconds - imported.seconds),
      " after its import on certificate ", import_certificate, " (",
      entry::FormatTime(imported), "); the policy flags re-exports within ",
      quick_reexport_days, " days");
}

std::string UnconfirmedExportDetail(const std::string& importing_country,
                                    int64_t mass_mct, entry::LedgerTime due,
                                    uint32_t period_days) {
  return absl::StrCat("no import confirmation from ", importing_country,
                      " for ", FormatCarats(mass_mct), "; due ",
                      entry::FormatTime(due), " (", period_days,
                      " days after the export)");
}

}  // namespace kpledger::report
