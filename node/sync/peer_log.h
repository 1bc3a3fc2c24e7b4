// A stretch of a peer node's log, as a node that bootstraps (or a mirror
// that follows) receives it over NodeService.Sync, and the checks made
// before any of it is applied.
//
// The peer is not trusted: its entries must continue this node's log, and
// this node's tree extended by their leaves must have the root of a
// checkpoint signed by the threshold of the node keys in force at its size
// (rules/node_set.h: the store's, changed by the peer's entries). Then every
// entry is applied through the applier like any batch, so every signature
// and custody rule is checked again; the caller compares the result with
// the checkpoint once more.
#ifndef KPLEDGER_NODE_SYNC_PEER_LOG_H_
#define KPLEDGER_NODE_SYNC_PEER_LOG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kpledger/v1/genesis.pb.h"
#include "kpledger/v1/proof.pb.h"
#include "kpledger/v1/service.grpc.pb.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/entry/leaf.h"
#include "ledger/store/store.h"
#include "node/sequencer/sequencer.h"

namespace kpledger::node {

struct PeerLog {
  uint64_t from_index = 0;          // this node's size when asked
  std::vector<std::string> leaves;  // entries from_index, from_index + 1, ...
  v1::Checkpoint checkpoint;        // cosigned; tree size from_index + n
  uint64_t position = 0;            // the peer's sequencer position there
  entry::LedgerTime ledger_time;    // and its ledger time
};

// Asks the peer behind `stub` for its log from `from_index` up to its latest
// cosigned checkpoint. FailedPrecondition when the peer keeps another
// ledger; Unavailable when it cannot be reached or has no cosigned
// checkpoint yet; DataLoss when the stream is malformed.
absl::StatusOr<PeerLog> FetchPeerLog(v1::NodeService::Stub& stub,
                                     const std::string& genesis_hash,
                                     const std::string& node_name,
                                     uint64_t from_index,
                                     absl::Duration timeout);

// Checks `log` against `store` before anything is applied, and returns
// the checkpoint's verified body (for the caller to compare its count
// lines with its own once the entries are applied). The checkpoint's
// signatures count for the node keys the store's log and the peer's
// entries leave in force at its size (rules/node_set.h):
//   InvalidArgument     the checkpoint has no policy line
//   FailedPrecondition  it does not start at the store's size; its
//                       checkpoint is for another origin
//   Unauthenticated     the checkpoint lacks the threshold of valid
//                       node signatures; an entry that changes the node
//                       keys is not governance's
//   DataLoss            a leaf that does not decode or names another index;
//                       the store's tree extended by the leaves does not
//                       have the checkpoint's size and root; the
//                       checkpoint's fields disagree with its signed note
absl::StatusOr<checkpoint::CheckpointBody> VerifyPeerLog(
    const store::Store& store, const v1::Genesis& genesis, const PeerLog& log);

// The batches that apply `log`: consecutive leaves of one ledger time (at
// most 1000 each; the applier then derives the same ledger times). Only the
// last is synced to disk: a crash before it loses copies, which are had
// again from the peer.
//   index positions (a mirror, whose positions are its tree sizes): each
//     batch at the tree size after it;
//   otherwise (a node bootstrapping under a sequencer): every batch at
//     `applied_position` (from_peer), and a last, empty one at the peer's
//     position and ledger time.
// REQUIRES: VerifyPeerLog(log) is OK.
std::vector<SequencedBatch> PeerLogBatches(const PeerLog& log,
                                           uint64_t applied_position,
                                           bool index_positions);

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_SYNC_PEER_LOG_H_
