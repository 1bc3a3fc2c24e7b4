// Store audit: re-reads every entry of a store, recomputes every leaf hash,
// every perfect Merkle node and the root, re-derives every event id, and
// reports the first entry that does not match what the store claims.
//
// Streams the log with O(log n) memory. Run it against a store no one is
// appending to (a stopped node's data dir, or a snapshot); entries appended
// during the audit are reported as past the tree size.
#ifndef KPLEDGER_LEDGER_AUDIT_AUDIT_H_
#define KPLEDGER_LEDGER_AUDIT_AUDIT_H_

#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "ledger/merkle/hasher.h"
#include "ledger/store/store.h"

namespace kpledger::audit {

struct AuditReport {
  uint64_t entries = 0;  // entries checked (= the tree size)
  merkle::Hash root{};   // the recomputed root
};

// Called every `kProgressEvery` entries and at the end.
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;
inline constexpr uint64_t kProgressEvery = 10000;

// DataLoss naming the first bad entry: a gap in the indexes, a leaf that
// does not decode or names another index, an envelope that does not parse,
// an event id the index does not map back to the entry, a leaf or node hash
// that differs from the stored Merkle node, entries past the stored tree
// size, or a recomputed root that differs from the store's.
absl::StatusOr<AuditReport> AuditStore(const store::Store& store,
                                       const ProgressFn& progress = nullptr);

}  // namespace kpledger::audit

#endif  // KPLEDGER_LEDGER_AUDIT_AUDIT_H_
