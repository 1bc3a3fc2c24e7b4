#include "ledger/report/report_builder.h"

#include <algorithm>
#include <iterator>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"
#include "ledger/entry/time.h"
#include "ledger/report/details.h"

namespace kpledger::report {
namespace {

// The parcel an event is about, for its anomalies.
std::string SubjectParcel(const v1::CustodyEvent& e) {
  switch (e.body_case()) {
    case v1::CustodyEvent::kImport:
      return e.import().parcel_id();
    case v1::CustodyEvent::kLabAssessment:
      return e.lab_assessment().parcel_id();
    case v1::CustodyEvent::kSplit:
      return e.split().parcel_id();
    case v1::CustodyEvent::kMerge:
      return e.merge().new_parcel_id();
    case v1::CustodyEvent::kExport:
      return e.export_().parcel_id();
    case v1::CustodyEvent::kCustodyTransfer:
      return e.custody_transfer().parcel_id();
    case v1::CustodyEvent::kInspection:
      return e.inspection().parcel_id();
    case v1::CustodyEvent::kHold:
      return e.hold().parcel_id();
    case v1::CustodyEvent::kRelease:
      return e.release().parcel_id();
    default:  // governance and confirmations touch no parcel
      return "";
  }
}

bool InPeriod(entry::LedgerTime t, entry::LedgerTime start,
              entry::LedgerTime end) {
  return !(t < start) && t < end;
}

}  // namespace

ReportBuilder::ReportBuilder(v1::Policy genesis_policy)
    : policy_(std::move(genesis_policy)) {}

absl::Status ReportBuilder::Add(uint64_t index, entry::LedgerTime time,
                                const v1::CustodyEvent& event,
                                absl::string_view event_id,
                                const std::vector<v1::Flag>& flags) {
  if (index != next_index_) {
    return absl::FailedPreconditionError(
        absl::StrCat("report: entry ", index, " added, want entry ",
                     next_index_, " (entries are added in log order)"));
  }
  if (time < last_time_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "report: entry ", index, " has ledger time ", entry::FormatTime(time),
        ", before the previous entry's ", entry::FormatTime(last_time_)));
  }
  index_ = index;
  time_ = time;
  event_id_ = std::string(event_id);
  std::vector<v1::Anomaly> anomalies = Flagged(event, flags);
  absl::Status status;
  switch (event.body_case()) {
    case v1::CustodyEvent::kImport:
      status = AddImport(event.import());
      break;
    case v1::CustodyEvent::kLabAssessment:
      status = AddAssessment(event.lab_assessment());
      break;
    case v1::CustodyEvent::kSplit:
      status = AddSplit(event.split());
      break;
    case v1::CustodyEvent::kMerge:
      status = AddMerge(event.merge());
      break;
    case v1::CustodyEvent::kExport:
      status = AddExport(event.export_());
      break;
    case v1::CustodyEvent::kImportConfirmation:
      status = AddConfirmation(event.import_confirmation());
      break;
    case v1::CustodyEvent::kUpdatePolicy:
      policy_ = event.update_policy().policy();
      break;
    case v1::CustodyEvent::BODY_NOT_SET:
      status = absl::InvalidArgumentError(
          absl::StrCat("report: entry ", index, " has no event body"));
      break;
    default:  // transfers, inspections, holds, governance: no report
      break;
  }
  KP_RETURN_IF_ERROR(status);
  for (v1::Anomaly& a : anomalies) flagged_.push_back(std::move(a));
  SnapshotTotals();
  last_time_ = time;
  ++next_index_;
  return absl::OkStatus();
}

absl::StatusOr<ReportBuilder::Parcel*> ReportBuilder::OpenParcel(
    absl::string_view parcel_id, absl::string_view what) {
  auto it = parcels_.find(parcel_id);
  if (it == parcels_.end() || it->second.closed) {
    return absl::FailedPreconditionError(
        absl::StrCat("report: entry ", index_, " ", what, " parcel ", parcel_id,
                     it == parcels_.end() ? ", which no earlier entry created"
                                          : ", which an earlier entry closed"));
  }
  return &it->second;
}

