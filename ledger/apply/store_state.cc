#include "ledger/apply/store_state.h"

#include <algorithm>

#include "ledger/base/status_macros.h"

namespace kpledger::apply {

const std::string* StoreStateSource::FindPending(absl::string_view key) const {
  for (auto batch = pending_.rbegin(); batch != pending_.rend(); ++batch) {
    const std::vector<store::StateRecord>& state = (*batch)->state;
    auto it = std::lower_bound(state.begin(), state.end(), key,
                               [](const store::StateRecord& r,
                                  absl::string_view k) { return r.key < k; });
    if (it != state.end() && it->key == key) return &it->value;
  }
  return nullptr;
}

absl::StatusOr<std::optional<std::string>> StoreStateSource::Get(
    absl::string_view key) const {
  if (const std::string* pending = FindPending(key)) return *pending;
  if (auto it = prefetched_.find(key); it != prefetched_.end()) {
    return it->second;
  }
  absl::StatusOr<std::string> value = store_->GetState(key);
  if (absl::IsNotFound(value.status())) return std::nullopt;
  if (!value.ok()) return value.status();
  return *std::move(value);
}

absl::Status StoreStateSource::Prefetch(const std::vector<std::string>& keys) {
  std::vector<std::string> wanted;
  for (const std::string& key : keys) {
    // try_emplace: a key asked for twice is read once (filled below).
    if (FindPending(key) == nullptr && prefetched_.try_emplace(key).second) {
      wanted.push_back(key);
    }
  }
  if (wanted.empty()) return absl::OkStatus();
  KP_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values,
                      store_->GetStates(wanted));
  for (size_t i = 0; i < wanted.size(); ++i) {
    prefetched_[wanted[i]] = std::move(values[i]);
  }
  return absl::OkStatus();
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
