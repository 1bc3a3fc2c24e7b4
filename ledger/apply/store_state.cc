#include "ledger/apply/store_state.h"

#include <algorithm>

namespace kpledger::apply {

absl::StatusOr<std::optional<std::string>> StoreStateSource::Get(
    absl::string_view key) const {
  for (auto batch = pending_.rbegin(); batch != pending_.rend(); ++batch) {
    const std::vector<store::StateRecord>& state = (*batch)->state;
    auto it = std::lower_bound(state.begin(), state.end(), key,
                               [](const store::StateRecord& r,
                                  absl::string_view k) { return r.key < k; });
    if (it != state.end() && it->key == key) return it->value;
  }
  absl::StatusOr<std::string> value = store_->GetState(key);
  if (absl::IsNotFound(value.status())) return std::nullopt;
  if (!value.ok()) return value.status();
  return *std::move(value);
}

const AcceptedEvent* StoreStateSource::FindAccepted(
    const std::string& event_id, entry::LedgerTime* ledger_time) const {
  for (auto batch = pending_.rbegin(); batch != pending_.rend(); ++batch) {
    auto it = (*batch)->accepted.find(event_id);
    if (it != (*batch)->accepted.end()) {
      *ledger_time = (*batch)->ledger_time;
      return &it->second;
    }
  }
  return nullptr;
}

}  // namespace kpledger::apply
