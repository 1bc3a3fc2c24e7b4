// When a node compacts etcd, and at which revision (etcd_sequencer.h): a
// pure function of what etcd holds, so that the policy is tested without
// an etcd.
#ifndef KPLEDGER_NODE_SEQUENCER_COMPACTION_H_
#define KPLEDGER_NODE_SEQUENCER_COMPACTION_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kpledger::node {

struct CompactionInput {
  // progress/<name> as etcd holds it: the position up to which that node
  // applied and cosigned. Names that are not in `nodes` are ignored.
  std::map<std::string, uint64_t> progress;
  std::vector<std::string> nodes;  // the node keys in force, in set order
  std::string node_name;           // this node's
  uint64_t cosigned = 0;           // this node's own progress
  int64_t db_bytes_in_use = 0;     // etcd's dbSizeInUse
  int64_t quota_bytes = 0;         // etcd's --quota-backend-bytes
};

struct CompactionPlan {
  int64_t revision = 0;  // 0: do not compact
  // True when etcd's database is near its quota and the revision leaves
  // nodes behind (named in `left_behind`), which must bootstrap.
  bool forced = false;
  std::vector<std::string> left_behind;
};

// Nodes that have reported progress hold compaction back until they are
// past it; a node that never reported (a spare key, an agency not
// yet running) does not: when it starts it bootstraps from a peer. Only the
// reporting node furthest behind compacts (the first in set order on a
// tie), so each revision is compacted once. Past 3/4 of the quota in use,
// a node compacts at its own progress, whoever lags: a full etcd stops
// every node.
CompactionPlan PlanCompaction(const CompactionInput& in);

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_SEQUENCER_COMPACTION_H_
