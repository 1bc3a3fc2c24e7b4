// Provenance bundles (DESIGN §3; docs/formats/provenance.md): everything an
// inspector needs to prove one parcel's provenance offline, read from a
// node's store.
//
// A bundle holds, each with its RFC 9162 inclusion proof against one
// cosigned checkpoint:
//   - entry 0, the genesis;
//   - the parcel's ancestry DAG: its latest event, and, following every
//     parcel head each event names, every earlier event back to the imports;
//   - the governance entries (registration, re-keys, revocation) of every
//     actor that signed a DAG event or is named in one as custodian;
//   - the policy updates;
//   - if the parcel was exported and the export confirmed, the
//     ImportConfirmation and its signer's governance entries;
// every entry once, in log order. Governance entries, policy updates and the
// confirmation at or past the checkpoint's tree size are left out: the
// checkpoint does not cover them and the DAG does not depend on them.
//
// Thread-safe: reads the store only, which may be appended to meanwhile.
#ifndef KPLEDGER_LEDGER_PROVENANCE_BUNDLE_H_
#define KPLEDGER_LEDGER_PROVENANCE_BUNDLE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kpledger/v1/proof.pb.h"
#include "kpledger/v1/provenance.pb.h"
#include "ledger/provenance/verify.h"
#include "ledger/store/store.h"

namespace kpledger::provenance {

// The bundle of `parcel_id` against `checkpoint`, a cosigned checkpoint of
// this store's ledger (copied into the bundle as given; its signatures are
// the verifier's business, its body must match the store). Refuses:
//   InvalidArgument     the checkpoint note or body is malformed
//   OutOfRange          the checkpoint's tree size is past the store's
//   FailedPrecondition  the checkpoint's root is not the store's root at
//                       that size; the parcel's ancestry reaches an entry
//                       at or past the checkpoint's tree size (the message
//                       names the entry and the size needed)
//   NotFound            no parcel `parcel_id`
//   ResourceExhausted   more than kMaxBundleEntries entries (verify.h)
//   DataLoss            the store's records disagree with its log
absl::StatusOr<v1::ProvenanceBundle> BuildBundle(
    const store::Store& store, absl::string_view parcel_id,
    const v1::Checkpoint& checkpoint);

}  // namespace kpledger::provenance

#endif  // KPLEDGER_LEDGER_PROVENANCE_BUNDLE_H_
