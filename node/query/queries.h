// The read side of a node: what LedgerService answers, computed from the
// store alone (its log, indexes and the rules' state records). Every
// function reads the store as of its last committed batch and may run
// while batches are appended. Errors name what was asked for:
// InvalidArgument for a malformed request, NotFound for what the ledger
// does not hold, DataLoss when the store disagrees with itself.
#ifndef KPLEDGER_NODE_QUERY_QUERIES_H_
#define KPLEDGER_NODE_QUERY_QUERIES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kpledger/v1/ledger.pb.h"
#include "kpledger/v1/service.pb.h"
#include "ledger/store/store.h"

namespace kpledger::node {

// Entry `index` with its envelope decoded and its event id.
absl::StatusOr<v1::LedgerEntry> EntryAt(const store::Store& store,
                                        uint64_t index);

// The entry of an event, by lowercase hex event id.
absl::StatusOr<v1::LedgerEntry> EventEntry(const store::Store& store,
                                           absl::string_view event_id);

absl::StatusOr<v1::ParcelState> Parcel(const store::Store& store,
                                       absl::string_view parcel_id);

// The parcel's own hash chain, oldest first: from the event that created
// it (its Import, or the Split or Merge that made it) to its latest event.
absl::StatusOr<v1::ListParcelEventsResponse> ParcelEvents(
    const store::Store& store, absl::string_view parcel_id);

// Parcels in id order, filtered; a page of page_size (default 100, at most
// 1000) and a token for the next page.
absl::StatusOr<v1::ListParcelsResponse> ListParcels(
    const store::Store& store, const v1::ListParcelsRequest& request);

// Registered actors of `role` (every role if unspecified), in id order.
absl::StatusOr<v1::ListActorsResponse> ListActors(
    const store::Store& store, const v1::ListActorsRequest& request);

// The policy in force and the entries that changed it.
absl::StatusOr<v1::GetPolicyResponse> PolicyInForce(const store::Store& store);

// Every node key the ledger of `genesis` has had, which are in force at the
// store's size, and the checkpoint threshold there (rules/node_set.h).
absl::StatusOr<v1::ListNodeKeysResponse> NodeKeys(const store::Store& store,
                                                  const v1::Genesis& genesis);

// An incoming (Import) or outgoing (Export) certificate by its number.
absl::StatusOr<v1::FindCertificateResponse> FindCertificate(
    const store::Store& store, absl::string_view number);

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_QUERY_QUERIES_H_