absl::Status ReportBuilder::RequireNew(absl::string_view parcel_id,
                                       absl::string_view what) const {
  if (parcels_.find(parcel_id) == parcels_.end()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("report: entry ", index_, " ", what, " parcel ", parcel_id,
                   ", which an earlier entry created"));
}

ReportBuilder::Trade ReportBuilder::MakeTrade(
    entry::LedgerTime time, const v1::KpCertificate& cert,
    const std::string& partner_country) {
  Trade t;
  t.time = time;
  t.hs_code = cert.hs_code();
  t.partner_country = partner_country;
  t.mass_mct = cert.mass_mct();
  t.value_usd_cents = cert.value_usd_cents();
  t.mass_by_origin = Apportion(cert.mass_mct(), cert.origins());
  t.value_by_origin = Apportion(cert.value_usd_cents(), cert.origins());
  return t;
}

absl::Status ReportBuilder::AddImport(const v1::Import& b) {
  KP_RETURN_IF_ERROR(RequireNew(b.parcel_id(), "imports"));
  const v1::KpCertificate& cert = b.certificate();
  Parcel p;
  p.mass_mct = cert.mass_mct();
  p.declared_mass_mct = cert.mass_mct();
  p.value_usd_cents = cert.value_usd_cents();
  p.created = time_;
  p.import_certificate = cert.certificate_number();
  parcels_.emplace(b.parcel_id(), std::move(p));
  imports_.push_back(MakeTrade(time_, cert, cert.exporting_country()));
  totals_.imported_mass_mct += cert.mass_mct();
  totals_.imported_value_usd_cents += cert.value_usd_cents();
  totals_.in_custody_mass_mct += cert.mass_mct();
  ++totals_.in_custody_parcels;
  return absl::OkStatus();
}

absl::Status ReportBuilder::AddAssessment(const v1::LabAssessment& b) {
  KP_ASSIGN_OR_RETURN(Parcel * p, OpenParcel(b.parcel_id(), "assesses"));
  const int64_t delta = b.measured_mass_mct() - p->mass_mct;
  p->mass_mct = b.measured_mass_mct();
  totals_.assessment_delta_mct += delta;
  totals_.in_custody_mass_mct += delta;
  return absl::OkStatus();
}

absl::Status ReportBuilder::AddSplit(const v1::Split& b) {
  KP_ASSIGN_OR_RETURN(Parcel * parent, OpenParcel(b.parcel_id(), "splits"));
  std::set<std::string> ids;
  int64_t out_mct = 0;
  for (const v1::Split::Child& c : b.children()) {
    KP_RETURN_IF_ERROR(RequireNew(c.parcel_id(), "splits into"));
    if (!ids.insert(c.parcel_id()).second) {
      return absl::FailedPreconditionError(
          absl::StrCat("report: entry ", index_, " splits into parcel ",
                       c.parcel_id(), " twice"));
    }
    out_mct += c.mass_mct();
  }
  const int64_t in_mct = parent->mass_mct;
  parent->closed = true;
  for (const v1::Split::Child& c : b.children()) {
    Parcel child;
    child.mass_mct = c.mass_mct();
    child.declared_mass_mct = c.mass_mct();
    child.value_usd_cents = c.value_usd_cents();
    child.created = time_;
    parcels_.emplace(c.parcel_id(), std::move(child));
  }
  totals_.lost_mass_mct += in_mct - out_mct;
  totals_.in_custody_mass_mct += out_mct - in_mct;
  totals_.in_custody_parcels += b.children_size() - 1;
  return absl::OkStatus();
}

