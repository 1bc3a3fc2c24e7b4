// Reading a whole file, with errors that name it.
#ifndef KPLEDGER_LEDGER_BASE_FILE_H_
#define KPLEDGER_LEDGER_BASE_FILE_H_

#include <string>

#include "absl/status/statusor.h"

namespace kpledger::base {

// The file's bytes. NotFound "no file PATH" if it does not exist;
// Unavailable "cannot read PATH" if it cannot be read.
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace kpledger::base

#endif  // KPLEDGER_LEDGER_BASE_FILE_H_
