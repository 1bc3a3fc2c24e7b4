// What a verified bundle proves about its parcel, assembled from the
// replayed state and the replayed entries (see verify.h). The human-readable
// text is account_text.h.
// Thread-safe: a pure function.
#ifndef KPLEDGER_LEDGER_PROVENANCE_ACCOUNT_H_
#define KPLEDGER_LEDGER_PROVENANCE_ACCOUNT_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kpledger/v1/provenance.pb.h"
#include "ledger/rules/state.h"

namespace kpledger::provenance {

// The account of `parcel_id` after the accepted `events` were replayed
// into `state`: the parcel as replayed; the incoming certificates of the
// imports that created it or an ancestor (following ParcelState.parents);
// the export that closed it and its confirmation, if among the events. The
// caller fills in the checkpoint and the genesis hash. NotFound if the
// state has no such parcel (no event of the bundle creates it).
absl::StatusOr<v1::ProvenanceAccount> AssembleAccount(
    absl::string_view parcel_id, const rules::StateView& state,
    std::vector<v1::AccountEvent> events);

}  // namespace kpledger::provenance

#endif  // KPLEDGER_LEDGER_PROVENANCE_ACCOUNT_H_
