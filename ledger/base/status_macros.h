// The project's one pair of status-propagation macros. Debian's Abseil
// (20220623) ships neither RETURN_IF_ERROR nor ASSIGN_OR_RETURN.
#ifndef KPLEDGER_LEDGER_BASE_STATUS_MACROS_H_
#define KPLEDGER_LEDGER_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns from the enclosing function if `expr` (an absl::Status) is not ok.
#define KP_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::absl::Status kp_status_ = (expr);      \
    if (!kp_status_.ok()) return kp_status_; \
  } while (0)

#define KP_STATUS_CONCAT_INNER_(a, b) a##b
#define KP_STATUS_CONCAT_(a, b) KP_STATUS_CONCAT_INNER_(a, b)

// `lhs = value of expr`, or returns expr's status from the enclosing
// function. `lhs` may be a declaration: KP_ASSIGN_OR_RETURN(auto x, F());
#define KP_ASSIGN_OR_RETURN(lhs, expr)                                      \
  KP_ASSIGN_OR_RETURN_IMPL_(KP_STATUS_CONCAT_(kp_statusor_, __LINE__), lhs, \
                            expr)

#define KP_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr)     \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // KPLEDGER_LEDGER_BASE_STATUS_MACROS_H_
