// kpctl audit: re-verifies a node's whole log from the outside. Streams
// every entry, recomputes the Merkle tree and replays every entry through
// the applier into a scratch store (every signature and custody rule again;
// ledger/audit/replay.h), then checks the root and the count lines of the
// node's latest signed and latest cosigned checkpoints against the replay,
// their signatures against the node keys in force at their sizes
// (Replayer::CheckCheckpoint). Exit 0 verified, 1 "audit FAILED at entry
// N: ...".
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "client/kpctl/commands.h"
#include "client/kpctl/connect.h"
#include "client/kpctl/kpctl.pb.h"
#include "client/kpctl/text.h"
#include "ledger/audit/replay.h"
#include "ledger/base/proto_json.h"
#include "ledger/base/status_macros.h"
#include "ledger/merkle/hasher.h"

namespace kpledger::kpctl {
namespace {

using audit::Replayer;

constexpr char kCmd[] = "audit";

struct AuditFlags {
  std::string scratch_dir;
};

// A progress bar on stderr, redrawn at most ten times a second, when
// stderr is a terminal; nothing otherwise.
class Progress {
 public:
  explicit Progress(uint64_t total)
      : total_(total), tty_(isatty(STDERR_FILENO) == 1), start_(absl::Now()) {}

  void Update(uint64_t done) {
    if (!tty_) return;
    const absl::Time now = absl::Now();
    if (now - last_ < absl::Milliseconds(100) && done != total_) return;
    last_ = now;
    const double s = absl::ToDoubleSeconds(now - start_);
    constexpr int kWidth = 30;
    const uint64_t shown = total_ == 0 ? 0 : std::min(done, total_);
    const int filled =
        total_ == 0 ? 0 : static_cast<int>(kWidth * shown / total_);
    std::fprintf(
        stderr, "\raudit [%s%s] %llu/%llu entries  %.1f s  %.0f/s\033[K",
        std::string(filled, '#').c_str(),
        std::string(kWidth - filled, '.').c_str(),
        static_cast<unsigned long long>(done),
        static_cast<unsigned long long>(total_), s, s > 0 ? done / s : 0.0);
  }
  void Clear() {
    if (tty_) std::fprintf(stderr, "\r\033[K");
  }
  double elapsed_s() const {
    return absl::ToDoubleSeconds(absl::Now() - start_);
  }

