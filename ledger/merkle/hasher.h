// RFC 6962 / RFC 9162 §2.1.1 Merkle tree hashing with SHA-256:
//   leaf hash = SHA-256(0x00 || leaf bytes)
//   node hash = SHA-256(0x01 || left || right)
//   empty tree = SHA-256("")
// Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_MERKLE_HASHER_H_
#define KPLEDGER_LEDGER_MERKLE_HASHER_H_

#include <string>

#include "absl/strings/string_view.h"
#include "ledger/crypto/sha256.h"

namespace kpledger::merkle {

using Hash = crypto::Sha256Digest;
inline constexpr size_t kHashSize = 32;

Hash HashLeaf(absl::string_view leaf);
Hash HashChildren(const Hash& left, const Hash& right);
Hash EmptyRoot();

// Reads a hash from stored or wire bytes; false unless exactly 32 bytes.
bool HashFromBytes(absl::string_view bytes, Hash* out);
inline std::string HashToBytes(const Hash& h) {
  return std::string(crypto::DigestBytes(h));
}
std::string HashHex(const Hash& h);
// The first 12 hex digits and an ellipsis, for messages.
std::string ShortHex(const Hash& h);

}  // namespace kpledger::merkle

#endif  // KPLEDGER_LEDGER_MERKLE_HASHER_H_
