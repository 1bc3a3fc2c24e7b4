// Reading a whole file, with errors that name it.
#ifndef KPLEDGER_LEDGER_BASE_FILE_H_
#define KPLEDGER_LEDGER_BASE_FILE_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kpledger::base {

// The file's bytes. NotFound "no file PATH" if it does not exist;
// Unavailable "cannot read PATH" if it cannot be read (or is a directory).
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Creates `path` (it must not exist) with exactly `mode`, writes `text`
// and fsyncs it and its directory; on failure nothing is left at `path`.
// AlreadyExists if it exists; NotFound, PermissionDenied or Unavailable, naming
// the path and the system's reason, otherwise.
absl::Status WriteNewFile(const std::string& path, absl::string_view text,
                          mode_t mode);

// `errno` value `err` from `what` on `path` as a status: "WHAT PATH:
// REASON", with the code the error calls for (NotFound, AlreadyExists,
// PermissionDenied; Unavailable otherwise).
absl::Status ErrnoStatus(int err, absl::string_view what,
                         const std::string& path);

// A PEM file (TLS certificates and keys) named by command-line flag `flag`:
// ReadFile's errors, and InvalidArgument if it holds no PEM block; every
// message starts with the flag.
absl::StatusOr<std::string> ReadPemFile(const std::string& flag,
                                        const std::string& path);

}  // namespace kpledger::base

#endif  // KPLEDGER_LEDGER_BASE_FILE_H_
