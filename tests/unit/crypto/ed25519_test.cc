#include "ledger/crypto/ed25519.h"

#include "gtest/gtest.h"
#include "ledger/base/encoding.h"
#include "ledger/crypto/sha256.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::crypto {
namespace {

using ::kpledger::testing::StatusIs;

std::string Unhex(absl::string_view hex) { return *base::HexDecode(hex); }

// RFC 8032 §7.1, TEST 1 and TEST 2.
struct Rfc8032Vector {
  const char* seed;
  const char* public_key;
  const char* message;
  const char* signature;
};
constexpr Rfc8032Vector kVectors[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
};

TEST(Ed25519Test, MatchesRfc8032Vectors) {
  for (const Rfc8032Vector& v : kVectors) {
    KP_ASSERT_OK_AND_ASSIGN(PrivateKey key,
                            PrivateKey::FromSeed(Unhex(v.seed)));
    EXPECT_EQ(base::HexEncode(key.public_key().bytes()), v.public_key);
    const std::string sig = key.Sign(Unhex(v.message));
    EXPECT_EQ(base::HexEncode(sig), v.signature);
    EXPECT_TRUE(key.public_key().Verify(Unhex(v.message), sig));
  }
}

TEST(Ed25519Test, KeyIdIsHexSha256OfPublicKey) {
  PrivateKey key = PrivateKey::Generate();
  EXPECT_EQ(key.key_id(), Sha256Hex(key.public_key().bytes()));
  EXPECT_EQ(key.key_id().size(), 64u);
}

TEST(Ed25519Test, GeneratedKeysDiffer) {
  EXPECT_NE(PrivateKey::Generate().key_id(), PrivateKey::Generate().key_id());
}

TEST(Ed25519Test, SignatureDoesNotVerifyForAnotherMessageOrKey) {
  PrivateKey a = PrivateKey::Generate();
  PrivateKey b = PrivateKey::Generate();
  const std::string sig = a.Sign("parcel P-1");
  EXPECT_TRUE(a.public_key().Verify("parcel P-1", sig));
  EXPECT_FALSE(a.public_key().Verify("parcel P-2", sig));
  EXPECT_FALSE(b.public_key().Verify("parcel P-1", sig));
  std::string flipped = sig;
  flipped[10] ^= 0x01;
  EXPECT_FALSE(a.public_key().Verify("parcel P-1", flipped));
  EXPECT_FALSE(a.public_key().Verify("parcel P-1", sig.substr(0, 63)));
}

// --- Refusals ---

TEST(Ed25519Test, PublicKeyOfWrongSizeIsRefused) {
  EXPECT_THAT(PublicKey::FromBytes(std::string(31, 'k')),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "public key has 31 bytes, want 32"));
}

TEST(Ed25519Test, SeedOfWrongSizeIsRefused) {
  EXPECT_THAT(PrivateKey::FromSeed(std::string(33, 's')),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "seed has 33 bytes, want 32"));
}

}  // namespace
}  // namespace kpledger::crypto
