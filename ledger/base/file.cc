#include "ledger/base/file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace kpledger::base {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    return absl::NotFoundError(absl::StrCat("no file ", path));
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in || (!in.good() && !in.eof())) {
    return absl::UnavailableError(absl::StrCat("cannot read ", path));
  }
  return text.str();
}

}  // namespace kpledger::base
