#include "ledger/crypto/ed25519.h"

#include <sodium.h>

#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/crypto/sha256.h"

namespace kpledger::crypto {

static_assert(crypto_sign_PUBLICKEYBYTES == kPublicKeySize);
static_assert(crypto_sign_SEEDBYTES == kSeedSize);
static_assert(crypto_sign_BYTES == kSignatureSize);
static_assert(crypto_sign_SECRETKEYBYTES == 64);

bool InitSodium() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

absl::StatusOr<PublicKey> PublicKey::FromBytes(absl::string_view bytes) {
  if (bytes.size() != kPublicKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("ed25519 public key has ", bytes.size(), " bytes, want ",
                     kPublicKeySize));
  }
  PublicKey key;
  std::memcpy(key.key_.data(), bytes.data(), kPublicKeySize);
  key.key_id_ = Sha256Hex(bytes);
  return key;
}

bool PublicKey::Verify(absl::string_view message, absl::string_view sig) const {
  InitSodium();
  if (sig.size() != kSignatureSize) return false;
  return crypto_sign_verify_detached(
             reinterpret_cast<const unsigned char*>(sig.data()),
             reinterpret_cast<const unsigned char*>(message.data()),
             message.size(), key_.data()) == 0;
}

PrivateKey::PrivateKey(const unsigned char* secret, PublicKey pub)
    : public_key_(std::move(pub)) {
  std::memcpy(secret_.data(), secret, secret_.size());
}

PrivateKey PrivateKey::Generate() {
  InitSodium();
  unsigned char pk[kPublicKeySize];
  unsigned char sk[64];
  crypto_sign_keypair(pk, sk);
  PrivateKey key(sk, *PublicKey::FromBytes(absl::string_view(
                         reinterpret_cast<const char*>(pk), sizeof(pk))));
  sodium_memzero(sk, sizeof(sk));
  return key;
}

absl::StatusOr<PrivateKey> PrivateKey::FromSeed(absl::string_view seed) {
  InitSodium();
  if (seed.size() != kSeedSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ed25519 seed has ", seed.size(), " bytes, want ", kSeedSize));
  }
  unsigned char pk[kPublicKeySize];
  unsigned char sk[64];
  crypto_sign_seed_keypair(pk, sk,
                           reinterpret_cast<const unsigned char*>(seed.data()));
  PrivateKey key(sk, *PublicKey::FromBytes(absl::string_view(
                         reinterpret_cast<const char*>(pk), sizeof(pk))));
  sodium_memzero(sk, sizeof(sk));
  return key;
}

PrivateKey::PrivateKey(PrivateKey&& other) noexcept
    : secret_(other.secret_), public_key_(std::move(other.public_key_)) {
  sodium_memzero(other.secret_.data(), other.secret_.size());
}

PrivateKey& PrivateKey::operator=(PrivateKey&& other) noexcept {
  if (this != &other) {
    secret_ = other.secret_;
    public_key_ = std::move(other.public_key_);
    sodium_memzero(other.secret_.data(), other.secret_.size());
  }
  return *this;
}

PrivateKey::~PrivateKey() { sodium_memzero(secret_.data(), secret_.size()); }

absl::string_view PrivateKey::seed() const {
  return absl::string_view(reinterpret_cast<const char*>(secret_.data()),
                           kSeedSize);
}

std::string PrivateKey::Sign(absl::string_view message) const {
  std::string sig(kSignatureSize, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), secret_.data());
  return sig;
}

}  // namespace kpledger::crypto
