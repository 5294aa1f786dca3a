// Three FP32 planes to interleaved pixels (an NCHW RGB input to NHWC) 16 pixels at a time: two
// permutes per output vector (vpermt2ps takes the first two planes' lanes, a masked vpermps the
// third's) instead of one scalar load and store per element.
#include <immintrin.h>

#include "kernels/x86/avx512/kernels_f32.h"

namespace scalert::kernels {
namespace {

// Output vector v (floats 16v .. 16v + 15, i.e. element e is pixel (16v + e) / 3, channel
// (16v + e) % 3): lane indices into (plane 0, plane 1) as vpermt2ps reads them (16 + i selects
// plane 1), and into plane 2 for the lanes of channel 2.
struct Interleave3Indices {
  __m512i ab[3], c[3];
  __mmask16 c_lanes[3];
  Interleave3Indices() {
    alignas(64) int32_t ab_idx[3][16], c_idx[3][16];
    for (int v = 0; v < 3; ++v) {
      c_lanes[v] = 0;
      for (int e = 0; e < 16; ++e) {
        const int pixel = (16 * v + e) / 3, channel = (16 * v + e) % 3;
        ab_idx[v][e] = channel == 1 ? 16 + pixel : pixel;
        c_idx[v][e] = pixel;
        if (channel == 2) c_lanes[v] = static_cast<__mmask16>(c_lanes[v] | (1u << e));
      }
      ab[v] = _mm512_load_si512(ab_idx[v]);
      c[v] = _mm512_load_si512(c_idx[v]);
    }
  }
};

}  // namespace

void interleave3_f32_avx512(int64_t pixels, const float* x, int64_t plane_stride, float* y) {
  static const Interleave3Indices idx;
  const float* x1 = x + plane_stride;
  const float* x2 = x1 + plane_stride;
  int64_t p = 0;
  for (; p + 16 <= pixels; p += 16, y += 48) {
    const __m512 a = _mm512_loadu_ps(x + p), b = _mm512_loadu_ps(x1 + p), c = _mm512_loadu_ps(x2 + p);
    for (int v = 0; v < 3; ++v)
      _mm512_storeu_ps(y + 16 * v, _mm512_mask_permutexvar_ps(_mm512_permutex2var_ps(a, idx.ab[v], b), idx.c_lanes[v],
                                                               idx.c[v], c));
  }
  for (; p < pixels; ++p, y += 3) {
    y[0] = x[p];
    y[1] = x1[p];
    y[2] = x2[p];
  }
}

}  // namespace scalert::kernels
