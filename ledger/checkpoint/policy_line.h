// The extension lines kpledger's checkpoints carry (DESIGN §3;
// docs/formats/checkpoint.md):
//
//   kpledger/policy-updates <count>
//   kpledger/node-updates <count>
//
// where <count> is the number of UpdatePolicy entries, or of entries that
// changed the node keys (ledger/rules/node_set.h), below the checkpoint's
// tree size, in ASCII decimal without leading zeros. The policy line is
// always there; the node line only once the node keys changed, so a
// ledger whose node keys are the genesis' has the checkpoints it had
// before node keys could change.
//
// Why: a provenance bundle's verifier re-runs the custody rules under the
// policy in force at each entry, and the flags it reports (a sanctioned
// origin, a mass outside tolerance) depend on that policy. Every entry of
// a bundle is proven to be in the log, but a proof cannot show that the
// log holds no other entry. A bundle that left out a policy update would
// therefore be re-run under an older policy and lose the flags the ledger
// raised. With the count signed in the checkpoint, a bundle holding that
// many proven UpdatePolicy entries holds all of them. Nodes compute the
// line from their own state, as they do the root, before they sign: it is
// audited by every cosigner, which is what C2SP asks of extension lines.
// The node line does the same for the keys a checkpoint's signatures are
// counted against: a bundle that left out a node key's removal would count
// that key's signatures.
// Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_CHECKPOINT_POLICY_LINE_H_
#define KPLEDGER_LEDGER_CHECKPOINT_POLICY_LINE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ledger/checkpoint/checkpoint.h"

namespace kpledger::checkpoint {

inline constexpr absl::string_view kPolicyUpdatesKey =
    "kpledger/policy-updates";

// "kpledger/policy-updates <count>".
std::string PolicyUpdatesLine(uint64_t count);

// The count `body`'s policy line states. Other extension lines are
// ignored (C2SP: extension lines are opaque to whoever does not know
// them). InvalidArgument if there is no policy line, more than one, or its
// count is not a decimal number; the message names the line.
absl::StatusOr<uint64_t> PolicyUpdateCount(const CheckpointBody& body);

inline constexpr absl::string_view kNodeUpdatesKey = "kpledger/node-updates";

// "kpledger/node-updates <count>".
std::string NodeUpdatesLine(uint64_t count);

// The count `body`'s node line states; 0 if it has none. InvalidArgument
// for two node lines or one whose count is not a decimal number.
absl::StatusOr<uint64_t> NodeUpdateCount(const CheckpointBody& body);

}  // namespace kpledger::checkpoint

#endif  // KPLEDGER_LEDGER_CHECKPOINT_POLICY_LINE_H_
