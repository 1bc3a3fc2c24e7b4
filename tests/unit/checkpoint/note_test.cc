#include "ledger/checkpoint/note.h"

#include "gtest/gtest.h"
#include "ledger/base/encoding.h"
#include "tests/testing/sample_events.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::checkpoint {
namespace {

using ::kpledger::testing::StatusIs;

// The example of golang.org/x/mod/sumdb/note's documentation.
constexpr char kGoSignerSeedB64[] =
    "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr char kGoVerifierKey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr char kGoText[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr char kGoSignatureLine[] =
    "— PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZ"
    "SNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

crypto::PrivateKey GoExampleKey() {
  std::string encoded = *base::Base64Decode(kGoSignerSeedB64);
  return *crypto::PrivateKey::FromSeed(encoded.substr(1));
}

TEST(NoteTest, SignsGoDocumentationExampleByteForByte) {
  crypto::PrivateKey key = GoExampleKey();
  KP_ASSERT_OK_AND_ASSIGN(NoteSigner signer,
                          NoteSigner::Create("PeterNeumann", key));
  EXPECT_EQ(signer.Verifier().ToString(), kGoVerifierKey);
  KP_ASSERT_OK_AND_ASSIGN(NoteSignature sig, signer.Sign(kGoText));
  EXPECT_EQ(FormatSignatureLine(sig), kGoSignatureLine);
}

TEST(NoteTest, ParsesAndVerifiesGoDocumentationExample) {
  KP_ASSERT_OK_AND_ASSIGN(NoteVerifier v, NoteVerifier::Parse(kGoVerifierKey));
  EXPECT_EQ(v.name(), "PeterNeumann");
  EXPECT_EQ(v.key_hash(), 0xc74f20a3u);
  KP_ASSERT_OK_AND_ASSIGN(SignedNote note, ParseNote(std::string(kGoText) +
                                                     "\n" + kGoSignatureLine));
  EXPECT_EQ(note.text, kGoText);
  ASSERT_EQ(note.signatures.size(), 1u);
  EXPECT_EQ(note.signatures[0].key_hash, v.key_hash());
  EXPECT_TRUE(v.Verify(note.text, note.signatures[0].sig));
}

TEST(NoteTest, FormatThenParseRoundTrips) {
  crypto::PrivateKey a = crypto::PrivateKey::Generate();
  crypto::PrivateKey b = crypto::PrivateKey::Generate();
  SignedNote note{"origin\n5\nroot\n", {}};
  note.signatures.push_back(
      *NoteSigner::Create("a.example", a)->Sign(note.text));
  note.signatures.push_back(
      *NoteSigner::Create("b.example", b)->Sign(note.text));
  KP_ASSERT_OK_AND_ASSIGN(SignedNote back, ParseNote(FormatNote(note)));
  EXPECT_EQ(back.text, note.text);
  ASSERT_EQ(back.signatures.size(), 2u);
  EXPECT_EQ(back.signatures[1].name, "b.example");
  EXPECT_EQ(back.signatures[1].sig, note.signatures[1].sig);
}

TEST(NoteTest, VerifierKeyWhoseBase64HasPlusSignsParses) {
  // Keys are generated until one's base64 contains '+', as Go's do at times.
  for (int i = 0;; ++i) {
    crypto::PrivateKey k =
        testing::DeterministicKey("plus" + std::to_string(i));
    KP_ASSERT_OK_AND_ASSIGN(NoteSigner s, NoteSigner::Create("node", k));
    const std::string vkey = s.Verifier().ToString();
    if (vkey.find('+', vkey.find('+', 5) + 1) == std::string::npos) continue;
    KP_ASSERT_OK_AND_ASSIGN(NoteVerifier v, NoteVerifier::Parse(vkey));
    EXPECT_EQ(v.key().key_id(), k.key_id());
    break;
  }
}

TEST(NoteTest, KeyNamesFollowTheSpec) {
  EXPECT_TRUE(IsValidKeyName("customs-node.kpledger.az"));
  EXPECT_TRUE(IsValidKeyName("узел"));
  EXPECT_FALSE(IsValidKeyName(""));
  EXPECT_FALSE(IsValidKeyName("a b"));
  EXPECT_FALSE(IsValidKeyName("a+b"));
  EXPECT_FALSE(IsValidKeyName("a\xc2\xa0z"));  // no-break space
  EXPECT_FALSE(IsValidKeyName("bad\xff"));
}

// --- Malformed notes and keys ---

TEST(NoteTest, NoteWithoutBlankLineIsMalformed) {
  EXPECT_THAT(ParseNote("text\n— a AAAA\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "malformed note: no blank line"));
}

TEST(NoteTest, SignatureLineWithoutDashIsMalformed) {
  EXPECT_THAT(ParseNote("text\n\n- a AAAAAAAA\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "does not start with \"— \""));
}

TEST(NoteTest, ControlCharacterIsMalformed) {
  EXPECT_THAT(ParseNote("te\txt\n\n— a AAAAAAAA\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "control character at byte 2"));
}

TEST(NoteTest, InvalidUtf8IsMalformed) {
  EXPECT_THAT(ParseNote("te\xc3xt\n\n— a AAAAAAAA\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, "invalid UTF-8"));
}

TEST(NoteTest, ShortOrNonBase64SignatureIsMalformed) {
  EXPECT_THAT(ParseNote("text\n\n— a AAAA\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "bad signature line for key \"a\""));
  EXPECT_THAT(
      ParseNote("text\n\n— a !!!!!!!!\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, "bad signature line"));
}

TEST(NoteTest, MissingFinalNewlineIsMalformed) {
  EXPECT_THAT(ParseNote(std::string(kGoText) + "\n— PeterNeumann AAAAAAAA"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "does not end in a newline"));
}

TEST(NoteTest, TooManySignaturesIsMalformed) {
  // c2sp.org/signed-note: at most 100 signatures; 100 is fine.
  std::string note = "text\n\n";
  for (int i = 0; i < 100; ++i)
    note += "— k" + std::to_string(i) + " AAAAAAAA\n";
  KP_ASSERT_OK_AND_ASSIGN(SignedNote parsed, ParseNote(note));
  EXPECT_EQ(parsed.signatures.size(), 100u);
  note += "— k100 AAAAAAAA\n";
  EXPECT_THAT(ParseNote(note), StatusIs(absl::StatusCode::kInvalidArgument,
                                        "more than 100 signatures"));
}

TEST(NoteTest, TextThatCannotBeSignedIsRefused) {
  crypto::PrivateKey k = crypto::PrivateKey::Generate();
  KP_ASSERT_OK_AND_ASSIGN(NoteSigner s, NoteSigner::Create("k", k));
  EXPECT_THAT(s.Sign("no newline"), StatusIs(absl::StatusCode::kInvalidArgument,
                                             "does not end in a newline"));
}

TEST(NoteTest, VerifierKeyWithWrongHashIsRefused) {
  EXPECT_THAT(
      NoteVerifier::Parse(
          "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "states hash c74f20a4, but its key hashes to c74f20a3"));
}

TEST(NoteTest, MalformedVerifierKeysAreRefused) {
  EXPECT_THAT(
      NoteVerifier::Parse("PeterNeumann+c74f20a3"),
      StatusIs(absl::StatusCode::kInvalidArgument, "is not name+hash+key"));
  EXPECT_THAT(
      NoteVerifier::Parse("P+xyz+AAAA"),
      StatusIs(absl::StatusCode::kInvalidArgument, "is not 8 hex digits"));
  EXPECT_THAT(
      NoteVerifier::Parse(
          "P+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
      StatusIs(absl::StatusCode::kInvalidArgument, "not an Ed25519 key"));
  EXPECT_THAT(NoteVerifier::Parse("P+c74f20a3+AQ=="),
              StatusIs(absl::StatusCode::kInvalidArgument, "has 0 bytes"));
}

}  // namespace
}  // namespace kpledger::checkpoint
