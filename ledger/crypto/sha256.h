// SHA-256 (FIPS 180-4) through libsodium, and the digest type the Merkle log,
// event ids and key ids share. Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_CRYPTO_SHA256_H_
#define KPLEDGER_LEDGER_CRYPTO_SHA256_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace kpledger::crypto {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest Sha256(absl::string_view data);
// SHA-256 of the concatenation of `a` and `b`, without copying them.
Sha256Digest Sha256(absl::string_view a, absl::string_view b);

// The digest's bytes as a string_view (no copy; valid while `d` lives).
inline absl::string_view DigestBytes(const Sha256Digest& d) {
  return absl::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

// Lowercase hex of SHA-256(data): the form of event ids and key ids.
std::string Sha256Hex(absl::string_view data);

}  // namespace kpledger::crypto

#endif  // KPLEDGER_LEDGER_CRYPTO_SHA256_H_
