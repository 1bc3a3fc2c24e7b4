// What a store says a checkpoint at a tree size must be: the body a node
// signs, and the checks a node makes before it cosigns, adopts or builds a
// bundle against another's (ledger/checkpoint/policy_line.h for the
// extension line).
// Thread-safe: reads the store only. The store may be appended to
// meanwhile: its state is never older than its size, and an entry below a
// size never changes.
#ifndef KPLEDGER_LEDGER_APPLY_CHECKPOINT_BODY_H_
#define KPLEDGER_LEDGER_APPLY_CHECKPOINT_BODY_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/store/store.h"

namespace kpledger::apply {

// The number of UpdatePolicy entries below `tree_size` in the store's log.
absl::StatusOr<uint64_t> PolicyUpdatesBelow(const store::Store& store,
                                            uint64_t tree_size);

// The checkpoint body of the store's log at `tree_size`: `origin`, the
// size, the root, and the policy line. OutOfRange past the store's size.
absl::StatusOr<checkpoint::CheckpointBody> StoreCheckpointBody(
    const store::Store& store, absl::string_view origin, uint64_t tree_size);

// Whether `body`'s policy line is the store's at the body's size (the
// caller compares the root): InvalidArgument if it has no policy line,
// FailedPrecondition naming both counts if it states another.
// REQUIRES: body.tree_size <= store.size().
absl::Status CheckPolicyLine(const store::Store& store,
                             const checkpoint::CheckpointBody& body);

}  // namespace kpledger::apply

#endif  // KPLEDGER_LEDGER_APPLY_CHECKPOINT_BODY_H_
