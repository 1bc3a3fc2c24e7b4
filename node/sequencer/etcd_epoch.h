// Epochs of the etcd sequencer: how a ledger goes on after its etcd cluster
// is lost or replaced (docs/operations.md, "Backup and restore").
//
// A node's position on etcd is the revision of the last batch it applied.
// A new etcd cluster counts revisions from 1 again, and one restored from a
// snapshot counts from the snapshot's, so a revision alone cannot say
// whether a batch comes before or after what a node applied. An epoch
// starts etcd's revisions afresh at a known point of the log:
//
//   <prefix>epoch   "kpledger etcd epoch\n<number>\n<tree size>\n<root>\n"
//
// (root: standard base64 of the Merkle root at that size). The record's
// mod revision is where the epoch starts: its batches are the puts after
// it, and they extend the log from exactly `tree size` entries with that
// root. No record is epoch 0, from revision 0, as every ledger began.
//
// A position packs the epoch into the top bits and the revision into the
// low 40, so positions still increase across epochs and epoch 0's are the
// plain revisions every node stored before epochs existed.
#ifndef KPLEDGER_NODE_SEQUENCER_ETCD_EPOCH_H_
#define KPLEDGER_NODE_SEQUENCER_ETCD_EPOCH_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kpledger::node {

// What an operator does when etcd cannot extend a node's log.
inline constexpr char kStartEpochAdvice[] =
    "start a new etcd epoch from the node with the most entries "
    "(kpnode --etcd-new-epoch; docs/operations.md, Backup and restore)";

inline constexpr int kEpochShift = 40;  // 10^12 revisions an epoch
inline constexpr uint64_t kMaxEpochRevision = (uint64_t{1} << kEpochShift) - 1;
inline constexpr uint64_t kMaxEpoch = (uint64_t{1} << (64 - kEpochShift)) - 1;

inline uint64_t EtcdPosition(uint64_t epoch, uint64_t revision) {
  return (epoch << kEpochShift) | revision;
}
inline uint64_t EpochOf(uint64_t position) { return position >> kEpochShift; }
inline uint64_t RevisionOf(uint64_t position) {
  return position & kMaxEpochRevision;
}

// "revision R" for epoch 0, "revision R of etcd epoch E" after: for status
// and logs.
std::string DescribeEtcdPosition(uint64_t position);

struct EtcdEpoch {
  uint64_t number = 0;
  uint64_t tree_size = 0;  // the log's size when the epoch starts
  std::string root;        // 32 bytes, the root at tree_size; empty: epoch 0
  uint64_t start_revision = 0;  // the record's mod revision

  // The position just before the epoch's first batch.
  uint64_t start_position() const {
    return EtcdPosition(number, start_revision);
  }
};

// The record's value (without start_revision, which etcd assigns).
std::string FormatEtcdEpoch(const EtcdEpoch& epoch);
// InvalidArgument naming what is wrong: not four lines, another first
// line, a number that is not decimal or is 0 or over kMaxEpoch, a size of 0,
// a root that is not base64 of 32 bytes.
absl::StatusOr<EtcdEpoch> ParseEtcdEpoch(absl::string_view value,
                                         uint64_t start_revision);

// Where a node stands against the epoch etcd holds.
enum class EpochStanding {
  kFollow,   // same epoch, and etcd has every revision the node applied
  kEnter,    // an epoch starting at exactly this node's log: follow it
  kCatchUp,  // an epoch starting past this node's log: copy from a peer
  kPast,     // an epoch starting before this node's log ends, or at its
             // size with another root: etcd cannot extend this log
  kBehind,   // etcd lost history this node applied (restored, replaced)
};
struct EpochPlace {
  EpochStanding standing;
  std::string why;  // for all but kFollow and kEnter
};

// `position`: the node's last applied; `etcd_revision`: etcd's current.
EpochPlace PlaceInEpoch(uint64_t position, uint64_t tree_size,
                        absl::string_view root, const EtcdEpoch& epoch,
                        uint64_t etcd_revision);

// The revision of `epoch` up to which a node at `position` needs no batch:
// its own revision in the epoch, the epoch's start if it has not entered it
// yet, nullopt if it is past the epoch (etcd is behind it).
std::optional<uint64_t> RevisionDoneIn(uint64_t position,
                                       const EtcdEpoch& epoch);

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_SEQUENCER_ETCD_EPOCH_H_
