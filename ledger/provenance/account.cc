#include "ledger/provenance/account.h"

#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"

namespace kpledger::provenance {
namespace {

// The ids of `parcel` and of every parcel it was split or merged from,
// transitively.
absl::StatusOr<std::set<std::string>> Lineage(const v1::ParcelState& parcel,
                                              const rules::StateView& state) {
  std::set<std::string> seen = {parcel.parcel_id()};
  std::vector<std::string> pending(parcel.parents().begin(),
                                   parcel.parents().end());
  while (!pending.empty()) {
    const std::string id = std::move(pending.back());
    pending.pop_back();
    if (!seen.insert(id).second) continue;
    KP_ASSIGN_OR_RETURN(std::optional<v1::ParcelState> p, state.Parcel(id));
    // The rules created the child only from parcels they had a state of.
    if (!p.has_value()) {
      return absl::InternalError(absl::StrCat(
          "replayed parcel ", parcel.parcel_id(), " descends from ", id,
          ", of which the replayed state has no record"));
    }
    pending.insert(pending.end(), p->parents().begin(), p->parents().end());
  }
  return seen;
}

v1::AccountCertificate Certificate(const v1::AccountEvent& e,
                                   const std::string& parcel_id,
                                   const v1::KpCertificate& cert) {
  v1::AccountCertificate out;
  out.set_index(e.index());
  out.set_parcel_id(parcel_id);
  *out.mutable_certificate() = cert;
  return out;
}

}  // namespace

absl::StatusOr<v1::ProvenanceAccount> AssembleAccount(
    absl::string_view parcel_id, const rules::StateView& state,
    std::vector<v1::AccountEvent> events) {
  KP_ASSIGN_OR_RETURN(std::optional<v1::ParcelState> parcel,
                      state.Parcel(parcel_id));
  if (!parcel.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("parcel ", parcel_id.substr(0, 128),
                     " is not created by any entry of the bundle"));
  }
  KP_ASSIGN_OR_RETURN(std::set<std::string> lineage, Lineage(*parcel, state));
  const std::string& exported = parcel->export_certificate();

  v1::ProvenanceAccount account;
  account.set_parcel_id(std::string(parcel_id));
  // Events are in log order, so the certificates are too.
  for (const v1::AccountEvent& e : events) {
    const v1::CustodyEvent& ev = e.event();
    if (ev.has_import() && lineage.count(ev.import().parcel_id()) > 0) {
      *account.add_import_certificates() =
          Certificate(e, ev.import().parcel_id(), ev.import().certificate());
    }
    if (ev.has_export_() && !exported.empty() &&
        ev.export_().certificate().certificate_number() == exported) {
      *account.mutable_export_certificate() =
          Certificate(e, ev.export_().parcel_id(), ev.export_().certificate());
    }
    if (ev.has_import_confirmation() && !exported.empty() &&
        ev.import_confirmation().certificate_number() == exported) {
      v1::AccountConfirmation* c = account.mutable_confirmation();
      c->set_index(e.index());
      *c->mutable_ledger_time() = e.ledger_time();
      *c->mutable_confirmation() = ev.import_confirmation();
    }
  }
  *account.mutable_parcel() = *std::move(parcel);
  for (v1::AccountEvent& e : events) *account.add_events() = std::move(e);
  return account;
}

}  // namespace kpledger::provenance
