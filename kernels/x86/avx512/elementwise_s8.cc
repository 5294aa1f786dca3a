// INT8 elementwise kernels on AVX-512 (F, BW): the arithmetic of kernels/reference/quantized.h
// 16 values at a time (compiled without FMA contraction, so Add's two products round apart), and
// 256-entry tables 64 bytes at a time by vpshufb over the 16 rows of 16 entries.
#include <immintrin.h>

#include <cstring>

#include "kernels/x86/avx512/kernels_s8.h"
#include "kernels/x86/requant_s8_avx512.h"

namespace scalert::kernels {
namespace {


inline __m512i Load16(const int8_t* p, __mmask16 mask) { return _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, p)); }

}  // namespace

void add_s8_avx512(int64_t n, const int8_t* a, const int8_t* b, int8_t* y, const BinaryS8Params& p) {
  const __m512i azp = _mm512_set1_epi32(p.a_zero_point), bzp = _mm512_set1_epi32(p.b_zero_point);
  const __m512 fa = _mm512_set1_ps(p.f.a), fb = _mm512_set1_ps(p.f.b);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 mask = Mask16(static_cast<int32_t>(n - i < 16 ? n - i : 16));
    const __m512 pa = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(Load16(a + i, mask), azp)), fa);
    const __m512 pb = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(Load16(b + i, mask), bzp)), fb);
    _mm512_mask_cvtepi32_storeu_epi8(y + i, mask, RoundClamp16(_mm512_add_ps(pa, pb), p.out));
  }
}

// The division stays a division (x * (1 / scale) can round differently).
void quantize_s8_avx512(int64_t n, const float* x, float scale, int32_t zero_point, int8_t* y) {
  const RequantS8 r{zero_point, static_cast<float>(-128 - zero_point), static_cast<float>(127 - zero_point)};
  const __m512 s = _mm512_set1_ps(scale);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 mask = Mask16(static_cast<int32_t>(n - i < 16 ? n - i : 16));
    _mm512_mask_cvtepi32_storeu_epi8(y + i, mask, RoundClamp16(_mm512_div_ps(_mm512_maskz_loadu_ps(mask, x + i), s), r));
  }
}

void mul_channel_s8_avx512(int64_t pixels, int32_t channels, const int8_t* x, const int8_t* s, int8_t* y,
                           const BinaryS8Params& p) {
  const __m512i xzp = _mm512_set1_epi32(p.a_zero_point), szp = _mm512_set1_epi32(p.b_zero_point);
  const __m512 f = _mm512_set1_ps(p.f.a);
  // The gate minus its zero point, widened once per block of channels with zero high halves, so
  // vpmaddwd with a sign-extended x - x_zp is the exact product (both fit int16).
  constexpr int32_t kBlock = 1024;
  alignas(64) int32_t gate[kBlock];
  for (int32_t c0 = 0; c0 < channels; c0 += kBlock) {
    const int32_t cn = channels - c0 < kBlock ? channels - c0 : kBlock;
    for (int32_t c = 0; c < cn; c += 16)
      _mm512_store_si512(gate + c, _mm512_and_si512(_mm512_sub_epi32(Load16(s + c0 + c, Mask16(cn - c)), szp),
                                                    _mm512_set1_epi32(0xffff)));
    for (int64_t px = 0; px < pixels; ++px) {
      const int8_t* xr = x + px * channels + c0;
      int8_t* yr = y + px * channels + c0;
      for (int32_t c = 0; c < cn; c += 16) {
        const __mmask16 mask = Mask16(cn - c);
        const __m512i prod = _mm512_madd_epi16(_mm512_sub_epi32(Load16(xr + c, mask), xzp), _mm512_load_si512(gate + c));
        _mm512_mask_cvtepi32_storeu_epi8(yr + c, mask, RoundClamp16(_mm512_mul_ps(_mm512_cvtepi32_ps(prod), f), p.out));
      }
    }
  }
}

void global_avg_pool_s8_avx512(int64_t pixels, int32_t channels, const int8_t* x, int32_t x_zero_point, float m,
                               RequantS8 out, int8_t* y, int32_t c_begin, int32_t c_end) {
  const __m512 mv = _mm512_set1_ps(m);
  // sum (x - zp) = sum x - pixels * zp in wrapping int32 (the validator keeps it in range).
  const __m512i offset = _mm512_set1_epi32(static_cast<int32_t>(static_cast<uint32_t>(pixels) * static_cast<uint32_t>(x_zero_point)));
  for (int32_t c0 = c_begin; c0 < c_end; c0 += 64) {
    __mmask16 mask[4];
    __m512i acc[4];
    for (int v = 0; v < 4; ++v) {
      mask[v] = Mask16(c_end - c0 - 16 * v < 0 ? 0 : c_end - c0 - 16 * v);
      acc[v] = _mm512_setzero_si512();
    }
    for (int64_t px = 0; px < pixels; ++px) {
      const int8_t* xr = x + px * channels + c0;
      for (int v = 0; v < 4; ++v) acc[v] = _mm512_add_epi32(acc[v], Load16(xr + 16 * v, mask[v]));
    }
    for (int v = 0; v < 4; ++v) {
      const __m512i sum = _mm512_sub_epi32(acc[v], offset);
      _mm512_mask_cvtepi32_storeu_epi8(y + c0 + 16 * v, mask[v], RoundClamp16(_mm512_mul_ps(_mm512_cvtepi32_ps(sum), mv), out));
    }
  }
}

void lookup_s8_avx512(int64_t n, const int8_t* x, const int8_t* table, int8_t* y) {
  // Row r of the table (entries 16r .. 16r + 15, indexed by x + 128) in every 128-bit lane.
  __m512i rows[16];
  alignas(64) int8_t row[64];
  for (int r = 0; r < 16; ++r) {
    for (int lane = 0; lane < 4; ++lane) std::memcpy(row + 16 * lane, table + 16 * r, 16);
    rows[r] = _mm512_load_si512(row);
  }
  const __m512i low4 = _mm512_set1_epi8(0x0f), flip = _mm512_set1_epi8(static_cast<char>(0x80));
  for (int64_t i = 0; i < n; i += 64) {
    const __mmask64 mask = n - i >= 64 ? ~__mmask64{0} : (~__mmask64{0}) >> (64 - (n - i));
    const __m512i idx = _mm512_xor_si512(_mm512_maskz_loadu_epi8(mask, x + i), flip);  // x + 128
    const __m512i lo = _mm512_and_si512(idx, low4);
    const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(idx, 4), low4);
    __m512i out = _mm512_setzero_si512();
    for (int r = 0; r < 16; ++r)
      out = _mm512_mask_shuffle_epi8(out, _mm512_cmpeq_epi8_mask(hi, _mm512_set1_epi8(static_cast<char>(r))), rows[r], lo);
    _mm512_mask_storeu_epi8(y + i, mask, out);
  }
}

}  // namespace scalert::kernels
