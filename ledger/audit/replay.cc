#include "ledger/audit/replay.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/apply/checkpoint_body.h"
#include "ledger/base/encoding.h"
#include "ledger/base/status_macros.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/entry/leaf.h"
#include "ledger/entry/time.h"
#include "ledger/envelope/dsse.h"
#include "ledger/merkle/hasher.h"
#include "ledger/rules/node_set.h"

namespace kpledger::audit {

Replayer::Replayer(std::string dir) : dir_(std::move(dir)) {}

Replayer::~Replayer() {
  applier_.reset();
  store_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

absl::StatusOr<std::unique_ptr<Replayer>> Replayer::Create(
    const std::string& parent_dir) {
  std::string templ =
      (std::filesystem::path(parent_dir) / "kpledger-replay-XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot make a scratch folder in ", parent_dir, ": ",
                     std::strerror(errno)));
  }
  std::unique_ptr<Replayer> r(new Replayer(templ));
  store::StoreOptions options;
  options.sync = false;  // scratch: thrown away after the audit
  absl::StatusOr<std::unique_ptr<store::Store>> store =
      store::Store::Open(templ + "/store", options);
  if (!store.ok()) return store.status();
  r->store_ = *std::move(store);
  absl::StatusOr<std::unique_ptr<apply::Applier>> applier =
      apply::Applier::Open(r->store_.get());
  if (!applier.ok()) return applier.status();
  r->applier_ = *std::move(applier);
  return r;
}

std::optional<merkle::Hash> Replayer::RootAt(uint64_t tree_size) const {
  if (tree_size == 0) return merkle::EmptyRoot();
  auto it = roots_.find(tree_size);
  return it == roots_.end() ? std::nullopt : it->second;
}

absl::StatusOr<uint32_t> Replayer::CheckpointThreshold(
    uint64_t tree_size) const {
  const v1::Genesis& g = genesis_.genesis;
  KP_ASSIGN_OR_RETURN(const v1::NodeSetRecord nodes,
                      apply::StoreNodeSet(*store_, g));
  return rules::CheckpointThresholdAt(g, nodes, tree_size);
}

absl::StatusOr<std::vector<std::string>> Replayer::CheckCheckpoint(
    const v1::Checkpoint& checkpoint, std::optional<uint32_t> threshold) const {
  const v1::Genesis& g = genesis_.genesis;
  // The node keys the replayed log has had; those in force at the
  // checkpoint's size count.
  KP_ASSIGN_OR_RETURN(const v1::NodeSetRecord nodes,
                      apply::StoreNodeSet(*store_, g));
  absl::StatusOr<checkpoint::VerifiedCheckpoint> v =
      rules::VerifyNodeCheckpoint(checkpoint.note(), g, nodes, threshold);
  if (!v.ok()) {
    return absl::Status(
        v.status().code(),
        absl::StrCat("checkpoint at tree size ", checkpoint.tree_size(), ": ",
                     v.status().message()));
  }
  const uint64_t size = v->body.tree_size;
  if (size > this->size()) {
    return absl::DataLossError(absl::StrCat("checkpoint at tree size ", size,
                                            " is past the ", this->size(),
                                            " entries the node streamed"));
  }
  const std::optional<merkle::Hash> root = RootAt(size);
  if (!root.has_value()) {
    return absl::InternalError(
        absl::StrCat("no recomputed root at tree size ", size));
  }
  if (!(*root == v->body.root)) {
    return absl::DataLossError(
        absl::StrCat("the root recomputed at tree size ", size, " is ",
                     merkle::HashHex(*root), ", the checkpoint signed ",
                     merkle::HashHex(v->body.root)));
  }
  if (absl::Status policy = apply::CheckCountLines(*store_, v->body);
      !policy.ok()) {
    return absl::DataLossError(
        absl::StrCat("checkpoint at tree size ", size, ": ", policy.message()));
  }
  return v->signers;
}

absl::Status Replayer::Fail(uint64_t index, absl::Status status) {
  if (failed_.ok()) {
    failed_ = std::move(status);
    failed_entry_ = index;
  }
  return failed_;
}

// The entry agrees with itself: its index, its leaf, its decoded fields.
absl::Status Replayer::CheckEntry(const v1::LedgerEntry& e,
                                  entry::LeafView* view) {
  const uint64_t i = range_.size();
  if (e.index() != i) {
    return absl::DataLossError(
        absl::StrCat("the node sent entry ", e.index(), ", want ", i));
  }
  absl::StatusOr<entry::LeafView> v = entry::DecodeLeaf(e.leaf());
  if (!v.ok()) return absl::DataLossError(v.status().message());
  if (v->index != i) {
    return absl::DataLossError(absl::StrCat("leaf names index ", v->index));
  }
  if (!(v->time == entry::FromTimestamp(e.ledger_time()))) {
    return absl::DataLossError(absl::StrCat(
        "leaf time ", entry::FormatTime(v->time), " is not the entry's ",
        entry::FormatTime(entry::FromTimestamp(e.ledger_time()))));
  }
  absl::StatusOr<v1::Envelope> env = envelope::ParseEnvelope(v->envelope);
  if (!env.ok()) return absl::DataLossError(env.status().message());
  const std::string id = envelope::EventId(env->payload());
  if (e.event_id() != id) {
    return absl::DataLossError(absl::StrCat("event id ", base::ShortHex(id),
                                            " is not the entry's ",
                                            base::ShortHex(e.event_id())));
  }
  if (e.envelope().SerializeAsString() != env->SerializeAsString()) {
    return absl::DataLossError("the decoded envelope is not the leaf's");
  }
  *view = *v;
  return absl::OkStatus();
}

