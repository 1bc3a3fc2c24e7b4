#include "node/sync/peer_log.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/apply/checkpoint_body.h"
#include "ledger/base/encoding.h"
#include "ledger/base/status_macros.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/checkpoint/policy_line.h"
#include "ledger/entry/time.h"
#include "ledger/merkle/compact_range.h"
#include "ledger/merkle/hasher.h"
#include "ledger/merkle/node_id.h"
#include "ledger/rules/genesis.h"
#include "ledger/rules/node_set.h"

namespace kpledger::node {
namespace {

constexpr size_t kMaxBatch = 1000;

}  // namespace

absl::StatusOr<PeerLog> FetchPeerLog(v1::NodeService::Stub& stub,
                                     const std::string& genesis_hash,
                                     const std::string& node_name,
                                     uint64_t from_index,
                                     absl::Duration timeout) {
  v1::SyncRequest request;
  request.set_genesis_hash(genesis_hash);
  request.set_from_index(from_index);
  request.set_node_name(node_name);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  auto reader = stub.Sync(&context, request);
  PeerLog log;
  log.from_index = from_index;
  v1::SyncResponse response;
  bool have_checkpoint = false;
  while (reader->Read(&response)) {
    if (have_checkpoint) {
      return absl::DataLossError("the peer sent more after its checkpoint");
    }
    if (response.has_entry()) {
      log.leaves.push_back(
          std::move(*response.mutable_entry()->mutable_leaf()));
    } else if (response.has_checkpoint()) {
      log.checkpoint = std::move(*response.mutable_checkpoint());
      log.position = response.position();
      log.ledger_time = entry::FromTimestamp(response.ledger_time());
      have_checkpoint = true;
    }
  }
  const grpc::Status status = reader->Finish();
  if (!status.ok()) {
    const absl::StatusCode code =
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED
            ? absl::StatusCode::kUnavailable
            : static_cast<absl::StatusCode>(status.error_code());
    return absl::Status(code, absl::StrCat("Sync: ", status.error_message()));
  }
  if (!have_checkpoint) {
    return absl::DataLossError("the peer's stream ended without a checkpoint");
  }
  return log;
}

absl::StatusOr<checkpoint::CheckpointBody> VerifyPeerLog(
    const store::Store& store, const v1::Genesis& genesis, const PeerLog& log) {
  const uint64_t size = store.size();
  if (log.from_index != size) {
    return absl::FailedPreconditionError(
        absl::StrCat("the peer's entries start at ", log.from_index,
                     ", this node has ", size));
  }
  // This node's tree, extended by the peer's leaves, and its node keys,
  // changed by theirs.
  const std::vector<merkle::NodeId> ids = merkle::PerfectNodes(0, size);
  KP_ASSIGN_OR_RETURN(std::vector<merkle::Hash> hashes, store.ReadNodes(ids));
  KP_ASSIGN_OR_RETURN(merkle::CompactRange range,
                      merkle::CompactRange::FromHashes(size, hashes));
  KP_ASSIGN_OR_RETURN(v1::NodeSetRecord nodes,
                      apply::StoreNodeSet(store, genesis));
  for (size_t i = 0; i < log.leaves.size(); ++i) {
    absl::StatusOr<entry::LeafView> view = entry::DecodeLeaf(log.leaves[i]);
    if (!view.ok()) {
      return absl::DataLossError(absl::StrCat("the peer's entry ", size + i,
                                              ": ", view.status().message()));
    }
    if (view->index != size + i) {
      return absl::DataLossError(absl::StrCat("the peer's entry ", size + i,
                                              " names index ", view->index));
    }
    absl::StatusOr<bool> changed = rules::ApplyNodeChangeEntry(
        genesis, view->envelope, view->index, &nodes);
    if (!changed.ok()) {
      return absl::Status(changed.status().code(),
                          absl::StrCat("the peer's entry ", size + i, ": ",
                                       changed.status().message()));
    }
    range.Append(merkle::HashLeaf(log.leaves[i]), [](auto&&...) {});
  }
  KP_ASSIGN_OR_RETURN(
      checkpoint::VerifiedCheckpoint cp,
      rules::VerifyNodeCheckpoint(log.checkpoint.note(), genesis, nodes));
  KP_RETURN_IF_ERROR(checkpoint::PolicyUpdateCount(cp.body).status());
  if (cp.body.tree_size != range.size()) {
    return absl::DataLossError(
        absl::StrCat("the peer sent entries up to ", range.size(),
                     " but its checkpoint is of ", cp.body.tree_size));
  }
  const merkle::Hash root = range.Root();
  // The caller goes by these fields: they must be what the note signs.
  if (log.checkpoint.tree_size() != cp.body.tree_size ||
      log.checkpoint.root_hash() !=
          absl::string_view(reinterpret_cast<const char*>(cp.body.root.data()),
                            cp.body.root.size())) {
    return absl::DataLossError(
        "the peer's checkpoint has a tree size or root other than its signed "
        "note's");
  }
  if (root != cp.body.root) {
    return absl::DataLossError(absl::StrCat(
        "the peer's entries give root ",
        base::HexEncode(absl::string_view(
            reinterpret_cast<const char*>(root.data()), root.size())),
        " at size ", cp.body.tree_size,
        ", not the cosigned checkpoint's: it changed an entry"));
  }
  return cp.body;
}

std::vector<SequencedBatch> PeerLogBatches(const PeerLog& log,
                                           uint64_t applied_position,
                                           bool index_positions) {
  std::vector<SequencedBatch> out;
  // Copies can be had again after a crash: only the last batch is synced
  // (and so every one before it with it).
  for (size_t i = 0; i < log.leaves.size(); ++i) {
    // VerifyPeerLog decoded every leaf.
    const entry::LeafView view = entry::DecodeLeaf(log.leaves[i]).value();
    if (out.empty() || !(out.back().batch.proposed_time == view.time) ||
        out.back().batch.envelopes.size() >= kMaxBatch) {
      SequencedBatch b;
      b.from_peer = !index_positions;
      b.position = applied_position;
      b.batch.proposer = "peer";
      b.batch.proposed_time = view.time;
      b.sync = false;
      out.push_back(std::move(b));
    }
    out.back().batch.envelopes.emplace_back(view.envelope);
    if (index_positions) out.back().position = log.from_index + i + 1;
  }
  if (!index_positions) {
    SequencedBatch last;
    last.from_peer = true;
    last.position = log.position;
    last.batch.proposer = "peer";
    last.batch.proposed_time = log.ledger_time;
    out.push_back(std::move(last));
  }
  if (!out.empty()) out.back().sync = true;
  return out;
}

}  // namespace kpledger::node
