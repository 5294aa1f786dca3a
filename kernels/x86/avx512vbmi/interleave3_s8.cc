// Three int8 planes to interleaved pixels (a quantized NCHW RGB input to NHWC) 64 pixels at a
// time: per output vector one vpermt2b over the first two planes and one masked vpermb for the
// third (byte permutes need VBMI).
#include <immintrin.h>

#include "kernels/x86/avx512vbmi/kernels_s8.h"

namespace scalert::kernels {
namespace {

// Output vector v (bytes 64v .. 64v + 63: byte e is pixel (64v + e) / 3, channel (64v + e) % 3).
struct Interleave3Indices {
  __m512i ab[3], c[3];
  __mmask64 c_lanes[3];
  Interleave3Indices() {
    alignas(64) int8_t ab_idx[3][64], c_idx[3][64];
    for (int v = 0; v < 3; ++v) {
      c_lanes[v] = 0;
      for (int e = 0; e < 64; ++e) {
        const int pixel = (64 * v + e) / 3, channel = (64 * v + e) % 3;
        ab_idx[v][e] = static_cast<int8_t>(channel == 1 ? 64 + pixel : pixel);
        c_idx[v][e] = static_cast<int8_t>(pixel);
        if (channel == 2) c_lanes[v] |= __mmask64{1} << e;
      }
      ab[v] = _mm512_load_si512(ab_idx[v]);
      c[v] = _mm512_load_si512(c_idx[v]);
    }
  }
};

}  // namespace

void interleave3_s8_avx512vbmi(int64_t pixels, const int8_t* x, int64_t plane_stride, int8_t* y) {
  static const Interleave3Indices idx;
  const int8_t* x1 = x + plane_stride;
  const int8_t* x2 = x1 + plane_stride;
  int64_t p = 0;
  for (; p + 64 <= pixels; p += 64, y += 192) {
    const __m512i a = _mm512_loadu_si512(x + p), b = _mm512_loadu_si512(x1 + p), c = _mm512_loadu_si512(x2 + p);
    for (int v = 0; v < 3; ++v)
      _mm512_storeu_si512(y + 64 * v, _mm512_mask_permutexvar_epi8(_mm512_permutex2var_epi8(a, idx.ab[v], b),
                                                                   idx.c_lanes[v], idx.c[v], c));
  }
  for (; p < pixels; ++p, y += 3) {
    y[0] = x[p];
    y[1] = x1[p];
    y[2] = x2[p];
  }
}

}  // namespace scalert::kernels
