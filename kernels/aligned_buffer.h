// A fixed-size, 64-byte aligned, zero-initialised float array for packed weights and scratch:
// allocated once at Prepare, never resized while a model runs.
#ifndef SCALERT_KERNELS_ALIGNED_BUFFER_H_
#define SCALERT_KERNELS_ALIGNED_BUFFER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace scalert::kernels {

// Test hook: while non-zero, an AlignedBuffer of more than this many bytes fails as if memory ran
// out, so tests can show (under ASan too, where a real out-of-memory aborts) that a failed
// packing allocation becomes an error through the C API rather than a crash.
inline std::atomic<size_t> g_fail_aligned_allocations_above{0};

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t floats) : size_(floats) {
    if (floats > (SIZE_MAX - 63) / sizeof(float)) throw std::bad_alloc();
    const size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
    const size_t limit = g_fail_aligned_allocations_above.load(std::memory_order_relaxed);
    if (limit != 0 && bytes > limit) throw std::bad_alloc();
    data_ = static_cast<float*>(std::aligned_alloc(64, bytes > 0 ? bytes : 64));
    if (!data_) throw std::bad_alloc();
    std::memset(data_, 0, bytes);
  }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  AlignedBuffer(AlignedBuffer&& o) noexcept : data_(o.data_), size_(o.size_) { o.data_ = nullptr; o.size_ = 0; }
  AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    return *this;
  }
  ~AlignedBuffer() { std::free(data_); }

  float* data() { return data_; }
  const float* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  float* data_ = nullptr;
  size_t size_ = 0;
};

// A std::allocator that aligns to 64 bytes (a cache line), for packed weights kept in std::vector:
// the AMX GEMM's tile loads of B ran twice as slow from rows that cross cache lines.
template <class T>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) noexcept {}  // NOLINT: converting, as std::allocator
  T* allocate(size_t n) {
    if (n > (SIZE_MAX - 63) / sizeof(T)) throw std::bad_alloc();
    void* p = std::aligned_alloc(64, n > 0 ? (n * sizeof(T) + 63) / 64 * 64 : 64);
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t) noexcept { std::free(p); }
  template <class U>
  bool operator==(const AlignedAllocator<U>&) const noexcept { return true; }
  template <class U>
  bool operator!=(const AlignedAllocator<U>&) const noexcept { return false; }
};

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_ALIGNED_BUFFER_H_
