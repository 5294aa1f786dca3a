// Three planes to interleaved pixels (an NCHW RGB input to NHWC: ref::Interleave3) with 512-bit
// permutes, written once for 32-, 16- and 8-bit lanes (FP32, FP16 / BF16 bits, INT8): per output
// vector one two-source permute over the first two planes (vpermt2d / w / b) and one masked
// permute for the third plane's lanes, instead of a scalar load and store per element. Include
// only from files compiled for the lane width's level (AVX-512 F, BW or VBMI).
#ifndef SCALERT_KERNELS_X86_INTERLEAVE3_AVX512_H_
#define SCALERT_KERNELS_X86_INTERLEAVE3_AVX512_H_

#include <immintrin.h>

#include <cstdint>
#include <type_traits>

namespace scalert::kernels::x86 {

// Output vector v (elements Lv .. Lv + L - 1 of L lanes: element e is pixel (Lv + e) / 3, channel
// (Lv + e) % 3): indices into (plane 0, plane 1) as the two-source permute reads them (L + i
// selects plane 1), indices into plane 2, and the mask of plane 2's lanes.
template <typename Index, int L>
struct Interleave3Indices {
  __m512i ab[3], c[3];
  uint64_t c_lanes[3];
  Interleave3Indices() {
    alignas(64) Index ab_idx[3][L], c_idx[3][L];
    for (int v = 0; v < 3; ++v) {
      c_lanes[v] = 0;
      for (int e = 0; e < L; ++e) {
        const int pixel = (L * v + e) / 3, channel = (L * v + e) % 3;
        ab_idx[v][e] = static_cast<Index>(channel == 1 ? L + pixel : pixel);
        c_idx[v][e] = static_cast<Index>(pixel);
        if (channel == 2) c_lanes[v] |= uint64_t{1} << e;
      }
      ab[v] = _mm512_load_si512(ab_idx[v]);
      c[v] = _mm512_load_si512(c_idx[v]);
    }
  }
};

// T: any type of 4, 2 or 1 bytes (its bits move unchanged).
template <typename T>
void Interleave3(int64_t pixels, const T* x, int64_t plane_stride, T* y) {
  constexpr int kLanes = 64 / sizeof(T);
  using Index = std::conditional_t<sizeof(T) == 4, int32_t, std::conditional_t<sizeof(T) == 2, int16_t, int8_t>>;
  static const Interleave3Indices<Index, kLanes> idx;
  const T* x1 = x + plane_stride;
  const T* x2 = x1 + plane_stride;
  int64_t p = 0;
  for (; p + kLanes <= pixels; p += kLanes, y += 3 * kLanes) {
    const __m512i a = _mm512_loadu_si512(x + p), b = _mm512_loadu_si512(x1 + p), c = _mm512_loadu_si512(x2 + p);
    for (int v = 0; v < 3; ++v) {
      __m512i out;
      if constexpr (sizeof(T) == 4)
        out = _mm512_mask_permutexvar_epi32(_mm512_permutex2var_epi32(a, idx.ab[v], b),
                                            static_cast<__mmask16>(idx.c_lanes[v]), idx.c[v], c);
      else if constexpr (sizeof(T) == 2)
        out = _mm512_mask_permutexvar_epi16(_mm512_permutex2var_epi16(a, idx.ab[v], b),
                                            static_cast<__mmask32>(idx.c_lanes[v]), idx.c[v], c);
      else
        out = _mm512_mask_permutexvar_epi8(_mm512_permutex2var_epi8(a, idx.ab[v], b), idx.c_lanes[v], idx.c[v], c);
      _mm512_storeu_si512(y + kLanes * v, out);
    }
  }
  for (; p < pixels; ++p, y += 3) {
    y[0] = x[p];
    y[1] = x1[p];
    y[2] = x2[p];
  }
}

}  // namespace scalert::kernels::x86

#endif  // SCALERT_KERNELS_X86_INTERLEAVE3_AVX512_H_
