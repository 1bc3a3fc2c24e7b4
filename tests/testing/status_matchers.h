// The project's one status matcher and assign-or-fail macro for tests
// (Debian's Abseil 20220623 ships no status matchers).
//
//   EXPECT_THAT(Parse(bytes), StatusIs(absl::StatusCode::kInvalidArgument,
//                                      "truncated"));
//   KP_ASSERT_OK_AND_ASSIGN(auto store, Store::Open(dir));
#ifndef KPLEDGER_TESTS_TESTING_STATUS_MATCHERS_H_
#define KPLEDGER_TESTS_TESTING_STATUS_MATCHERS_H_

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kpledger::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

// Matches a Status or StatusOr whose code is `code` and whose message
// contains `substr`.
MATCHER_P2(StatusIs, code, substr,
           std::string("has code ") + absl::StatusCodeToString(code) +
               " and a message containing \"" + std::string(substr) + "\"") {
  const absl::Status& s = ::kpledger::testing::GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code &&
         s.message().find(std::string(substr)) != absl::string_view::npos;
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = ::kpledger::testing::GetStatus(arg);
  *result_listener << "status is " << s;
  return s.ok();
}

}  // namespace kpledger::testing

#define KP_TESTING_CONCAT_INNER_(a, b) a##b
#define KP_TESTING_CONCAT_(a, b) KP_TESTING_CONCAT_INNER_(a, b)

#define KP_ASSERT_OK_AND_ASSIGN(lhs, expr) \
  KP_ASSERT_OK_AND_ASSIGN_IMPL_(KP_TESTING_CONCAT_(kp_so_, __LINE__), lhs, expr)

#define KP_ASSERT_OK_AND_ASSIGN_IMPL_(so, lhs, expr) \
  auto so = (expr);                                  \
  ASSERT_TRUE(so.ok()) << so.status();               \
  lhs = std::move(so).value()

#define KP_ASSERT_OK(expr) ASSERT_THAT((expr), ::kpledger::testing::IsOk())
#define KP_EXPECT_OK(expr) EXPECT_THAT((expr), ::kpledger::testing::IsOk())

#endif  // KPLEDGER_TESTS_TESTING_STATUS_MATCHERS_H_
