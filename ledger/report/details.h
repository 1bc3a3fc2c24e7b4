// Internal to ledger/report: the readable detail of each kind of anomaly,
// with the figures and the limit that raised it. Integers only.
// Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_REPORT_DETAILS_H_
#define KPLEDGER_LEDGER_REPORT_DETAILS_H_

#include <cstdint>
#include <string>

#include "kpledger/v1/common.pb.h"
#include "kpledger/v1/genesis.pb.h"
#include "ledger/entry/leaf.h"

namespace kpledger::report {

// SANCTIONED_ORIGIN on an Import: which origins the policy flags, with
// their shares of the certificate's mass.
std::string SanctionedOriginDetail(const v1::KpCertificate& cert,
                                   const v1::Policy& policy);

// MASS_DISCREPANCY on a LabAssessment (rules::AssessmentFlags).
std::string MassDiscrepancyDetail(int64_t declared_mass_mct,
                                  int64_t measured_mass_mct,
                                  uint32_t mass_tolerance_ppm);

// VALUE_OUTLIER on a LabAssessment: value per carat assessed against
// declared (rules::AssessmentFlags).
std::string ValueOutlierDetail(int64_t declared_mass_mct,
                               int64_t declared_value_usd_cents,
                               int64_t measured_mass_mct,
                               int64_t assessed_value_usd_cents,
                               uint32_t value_band_ppm);

// VALUE_OUTLIER on a Split or Merge: the value per carat of what came out
// against what went in (rules::ValuePerCaratOutsideBand). `what`: "split"
// or "merge".
std::string RevaluationDetail(const std::string& what, int64_t in_mass_mct,
                              int64_t in_value_usd_cents, int64_t out_mass_mct,
                              int64_t out_value_usd_cents,
                              uint32_t value_band_ppm);

// QUICK_REEXPORT on an Export: how soon after its import.
std::string QuickReexportDetail(entry::LedgerTime imported,
                                entry::LedgerTime exported,
                                const std::string& import_certificate,
                                uint32_t quick_reexport_days);

// UNCONFIRMED_EXPORT: what was not confirmed, by whom, since when.
std::string UnconfirmedExportDetail(const std::string& importing_country,
                                    int64_t mass_mct, entry::LedgerTime due,
                                    uint32_t period_days);

}  // namespace kpledger::report

#endif  // KPLEDGER_LEDGER_REPORT_DETAILS_H_
