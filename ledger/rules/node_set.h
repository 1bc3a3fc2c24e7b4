// The ledger's node keys over its history: the keys that sign checkpoints
// and batches. The genesis names the first ones. If the genesis has
// node_keys_by_governance, governance adds one with a RegisterActor of role
// NODE (its actor id is its note key name) and takes one out with a
// RevokeActor naming it, genesis keys included; otherwise the genesis'
// keys are the keys for good.
//
// A checkpoint of tree size N vouches for entries [0, N), so the keys that
// count for it are those the first N entries leave in force: a key added
// by entry i counts from size i + 1 on, and a key removed by entry j counts
// up to size j. A key is never deleted from the set, and a name or key is
// never used again, so a checkpoint signed before a key was removed still
// verifies. The set is kept in the state (NodeSetRecord under "nodes"); a
// verifier without a store derives it from the genesis and the entries
// that changed it (ApplyNodeChangeEntry), and the checkpoints'
// "kpledger/node-updates" line says how many those are
// (ledger/checkpoint/policy_line.h).
//
// Revoking a key protects who holds the log (nodes, auditors replaying
// it). An offline verifier of a bundle counts a removal only if the bundle
// carries it, and the node line that says so is signed by the threshold:
// keys that reach the threshold together, revoked or not, can still sign a
// history of their own.
// Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_RULES_NODE_SET_H_
#define KPLEDGER_LEDGER_RULES_NODE_SET_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kpledger/v1/event.pb.h"
#include "kpledger/v1/genesis.pb.h"
#include "kpledger/v1/state.pb.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/checkpoint/note.h"
#include "ledger/rules/state.h"

namespace kpledger::rules {

// The genesis' node keys, added at entry 0.
v1::NodeSetRecord GenesisNodeSet(const v1::Genesis& genesis);

// The set `state` holds; the genesis' for a store written before the set
// was kept (its genesis could not have node_keys_by_governance, which came
// with the set).
absl::StatusOr<v1::NodeSetRecord> NodeSetOf(const StateView& state,
                                            const v1::Genesis& genesis);

// Whether `key` counts for a checkpoint of `tree_size`, and may sign the
// batch applied after entry tree_size - 1.
bool CountsAt(const v1::NodeKeyRecord& key, uint64_t tree_size);

// The keys that count at `tree_size`, as note verifiers.
std::vector<checkpoint::NoteVerifier> NodeVerifiersAt(
    const v1::NodeSetRecord& set, uint64_t tree_size);

// The node signatures a checkpoint of `tree_size` needs to be cosigned:
// the genesis' checkpoint_threshold, or more than half of the keys in force
// at tree_size if that is more and the genesis' threshold is more than half
// of its own node keys (node_keys_by_governance). So a genesis under which
// two roots that disagree cannot both be cosigned stays so however many
// keys governance adds.
uint32_t CheckpointThresholdAt(const v1::Genesis& genesis,
                               const v1::NodeSetRecord& set,
                               uint64_t tree_size);

// Verifies a signed checkpoint of `genesis`' ledger against the keys of
// `set` that count at the checkpoint's own tree size, wanting
// `at_least` signatures, or CheckpointThresholdAt that size if none is
// given (checkpoint::VerifyCheckpoint's errors; a signature by a key that
// does not count at that size is ignored).
absl::StatusOr<checkpoint::VerifiedCheckpoint> VerifyNodeCheckpoint(
    absl::string_view note, const v1::Genesis& genesis,
    const v1::NodeSetRecord& set,
    std::optional<uint32_t> at_least = std::nullopt);

// The key named `name`, counting or not; null if the set has none.
const v1::NodeKeyRecord* FindNodeKey(const v1::NodeSetRecord& set,
                                     absl::string_view name);

// How many entries below `tree_size` changed the set.
uint64_t NodeUpdatesBelow(const v1::NodeSetRecord& set, uint64_t tree_size);

// Makes the change the accepted event at `index` makes to the set, and
// says whether it made one. Only under a genesis with
// node_keys_by_governance: a RegisterActor of role NODE adds its key, a
// RevokeActor naming a key of the set still in force removes it. A
// registration the rules refuse (a name or key the set has, a name that is
// no note key name, a key that is not 32 bytes) changes nothing. The rules
// call it for the events they accept; a verifier that holds only entries
// calls it for those entries, in log order.
bool ApplyNodeChange(const v1::Genesis& genesis, const v1::CustodyEvent& event,
                     uint64_t index, v1::NodeSetRecord* set);

// ApplyNodeChange for a log entry's envelope, for a verifier that holds
// entries but not their state (a node copying a peer's log, a bundle's
// verifier): an entry that would change the set must be for this ledger
// (its origin; otherwise it changes nothing) and signed by at least
// governance_threshold of the genesis' governance keys, or an untrusted
// log could add keys that then vouch for it. Unauthenticated if such an
// entry is not; InvalidArgument if the envelope does not decode.
absl::StatusOr<bool> ApplyNodeChangeEntry(const v1::Genesis& genesis,
                                          absl::string_view envelope,
                                          uint64_t index,
                                          v1::NodeSetRecord* set);

}  // namespace kpledger::rules

#endif  // KPLEDGER_LEDGER_RULES_NODE_SET_H_
