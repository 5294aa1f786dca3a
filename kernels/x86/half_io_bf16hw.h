// BF16 stores by the AVX512-BF16 conversion, for files compiled for the avx512bf16 level:
// HalfIo<Avx512, Bf16HwFormat> loads as HalfIo<Avx512, Bf16Format> and rounds by vcvtneps2bf16
// (round to nearest even in one instruction instead of half_io.h's integer rounding; it also
// flushes subnormal results to zero, as vdpbf16ps does). Include after half_io.h.
#ifndef SCALERT_KERNELS_X86_HALF_IO_BF16HW_H_
#define SCALERT_KERNELS_X86_HALF_IO_BF16HW_H_

#include <immintrin.h>

#include <cstdint>

namespace scalert::kernels::x86 {
namespace {

struct Bf16HwFormat {};
template <> struct HalfIo<Avx512, Bf16HwFormat> : HalfIo<Avx512, Bf16Format> {
  static __m256i Convert(__m512 v) { return reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(v)); }
  static void Store(uint16_t* p, __m512 v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), Convert(v)); }
  static void StorePartial(uint16_t* p, int n, __m512 v) {
    _mm256_mask_storeu_epi16(p, static_cast<__mmask16>((1u << n) - 1u), Convert(v));
  }
};

}  // namespace
}  // namespace scalert::kernels::x86

#endif  // SCALERT_KERNELS_X86_HALF_IO_BF16HW_H_