absl::Status Replayer::AddGenesis(const v1::LedgerEntry& e,
                                  const entry::LeafView& view) {
  absl::StatusOr<v1::Envelope> env = envelope::ParseEnvelope(view.envelope);
  if (!env.ok()) return absl::DataLossError(env.status().message());
  absl::StatusOr<rules::VerifiedGenesis> g = rules::VerifyGenesisEnvelope(*env);
  if (!g.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("not a valid genesis: ", g.status().message()));
  }
  genesis_ = *std::move(g);
  if (absl::Status st = applier_->Bootstrap(*env); !st.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("genesis refused on replay: ", st.message()));
  }
  return CompareLeaf(0, e.leaf());
}

absl::Status Replayer::CompareLeaf(uint64_t index, const std::string& leaf) {
  absl::StatusOr<std::string> mine = store_->GetLeaf(index);
  if (!mine.ok()) return mine.status();
  if (*mine == leaf) return absl::OkStatus();
  absl::StatusOr<entry::LeafView> a = entry::DecodeLeaf(*mine);
  absl::StatusOr<entry::LeafView> b = entry::DecodeLeaf(leaf);
  if (a.ok() && b.ok() && !(a->time == b->time)) {
    return absl::DataLossError(
        absl::StrCat("replayed at ledger time ", entry::FormatTime(a->time),
                     ", the node's entry says ", entry::FormatTime(b->time)));
  }
  return absl::DataLossError("the replayed leaf differs from the node's");
}

absl::Status Replayer::Add(const v1::LedgerEntry& e) {
  if (!failed_.ok()) return failed_;
  const uint64_t i = range_.size();
  entry::LeafView view;
  if (absl::Status st = CheckEntry(e, &view); !st.ok()) return Fail(i, st);
  range_.Append(merkle::HashLeaf(e.leaf()), [](auto&&...) {});
  if (auto it = roots_.find(range_.size()); it != roots_.end()) {
    it->second = range_.Root();
  }
  if (i == 0) {
    if (absl::Status st = AddGenesis(e, view); !st.ok()) return Fail(0, st);
    return absl::OkStatus();
  }
  if (!pending_.empty() &&
      (!(view.time == pending_time_) || pending_.size() >= kMaxBatch)) {
    if (absl::Status st = Flush(); !st.ok()) return st;
  }
  pending_time_ = view.time;
  pending_.push_back({i, e.leaf(), std::string(view.envelope)});
  return absl::OkStatus();
}

absl::Status Replayer::Flush() {
  if (pending_.empty()) return absl::OkStatus();
  apply::OrderedBatch batch;
  batch.position = ++position_;
  batch.proposed_time = pending_time_;
  for (const Pending& p : pending_) batch.envelopes.push_back(p.envelope);
  absl::StatusOr<apply::BatchResult> result = applier_->Apply(std::move(batch));
  if (!result.ok()) return Fail(pending_.front().index, result.status());
  for (size_t j = 0; j < pending_.size(); ++j) {
    const Pending& p = pending_[j];
    const v1::Receipt& r = result->receipts[j];
    if (r.outcome() != v1::Receipt::ACCEPTED) {
      return Fail(
          p.index,
          absl::FailedPreconditionError(absl::StrCat(
              "refused on replay: ",
              absl::StatusCodeToString(static_cast<absl::StatusCode>(r.code())),
              ": ", r.reason())));
    }
    if (r.leaf_index() != p.index) {
      return Fail(p.index, absl::DataLossError(absl::StrCat(
                               "replayed at entry ", r.leaf_index())));
    }
    if (absl::Status st = CompareLeaf(p.index, p.leaf); !st.ok()) {
      return Fail(p.index, st);
    }
  }
  pending_.clear();
  return absl::OkStatus();
}

absl::Status Replayer::Finish() {
  if (!failed_.ok()) return failed_;
  if (absl::Status st = Flush(); !st.ok()) return st;
  const store::TreeHead head = store_->head();
  if (head.size != range_.size() || !(head.root == range_.Root())) {
    return Fail(range_.size(), absl::DataLossError(absl::StrCat(
                                   "the replayed tree (size ", head.size,
                                   ", root ", merkle::ShortHex(head.root),
                                   ") is not the recomputed "
                                   "one (size ",
                                   range_.size(), ", root ",
                                   merkle::ShortHex(range_.Root()), ")")));
  }
  return absl::OkStatus();
}

}  // namespace kpledger::audit
