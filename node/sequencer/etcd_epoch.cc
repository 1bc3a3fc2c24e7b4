#include "node/sequencer/etcd_epoch.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ledger/base/encoding.h"

namespace kpledger::node {
namespace {

constexpr char kRecordTag[] = "kpledger etcd epoch";

}  // namespace

std::string DescribeEtcdPosition(uint64_t position) {
  if (EpochOf(position) == 0) return absl::StrCat("revision ", position);
  return absl::StrCat("revision ", RevisionOf(position), " of etcd epoch ",
                      EpochOf(position));
}

std::string FormatEtcdEpoch(const EtcdEpoch& epoch) {
  return absl::StrCat(kRecordTag, "\n", epoch.number, "\n", epoch.tree_size,
                      "\n", base::Base64Encode(epoch.root), "\n");
}

absl::StatusOr<EtcdEpoch> ParseEtcdEpoch(absl::string_view value,
                                         uint64_t start_revision) {
  auto bad = [](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("etcd's epoch record is malformed: ", why));
  };
  if (!absl::EndsWith(value, "\n")) return bad("it does not end in a newline");
  value.remove_suffix(1);
  const std::vector<absl::string_view> lines = absl::StrSplit(value, '\n');
  if (lines.size() != 4) {
    return bad(absl::StrCat("it has ", lines.size(), " lines, not 4"));
  }
  if (lines[0] != kRecordTag) {
    return bad(absl::StrCat("its first line is not \"", kRecordTag, "\""));
  }
  EtcdEpoch epoch;
  if (!absl::SimpleAtoi(lines[1], &epoch.number) || epoch.number == 0 ||
      epoch.number > kMaxEpoch || lines[1] != absl::StrCat(epoch.number)) {
    return bad(absl::StrCat("epoch number \"", lines[1],
                            "\" is not a decimal from 1 to ", kMaxEpoch));
  }
  if (!absl::SimpleAtoi(lines[2], &epoch.tree_size) || epoch.tree_size == 0 ||
      lines[2] != absl::StrCat(epoch.tree_size)) {
    return bad(
        absl::StrCat("tree size \"", lines[2], "\" is not a positive decimal"));
  }
  absl::StatusOr<std::string> root = base::Base64Decode(lines[3], "root");
  if (!root.ok()) return bad(root.status().message());
  if (root->size() != 32) {
    return bad(absl::StrCat("the root has ", root->size(), " bytes, not 32"));
  }
  epoch.root = *std::move(root);
  if (start_revision > kMaxEpochRevision) {
    return bad(absl::StrCat("its revision ", start_revision, " is over ",
                            kMaxEpochRevision));
  }
  epoch.start_revision = start_revision;
  return epoch;
}

EpochPlace PlaceInEpoch(uint64_t position, uint64_t tree_size,
                        absl::string_view root, const EtcdEpoch& epoch,
                        uint64_t etcd_revision) {
  const uint64_t own = EpochOf(position);
  if (own == epoch.number) {
    if (RevisionOf(position) <= etcd_revision) {
      return {EpochStanding::kFollow, ""};
    }
    // New batches would get revisions at or below what this node applied,
    // and be taken for batches applied before.
    return {EpochStanding::kBehind,
            absl::StrCat("etcd's revision ", etcd_revision, " is behind the ",
                         DescribeEtcdPosition(position),
                         " that this node applied: etcd was restored from a "
                         "snapshot or replaced; this node takes no batches "
                         "from it until you ",
                         kStartEpochAdvice)};
  }
  if (own > epoch.number) {
    return {EpochStanding::kBehind,
            absl::StrCat(
                "etcd holds epoch ", epoch.number, " but this node applied ",
                DescribeEtcdPosition(position),
                ": etcd was restored from a snapshot taken before that "
                "epoch began, or replaced; this node takes no batches from it "
                "until you ",
                kStartEpochAdvice)};
  }
  if (tree_size < epoch.tree_size) {
    return {EpochStanding::kCatchUp,
            absl::StrCat("etcd epoch ", epoch.number, " starts on a log of ",
                         epoch.tree_size, " entries but this node holds ",
                         tree_size, ": it copies the rest from a peer first")};
  }
  if (tree_size > epoch.tree_size) {
    return {EpochStanding::kPast,
            absl::StrCat(
                "etcd epoch ", epoch.number, " starts on a log of ",
                epoch.tree_size, " entries but this node holds ", tree_size,
                ": the epoch was started on a node with fewer, and this node "
                "takes no batches from etcd. Its entries past ",
                epoch.tree_size,
                " were ordered by the etcd that was lost. If they are "
                "cosigned and no node applied batches of epoch ",
                epoch.number,
                ", start another epoch from this node (kpnode "
                "--etcd-new-epoch). Otherwise list them (kpctl tail), "
                "replace this node's data dir so it bootstraps from a peer, "
                "and submit their events again (docs/operations.md, Backup "
                "and restore)")};
  }
  if (root != epoch.root) {
    return {EpochStanding::kPast,
            absl::StrCat(
                "etcd epoch ", epoch.number, " starts on a log of ",
                epoch.tree_size, " entries with root ",
                base::Base64Encode(epoch.root), " but this node's ", tree_size,
                " entries have root ", base::Base64Encode(root),
                ": this node holds another history (it applied batches of an "
                "epoch that was replaced, or it diverged) and takes no "
                "batches from etcd. Do not start an epoch from it: replace "
                "its data dir so it bootstraps from a peer (docs/"
                "operations.md, Backup and restore)")};
  }
  return {EpochStanding::kEnter, ""};
}

std::optional<uint64_t> RevisionDoneIn(uint64_t position,
                                       const EtcdEpoch& epoch) {
  const uint64_t own = EpochOf(position);
  if (own == epoch.number) return RevisionOf(position);
  if (own < epoch.number) return epoch.start_revision;
  return std::nullopt;
}

}  // namespace kpledger::node
