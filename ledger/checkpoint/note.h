// C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys.
//
//   note      := text "\n" signature+
//   text      := one or more lines, each ending in "\n" (UTF-8, no control
//                characters other than "\n")
//   signature := "— " name " " base64(key_hash[4] || ed25519_sig[64]) "\n"
//   key_hash  := SHA-256(name || "\n" || 0x01 || public_key)[0:4]
//   verifier key text := name "+" hex8(key_hash) "+" base64(0x01 || public_key)
//
// A key name is non-empty UTF-8 with no white space and no "+". The
// signature covers exactly `text`. Verification follows Go's
// golang.org/x/mod/sumdb/note: signatures by unknown keys are ignored, a
// signature by a known key that does not verify fails the whole note, and a
// note with more than 100 signatures is malformed. Page:
// docs/formats/checkpoint.md. Thread-safe: immutable objects, pure functions.
#ifndef KPLEDGER_LEDGER_CHECKPOINT_NOTE_H_
#define KPLEDGER_LEDGER_CHECKPOINT_NOTE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ledger/crypto/ed25519.h"

namespace kpledger::checkpoint {

inline constexpr uint8_t kAlgEd25519 = 0x01;
inline constexpr int kMaxNoteSignatures = 100;

struct NoteSignature {
  std::string name;
  uint32_t key_hash = 0;
  std::string sig;  // the signature bytes after the 4-byte key hash
};

struct SignedNote {
  std::string text;  // the signed body, ending in "\n"
  std::vector<NoteSignature> signatures;
};

bool IsValidKeyName(absl::string_view name);
uint32_t NoteKeyHash(absl::string_view name, const crypto::PublicKey& key);

// Splits a note into text and signature lines. InvalidArgument ("malformed
// note: ...") on anything C2SP does not allow.
absl::StatusOr<SignedNote> ParseNote(absl::string_view note);
std::string FormatNote(const SignedNote& note);
std::string FormatSignatureLine(const NoteSignature& sig);

// Verifies note signatures for one key.
class NoteVerifier {
 public:
  // InvalidArgument if the name is not a valid key name.
  static absl::StatusOr<NoteVerifier> Create(absl::string_view name,
                                             crypto::PublicKey key);
  // Parses "name+hash+base64key"; InvalidArgument names the bad part.
  static absl::StatusOr<NoteVerifier> Parse(absl::string_view vkey);

  const std::string& name() const { return name_; }
  uint32_t key_hash() const { return key_hash_; }
  const crypto::PublicKey& key() const { return key_; }
  // The verifier key text, name+hash+base64.
  std::string ToString() const;
  bool Verify(absl::string_view text, absl::string_view sig) const;

 private:
  friend class NoteSigner;
  NoteVerifier(std::string name, crypto::PublicKey key);
  std::string name_;
  crypto::PublicKey key_;
  uint32_t key_hash_;
};

// Signs note texts with one key. Holds a reference: `key` must outlive it.
class NoteSigner {
 public:
  static absl::StatusOr<NoteSigner> Create(absl::string_view name,
                                           const crypto::PrivateKey& key);
  const std::string& name() const { return name_; }
  uint32_t key_hash() const { return key_hash_; }
  // InvalidArgument if `text` is not a valid note text.
  absl::StatusOr<NoteSignature> Sign(absl::string_view text) const;
  NoteVerifier Verifier() const;

 private:
  NoteSigner(std::string name, const crypto::PrivateKey& key);
  std::string name_;
  const crypto::PrivateKey* key_;
  uint32_t key_hash_;
};

// InvalidArgument unless `text` is non-empty UTF-8 with no control
// characters but "\n" and ends in "\n".
absl::Status CheckNoteText(absl::string_view text);

}  // namespace kpledger::checkpoint

#endif  // KPLEDGER_LEDGER_CHECKPOINT_NOTE_H_
