#include "ledger/crypto/key_file.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::crypto {
namespace {

using ::kpledger::testing::StatusIs;
namespace fs = std::filesystem;

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR")
                                               : "/tmp") /
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  std::string Path(const std::string& name) { return (dir_ / name).string(); }
  std::string ReadText(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void WriteText(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  }
  mode_t Mode(const std::string& path) {
    struct stat st;
    stat(path.c_str(), &st);
    return st.st_mode & 07777;
  }

  fs::path dir_;
};

TEST_F(KeyFileTest, PrivateKeyRoundTripsWithMode0600) {
  PrivateKey key = PrivateKey::Generate();
  KP_ASSERT_OK(WritePrivateKeyFile(Path("lab1.key"), "lab1", key));
  EXPECT_EQ(Mode(Path("lab1.key")), 0600u);
  KP_ASSERT_OK_AND_ASSIGN(NamedPrivateKey read,
                          ReadPrivateKeyFile(Path("lab1.key")));
  EXPECT_EQ(read.name, "lab1");
  EXPECT_EQ(read.key.key_id(), key.key_id());
  EXPECT_EQ(read.key.Sign("x"), key.Sign("x"));
}

TEST_F(KeyFileTest, PublicKeyFileHasNoSecretAndRoundTrips) {
  PrivateKey key = PrivateKey::Generate();
  KP_ASSERT_OK(WritePublicKeyFile(Path("lab1.pub"), "lab1", key.public_key()));
  EXPECT_EQ(Mode(Path("lab1.pub")), 0644u);
  EXPECT_EQ(ReadText(Path("lab1.pub")).find("privateSeed"), std::string::npos);
  KP_ASSERT_OK_AND_ASSIGN(NamedPublicKey read,
                          ReadPublicKeyFile(Path("lab1.pub")));
  EXPECT_EQ(read.key.key_id(), key.key_id());
}

TEST_F(KeyFileTest, PublicHalfCanBeReadFromPrivateKeyFile) {
  PrivateKey key = PrivateKey::Generate();
  KP_ASSERT_OK(WritePrivateKeyFile(Path("n.key"), "n", key));
  KP_ASSERT_OK_AND_ASSIGN(NamedPublicKey read,
                          ReadPublicKeyFile(Path("n.key")));
  EXPECT_EQ(read.key.key_id(), key.key_id());
}

// --- Refusals ---

TEST_F(KeyFileTest, ExistingFileIsNeverOverwritten) {
  KP_ASSERT_OK(WritePrivateKeyFile(Path("k.key"), "k", PrivateKey::Generate()));
  const std::string before = ReadText(Path("k.key"));
  EXPECT_THAT(WritePrivateKeyFile(Path("k.key"), "k", PrivateKey::Generate()),
              StatusIs(absl::StatusCode::kAlreadyExists, "k.key"));
  EXPECT_EQ(ReadText(Path("k.key")), before);
}

TEST_F(KeyFileTest, GroupReadablePrivateKeyIsRefused) {
  KP_ASSERT_OK(WritePrivateKeyFile(Path("k.key"), "k", PrivateKey::Generate()));
  chmod(Path("k.key").c_str(), 0644);
  EXPECT_THAT(ReadPrivateKeyFile(Path("k.key")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "readable by group or others (mode 0644), want 0600"));
}

TEST_F(KeyFileTest, MissingFileIsNotFound) {
  EXPECT_THAT(ReadPrivateKeyFile(Path("nope.key")),
              StatusIs(absl::StatusCode::kNotFound, "nope.key"));
}

TEST_F(KeyFileTest, GarbageIsRefused) {
  WriteText(Path("g.key"), "not json at all");
  EXPECT_THAT(ReadPrivateKeyFile(Path("g.key")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "is not a kpledger key file"));
}

TEST_F(KeyFileTest, TruncatedFileIsRefused) {
  KP_ASSERT_OK(WritePrivateKeyFile(Path("k.key"), "k", PrivateKey::Generate()));
  const std::string text = ReadText(Path("k.key"));
  WriteText(Path("k.key"), text.substr(0, text.size() / 2));
  EXPECT_THAT(ReadPrivateKeyFile(Path("k.key")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "is not a kpledger key file"));
}

TEST_F(KeyFileTest, SeedThatDoesNotMatchPublicKeyIsRefused) {
  PrivateKey a = PrivateKey::Generate();
  PrivateKey b = PrivateKey::Generate();
  KP_ASSERT_OK(WritePrivateKeyFile(Path("a.key"), "a", a));
  KP_ASSERT_OK(WritePrivateKeyFile(Path("b.key"), "b", b));
  // Splice b's seed into a's file.
  std::string text_a = ReadText(Path("a.key"));
  const std::string text_b = ReadText(Path("b.key"));
  auto seed_of = [](const std::string& t) {
    const size_t at = t.find("\"privateSeed\"");
    return t.substr(at, t.find('\n', at) - at);
  };
  text_a.replace(text_a.find(seed_of(text_a)), seed_of(text_a).size(),
                 seed_of(text_b));
  WriteText(Path("a.key"), text_a);
  EXPECT_THAT(ReadPrivateKeyFile(Path("a.key")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "private seed does not match the public key"));
}

TEST_F(KeyFileTest, KeyIdThatDoesNotMatchPublicKeyIsRefused) {
  PrivateKey a = PrivateKey::Generate();
  KP_ASSERT_OK(WritePublicKeyFile(Path("a.pub"), "a", a.public_key()));
  std::string text = ReadText(Path("a.pub"));
  const size_t at = text.find(a.key_id());
  text[at] = text[at] == '0' ? '1' : '0';
  WriteText(Path("a.pub"), text);
  EXPECT_THAT(ReadPublicKeyFile(Path("a.pub")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "but the public key's id is"));
}

TEST_F(KeyFileTest, PublicKeyFileIsNotAPrivateKey) {
  PrivateKey a = PrivateKey::Generate();
  KP_ASSERT_OK(WritePublicKeyFile(Path("a.pub"), "a", a.public_key()));
  chmod(Path("a.pub").c_str(), 0600);
  EXPECT_THAT(
      ReadPrivateKeyFile(Path("a.pub")),
      StatusIs(absl::StatusCode::kInvalidArgument, "holds no private key"));
}

TEST_F(KeyFileTest, WrongAlgorithmIsRefused) {
  WriteText(Path("x.key"), R"({"algorithm": "rsa", "name": "x"})");
  EXPECT_THAT(ReadPrivateKeyFile(Path("x.key")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "algorithm is \"rsa\", want \"ed25519\""));
}

}  // namespace
}  // namespace kpledger::crypto
