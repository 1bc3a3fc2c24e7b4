#include "ledger/checkpoint/note.h"

#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "ledger/base/encoding.h"
#include "ledger/base/status_macros.h"
#include "ledger/crypto/sha256.h"

namespace kpledger::checkpoint {
namespace {

constexpr absl::string_view kSigPrefix = "\xe2\x80\x94 ";  // "— " (U+2014)
constexpr char32_t kBadRune = 0xFFFFFFFF;

// Decodes one UTF-8 rune at s[*i], advancing *i; kBadRune if ill-formed
// (overlong, surrogate, past U+10FFFF, truncated).
char32_t NextRune(absl::string_view s, size_t* i) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t c = b(*i);
  int len;
  char32_t r;
  if (c < 0x80) {
    ++*i;
    return c;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2;
    r = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    r = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    r = c & 0x07;
  } else {
    ++*i;
    return kBadRune;
  }
  if (*i + len > s.size()) {
    *i = s.size();
    return kBadRune;
  }
  for (int k = 1; k < len; ++k) {
    if ((b(*i + k) & 0xC0) != 0x80) {
      *i += k;
      return kBadRune;
    }
    r = (r << 6) | (b(*i + k) & 0x3F);
  }
  *i += len;
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (r < kMin[len] || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) {
    return kBadRune;
  }
  return r;
}

// Go's unicode.IsSpace.
bool IsUnicodeSpace(char32_t r) {
  switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

absl::Status Malformed(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("malformed note: ", why));
}

// A note is valid UTF-8 with no control characters other than newline.
absl::Status CheckCharacters(absl::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t at = i;
    const char32_t r = NextRune(text, &i);
    if (r == kBadRune) {
      return Malformed(absl::StrCat("invalid UTF-8 at byte ", at));
    }
    if (r < 0x20 && r != '\n') {
      return Malformed(absl::StrCat("control character at byte ", at));
    }
  }
  return absl::OkStatus();
}

// The public key as note keys encode it: algorithm byte, then the key.
std::string EncodedKey(const crypto::PublicKey& key) {
  std::string out(1, static_cast<char>(kAlgEd25519));
  out.append(key.bytes().data(), key.bytes().size());
  return out;
}

}  // namespace

bool IsValidKeyName(absl::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size();) {
    const char32_t r = NextRune(name, &i);
    if (r == kBadRune || r == '+' || IsUnicodeSpace(r)) return false;
  }
  return true;
}

absl::Status CheckNoteText(absl::string_view text) {
  if (text.empty() || text.back() != '\n') {
    return Malformed("text does not end in a newline");
  }
  return CheckCharacters(text);
}

uint32_t NoteKeyHash(absl::string_view name, const crypto::PublicKey& key) {
  const crypto::Sha256Digest d =
      crypto::Sha256(absl::StrCat(name, "\n"), EncodedKey(key));
  return base::DecodeFixed32BE(reinterpret_cast<const char*>(d.data()));
}

absl::StatusOr<SignedNote> ParseNote(absl::string_view note) {
  KP_RETURN_IF_ERROR(CheckCharacters(note));
  const size_t split = note.rfind("\n\n");
  if (split == absl::string_view::npos) {
    return Malformed("no blank line before the signatures");
  }
  SignedNote out;
  out.text = std::string(note.substr(0, split + 1));
  absl::string_view sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') {
    return Malformed("signature block is empty or does not end in a newline");
  }
  sigs.remove_suffix(1);
  for (absl::string_view line : absl::StrSplit(sigs, '\n')) {
    if (static_cast<int>(out.signatures.size()) >= kMaxNoteSignatures) {
      return Malformed(
          absl::StrCat("more than ", kMaxNoteSignatures, " signatures"));
    }
    if (!absl::ConsumePrefix(&line, kSigPrefix)) {
      return Malformed(absl::StrCat("signature line \"", line.substr(0, 24),
                                    "\" does not start with \"— \""));
    }
    const size_t space = line.find(' ');
    if (space == absl::string_view::npos) {
      return Malformed("signature line has no space after the key name");
    }
    NoteSignature sig;
    sig.name = std::string(line.substr(0, space));
    absl::StatusOr<std::string> raw =
        base::Base64Decode(line.substr(space + 1), "note signature");
    if (!IsValidKeyName(sig.name) || !raw.ok() || raw->size() < 5) {
      return Malformed(absl::StrCat("bad signature line for key \"",
                                    sig.name.substr(0, 40), "\""));
    }
    sig.key_hash = base::DecodeFixed32BE(raw->data());
    sig.sig = raw->substr(4);
    out.signatures.push_back(std::move(sig));
  }
  return out;
}

