// The ordering service behind a node (DESIGN §5): a Sequencer puts the
// batches every node proposes into one total order and delivers them, in
// that order, to every node's applier.
//
// Two implementations fit this interface: the local sequencer (one node,
// in-process order: local_sequencer.h) and the etcd sequencer (a cluster).
// The node does not know which one it runs on: it proposes batches and
// applies what is delivered, its own batches and other nodes' alike, and
// answers a submitter once its batch is applied (and so durable).
#ifndef KPLEDGER_NODE_SEQUENCER_SEQUENCER_H_
#define KPLEDGER_NODE_SEQUENCER_SEQUENCER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ledger/entry/leaf.h"

namespace kpledger::store {
class Store;
}  // namespace kpledger::store
namespace kpledger::v1 {
class Genesis;
}  // namespace kpledger::v1

namespace kpledger::node {

class Checkpointer;

// What a sequencer that copies a peer's log (node/sync/) reads of its node.
struct NodeView {
  const store::Store* store = nullptr;
  Checkpointer* checkpointer = nullptr;
  const v1::Genesis* genesis = nullptr;
  std::string genesis_hash;
  std::string node_name;
  std::function<uint64_t()> applied_position;  // of the last applied batch
  // This node's batches (by nonce) that the sequencer took but will not
  // deliver: a copy from a peer went past them. Their submitters are
  // answered at once.
  std::function<void(const std::vector<uint64_t>& nonces)> lost_proposals;
};

// A batch as one node proposes it.
struct ProposedBatch {
  // The proposing node's name and a number it never reuses while it runs:
  // how the proposer recognises its own batch when it is delivered.
  std::string proposer;
  // The proposer's public key, as the batch carries it: the applier checks
  // that it is the node key `proposer` names, in force (BatchCodec).
  std::string proposer_key;
  uint64_t nonce = 0;
  entry::LedgerTime proposed_time;     // the proposer's clock
  std::vector<std::string> envelopes;  // serialized Envelopes, verbatim
};

// A batch in the sequencer's order.
struct SequencedBatch {
  uint64_t position = 0;  // > 0, increasing; stored with the batch
  ProposedBatch batch;
  // Entries copied from a peer's log (apply::OrderedBatch::from_peer).
  bool from_peer = false;
  // False: applied without a sync of its own (apply::OrderedBatch::sync),
  // for a batch the sequencer can deliver again after a crash. The node
  // syncs its store before it tells the sequencer a position is cosigned
  // (Cosigned), so no sequencer forgets a batch a node has not synced.
  bool sync = true;
};

class Sequencer {
 public:
  // Called with each batch in order, from one sequencer thread. It returns
  // once the batch is applied; an error stops delivery (the node stops).
  using Deliver = std::function<absl::Status(SequencedBatch)>;

  virtual ~Sequencer() = default;

  // "local", "etcd" or "mirror", for status and metrics.
  virtual std::string name() const = 0;

  // Before Start: the node it orders batches for.
  virtual void SetNode(NodeView node) {}

  // Starts delivering every batch after position `applied_position` (what
  // the store says was applied last) to `deliver`, until Stop.
  virtual absl::Status Start(uint64_t applied_position, Deliver deliver) = 0;

  // Puts a batch into the order. Returns once the ordering service holds
  // it; the batch then arrives through Deliver. Unavailable when the
  // ordering service did not confirm it (no quorum, a timeout, stopping):
  // its events must be answered UNAVAILABLE, though the batch may still
  // have been ordered (a resubmitted event then gets its original receipt,
  // ALREADY_EXISTS).
  virtual absl::Status Propose(ProposedBatch batch) = 0;

  // Stops delivery after the batch being delivered, if any; batches
  // proposed but not delivered are dropped (never acknowledged).
  virtual void Stop() = 0;

  // Every batch up to `position` is applied on this node, synced to its
  // disk and covered by a cosigned checkpoint: once every node says so, the
  // ordering service may forget those batches (etcd: compaction).
  virtual void Cosigned(uint64_t position) {}

  // A position as people read it (kpctl status): etcd's say its epoch.
  virtual std::string DescribePosition(uint64_t position) const {
    return std::to_string(position);
  }

  // The highest etcd epoch this node applied (`applied_position` is its
  // last applied) or entered (etcd_epoch.h).
  virtual uint64_t etcd_epoch(uint64_t applied_position) const { return 0; }

  // OK while the sequencer can deliver; why not otherwise (etcd compacted
  // batches this node has not applied: it must bootstrap from a peer).
  virtual absl::Status health() const { return absl::OkStatus(); }
};

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_SEQUENCER_SEQUENCER_H_
