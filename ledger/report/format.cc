#include "ledger/report/format.h"

#include <algorithm>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/units.h"
#include "ledger/entry/time.h"

namespace kpledger::report {
namespace {

using ::kpledger::base::FormatCarats;
using ::kpledger::base::FormatPercent;
using ::kpledger::base::FormatUsd;

// Columns padded to their widest cell, two spaces apart; text columns
// left-aligned, number columns right-aligned; no trailing spaces.
class Table {
 public:
  // `right[i]`: column i holds numbers.
  explicit Table(std::vector<bool> right) : right_(std::move(right)) {}

  void Add(std::vector<std::string> cells) {
    cells.resize(right_.size());
    rows_.push_back(std::move(cells));
  }

  std::string Render() const {
    std::vector<size_t> width(right_.size(), 0);
    for (const auto& row : rows_) {
      for (size_t i = 0; i < row.size(); ++i) {
        width[i] = std::max(width[i], row[i].size());
      }
    }
    std::string out;
    for (const auto& row : rows_) {
      std::string line;
      for (size_t i = 0; i < row.size(); ++i) {
        if (i > 0) line += "  ";
        const std::string pad(width[i] - row[i].size(), ' ');
        line += right_[i] ? pad + row[i] : row[i] + pad;
      }
      line.erase(line.find_last_not_of(' ') + 1);
      absl::StrAppend(&out, line, "\n");
    }
    return out;
  }

 private:
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

std::string Time(const google::protobuf::Timestamp& t) {
  return entry::FormatTime(entry::FromTimestamp(t));
}

std::string Section(
    absl::string_view title, absl::string_view partner,
    const google::protobuf::RepeatedPtrField<v1::TradeRow>& rows,
    const v1::TradeTotal& total) {
  std::string out = absl::StrCat(title, "\n");
  if (rows.empty()) return absl::StrCat(out, "  no certificates\n");
  Table table({false, false, false, true, true, true});
  table.Add({"HS code", "Origin", std::string(partner), "Mass", "Value",
             "Certificates"});
  for (const v1::TradeRow& r : rows) {
    table.Add({r.hs_code(), r.origin_country(), r.partner_country(),
               FormatCarats(r.mass_mct()), FormatUsd(r.value_usd_cents()),
               absl::StrCat(r.certificate_count())});
  }
  table.Add({"Total", "", "", FormatCarats(total.mass_mct()),
             FormatUsd(total.value_usd_cents()),
             absl::StrCat(total.certificate_count())});
  return absl::StrCat(out, table.Render());
}

// The last line of every report: the log it comes from, and whether
// entries applied later (each at or after the last entry's time) may still
// change it: `in_report(t)` says whether an entry at time t would count.
std::string BasisLine(const v1::ReportBasis& basis,
                      absl::FunctionRef<bool(entry::LedgerTime)> in_report) {
  if (!basis.has_last_entry_time()) {
    return "From the ledger's genesis alone; entries applied later may still "
           "change this answer.\n";
  }
  const bool settled =
      !in_report(entry::FromTimestamp(basis.last_entry_time()));
  return absl::StrCat("From the ledger's first ", basis.tree_size(),
                      " entries (the last at ", Time(basis.last_entry_time()),
                      ")",
                      settled ? ".\n"
                              : "; entries applied later may still change "
                                "this answer.\n");
}

// At or before `as_of`.
auto UpTo(const google::protobuf::Timestamp& as_of) {
  return [t = entry::FromTimestamp(as_of)](entry::LedgerTime e) {
    return !(t < e);
  };
}

}  // namespace

std::string FormatStatistics(const v1::KpStatistics& stats) {
  return absl::StrCat(
      "KP statistics, ledger time ", Time(stats.start()), " to ",
      Time(stats.end()), " (end excluded)\n\n",
      Section("Imports by HS code, origin and provenance", "Provenance",
              stats.imports(), stats.import_total()),
      "\n",
      Section("Exports by HS code, origin and destination", "Destination",
              stats.exports(), stats.export_total()),
      "\n",
      BasisLine(stats.basis(), [end = entry::FromTimestamp(stats.end())](
                                   entry::LedgerTime t) { return t < end; }));
}

std::string FormatBalance(const v1::Balance& b) {
  Table table({false, true, true});
  table.Add({"Imported", FormatCarats(b.imported_mass_mct()),
             FormatUsd(b.imported_value_usd_cents())});
  table.Add({"Exported", FormatCarats(b.exported_mass_mct()),
             FormatUsd(b.exported_value_usd_cents())});
  table.Add({"Lab re-measurement", FormatCarats(b.assessment_delta_mct())});
  table.Add({"Lost in splits and merges", FormatCarats(b.lost_mass_mct())});
  table.Add({"In custody", FormatCarats(b.in_custody_mass_mct()),
             absl::StrCat(
                 b.in_custody_parcel_count(),
                 b.in_custody_parcel_count() == 1 ? " parcel" : " parcels")});
  return absl::StrCat("Balance as of ", Time(b.as_of()), "\n", table.Render(),
                      BasisLine(b.basis(), UpTo(b.as_of())));
}

std::string FormatAnomalies(const v1::ListAnomaliesResponse& list) {
  const std::string head = absl::StrCat("Anomalies as of ", Time(list.as_of()));
  if (list.anomalies().empty()) {
    return absl::StrCat(head, ": none\n",
                        BasisLine(list.basis(), UpTo(list.as_of())));
  }
  Table table({true, false, false, false, false, false});
  table.Add(
      {"Entry", "Ledger time", "Flag", "Parcel", "Certificate", "Detail"});
  for (const v1::Anomaly& a : list.anomalies()) {
    table.Add({absl::StrCat(a.leaf_index()), Time(a.ledger_time()),
               v1::Flag_Name(a.flag()), a.parcel_id(), a.certificate_number(),
               a.detail()});
  }
  return absl::StrCat(head, ": ", list.anomalies_size(), "\n", table.Render(),
                      BasisLine(list.basis(), UpTo(list.as_of())));
}

}  // namespace kpledger::report
