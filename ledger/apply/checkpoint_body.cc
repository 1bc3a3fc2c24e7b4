#include "ledger/apply/checkpoint_body.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/apply/store_state.h"
#include "ledger/base/status_macros.h"
#include "ledger/checkpoint/policy_line.h"
#include "ledger/rules/node_set.h"
#include "ledger/rules/state.h"

namespace kpledger::apply {

absl::StatusOr<uint64_t> PolicyUpdatesBelow(const store::Store& store,
                                            uint64_t tree_size) {
  StoreStateSource source(&store);
  KP_ASSIGN_OR_RETURN(v1::PolicyRecord policy,
                      rules::StateView(&source).Policy());
  // In log order: the ones below the size are a prefix.
  const auto& entries = policy.update_entries();
  return static_cast<uint64_t>(
      std::lower_bound(entries.begin(), entries.end(), tree_size) -
      entries.begin());
}

absl::StatusOr<uint64_t> NodeUpdatesBelow(const store::Store& store,
                                          uint64_t tree_size) {
  StoreStateSource source(&store);
  KP_ASSIGN_OR_RETURN(std::optional<v1::NodeSetRecord> set,
                      rules::StateView(&source).NodeSet());
  if (!set.has_value()) return 0;  // the genesis' keys, never changed
  return rules::NodeUpdatesBelow(*set, tree_size);
}

absl::StatusOr<v1::NodeSetRecord> StoreNodeSet(const store::Store& store,
                                               const v1::Genesis& genesis) {
  StoreStateSource source(&store);
  return rules::NodeSetOf(rules::StateView(&source), genesis);
}

absl::StatusOr<checkpoint::CheckpointBody> StoreCheckpointBody(
    const store::Store& store, absl::string_view origin, uint64_t tree_size) {
  if (tree_size > store.size()) {
    return absl::OutOfRangeError(absl::StrCat(
        "tree size ", tree_size, " is past this store's size ", store.size()));
  }
  checkpoint::CheckpointBody body;
  body.origin = std::string(origin);
  body.tree_size = tree_size;
  KP_ASSIGN_OR_RETURN(body.root, store.RootAt(tree_size));
  KP_ASSIGN_OR_RETURN(uint64_t updates, PolicyUpdatesBelow(store, tree_size));
  body.extensions.push_back(checkpoint::PolicyUpdatesLine(updates));
  KP_ASSIGN_OR_RETURN(uint64_t node_updates,
                      NodeUpdatesBelow(store, tree_size));
  if (node_updates > 0) {
    body.extensions.push_back(checkpoint::NodeUpdatesLine(node_updates));
  }
  return body;
}

absl::Status CheckCountLines(const store::Store& store,
                             const checkpoint::CheckpointBody& body) {
  KP_ASSIGN_OR_RETURN(uint64_t stated, checkpoint::PolicyUpdateCount(body));
  KP_ASSIGN_OR_RETURN(uint64_t have, PolicyUpdatesBelow(store, body.tree_size));
  if (stated != have) {
    return absl::FailedPreconditionError(
        absl::StrCat("the checkpoint says the log holds ", stated,
                     " policy update(s) below tree size ", body.tree_size,
                     "; this node's log holds ", have));
  }
  KP_ASSIGN_OR_RETURN(uint64_t stated_nodes, checkpoint::NodeUpdateCount(body));
  KP_ASSIGN_OR_RETURN(uint64_t have_nodes,
                      NodeUpdatesBelow(store, body.tree_size));
  if (stated_nodes != have_nodes) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the checkpoint says ", stated_nodes, " entries below tree size ",
        body.tree_size, " changed the node keys; in this node's log ",
        have_nodes, " did"));
  }
  return absl::OkStatus();
}

}  // namespace kpledger::apply
