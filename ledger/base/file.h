// Reading a whole file, with errors that name it.
#ifndef KPLEDGER_LEDGER_BASE_FILE_H_
#define KPLEDGER_LEDGER_BASE_FILE_H_

#include <string>

#include "absl/status/statusor.h"

namespace kpledger::base {

// The file's bytes. NotFound "no file PATH" if it does not exist;
// Unavailable "cannot read PATH" if it cannot be read.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// A PEM file (TLS certificates and keys) named by command-line flag `flag`:
// ReadFile's errors, and InvalidArgument if it holds no PEM block; every
// message starts with the flag.
absl::StatusOr<std::string> ReadPemFile(const std::string& flag,
                                        const std::string& path);

}  // namespace kpledger::base

#endif  // KPLEDGER_LEDGER_BASE_FILE_H_
