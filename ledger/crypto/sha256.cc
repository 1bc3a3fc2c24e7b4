#include "ledger/crypto/sha256.h"

#include <sodium.h>

#include "ledger/base/encoding.h"

namespace kpledger::crypto {

Sha256Digest Sha256(absl::string_view data) {
  Sha256Digest out;
  crypto_hash_sha256(out.data(),
                     reinterpret_cast<const unsigned char*>(data.data()),
                     data.size());
  return out;
}

Sha256Digest Sha256(absl::string_view a, absl::string_view b) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(
      &st, reinterpret_cast<const unsigned char*>(a.data()), a.size());
  crypto_hash_sha256_update(
      &st, reinterpret_cast<const unsigned char*>(b.data()), b.size());
  Sha256Digest out;
  crypto_hash_sha256_final(&st, out.data());
  return out;
}

std::string Sha256Hex(absl::string_view data) {
  return base::HexEncode(DigestBytes(Sha256(data)));
}

}  // namespace kpledger::crypto