absl::Status ReportBuilder::AddMerge(const v1::Merge& b) {
  KP_RETURN_IF_ERROR(RequireNew(b.new_parcel_id(), "merges into"));
  std::vector<Parcel*> inputs;
  int64_t in_mct = 0;
  for (const std::string& id : b.parcel_ids()) {
    KP_ASSIGN_OR_RETURN(Parcel * p, OpenParcel(id, "merges"));
    if (std::find(inputs.begin(), inputs.end(), p) != inputs.end()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "report: entry ", index_, " merges parcel ", id, " twice"));
    }
    inputs.push_back(p);
    in_mct += p->mass_mct;
  }
  for (Parcel* p : inputs) p->closed = true;
  Parcel merged;
  merged.mass_mct = b.mass_mct();
  merged.declared_mass_mct = b.mass_mct();
  merged.value_usd_cents = b.value_usd_cents();
  merged.created = time_;
  parcels_.emplace(b.new_parcel_id(), std::move(merged));
  totals_.lost_mass_mct += in_mct - b.mass_mct();
  totals_.in_custody_mass_mct += b.mass_mct() - in_mct;
  totals_.in_custody_parcels -= static_cast<uint32_t>(inputs.size()) - 1;
  return absl::OkStatus();
}

absl::Status ReportBuilder::AddExport(const v1::Export& b) {
  KP_ASSIGN_OR_RETURN(Parcel * p, OpenParcel(b.parcel_id(), "exports"));
  const v1::KpCertificate& cert = b.certificate();
  if (exports_by_number_.count(cert.certificate_number()) > 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("report: entry ", index_, " issues export certificate ",
                     cert.certificate_number(),
                     ", which an earlier entry "
                     "issued"));
  }
  p->closed = true;
  exports_.push_back(MakeTrade(time_, cert, cert.importing_country()));
  ExportCheck check;
  check.index = index_;
  check.time = time_;
  check.event_id = event_id_;
  check.parcel_id = b.parcel_id();
  check.importing_country = cert.importing_country();
  check.mass_mct = cert.mass_mct();
  check.period_days = policy_.confirmation_period_days();
  exports_by_number_.emplace(cert.certificate_number(), std::move(check));
  totals_.exported_mass_mct += cert.mass_mct();
  totals_.exported_value_usd_cents += cert.value_usd_cents();
  // The parcel's own mass leaves custody (the rules make the certificate's
  // equal to it).
  totals_.in_custody_mass_mct -= p->mass_mct;
  --totals_.in_custody_parcels;
  return absl::OkStatus();
}

absl::Status ReportBuilder::AddConfirmation(const v1::ImportConfirmation& b) {
  auto it = exports_by_number_.find(b.certificate_number());
  if (it == exports_by_number_.end() || it->second.confirmed_at.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "report: entry ", index_, " confirms export certificate ",
        b.certificate_number(),
        it == exports_by_number_.end() ? ", which no earlier entry issued"
                                       : ", which was confirmed before"));
  }
  it->second.confirmed_at = time_;
  return absl::OkStatus();
}

std::vector<v1::Anomaly> ReportBuilder::Flagged(
    const v1::CustodyEvent& event, const std::vector<v1::Flag>& flags) const {
  std::vector<v1::Anomaly> out;
  const std::string parcel_id = SubjectParcel(event);
  auto it = parcels_.find(parcel_id);
  const Parcel* parcel = it == parcels_.end() ? nullptr : &it->second;
  std::vector<v1::Flag> sorted = flags;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  for (v1::Flag flag : sorted) {
    v1::Anomaly a;
    a.set_flag(flag);
    a.set_parcel_id(parcel_id);
    a.set_event_id(event_id_);
    if (event.has_import()) {
      a.set_certificate_number(
          event.import().certificate().certificate_number());
    } else if (event.has_export_()) {
      a.set_certificate_number(
          event.export_().certificate().certificate_number());
    } else if (parcel != nullptr) {
      a.set_certificate_number(parcel->import_certificate);
    }
    a.set_detail(FlagDetail(flag, event, parcel));
    a.set_leaf_index(index_);
    *a.mutable_ledger_time() = entry::ToTimestamp(time_);
    out.push_back(std::move(a));
  }
  return out;
}

