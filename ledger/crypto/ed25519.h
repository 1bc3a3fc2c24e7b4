// Ed25519 keys and signatures (RFC 8032) through libsodium.
//
// A key id is the lowercase hex SHA-256 of the 32-byte public key (DESIGN
// §3). PrivateKey wipes its secret bytes on destruction and is move-only.
// Thread-safe: const methods may be called from several threads.
#ifndef KPLEDGER_LEDGER_CRYPTO_ED25519_H_
#define KPLEDGER_LEDGER_CRYPTO_ED25519_H_

#include <array>
#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kpledger::crypto {

inline constexpr size_t kPublicKeySize = 32;
inline constexpr size_t kSeedSize = 32;
inline constexpr size_t kSignatureSize = 64;

// Calls sodium_init() once; every function here calls it first, so callers
// need not. Returns false only if libsodium cannot start (no entropy).
bool InitSodium();

class PublicKey {
 public:
  // InvalidArgument unless `bytes` is exactly 32 bytes.
  static absl::StatusOr<PublicKey> FromBytes(absl::string_view bytes);

  absl::string_view bytes() const {
    return absl::string_view(reinterpret_cast<const char*>(key_.data()),
                             key_.size());
  }
  // Lowercase hex SHA-256 of the public key bytes.
  const std::string& key_id() const { return key_id_; }

  // True iff `sig` is a valid Ed25519 signature of `message` by this key.
  bool Verify(absl::string_view message, absl::string_view sig) const;

  bool operator==(const PublicKey& o) const { return key_ == o.key_; }

 private:
  PublicKey() = default;
  std::array<unsigned char, kPublicKeySize> key_{};
  std::string key_id_;
};

class PrivateKey {
 public:
  // A fresh key from libsodium's CSPRNG.
  static PrivateKey Generate();
  // The key whose RFC 8032 seed is `seed`. InvalidArgument unless 32 bytes.
  static absl::StatusOr<PrivateKey> FromSeed(absl::string_view seed);

  PrivateKey(PrivateKey&& other) noexcept;
  PrivateKey& operator=(PrivateKey&& other) noexcept;
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;
  ~PrivateKey();

  const PublicKey& public_key() const { return public_key_; }
  const std::string& key_id() const { return public_key_.key_id(); }
  // The 32-byte seed. Handle with care: it is the secret.
  absl::string_view seed() const;

  // 64-byte detached signature of `message`.
  std::string Sign(absl::string_view message) const;

 private:
  PrivateKey(const unsigned char* secret, PublicKey pub);
  // libsodium's 64-byte secret key: seed || public key.
  std::array<unsigned char, 64> secret_{};
  PublicKey public_key_;
};

}  // namespace kpledger::crypto

#endif  // KPLEDGER_LEDGER_CRYPTO_ED25519_H_
