#include "node/sequencer/compaction.h"

namespace kpledger::node {

CompactionPlan PlanCompaction(const CompactionInput& in) {
  CompactionPlan plan;
  uint64_t lowest = UINT64_MAX;
  std::string furthest_behind;
  for (const std::string& name : in.nodes) {
    auto it = in.progress.find(name);
    if (it == in.progress.end()) continue;  // never reported
    if (it->second < lowest) {
      lowest = it->second;
      furthest_behind = name;
    }
  }
  if (!furthest_behind.empty() && furthest_behind == in.node_name) {
    plan.revision = static_cast<int64_t>(lowest);
  }
  if (in.db_bytes_in_use > in.quota_bytes / 4 * 3 &&
      static_cast<int64_t>(in.cosigned) > plan.revision) {
    plan.revision = static_cast<int64_t>(in.cosigned);
    plan.forced = true;
    for (const std::string& name : in.nodes) {
      auto it = in.progress.find(name);
      if (it != in.progress.end() && it->second < in.cosigned) {
        plan.left_behind.push_back(name);
      }
    }
  }
  return plan;
}

}  // namespace kpledger::node
