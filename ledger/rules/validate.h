// The custody rules (DESIGN §4): whether the ledger accepts an event, and
// what it changes. A pure function of (state, event, ledger time, genesis):
// no wall clock, no randomness, no floating point and no unordered
// iteration, so every node, and a verifier replaying a provenance bundle,
// reaches the same verdict and the same state. docs/rules.md lists every
// rule with its refusal.
//
// Refusals are gRPC-style codes with a reason that names the event type,
// the field and the rule:
//   INVALID_ARGUMENT     malformed: a missing or bad field, another
//                        ledger's origin, a wrong list of parcel heads
//   UNAUTHENTICATED      a signature that does not verify, an unknown key,
//                        a key its actor no longer holds
//   PERMISSION_DENIED    a signer without the role the event needs, a
//                        missing co-signature, a revoked actor
//   NOT_FOUND            an unknown parcel, actor or export certificate
//   FAILED_PRECONDITION  a stale head, a parcel in the wrong state, a
//                        certificate number already used, an expired
//                        certificate, a sanctioned origin, mass not
//                        conserved, figures that disagree with the parcel
// Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_RULES_VALIDATE_H_
#define KPLEDGER_LEDGER_RULES_VALIDATE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "kpledger/v1/genesis.pb.h"
#include "kpledger/v1/ledger.pb.h"
#include "ledger/entry/leaf.h"
#include "ledger/rules/signed_event.h"
#include "ledger/rules/state.h"

namespace kpledger::rules {

// Where the event would enter the log.
struct EventContext {
  const v1::Genesis* genesis = nullptr;
  entry::LedgerTime now;  // the batch's ledger time
  uint64_t index = 0;     // the leaf index the event gets if accepted
};

// Checks `event` against the state `changes` reads and, if the ledger
// accepts it, records what it changes in `changes` (parcel states, actors,
// keys, certificates, policy, its flags) and returns its flags. On a
// refusal `changes` may hold partial writes: the caller gives each event
// its own StateChanges and keeps them only on success.
// If the event's signatures were not checked yet (event.signers unset),
// they are checked here against the keys the state and genesis know.
absl::StatusOr<std::vector<v1::Flag>> ApplyEvent(const EventContext& ctx,
                                                 const SignedEvent& event,
                                                 StateChanges* changes);

// The state records ApplyEvent reads because of this event's body: the
// parcels it touches and the KP certificate it imports or exports (records
// every event reads, like the policy and the signers' actors, are not
// listed). A hint, so that a caller can read a whole batch's records in one
// go first; what ApplyEvent decides does not depend on it.
std::vector<std::string> StateKeysRead(const v1::CustodyEvent& event);

// True for a status that is the state's failure (a store that cannot be
// read, a corrupt record), not the event's: the caller fails the whole
// batch instead of refusing the event. The rules never refuse with these
// codes.
bool IsStateFailure(const absl::Status& status);

// The state a ledger starts from: the genesis policy.
void InitState(const v1::Genesis& genesis, StateChanges* changes);

// The public key of `key_id` if the genesis names it as a governance key or
// the state holds it (any actor's key, current or past).
absl::StatusOr<std::optional<crypto::PublicKey>> FindKey(
    const v1::Genesis& genesis, const StateView& state,
    absl::string_view key_id);

}  // namespace kpledger::rules

#endif  // KPLEDGER_LEDGER_RULES_VALIDATE_H_
