#include "ledger/audit/audit.h"

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"
#include "ledger/entry/leaf.h"
#include "ledger/envelope/dsse.h"
#include "ledger/merkle/compact_range.h"

namespace kpledger::audit {
namespace {

absl::Status Bad(uint64_t index, absl::string_view why) {
  return absl::DataLossError(absl::StrCat("entry ", index, ": ", why));
}

// Checks one entry against the index and the Merkle nodes, and appends it
// to `range`.
class EntryChecker {
 public:
  EntryChecker(const store::Store& store, uint64_t tree_size)
      : store_(store), tree_size_(tree_size) {}

  absl::Status Check(uint64_t key_index, absl::string_view leaf) {
    const uint64_t i = range_.size();
    if (key_index != i) {
      return key_index > i
                 ? Bad(i, absl::StrCat("is missing (next stored entry is ",
                                       key_index, ")"))
                 : Bad(key_index, "is stored out of order");
    }
    if (i >= tree_size_) {
      return Bad(i, absl::StrCat("is past the stored tree size ", tree_size_));
    }
    absl::StatusOr<entry::LeafView> view = entry::DecodeLeaf(leaf);
    if (!view.ok()) return Bad(i, view.status().message());
    if (view->index != i) {
      return Bad(i, absl::StrCat("leaf names index ", view->index));
    }
    absl::StatusOr<v1::Envelope> env = envelope::ParseEnvelope(view->envelope);
    if (!env.ok()) return Bad(i, env.status().message());
    const std::string event_id = envelope::EventId(env->payload());
    absl::StatusOr<uint64_t> indexed = store_.FindEvent(event_id);
    if (!indexed.ok() && !absl::IsNotFound(indexed.status()) &&
        !absl::IsDataLoss(indexed.status())) {
      return indexed.status();  // an I/O error is not a finding
    }
    if (!indexed.ok() || *indexed != i) {
      return Bad(i, absl::StrCat("event id ", event_id.substr(0, 12),
                                 "… is not indexed to this entry"));
    }
    if (i == 0 && store_.genesis_hash() != event_id) {
      return Bad(0, absl::StrCat("event id ", event_id.substr(0, 12),
                                 "… is not the stored genesis hash"));
    }
    std::vector<std::pair<merkle::NodeId, merkle::Hash>> computed;
    range_.Append(merkle::HashLeaf(leaf),
                  [&](const merkle::NodeId& id, const merkle::Hash& h) {
                    computed.emplace_back(id, h);
                  });
    return CheckNodes(i, computed);
  }

  const merkle::CompactRange& range() const { return range_; }

 private:
  absl::Status CheckNodes(
      uint64_t i,
      const std::vector<std::pair<merkle::NodeId, merkle::Hash>>& computed) {
    std::vector<merkle::NodeId> ids;
    for (const auto& [id, h] : computed) ids.push_back(id);
    absl::StatusOr<std::vector<merkle::Hash>> stored = store_.ReadNodes(ids);
    if (!stored.ok() && !absl::IsDataLoss(stored.status())) {
      return stored.status();
    }
    if (!stored.ok()) return Bad(i, stored.status().message());
    for (size_t k = 0; k < ids.size(); ++k) {
      if ((*stored)[k] == computed[k].second) continue;
      return Bad(i,
                 absl::StrCat(k == 0 ? "leaf hash " : "recomputed Merkle node ",
                              merkle::ShortHex(computed[k].second),
                              " does not match stored node ",
                              merkle::ShortHex((*stored)[k]), " (level ",
                              ids[k].level, ", index ", ids[k].index, ")"));
    }
    return absl::OkStatus();
  }

  const store::Store& store_;
  const uint64_t tree_size_;
  merkle::CompactRange range_;
};

}  // namespace

absl::StatusOr<AuditReport> AuditStore(const store::Store& store,
                                       const ProgressFn& progress) {
  KP_ASSIGN_OR_RETURN(uint64_t tree_size, store.StoredTreeSize());
  EntryChecker checker(store, tree_size);
  KP_RETURN_IF_ERROR(store.ScanEntries(
      [&](uint64_t key_index, absl::string_view leaf) -> absl::Status {
        KP_RETURN_IF_ERROR(checker.Check(key_index, leaf));
        const uint64_t done = checker.range().size();
        if (progress && done % kProgressEvery == 0) progress(done, tree_size);
        return absl::OkStatus();
      }));
  const uint64_t checked = checker.range().size();
  if (checked != tree_size) {
    return Bad(checked, absl::StrCat("is missing (stored tree size is ",
                                     tree_size, ")"));
  }
  const merkle::Hash root = checker.range().Root();
  const store::TreeHead head = store.head();
  if (head.size == tree_size && head.root != root) {
    return absl::DataLossError(
        absl::StrCat("recomputed root ", merkle::ShortHex(root),
                     " differs from the store's ", merkle::ShortHex(head.root),
                     " at tree size ", tree_size));
  }
  if (progress) progress(checked, tree_size);
  return AuditReport{checked, root};
}

}  // namespace kpledger::audit
