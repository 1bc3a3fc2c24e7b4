// Reading files for flags: errors name the flag and the file.
#include "ledger/base/file.h"

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kpledger::base {
namespace {

using ::testing::HasSubstr;

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(ReadFileTest, ReadsAndNamesAMissingFile) {
  EXPECT_EQ(ReadFile(Write("a.txt", "bytes")).value(), "bytes");
  const absl::Status st = ReadFile("/no/such/file").status();
  EXPECT_TRUE(absl::IsNotFound(st));
  EXPECT_THAT(st.message(), HasSubstr("/no/such/file"));
}

TEST(ReadPemFileTest, TakesPemAndRefusesAnythingElseNamingTheFlag) {
  const std::string pem =
      "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  EXPECT_EQ(ReadPemFile("--tls-ca", Write("ca.pem", pem)).value(), pem);
  absl::Status st =
      ReadPemFile("--tls-ca", Write("ca.der", "\x30\x82")).status();
  EXPECT_TRUE(absl::IsInvalidArgument(st));
  EXPECT_THAT(st.message(), HasSubstr("--tls-ca: "));
  EXPECT_THAT(st.message(), HasSubstr("is not a PEM file"));
  st = ReadPemFile("--etcd-key", "/no/such/key.pem").status();
  EXPECT_TRUE(absl::IsNotFound(st));
  EXPECT_THAT(st.message(), HasSubstr("--etcd-key: no file /no/such/key.pem"));
}

}  // namespace
}  // namespace kpledger::base