 private:
  uint64_t total_;
  bool tty_;
  absl::Time start_;
  absl::Time last_ = absl::InfinitePast();
};

struct Checkpoints {
  std::optional<v1::Checkpoint> latest;    // the node's latest signed
  std::optional<v1::Checkpoint> cosigned;  // the latest cosigned
};

// NOT_FOUND (none yet) leaves the checkpoint empty.
grpc::Status FetchCheckpoint(NodeClient& client, bool cosigned,
                             std::optional<v1::Checkpoint>* out) {
  v1::GetCheckpointRequest req;
  req.set_cosigned(cosigned);
  v1::Checkpoint cp;
  std::unique_ptr<grpc::ClientContext> ctx = client.Context();
  grpc::Status st = client.ledger().GetCheckpoint(ctx.get(), req, &cp);
  if (st.ok()) *out = std::move(cp);
  if (st.error_code() == grpc::StatusCode::NOT_FOUND) return grpc::Status::OK;
  return st;
}

// Checks both checkpoints into `result`; the failure, if any.
absl::Status CheckCheckpoints(const Checkpoints& cps, const Replayer& replay,
                              AuditResult* result) {
  if (cps.latest.has_value()) {
    absl::StatusOr<std::vector<std::string>> signers =
        replay.CheckCheckpoint(*cps.latest, 1);
    if (!signers.ok()) return signers.status();
    KP_ASSIGN_OR_RETURN(const uint32_t threshold,
                        replay.CheckpointThreshold(cps.latest->tree_size()));
    *result->mutable_checkpoint() = *cps.latest;
    for (const std::string& s : *signers) result->add_checkpoint_signers(s);
    result->set_threshold(threshold);
    result->set_cosigned(signers->size() >= threshold);
  }
  if (cps.cosigned.has_value()) {
    absl::StatusOr<std::vector<std::string>> signers =
        replay.CheckCheckpoint(*cps.cosigned, std::nullopt);
    if (!signers.ok()) {
      return absl::Status(
          signers.status().code(),
          absl::StrCat("cosigned ", signers.status().message()));
    }
    KP_ASSIGN_OR_RETURN(const uint32_t threshold,
                        replay.CheckpointThreshold(cps.cosigned->tree_size()));
    *result->mutable_cosigned_checkpoint() = *cps.cosigned;
    for (const std::string& s : *signers) result->add_cosigned_signers(s);
    result->set_cosigned_threshold(threshold);
  }
  return absl::OkStatus();
}

std::string ScratchParent(const AuditFlags& flags) {
  if (!flags.scratch_dir.empty()) return flags.scratch_dir;
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

void Print(const Globals& globals, const NodeClient& client,
           const AuditResult& r) {
  if (globals.json) {
    std::printf("%s", base::ToJson(r).c_str());
    return;
  }
  const double rate =
      r.elapsed_seconds() > 0 ? r.entries() / r.elapsed_seconds() : 0.0;
  std::printf("audit: checked %llu entries in %.1f s (%.0f entries/s)\n",
              static_cast<unsigned long long>(r.entries()), r.elapsed_seconds(),
              rate);
  if (r.outcome() != AuditResult::VERIFIED) {
    std::printf("audit FAILED at entry %llu: %s\n",
                static_cast<unsigned long long>(r.failed_entry()),
                r.failure().c_str());
    return;
  }
  std::printf("audit OK: kpnode at %s\n", client.server().c_str());
  std::printf("  genesis hash  %s\n", r.genesis_hash().c_str());
  std::printf("  root          %s at tree size %llu\n", r.root_hash().c_str(),
              static_cast<unsigned long long>(r.entries()));
  if (!r.has_checkpoint()) {
    std::printf(
        "  checkpoint    none: the node has signed no checkpoint; "
        "the root is not anchored\n");
  } else {
    std::printf(
        "  checkpoint    tree size %llu, root matches, signed by %s: %d of "
        "threshold %u, %s\n",
        static_cast<unsigned long long>(r.checkpoint().tree_size()),
        absl::StrJoin(r.checkpoint_signers(), ", ").c_str(),
        r.checkpoint_signers_size(), r.threshold(),
        r.cosigned() ? "cosigned" : "NOT cosigned");
  }
  if (!r.has_cosigned_checkpoint()) {
    std::printf("  cosigned      none\n");
  } else {
    std::printf(
        "  cosigned      tree size %llu, root matches, signed by %s: %d of "
        "threshold %u\n",
        static_cast<unsigned long long>(r.cosigned_checkpoint().tree_size()),
        absl::StrJoin(r.cosigned_signers(), ", ").c_str(),
        r.cosigned_signers_size(), r.cosigned_threshold());
  }
}

int Run(const Globals& globals, const AuditFlags& flags) {
  int code = kExitOk;
  std::unique_ptr<NodeClient> client = ConnectOrReport(globals, kCmd, &code);
  if (client == nullptr) return code;
  if (!client->status_error().ok()) {
    return ReportRpcError(kCmd, client->status_error());
  }
  Checkpoints cps;
  for (auto [cosigned, out] :
       {std::pair{false, &cps.latest}, std::pair{true, &cps.cosigned}}) {
    if (grpc::Status st = FetchCheckpoint(*client, cosigned, out); !st.ok()) {
      return ReportRpcError(kCmd, st);
    }
  }
  absl::StatusOr<std::unique_ptr<Replayer>> replay =
      Replayer::Create(ScratchParent(flags));
  if (!replay.ok())
    return ReportError(kCmd, kExitUsage, replay.status().message());
  for (const auto* cp : {&cps.latest, &cps.cosigned}) {
    if (cp->has_value()) (*replay)->WatchSize((*cp)->tree_size());
  }
  const v1::NodeStatus& status = client->status();
  Progress progress(status.tree_size());
  v1::StreamEntriesRequest req;
  req.set_from_index(0);
  req.set_follow(false);
  std::unique_ptr<grpc::ClientContext> ctx = client->Context(false);
  std::unique_ptr<grpc::ClientReader<v1::LedgerEntry>> reader =
      client->ledger().StreamEntries(ctx.get(), req);
  v1::LedgerEntry entry;
  absl::Status failed;
  while (reader->Read(&entry)) {
    failed = (*replay)->Add(entry);
    if (!failed.ok()) {
      ctx->TryCancel();
      break;
    }
    progress.Update((*replay)->size());
  }
  const grpc::Status stream = reader->Finish();
  progress.Clear();
  if (failed.ok() && !stream.ok()) return ReportRpcError(kCmd, stream);
  if (failed.ok()) failed = (*replay)->Finish();
  AuditResult result;
  result.set_entries((*replay)->size());
  result.set_root_hash(merkle::HashHex((*replay)->root()));
  result.set_elapsed_seconds(progress.elapsed_s());
  uint64_t failed_entry = (*replay)->failed_entry();
  if (failed.ok() && (*replay)->size() == 0) {
    failed = absl::DataLossError(
        "the node streamed no entries, not even "
        "the genesis");
  }
  if (failed.ok()) {
    result.set_genesis_hash((*replay)->genesis().hash);
    if (!status.genesis_hash().empty() &&
        status.genesis_hash() != (*replay)->genesis().hash) {
      failed = absl::DataLossError(
          absl::StrCat("the genesis hash is ", (*replay)->genesis().hash,
                       ", the node's status says ", status.genesis_hash()));
      failed_entry = 0;
    } else if ((*replay)->size() < status.tree_size()) {
      failed = absl::DataLossError(absl::StrCat(
          "the node streamed ", (*replay)->size(),
          " entries; its status said tree size ", status.tree_size()));
      failed_entry = (*replay)->size();
    }
  }
  if (failed.ok()) {
    failed = CheckCheckpoints(cps, **replay, &result);
    if (!failed.ok()) failed_entry = (*replay)->size() - 1;
  }
  result.set_outcome(failed.ok() ? AuditResult::VERIFIED : AuditResult::FAILED);
  if (!failed.ok()) {
    // Entries before the one the replay failed at checked out.
    if (!(*replay)->failed().ok()) result.set_entries(failed_entry);
    result.set_failed_entry(failed_entry);
    result.set_failure(std::string(failed.message()));
  }
  Print(globals, *client, result);
  return failed.ok() ? kExitOk : kExitRefused;
}

}  // namespace

void AddAudit(CLI::App& app, Globals& globals) {
  CLI::App* cmd = app.add_subcommand(
      "audit",
      "re-verify a node's whole log: recompute its Merkle tree, replay every "
      "entry through the custody rules, check the root against its signed "
      "checkpoints; exit 0 verified, 1 failed");
  cmd->footer(
      "Streams every entry (StreamEntries from 0) and replays it into a\n"
      "scratch store in a temporary folder (removed afterwards; it needs\n"
      "about as much disk as the node's store): every signature, every\n"
      "custody rule, every leaf byte and ledger time must come out as the\n"
      "node has them. The recomputed root, and the counts of policy and node\n"
      "key updates below it, must match the node's latest signed and latest\n"
      "cosigned checkpoints, whose signatures are checked against the node\n"
      "keys in force at their sizes (the genesis', and those governance\n"
      "registered and did not revoke). A progress bar shows on stderr when it "
      "is a\n"
      "terminal. On the first difference: 'audit FAILED at entry N: ...'\n"
      "and exit 1 (for a checkpoint, N is the last entry).\n\n"
      "Example:\n"
      "  kpctl --server 10.0.0.5:7400 audit");
  auto flags = std::make_shared<AuditFlags>();
  cmd->add_option("--scratch-dir", flags->scratch_dir,
                  "folder for the scratch store (default $TMPDIR or /tmp)");
  cmd->callback(
      [&globals, flags] { globals.exit_code = Run(globals, *flags); });
}

}  // namespace kpledger::kpctl
