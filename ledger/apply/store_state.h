// The rules' state (ledger/rules/state.h) read from a store's `state`
// column family, as of its last committed batch.
// Thread-safe: the store may be read from any thread.
#ifndef KPLEDGER_LEDGER_APPLY_STORE_STATE_H_
#define KPLEDGER_LEDGER_APPLY_STORE_STATE_H_

#include <optional>
#include <string>

#include "ledger/rules/state.h"
#include "ledger/store/store.h"

namespace kpledger::apply {

class StoreStateSource : public rules::StateSource {
 public:
  explicit StoreStateSource(const store::Store* store) : store_(store) {}
  absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view key) const override;

 private:
  const store::Store* store_;
};

}  // namespace kpledger::apply

#endif  // KPLEDGER_LEDGER_APPLY_STORE_STATE_H_
