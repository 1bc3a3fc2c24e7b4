#include "ledger/merkle/hasher.h"

#include <cstring>

#include "ledger/base/encoding.h"

namespace kpledger::merkle {

Hash HashLeaf(absl::string_view leaf) {
  static constexpr char kLeafPrefix = 0x00;
  return crypto::Sha256(absl::string_view(&kLeafPrefix, 1), leaf);
}

Hash HashChildren(const Hash& left, const Hash& right) {
  unsigned char buf[1 + 2 * kHashSize];
  buf[0] = 0x01;
  std::memcpy(buf + 1, left.data(), kHashSize);
  std::memcpy(buf + 1 + kHashSize, right.data(), kHashSize);
  return crypto::Sha256(
      absl::string_view(reinterpret_cast<const char*>(buf), sizeof(buf)));
}

Hash EmptyRoot() { return crypto::Sha256(""); }

bool HashFromBytes(absl::string_view bytes, Hash* out) {
  if (bytes.size() != kHashSize) return false;
  std::memcpy(out->data(), bytes.data(), kHashSize);
  return true;
}

std::string HashHex(const Hash& h) {
  return base::HexEncode(crypto::DigestBytes(h));
}

std::string ShortHex(const Hash& h) { return base::ShortHex(HashHex(h)); }

}  // namespace kpledger::merkle
