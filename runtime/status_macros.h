// Small helpers for absl::Status propagation, in the style of Abseil-using codebases.
#ifndef SCALERT_RUNTIME_STATUS_MACROS_H_
#define SCALERT_RUNTIME_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SCALERT_CONCAT_INNER(a, b) a##b
#define SCALERT_CONCAT(a, b) SCALERT_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    ::absl::Status scalert_status_ = (expr);           \
    if (!scalert_status_.ok()) return scalert_status_; \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(SCALERT_CONCAT(scalert_statusor_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

#endif  // SCALERT_RUNTIME_STATUS_MACROS_H_
