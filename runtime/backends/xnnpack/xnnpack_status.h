// XNNPACK status codes as absl::Status, and the once-per-process xnn_initialize.
#ifndef SCALERT_RUNTIME_BACKENDS_XNNPACK_XNNPACK_STATUS_H_
#define SCALERT_RUNTIME_BACKENDS_XNNPACK_XNNPACK_STATUS_H_

#include <cstdint>
#include <string>

#include <xnnpack.h>

#include "absl/status/status.h"

namespace scalert {

// "xnn_status_invalid_parameter", ... for messages.
const char* XnnStatusName(xnn_status s);

// OK for xnn_status_success; otherwise an error saying `what` failed and why.
absl::Status XnnStatusToStatus(xnn_status s, const std::string& what);

// Calls xnn_initialize exactly once per process (thread-safe) and returns its result every
// time. XNNPACK is never deinitialized: interpreters may be created until the process ends.
absl::Status EnsureXnnpackInitialized();

// Allocations XNNPACK has made through ScaleRT's allocator since the process started (all
// threads). Lets tests check that xnn_invoke_runtime allocates nothing.
int64_t XnnpackAllocationCount();

}  // namespace scalert

#endif  // SCALERT_RUNTIME_BACKENDS_XNNPACK_XNNPACK_STATUS_H_
