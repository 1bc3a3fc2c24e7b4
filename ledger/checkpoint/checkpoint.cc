#include "ledger/checkpoint/checkpoint.h"

#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "ledger/base/encoding.h"
#include "ledger/base/status_macros.h"

namespace kpledger::checkpoint {
namespace {

absl::Status BadBody(absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("malformed checkpoint: ", why));
}

}  // namespace

bool ParseDecimal(absl::string_view text, uint64_t* out) {
  return !text.empty() && (text.size() == 1 || text[0] != '0') &&
         text.find_first_not_of("0123456789") == absl::string_view::npos &&
         absl::SimpleAtoi(text, out);
}

std::string CheckpointBody::Marshal() const {
  std::string out =
      absl::StrCat(origin, "\n", tree_size, "\n",
                   base::Base64Encode(crypto::DigestBytes(root)), "\n");
  for (const std::string& ext : extensions) absl::StrAppend(&out, ext, "\n");
  return out;
}

absl::StatusOr<CheckpointBody> CheckpointBody::Parse(absl::string_view text) {
  KP_RETURN_IF_ERROR(CheckNoteText(text));
  text.remove_suffix(1);  // the final "\n"
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (lines.size() < 3) {
    return BadBody(
        absl::StrCat("has ", lines.size(), " lines, want at least 3"));
  }
  CheckpointBody body;
  if (lines[0].empty()) return BadBody("origin line is empty");
  body.origin = std::string(lines[0]);
  const absl::string_view size = lines[1];
  if (!ParseDecimal(size, &body.tree_size)) {
    return BadBody(absl::StrCat("tree size \"", size.substr(0, 24),
                                "\" is not a decimal number"));
  }
  absl::StatusOr<std::string> root = base::Base64Decode(lines[2], "root hash");
  if (!root.ok() || !merkle::HashFromBytes(*root, &body.root)) {
    return BadBody("root hash is not 32 bytes of base64");
  }
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return BadBody("empty extension line");
    body.extensions.push_back(std::string(lines[i]));
  }
  return body;
}

absl::StatusOr<std::string> SignCheckpoint(
    const CheckpointBody& body, const std::vector<NoteSigner>& signers) {
  SignedNote note;
  note.text = body.Marshal();
  KP_RETURN_IF_ERROR(CheckpointBody::Parse(note.text).status());
  for (const NoteSigner& signer : signers) {
    KP_ASSIGN_OR_RETURN(NoteSignature sig, signer.Sign(note.text));
    note.signatures.push_back(std::move(sig));
  }
  if (note.signatures.empty()) {
    return absl::InvalidArgumentError("a checkpoint needs at least one signer");
  }
  return FormatNote(note);
}

absl::StatusOr<std::string> AddCheckpointSignature(absl::string_view note_text,
                                                   const NoteSigner& signer) {
  KP_ASSIGN_OR_RETURN(SignedNote note, ParseNote(note_text));
  KP_RETURN_IF_ERROR(CheckpointBody::Parse(note.text).status());
  std::vector<NoteSignature> kept;
  for (NoteSignature& s : note.signatures) {
    if (s.name == signer.name() && s.key_hash == signer.key_hash()) continue;
    kept.push_back(std::move(s));
  }
  KP_ASSIGN_OR_RETURN(NoteSignature mine, signer.Sign(note.text));
  kept.push_back(std::move(mine));
  note.signatures = std::move(kept);
  return FormatNote(note);
}

absl::StatusOr<VerifiedCheckpoint> VerifyCheckpoint(
    absl::string_view note_text, absl::string_view want_origin,
    const std::vector<NoteVerifier>& trusted, uint32_t threshold) {
  KP_ASSIGN_OR_RETURN(SignedNote note, ParseNote(note_text));
  KP_ASSIGN_OR_RETURN(CheckpointBody body, CheckpointBody::Parse(note.text));
  if (body.origin != want_origin) {
    return absl::FailedPreconditionError(
        absl::StrCat("checkpoint is for origin \"", body.origin, "\", want \"",
                     want_origin, "\""));
  }
  VerifiedCheckpoint out;
  std::set<std::pair<std::string, uint32_t>> counted;
  std::set<std::string> counted_keys;
  for (const NoteSignature& sig : note.signatures) {
    const NoteVerifier* v = nullptr;
    for (const NoteVerifier& t : trusted) {
      if (t.name() == sig.name && t.key_hash() == sig.key_hash) v = &t;
    }
    if (v == nullptr) continue;  // unknown signer: ignored (signed-note spec)
    if (!counted.insert({sig.name, sig.key_hash}).second) continue;
    if (!v->Verify(note.text, sig.sig)) {
      return absl::UnauthenticatedError(absl::StrCat(
          "checkpoint signature by ", sig.name, " does not verify"));
    }
    // One key listed under two names is still one signer.
    if (!counted_keys.insert(v->key().key_id()).second) continue;
    out.signers.push_back(sig.name);
  }
  if (out.signers.size() < threshold) {
    return absl::UnauthenticatedError(absl::StrCat(
        "checkpoint has ", out.signers.size(), " valid node signature",
        out.signers.size() == 1 ? "" : "s", ", want ", threshold,
        out.signers.empty()
            ? ""
            : absl::StrCat(" (signed by ", absl::StrJoin(out.signers, ", "),
                           ")")));
  }
  if (threshold == 0 && out.signers.empty()) {
    return absl::UnauthenticatedError(
        "checkpoint has no signature by a trusted node key");
  }
  out.body = std::move(body);
  return out;
}

}  // namespace kpledger::checkpoint
