#include "ledger/crypto/key_file.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"
#include "kpledger/v1/keys.pb.h"
#include "ledger/base/file.h"
#include "ledger/base/status_macros.h"

namespace kpledger::crypto {
namespace {

constexpr absl::string_view kAlgorithm = "ed25519";

// Overwrites secret bytes before their memory is released.
void Wipe(std::string* secret) {
  sodium_memzero(secret->data(), secret->size());
}

std::string ToJson(const v1::KeyFile& file) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = false;
  // KeyFile holds only strings and bytes: printing cannot fail.
  (void)google::protobuf::util::MessageToJsonString(file, &json, options);
  return json;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::ErrnoStatus(errno, "cannot open key file", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<v1::KeyFile> ParseKeyFile(const std::string& path,
                                         const std::string& text) {
  v1::KeyFile file;
  google::protobuf::util::JsonParseOptions options;
  auto st = google::protobuf::util::JsonStringToMessage(text, &file, options);
  if (!st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key file ", path, " is not a kpledger key file: ", st.ToString()));
  }
  if (file.algorithm() != kAlgorithm) {
    return absl::InvalidArgumentError(
        absl::StrCat("key file ", path, ": algorithm is \"", file.algorithm(),
                     "\", want \"", kAlgorithm, "\""));
  }
  if (file.name().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("key file ", path, ": name is empty"));
  }
  return file;
}

// The public key the file states, checked against its key id.
absl::StatusOr<PublicKey> StatedPublicKey(const std::string& path,
                                          const v1::KeyFile& file) {
  auto key = PublicKey::FromBytes(file.public_key());
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("key file ", path, ": ", key.status().message()));
  }
  if (key->key_id() != file.keyid()) {
    return absl::InvalidArgumentError(
        absl::StrCat("key file ", path, ": keyid is ", file.keyid(),
                     ", but the public key's id is ", key->key_id()));
  }
  return key;
}

}  // namespace

absl::Status WritePrivateKeyFile(const std::string& path,
                                 absl::string_view name,
                                 const PrivateKey& key) {
  v1::KeyFile file;
  file.set_algorithm(std::string(kAlgorithm));
  file.set_name(std::string(name));
  file.set_keyid(key.key_id());
  file.set_public_key(std::string(key.public_key().bytes()));
  file.set_private_seed(std::string(key.seed()));
  std::string json = ToJson(file);
  absl::Status st = base::WriteNewFile(path, json, 0600);
  Wipe(&json);
  Wipe(file.mutable_private_seed());
  return st;
}

absl::Status WritePublicKeyFile(const std::string& path, absl::string_view name,
                                const PublicKey& key) {
  v1::KeyFile file;
  file.set_algorithm(std::string(kAlgorithm));
  file.set_name(std::string(name));
  file.set_keyid(key.key_id());
  file.set_public_key(std::string(key.bytes()));
  return base::WriteNewFile(path, ToJson(file), 0644);
}

absl::StatusOr<NamedPrivateKey> ReadPrivateKeyFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return base::ErrnoStatus(errno, "cannot open key file", path);
  }
  if ((st.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "private key file %s is readable by group or others (mode %04o), "
        "want 0600: chmod 600 %s",
        path, st.st_mode & 07777, path));
  }
  KP_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  absl::StatusOr<v1::KeyFile> parsed = ParseKeyFile(path, text);
  Wipe(&text);
  KP_RETURN_IF_ERROR(parsed.status());
  v1::KeyFile file = std::move(*parsed);
  if (file.private_seed().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key file ", path, " holds no private key (is it a public key file?)"));
  }
  KP_ASSIGN_OR_RETURN(PublicKey stated, StatedPublicKey(path, file));
  auto key = PrivateKey::FromSeed(file.private_seed());
  Wipe(file.mutable_private_seed());
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("key file ", path, ": ", key.status().message()));
  }
  if (!(key->public_key() == stated)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key file ", path, ": private seed does not match the public key ",
        stated.key_id()));
  }
  return NamedPrivateKey{file.name(), std::move(*key)};
}

absl::StatusOr<NamedPublicKey> ReadPublicKeyFile(const std::string& path) {
  KP_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  absl::StatusOr<v1::KeyFile> file = ParseKeyFile(path, text);
  Wipe(&text);  // it may be a private key file
  KP_RETURN_IF_ERROR(file.status());
  Wipe(file->mutable_private_seed());
  KP_ASSIGN_OR_RETURN(PublicKey key, StatedPublicKey(path, *file));
  return NamedPublicKey{file->name(), std::move(key)};
}

}  // namespace kpledger::crypto
