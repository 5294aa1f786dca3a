#include "runtime/backends/xnnpack/xnnpack_status.h"

#include <mutex>

#include "absl/strings/str_cat.h"

namespace scalert {

const char* XnnStatusName(xnn_status s) {
  switch (s) {
    case xnn_status_success: return "xnn_status_success";
    case xnn_status_uninitialized: return "xnn_status_uninitialized";
    case xnn_status_invalid_parameter: return "xnn_status_invalid_parameter";
    case xnn_status_invalid_state: return "xnn_status_invalid_state";
    case xnn_status_unsupported_parameter: return "xnn_status_unsupported_parameter";
    case xnn_status_unsupported_hardware: return "xnn_status_unsupported_hardware";
    case xnn_status_out_of_memory: return "xnn_status_out_of_memory";
  }
  return "unknown xnn_status";
}

absl::Status XnnStatusToStatus(xnn_status s, const std::string& what) {
  if (s == xnn_status_success) return absl::OkStatus();
  std::string msg = absl::StrCat("XNNPACK: ", what, " failed: ", XnnStatusName(s));
  switch (s) {
    case xnn_status_unsupported_parameter:
    case xnn_status_unsupported_hardware:
      return absl::UnimplementedError(msg);
    case xnn_status_out_of_memory:
      return absl::ResourceExhaustedError(msg);
    case xnn_status_invalid_parameter:
      return absl::InvalidArgumentError(msg);
    default:
      return absl::InternalError(msg);
  }
}

absl::Status EnsureXnnpackInitialized() {
  static std::once_flag once;
  static xnn_status status = xnn_status_uninitialized;
  std::call_once(once, [] { status = xnn_initialize(/*allocator=*/nullptr); });
  return XnnStatusToStatus(status, "xnn_initialize (this CPU may lack the SIMD level XNNPACK needs)");
}

}  // namespace scalert
