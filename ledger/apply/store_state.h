// The rules' state (ledger/rules/state.h) read from a store's `state`
// column family, as of its last committed batch, and through the batches
// the applier staged after it (PendingBatch), newest first.
// Thread-safe: the store may be read from any thread, and a pending batch
// does not change once staged.
#ifndef KPLEDGER_LEDGER_APPLY_STORE_STATE_H_
#define KPLEDGER_LEDGER_APPLY_STORE_STATE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "kpledger/v1/ledger.pb.h"
#include "ledger/entry/leaf.h"
#include "ledger/rules/state.h"
#include "ledger/store/store.h"

namespace kpledger::apply {

// An event a batch accepted: what a receipt for a resubmission of it says.
struct AcceptedEvent {
  uint64_t leaf_index = 0;
  std::vector<v1::Flag> flags;
};

// What a batch staged but not yet committed adds to the ledger, for the
// batches staged after it to read until the store holds it.
struct PendingBatch {
  entry::LedgerTime ledger_time;
  // Only looked up, never iterated: the apply path stays deterministic.
  absl::flat_hash_map<std::string, AcceptedEvent> accepted;
  std::vector<store::StateRecord> state;  // in key order
};

using PendingBatches = std::vector<std::shared_ptr<const PendingBatch>>;

class StoreStateSource : public rules::StateSource {
 public:
  // `pending`: the batches staged after the store's last committed one,
  // oldest first.
  explicit StoreStateSource(const store::Store* store,
                            PendingBatches pending = {})
      : store_(store), pending_(std::move(pending)) {}
  absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view key) const override;

  // Reads the records of `keys` that no pending batch holds from the store
  // in one go, for Get to answer from (one MultiGet costs less than a Get
  // per record). Reading ahead is safe: only the pending batches can be
  // committed meanwhile, and Get looks in those first.
  absl::Status Prefetch(const std::vector<std::string>& keys);

  // The event `event_id` as a pending batch accepted it, and that batch's
  // ledger time; null if none did (the event may still be in the store).
  const AcceptedEvent* FindAccepted(const std::string& event_id,
                                    entry::LedgerTime* ledger_time) const;

 private:
  // The pending batches' value of `key`, newest first; null if none has it.
  const std::string* FindPending(absl::string_view key) const;

  const store::Store* store_;
  PendingBatches pending_;
  // Only looked up, never iterated: the apply path stays deterministic.
  absl::flat_hash_map<std::string, std::optional<std::string>> prefetched_;
};

}  // namespace kpledger::apply

#endif  // KPLEDGER_LEDGER_APPLY_STORE_STATE_H_