std::string ReportBuilder::FlagDetail(v1::Flag flag,
                                      const v1::CustodyEvent& event,
                                      const Parcel* parcel) const {
  if (flag == v1::SANCTIONED_ORIGIN && event.has_import()) {
    return SanctionedOriginDetail(event.import().certificate(), policy_);
  }
  if (parcel != nullptr && event.has_lab_assessment()) {
    const v1::LabAssessment& b = event.lab_assessment();
    if (flag == v1::MASS_DISCREPANCY) {
      return MassDiscrepancyDetail(parcel->declared_mass_mct,
                                   b.measured_mass_mct(),
                                   policy_.mass_tolerance_ppm());
    }
    if (flag == v1::VALUE_OUTLIER) {
      return ValueOutlierDetail(parcel->declared_mass_mct,
                                parcel->value_usd_cents, b.measured_mass_mct(),
                                b.assessed_value_usd_cents(),
                                policy_.value_band_ppm());
    }
  }
  if (flag == v1::VALUE_OUTLIER && parcel != nullptr && event.has_split()) {
    int64_t mass = 0, value = 0;
    for (const v1::Split::Child& c : event.split().children()) {
      mass += c.mass_mct();
      value += c.value_usd_cents();
    }
    return RevaluationDetail("split", parcel->mass_mct, parcel->value_usd_cents,
                             mass, value, policy_.value_band_ppm());
  }
  if (flag == v1::VALUE_OUTLIER && event.has_merge()) {
    int64_t mass = 0, value = 0;
    for (const std::string& id : event.merge().parcel_ids()) {
      auto input = parcels_.find(id);
      if (input == parcels_.end()) break;  // AddMerge refuses the entry
      mass += input->second.mass_mct;
      value += input->second.value_usd_cents;
    }
    if (mass > 0) {
      return RevaluationDetail("merge", mass, value, event.merge().mass_mct(),
                               event.merge().value_usd_cents(),
                               policy_.value_band_ppm());
    }
  }
  if (flag == v1::QUICK_REEXPORT && parcel != nullptr && event.has_export_()) {
    return QuickReexportDetail(parcel->created, time_,
                               parcel->import_certificate,
                               policy_.quick_reexport_days());
  }
  return absl::StrCat(v1::Flag_Name(flag), " set by the custody rules");
}

void ReportBuilder::SnapshotTotals() {
  if (!history_.empty() && history_.back().first == time_) {
    history_.back().second = totals_;
  } else {
    history_.emplace_back(time_, totals_);
  }
}

v1::ReportBasis ReportBuilder::Basis() const {
  v1::ReportBasis basis;
  basis.set_tree_size(next_index_);
  if (next_index_ > 1) {
    *basis.mutable_last_entry_time() = entry::ToTimestamp(last_time_);
  }
  return basis;
}

v1::KpStatistics ReportBuilder::Statistics(entry::LedgerTime start,
                                           entry::LedgerTime end) const {
  v1::KpStatistics out;
  *out.mutable_basis() = Basis();
  *out.mutable_start() = entry::ToTimestamp(start);
  *out.mutable_end() = entry::ToTimestamp(end);
  using Key = std::tuple<std::string, std::string, std::string>;
  auto section = [&](const std::vector<Trade>& trades,
                     google::protobuf::RepeatedPtrField<v1::TradeRow>* rows,
                     v1::TradeTotal* total) {
    std::map<Key, v1::TradeRow> by_key;  // ordered: sorted rows
    for (const Trade& t : trades) {
      if (!InPeriod(t.time, start, end)) continue;
      total->set_mass_mct(total->mass_mct() + t.mass_mct);
      total->set_value_usd_cents(total->value_usd_cents() + t.value_usd_cents);
      total->set_certificate_count(total->certificate_count() + 1);
      for (size_t i = 0; i < t.mass_by_origin.size(); ++i) {
        const std::string& origin = t.mass_by_origin[i].country;
        v1::TradeRow& row = by_key[Key{t.hs_code, origin, t.partner_country}];
        row.set_hs_code(t.hs_code);
        row.set_origin_country(origin);
        row.set_partner_country(t.partner_country);
        row.set_mass_mct(row.mass_mct() + t.mass_by_origin[i].amount);
        row.set_value_usd_cents(row.value_usd_cents() +
                                t.value_by_origin[i].amount);
        row.set_certificate_count(row.certificate_count() + 1);
      }
    }
    for (auto& [key, row] : by_key) *rows->Add() = std::move(row);
  };
  section(imports_, out.mutable_imports(), out.mutable_import_total());
  section(exports_, out.mutable_exports(), out.mutable_export_total());
  return out;
}

