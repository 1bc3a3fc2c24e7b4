// Keeps a line that repeats from flooding a node's log: the first line of
// each kind is written, then at most one per interval, saying how many
// like it were held back meanwhile. For refusals a peer repeats every
// round (an older node asking to cosign while a cluster is upgraded): the
// metric counts every one, the log needs one a minute.
//
// Thread-safe.
#ifndef KPLEDGER_NODE_SERVICE_LOG_LIMITER_H_
#define KPLEDGER_NODE_SERVICE_LOG_LIMITER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace kpledger::node {

class LogLimiter {
 public:
  explicit LogLimiter(absl::Duration interval) : interval_(interval) {}

  // Whether to write the line of kind `key` at `now`: if so, how many of
  // that kind were held back since the last one written; nullopt if not.
  std::optional<uint64_t> Allow(absl::string_view key, absl::Time now);

 private:
  struct Kind {
    absl::Time written;
    uint64_t held_back = 0;
  };

  const absl::Duration interval_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Kind> kinds_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_SERVICE_LOG_LIMITER_H_
