#include "ledger/checkpoint/policy_line.h"

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace kpledger::checkpoint {
namespace {

// The count on `body`'s line for `key`; nullopt if it has none.
absl::StatusOr<std::optional<uint64_t>> CountLine(const CheckpointBody& body,
                                                  absl::string_view key) {
  std::optional<uint64_t> count;
  for (absl::string_view line : body.extensions) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, key)) continue;
    if (!rest.empty() && rest[0] != ' ') continue;  // another key
    if (count.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("checkpoint has two \"", key, "\" lines"));
    }
    absl::ConsumePrefix(&rest, " ");
    uint64_t n = 0;
    if (!ParseDecimal(rest, &n)) {
      return absl::InvalidArgumentError(
          absl::StrCat("checkpoint line \"", line.substr(0, 64),
                       "\" does not end in a decimal count"));
    }
    count = n;
  }
  return count;
}

}  // namespace

std::string PolicyUpdatesLine(uint64_t count) {
  return absl::StrCat(kPolicyUpdatesKey, " ", count);
}

absl::StatusOr<uint64_t> PolicyUpdateCount(const CheckpointBody& body) {
  absl::StatusOr<std::optional<uint64_t>> count =
      CountLine(body, kPolicyUpdatesKey);
  if (!count.ok()) return count.status();
  if (!count->has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "checkpoint has no \"", kPolicyUpdatesKey,
        " <count>\" line, so it does not say how many policy updates the "
        "log holds (nodes of an earlier release sign such checkpoints; ask "
        "an upgraded node for a newer one)"));
  }
  return **count;
}

std::string NodeUpdatesLine(uint64_t count) {
  return absl::StrCat(kNodeUpdatesKey, " ", count);
}

absl::StatusOr<uint64_t> NodeUpdateCount(const CheckpointBody& body) {
  absl::StatusOr<std::optional<uint64_t>> count =
      CountLine(body, kNodeUpdatesKey);
  if (!count.ok()) return count.status();
  return count->value_or(0);
}

}  // namespace kpledger::checkpoint
