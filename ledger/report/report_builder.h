// The reports of a ledger, projected from its log (DESIGN §4, last
// paragraph): KP trade statistics (KPCS.md "Statistics"), the mass balance
// of imports against exports, and the anomaly list (KPCS.md "Red flags").
// docs/reports.md describes each report, its units and its sources.
//
// A ReportBuilder is fed the log's accepted events in order, each with the
// flags the rules gave it, and then answers for any period or time. It
// reads nothing but what it is fed, so every node, and an auditor
// replaying the log, gets the same reports.
//
// Invariants: entries are added in log order from entry 1, none skipped,
// with ledger times that never decrease. Outputs are sorted and computed
// in integers; no unordered iteration.
// Time: "as of T" covers every entry with ledger time <= T; a period
// [start, end) covers entries with start <= ledger time < end.
// Memory: O(entries) — one small record per import, export, flagged event
// and change of the balance.
// Thread safety: Add must not run concurrently with anything; the const
// queries may run concurrently with each other.
#ifndef KPLEDGER_LEDGER_REPORT_REPORT_BUILDER_H_
#define KPLEDGER_LEDGER_REPORT_REPORT_BUILDER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kpledger/v1/event.pb.h"
#include "kpledger/v1/genesis.pb.h"
#include "kpledger/v1/ledger.pb.h"
#include "kpledger/v1/service.pb.h"
#include "ledger/entry/leaf.h"
#include "ledger/report/shares.h"

namespace kpledger::report {

class ReportBuilder {
 public:
  // The projection of a ledger that holds only its genesis, whose policy is
  // `genesis_policy`. UpdatePolicy events replace it as they are added.
  explicit ReportBuilder(v1::Policy genesis_policy);

  // Adds entry `index`: an event the rules accepted at ledger time `time`,
  // with the flags they gave it. Governance events other than UpdatePolicy,
  // transfers and inspections change no report.
  // FailedPrecondition if `index` is not the next entry, `time` is before
  // the previous entry's, or the event names a parcel or an export
  // certificate in a way no accepted log can (unknown, already closed,
  // created twice): the feed is not the log. InvalidArgument for an event
  // without a body. On error nothing changes.
  absl::Status Add(uint64_t index, entry::LedgerTime time,
                   const v1::CustodyEvent& event, absl::string_view event_id,
                   const std::vector<v1::Flag>& flags);

  // The entry Add expects next.
  uint64_t next_index() const { return next_index_; }

  // The log the reports below come from (each carries it).
  v1::ReportBasis Basis() const;

  // Imports and exports of certificates whose event's ledger time is in
  // [start, end), grouped by (HS code, origin, partner country), with
  // totals per section.
  v1::KpStatistics Statistics(entry::LedgerTime start,
                              entry::LedgerTime end) const;

  // Imported against exported mass and value, what is in custody and what
  // was lost or re-measured, as of `as_of`.
  v1::Balance BalanceAt(entry::LedgerTime as_of) const;

  // Every flag the rules gave an event up to `as_of`, and every export
  // whose confirmation was due before `as_of` and is not in the log by
  // then (UNCONFIRMED_EXPORT). Sorted by (entry, flag).
  v1::ListAnomaliesResponse Anomalies(entry::LedgerTime as_of) const;

 private:
  // A parcel as the projection tracks it.
  struct Parcel {
    int64_t mass_mct = 0;           // latest measured (or declared) mass
    int64_t declared_mass_mct = 0;  // from the certificate, split or merge
    int64_t value_usd_cents = 0;
    bool closed = false;  // split, merged or exported
    entry::LedgerTime created;
    std::string import_certificate;  // empty unless made by an Import
  };

  // A certificate in the statistics, apportioned over its origins.
  struct Trade {
    entry::LedgerTime time;
    std::string hs_code;
    std::string partner_country;
    int64_t mass_mct = 0;
    int64_t value_usd_cents = 0;
    std::vector<Portion> mass_by_origin;   // sorted by country
    std::vector<Portion> value_by_origin;  // sorted by country
  };

  // An export certificate this ledger issued, and its confirmation.
  struct ExportCheck {
    uint64_t index = 0;
    entry::LedgerTime time;
    std::string event_id;
    std::string parcel_id;
    std::string importing_country;
    int64_t mass_mct = 0;
    uint32_t period_days = 0;  // the policy's, when it was exported
    std::optional<entry::LedgerTime> confirmed_at;
  };

  // Running sums for the balance.
  struct Totals {
    int64_t imported_mass_mct = 0;
    int64_t imported_value_usd_cents = 0;
    int64_t exported_mass_mct = 0;
    int64_t exported_value_usd_cents = 0;
    int64_t assessment_delta_mct = 0;
    int64_t lost_mass_mct = 0;
    int64_t in_custody_mass_mct = 0;
    uint32_t in_custody_parcels = 0;
  };

  // What one event does; each checks everything before it changes
  // anything.
  absl::Status AddImport(const v1::Import& b);
  absl::Status AddAssessment(const v1::LabAssessment& b);
  absl::Status AddSplit(const v1::Split& b);
  absl::Status AddMerge(const v1::Merge& b);
  absl::Status AddExport(const v1::Export& b);
  absl::Status AddConfirmation(const v1::ImportConfirmation& b);
  // FailedPrecondition unless the parcel is known and not closed.
  absl::StatusOr<Parcel*> OpenParcel(absl::string_view parcel_id,
                                     absl::string_view what);
  // FailedPrecondition if the parcel id is already used.
  absl::Status RequireNew(absl::string_view parcel_id,
                          absl::string_view what) const;
  // One anomaly per flag of the event being added, read from the state
  // before it.
  std::vector<v1::Anomaly> Flagged(const v1::CustodyEvent& event,
                                   const std::vector<v1::Flag>& flags) const;
  std::string FlagDetail(v1::Flag flag, const v1::CustodyEvent& event,
                         const Parcel* parcel) const;
  void SnapshotTotals();
  static Trade MakeTrade(entry::LedgerTime time, const v1::KpCertificate& cert,
                         const std::string& partner_country);

  v1::Policy policy_;  // in force after the entries added so far
  uint64_t next_index_ = 1;
  entry::LedgerTime last_time_;

  // The event being added (set by Add for its handlers).
  uint64_t index_ = 0;
  entry::LedgerTime time_;
  std::string event_id_;

  std::map<std::string, Parcel, std::less<>> parcels_;
  std::vector<Trade> imports_;  // in log order
  std::vector<Trade> exports_;  // in log order
  std::map<std::string, ExportCheck, std::less<>> exports_by_number_;
  std::vector<v1::Anomaly> flagged_;  // in log order
  Totals totals_;
  // The totals after each ledger time at which they changed, ascending.
  std::vector<std::pair<entry::LedgerTime, Totals>> history_;
};

}  // namespace kpledger::report

#endif  // KPLEDGER_LEDGER_REPORT_REPORT_BUILDER_H_