std::string FormatSignatureLine(const NoteSignature& sig) {
  std::string raw;
  base::PutFixed32BE(&raw, sig.key_hash);
  raw += sig.sig;
  return absl::StrCat(kSigPrefix, sig.name, " ", base::Base64Encode(raw), "\n");
}

std::string FormatNote(const SignedNote& note) {
  std::string out = absl::StrCat(note.text, "\n");
  for (const NoteSignature& sig : note.signatures) {
    out += FormatSignatureLine(sig);
  }
  return out;
}

NoteVerifier::NoteVerifier(std::string name, crypto::PublicKey key)
    : name_(std::move(name)),
      key_(std::move(key)),
      key_hash_(NoteKeyHash(name_, key_)) {}

absl::StatusOr<NoteVerifier> NoteVerifier::Create(absl::string_view name,
                                                  crypto::PublicKey key) {
  if (!IsValidKeyName(name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "note key name \"", name, "\" is empty or has white space or \"+\""));
  }
  return NoteVerifier(std::string(name), std::move(key));
}

absl::StatusOr<NoteVerifier> NoteVerifier::Parse(absl::string_view vkey) {
  // name "+" hash "+" key: the base64 key may itself contain '+'.
  std::vector<absl::string_view> parts =
      absl::StrSplit(vkey, absl::MaxSplits('+', 2));
  if (parts.size() != 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        "verifier key \"", vkey.substr(0, 40), "\" is not name+hash+key"));
  }
  uint32_t stated_hash = 0;
  if (parts[1].size() != 8 ||
      parts[1].find_first_not_of("0123456789abcdefABCDEF") !=
          absl::string_view::npos ||
      !absl::SimpleHexAtoi(parts[1], &stated_hash)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "verifier key hash \"", parts[1], "\" is not 8 hex digits"));
  }
  KP_ASSIGN_OR_RETURN(std::string encoded,
                      base::Base64Decode(parts[2], "verifier key"));
  if (encoded.empty() || static_cast<uint8_t>(encoded[0]) != kAlgEd25519) {
    return absl::InvalidArgumentError(
        "verifier key is not an Ed25519 key (algorithm byte is not 0x01)");
  }
  KP_ASSIGN_OR_RETURN(crypto::PublicKey key,
                      crypto::PublicKey::FromBytes(encoded.substr(1)));
  KP_ASSIGN_OR_RETURN(NoteVerifier v, Create(parts[0], std::move(key)));
  if (v.key_hash() != stated_hash) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "verifier key for %s states hash %08x, but its key hashes to %08x",
        v.name(), stated_hash, v.key_hash()));
  }
  return v;
}

std::string NoteVerifier::ToString() const {
  return absl::StrFormat("%s+%08x+%s", name_, key_hash_,
                         base::Base64Encode(EncodedKey(key_)));
}

bool NoteVerifier::Verify(absl::string_view text, absl::string_view sig) const {
  return key_.Verify(text, sig);
}

NoteSigner::NoteSigner(std::string name, const crypto::PrivateKey& key)
    : name_(std::move(name)),
      key_(&key),
      key_hash_(NoteKeyHash(name_, key.public_key())) {}

absl::StatusOr<NoteSigner> NoteSigner::Create(absl::string_view name,
                                              const crypto::PrivateKey& key) {
  if (!IsValidKeyName(name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "note key name \"", name, "\" is empty or has white space or \"+\""));
  }
  return NoteSigner(std::string(name), key);
}

absl::StatusOr<NoteSignature> NoteSigner::Sign(absl::string_view text) const {
  KP_RETURN_IF_ERROR(CheckNoteText(text));
  return NoteSignature{name_, key_hash_, key_->Sign(text)};
}

NoteVerifier NoteSigner::Verifier() const {
  return NoteVerifier(name_, key_->public_key());
}

}  // namespace kpledger::checkpoint
