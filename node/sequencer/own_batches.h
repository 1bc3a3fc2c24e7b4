// The batches a node put into etcd and has not seen come back through its
// watch (etcd_sequencer.h): when a copy from a peer takes the node past
// their revisions, the watch never delivers them, and their submitters must
// be answered some other way. Not thread-safe: the caller locks.
#ifndef KPLEDGER_NODE_SEQUENCER_OWN_BATCHES_H_
#define KPLEDGER_NODE_SEQUENCER_OWN_BATCHES_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace kpledger::node {

class OwnBatches {
 public:
  // etcd took batch `nonce` at `revision`.
  void Taken(uint64_t nonce, uint64_t revision);
  // The watch delivered every revision up to `revision`: the batches taken
  // at or below it came back (or were put before the node last started).
  void DeliveredUpTo(uint64_t revision);
  // A copy from a peer took the node to `revision`: the nonces of the
  // batches taken at or below it and not delivered, which never will be.
  std::vector<uint64_t> SkippedUpTo(uint64_t revision);

  // The highest revision delivered or skipped so far.
  uint64_t delivered() const { return delivered_; }
  size_t size() const { return by_revision_.size(); }

 private:
  std::multimap<uint64_t, uint64_t> by_revision_;  // revision -> nonce
  uint64_t delivered_ = 0;
};

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_SEQUENCER_OWN_BATCHES_H_
