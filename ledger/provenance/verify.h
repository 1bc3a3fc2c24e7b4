// The offline verifier of provenance bundles (DESIGN §3; the steps are
// listed in docs/formats/provenance.md). It trusts nothing but the genesis
// it is given: not the bundle's builder, not any one node.
//
// VerifyBundle checks, in this order, and stops at the first failure:
//   1. the checkpoint note: origin = the genesis origin, signed by at least
//      checkpoint_threshold of the node keys in force at its size, as the
//      genesis and the bundle's node key changes (each governance-signed)
//      leave them (ledger/rules/node_set.h); its parsed fields say what its
//      note says; it has a policy line (ledger/checkpoint/policy_line.h);
//   2. the genesis entry: index 0, payload hash = the trust root's hash,
//      inclusion proof against the checkpoint root;
//   3. every entry, in bundle order: the leaf decodes, its index is above
//      the one before (log order, each once), its proof is for that index
//      and the checkpoint's size and leads from HashLeaf(leaf) to the
//      checkpoint root (RFC 9162 §2.1.3.2);
//   4. the bundle holds as many UpdatePolicy entries as the checkpoint's
//      policy line counts below its size: all of them, so the rules are
//      re-run under the policy in force at each entry; and as many node
//      key changes as its node line counts, so no removed key counted;
//   5. the custody rules, re-run on every entry in order from the genesis
//      state with the ledger time and index its leaf carries: every entry
//      must be accepted. A refusal means the bundle was tampered with or
//      left out an entry the rules need. (The events' signatures are
//      checked up front, on all cores: entry_checks.h says why that is
//      the same check);
//   6. the parcel exists in the replayed state;
//   7. every entry is one BuildBundle puts in the parcel's bundle: an event
//      of its ancestry DAG (walked from the parcel's replayed head along
//      every head each event names), a governance entry of an actor those
//      events (or the confirmation) name as signer or custodian, a node
//      key change, a policy update, or the confirmation of the parcel's
//      export.
// Errors name what failed: the entry (by leaf index, or by position when
// its leaf does not decode), the proof, the signature, the rule. Codes are
// those of the failed check, e.g. UNAUTHENTICATED for a signature,
// FAILED_PRECONDITION for a proof that leads to another root or a bundle of
// another ledger, INVALID_ARGUMENT for a malformed or misordered bundle,
// and the rules' own code for a refused entry (INVALID_ARGUMENT for an entry
// outside the parcel's provenance); RESOURCE_EXHAUSTED for more
// than kMaxBundleEntries entries; NOT_FOUND if no entry creates the parcel.
//
// What it cannot prove: that the log holds no later event of the parcel
// below the checkpoint's size than the bundle shows (a log commits to
// entries, not to parcel states). The account is the parcel as of its
// latest event in the bundle.
// Thread-safe: a pure function.
#ifndef KPLEDGER_LEDGER_PROVENANCE_VERIFY_H_
#define KPLEDGER_LEDGER_PROVENANCE_VERIFY_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "kpledger/v1/provenance.pb.h"
#include "ledger/rules/genesis.h"

namespace kpledger::provenance {

// A bound on the entries of one bundle (a parcel merged from very many
// others), so that building or verifying one cannot run away: VerifyBundle
// refuses a larger bundle and BuildBundle does not build one.
inline constexpr size_t kMaxBundleEntries = 100000;

absl::StatusOr<v1::ProvenanceAccount> VerifyBundle(
    const v1::ProvenanceBundle& bundle,
    const rules::VerifiedGenesis& trust_root);

}  // namespace kpledger::provenance

#endif  // KPLEDGER_LEDGER_PROVENANCE_VERIFY_H_
