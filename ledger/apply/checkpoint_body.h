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
#include "kpledger/v1/genesis.pb.h"
#include "kpledger/v1/state.pb.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/store/store.h"

namespace kpledger::apply {

// The number of UpdatePolicy entries below `tree_size` in the store's log.
absl::StatusOr<uint64_t> PolicyUpdatesBelow(const store::Store& store,
                                            uint64_t tree_size);

// The number of entries below `tree_size` that changed the node keys.
absl::StatusOr<uint64_t> NodeUpdatesBelow(const store::Store& store,
                                          uint64_t tree_size);

// The node keys of the store's ledger (rules/node_set.h). `genesis` gives
// them for a store written before they were kept.
absl::StatusOr<v1::NodeSetRecord> StoreNodeSet(const store::Store& store,
                                               const v1::Genesis& genesis);

// The checkpoint body of the store's log at `tree_size`: `origin`, the
// size, the root, the policy line and, once node keys changed, the node
// line. OutOfRange past the store's size.
absl::StatusOr<checkpoint::CheckpointBody> StoreCheckpointBody(
    const store::Store& store, absl::string_view origin, uint64_t tree_size);

// Whether `body`'s policy and node lines are the store's at the body's
// size (the caller compares the root): InvalidArgument if it has no policy
// line, FailedPrecondition naming both counts if it states another.
// REQUIRES: body.tree_size <= store.size().
absl::Status CheckCountLines(const store::Store& store,
                             const checkpoint::CheckpointBody& body);

}  // namespace kpledger::apply

#endif  // KPLEDGER_LEDGER_APPLY_CHECKPOINT_BODY_H_
