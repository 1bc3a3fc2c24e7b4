// Checkpoints: C2SP tlog-checkpoint bodies carried in signed notes, and the
// threshold rule that makes one "cosigned".
//
//   body := origin "\n" tree_size "\n" base64(root) "\n" extension*
//   tree_size  := ASCII decimal, no leading zeros ("0" for the empty tree)
//   extension  := a non-empty line "\n"
//
// A node signs only a body whose root it computed itself (the caller's
// duty; see node/). A checkpoint is trusted when at least `threshold`
// distinct node keys of the genesis signed it; signatures by other keys are
// ignored, as the signed-note spec requires. Page:
// docs/formats/checkpoint.md. Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_CHECKPOINT_CHECKPOINT_H_
#define KPLEDGER_LEDGER_CHECKPOINT_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ledger/checkpoint/note.h"
#include "ledger/merkle/hasher.h"

namespace kpledger::checkpoint {

struct CheckpointBody {
  std::string origin;
  uint64_t tree_size = 0;
  merkle::Hash root{};
  std::vector<std::string> extensions;

  // The note text. REQUIRES: origin and extensions are non-empty lines.
  std::string Marshal() const;
  // InvalidArgument names the bad line.
  static absl::StatusOr<CheckpointBody> Parse(absl::string_view text);
};

// A number as checkpoint bodies write them: ASCII decimal, no sign, no
// leading zeros ("0" alone), at most 2^64 - 1. False otherwise.
bool ParseDecimal(absl::string_view text, uint64_t* out);

// The body signed by every signer, as note text.
absl::StatusOr<std::string> SignCheckpoint(
    const CheckpointBody& body, const std::vector<NoteSigner>& signers);

// Adds `signer`'s signature to an existing signed checkpoint (cosigning).
// The signer's existing signature, if any, is replaced.
absl::StatusOr<std::string> AddCheckpointSignature(absl::string_view note,
                                                   const NoteSigner& signer);

struct VerifiedCheckpoint {
  CheckpointBody body;
  std::vector<std::string> signers;  // names of the trusted keys that signed
};

// Verifies a signed checkpoint against the trusted node keys:
//   InvalidArgument     malformed note or body
//   FailedPrecondition  origin is not `want_origin`
//   Unauthenticated     a trusted key's signature does not verify, or fewer
//                       than `threshold` distinct trusted keys signed
absl::StatusOr<VerifiedCheckpoint> VerifyCheckpoint(
    absl::string_view note, absl::string_view want_origin,
    const std::vector<NoteVerifier>& trusted, uint32_t threshold);

}  // namespace kpledger::checkpoint

#endif  // KPLEDGER_LEDGER_CHECKPOINT_CHECKPOINT_H_
