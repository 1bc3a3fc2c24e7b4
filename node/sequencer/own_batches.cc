#include "node/sequencer/own_batches.h"

namespace kpledger::node {

void OwnBatches::Taken(uint64_t nonce, uint64_t revision) {
  // The watch may deliver a batch before its put's answer arrives here.
  if (revision <= delivered_) return;
  by_revision_.emplace(revision, nonce);
}

void OwnBatches::DeliveredUpTo(uint64_t revision) {
  if (revision > delivered_) delivered_ = revision;
  by_revision_.erase(by_revision_.begin(), by_revision_.upper_bound(revision));
}

std::vector<uint64_t> OwnBatches::SkippedUpTo(uint64_t revision) {
  std::vector<uint64_t> nonces;
  const auto end = by_revision_.upper_bound(revision);
  for (auto it = by_revision_.begin(); it != end; ++it) {
    nonces.push_back(it->second);
  }
  by_revision_.erase(by_revision_.begin(), end);
  if (revision > delivered_) delivered_ = revision;
  return nonces;
}

}  // namespace kpledger::node
