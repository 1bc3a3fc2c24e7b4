#include "node/service/log_limiter.h"

namespace kpledger::node {

std::optional<uint64_t> LogLimiter::Allow(absl::string_view key,
                                          absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto [it, first] = kinds_.try_emplace(key);
  Kind& kind = it->second;
  if (!first && now - kind.written < interval_) {
    ++kind.held_back;
    return std::nullopt;
  }
  const uint64_t held_back = kind.held_back;
  kind.written = now;
  kind.held_back = 0;
  return held_back;
}

}  // namespace kpledger::node