v1::Balance ReportBuilder::BalanceAt(entry::LedgerTime as_of) const {
  // The last snapshot at or before as_of.
  auto it = std::upper_bound(
      history_.begin(), history_.end(), as_of,
      [](entry::LedgerTime t, const std::pair<entry::LedgerTime, Totals>& s) {
        return t < s.first;
      });
  const Totals t = it == history_.begin() ? Totals{} : std::prev(it)->second;
  v1::Balance out;
  out.set_imported_mass_mct(t.imported_mass_mct);
  out.set_imported_value_usd_cents(t.imported_value_usd_cents);
  out.set_exported_mass_mct(t.exported_mass_mct);
  out.set_exported_value_usd_cents(t.exported_value_usd_cents);
  out.set_assessment_delta_mct(t.assessment_delta_mct);
  out.set_lost_mass_mct(t.lost_mass_mct);
  out.set_in_custody_mass_mct(t.in_custody_mass_mct);
  out.set_in_custody_parcel_count(t.in_custody_parcels);
  *out.mutable_as_of() = entry::ToTimestamp(as_of);
  *out.mutable_basis() = Basis();
  return out;
}

v1::ListAnomaliesResponse ReportBuilder::Anomalies(
    entry::LedgerTime as_of) const {
  std::vector<v1::Anomaly> all;
  for (const v1::Anomaly& a : flagged_) {
    if (as_of < entry::FromTimestamp(a.ledger_time())) break;  // log order
    all.push_back(a);
  }
  for (const auto& [number, e] : exports_by_number_) {
    // A period of 0 days sets no deadline (as quick_reexport_days = 0).
    if (e.period_days == 0 || as_of < e.time) continue;
    if (e.confirmed_at.has_value() && !(as_of < *e.confirmed_at)) continue;
    entry::LedgerTime due = e.time;
    due.seconds += int64_t{e.period_days} * entry::kSecondsPerDay;
    if (!(due < as_of)) continue;
    v1::Anomaly a;
    a.set_flag(v1::UNCONFIRMED_EXPORT);
    a.set_parcel_id(e.parcel_id);
    a.set_event_id(e.event_id);
    a.set_certificate_number(number);
    a.set_detail(UnconfirmedExportDetail(e.importing_country, e.mass_mct, due,
                                         e.period_days));
    a.set_leaf_index(e.index);
    *a.mutable_ledger_time() = entry::ToTimestamp(e.time);
    all.push_back(std::move(a));
  }
  std::sort(
      all.begin(), all.end(), [](const v1::Anomaly& a, const v1::Anomaly& b) {
        return std::make_pair(a.leaf_index(), static_cast<int>(a.flag())) <
               std::make_pair(b.leaf_index(), static_cast<int>(b.flag()));
      });
  v1::ListAnomaliesResponse out;
  for (v1::Anomaly& a : all) *out.add_anomalies() = std::move(a);
  *out.mutable_as_of() = entry::ToTimestamp(as_of);
  *out.mutable_basis() = Basis();
  return out;
}

}  // namespace kpledger::report
