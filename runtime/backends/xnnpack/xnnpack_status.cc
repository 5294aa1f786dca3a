#include "runtime/backends/xnnpack/xnnpack_status.h"

#include <atomic>
#include <cstdlib>
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

namespace {

// The C library's allocator, counting calls, so that "Invoke never allocates" can be checked
// for XNNPACK's C code too (operator new counters do not see it).
std::atomic<int64_t> g_allocations{0};

void* Allocate(void*, size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size);
}
void* Reallocate(void*, void* pointer, size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::realloc(pointer, size);
}
void Deallocate(void*, void* pointer) { std::free(pointer); }
void* AlignedAllocate(void*, size_t alignment, size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  void* p = nullptr;
  if (alignment < sizeof(void*)) alignment = sizeof(void*);
  return posix_memalign(&p, alignment, size) == 0 ? p : nullptr;
}

}  // namespace

int64_t XnnpackAllocationCount() { return g_allocations.load(std::memory_order_relaxed); }

absl::Status EnsureXnnpackInitialized() {
  static std::once_flag once;
  static xnn_status status = xnn_status_uninitialized;
  // XNNPACK keeps the pointer: the allocator must live as long as the process.
  static const xnn_allocator allocator = {nullptr, Allocate, Reallocate, Deallocate, AlignedAllocate, Deallocate};
  std::call_once(once, [] { status = xnn_initialize(&allocator); });
  return XnnStatusToStatus(status, "xnn_initialize (this CPU may lack the SIMD level XNNPACK needs)");
}

}  // namespace scalert
