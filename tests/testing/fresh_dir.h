// A scratch directory for one test, under the test's own temporary
// directory (Bazel's TEST_TMPDIR), so sandboxed tests never share one.
#ifndef KPLEDGER_TESTS_TESTING_FRESH_DIR_H_
#define KPLEDGER_TESTS_TESTING_FRESH_DIR_H_

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace kpledger::testing {

// <TempDir>/<name>, removed first if an earlier run left it.
inline std::string FreshDir(const std::string& name) {
  const std::string dir = absl::StrCat(::testing::TempDir(), "/", name);
  std::filesystem::remove_all(dir);
  return dir;
}

}  // namespace kpledger::testing

#endif  // KPLEDGER_TESTS_TESTING_FRESH_DIR_H_
