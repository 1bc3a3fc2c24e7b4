#include "ledger/apply/store_state.h"

namespace kpledger::apply {

absl::StatusOr<std::optional<std::string>> StoreStateSource::Get(
    absl::string_view key) const {
  absl::StatusOr<std::string> value = store_->GetState(key);
  if (absl::IsNotFound(value.status())) return std::nullopt;
  if (!value.ok()) return value.status();
  return *std::move(value);
}

}  // namespace kpledger::apply
