// Ed25519 key files: protobuf's JSON mapping of kpledger.v1.KeyFile.
//
// A private key file holds the seed and is created with mode 0600 (never
// over an existing file); reading one that group or others may read is
// refused, as ssh refuses such keys. A public key file holds no seed and may
// be shared. Every read re-derives the public key and key id from what the
// file holds and refuses a file whose parts disagree. Format:
// docs/formats/key-file.md.
#ifndef KPLEDGER_LEDGER_CRYPTO_KEY_FILE_H_
#define KPLEDGER_LEDGER_CRYPTO_KEY_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ledger/crypto/ed25519.h"

namespace kpledger::crypto {

struct NamedPrivateKey {
  std::string name;
  PrivateKey key;
};

struct NamedPublicKey {
  std::string name;
  PublicKey key;
};

// Writes `key` to `path` (mode 0600) and fsyncs it. AlreadyExists if the
// file exists: a key is never overwritten.
absl::Status WritePrivateKeyFile(const std::string& path,
                                 absl::string_view name, const PrivateKey& key);
// Writes the public half (mode 0644). AlreadyExists if the file exists.
absl::Status WritePublicKeyFile(const std::string& path, absl::string_view name,
                                const PublicKey& key);

// NotFound if missing; FailedPrecondition if group/others may read it;
// InvalidArgument if it is not a well-formed, self-consistent key file.
absl::StatusOr<NamedPrivateKey> ReadPrivateKeyFile(const std::string& path);
// Reads a public key file, or the public half of a private key file.
absl::StatusOr<NamedPublicKey> ReadPublicKeyFile(const std::string& path);

}  // namespace kpledger::crypto

#endif  // KPLEDGER_LEDGER_CRYPTO_KEY_FILE_H_
