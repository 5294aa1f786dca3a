// INT8 elementwise kernels on AVX-512 (F, BW): the arithmetic of kernels/reference/quantized.h
// 16 values at a time (compiled without FMA contraction, so Add's two products round apart), and
// 256-entry tables 64 bytes at a time by vpshufb over the 16 rows of 16 entries.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
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
  const BytePacker pack(p.out);
  for (int64_t i = 0; i < n; i += 64) {
    __m512 v[4];
    for (int q = 0; q < 4; ++q) {
      const __mmask16 mask = Mask16(static_cast<int32_t>(std::min<int64_t>(n - i - 16 * q, 16)));
      const __m512 pa = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(Load16(a + i + 16 * q, mask), azp)), fa);
      const __m512 pb = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(Load16(b + i + 16 * q, mask), bzp)), fb);
      v[q] = _mm512_add_ps(pa, pb);
    }
    StoreBytes64(y + i, pack.Pack(v[0], v[1], v[2], v[3]), n - i);
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

namespace {

// Mul by a per-channel gate over a run of elements in 16-bit lanes: x - x_zp (int16) times the
// gate minus its zero point (int16) by two vpmaddwd per 32 values, one against (g, 0) pairs for the
// even lanes and one against (0, g) for the odd ones: exact int32 products (|x - x_zp|,
// |g - g_zp| <= 255), half the widening work of 32-bit lanes. The gate pairs are laid out for a run
// of `cycle` channels from any starting channel j, so a run crosses pixels (a 32-channel SE gate
// fills whole vectors). The epilogue is BytePacker's, the even / odd lanes put back in order by one
// byte shuffle and one qword permute.
constexpr int32_t kMaxGateCycle = 2048;
constexpr int32_t kGatePairs = kMaxGateCycle / 2 + 48;  // a multiple of 16 (aligned rows)

struct GatePairs {
  int32_t cycle, step;  // channels per cycle, and 64 mod cycle
  // pairs[p][e][m]: the int16 pair of lanes 2m, 2m + 1 of a run whose first channel has parity p:
  // e = 0 holds (g[p + 2m], 0), e = 1 holds (0, g[p + 2m + 1]) (channels mod cycle).
  alignas(64) int32_t pairs[2][2][kGatePairs];
};

void FillGatePairs(const int8_t* s, int32_t cycle, int32_t s_zero_point, GatePairs* gp) {
  gp->cycle = cycle;
  gp->step = 64 % cycle;
  // A run starting at channel j < cycle reads pairs (j >> 1) .. (j >> 1) + 31 of each parity;
  // filled 16 at a time from the int16 gates g[t mod cycle] - g_zp, t < 2 * filled + 34.
  const int32_t used = (cycle - 1) / 2 + 32, filled = (used + 15) / 16 * 16, t_end = 2 * filled + 34;
  alignas(64) int16_t g[kMaxGateCycle + 192];
  const __m512i zp = _mm512_set1_epi16(static_cast<int16_t>(s_zero_point));
  for (int32_t t = 0; t < cycle; t += 32) {
    const __mmask32 mask = cycle - t >= 32 ? ~__mmask32{0} : (~__mmask32{0}) >> (32 - (cycle - t));
    _mm512_storeu_si512(g + t, _mm512_sub_epi16(_mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(mask, s + t)), zp));
  }
  for (int32_t t = cycle; t < t_end; ++t) g[t] = g[t - cycle];
  const __m512i low = _mm512_set1_epi32(0xffff), high = _mm512_set1_epi32(static_cast<int32_t>(0xffff0000u));
  for (int p = 0; p < 2; ++p)
    for (int32_t m = 0; m < filled; m += 16) {
      const __m512i v = _mm512_loadu_si512(g + p + 2 * m);  // dword i: (g[p + 2(m + i)], g[p + 2(m + i) + 1])
      _mm512_store_si512(gp->pairs[p][0] + m, _mm512_and_si512(v, low));
      _mm512_store_si512(gp->pairs[p][1] + m, _mm512_and_si512(v, high));
    }
}

template <bool kBounded>
void MulGateRun(const int8_t* x, int8_t* y, int64_t n, int32_t j, const GatePairs& gp, const BinaryS8Params& p,
                const BytePacker& pack) {
  const __m512i xzp = _mm512_set1_epi16(static_cast<int16_t>(p.a_zero_point));
  const __m512 f = _mm512_set1_ps(p.f.a);
  // After the packs, 128-bit lane L holds channels 8L + (0, 2, 4, 6, 1, 3, 5, 7) of the first 32
  // values, then the same of the second 32: bytes back in order within each 8, then the qwords.
  const __m512i bytes = _mm512_set4_epi32(0x0f0b0e0a, 0x0d090c08, 0x07030602, 0x05010400);
  const __m512i qwords = _mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7);
  auto scaled = [&](__m512i x16, const int32_t* pair) {
    const __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_madd_epi16(x16, _mm512_loadu_si512(pair))), f);
    return kBounded ? _mm512_cvtps_epi32(v) : pack.Round(v);
  };
  for (int64_t i = 0; i < n; i += 64) {
    const int64_t left = n - i;
    const __mmask32 m0 = left >= 32 ? ~__mmask32{0} : (~__mmask32{0}) >> (32 - left);
    const __mmask32 m1 = left >= 64 ? ~__mmask32{0} : left <= 32 ? 0 : (~__mmask32{0}) >> (64 - left);
    const __m512i a = _mm512_sub_epi16(_mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m0, x + i)), xzp);
    const __m512i b = _mm512_sub_epi16(_mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m1, x + i + 32)), xzp);
    const int32_t* even = gp.pairs[j & 1][0] + (j >> 1);
    const int32_t* odd = gp.pairs[j & 1][1] + (j >> 1);
    const __m512i wa = _mm512_adds_epi16(_mm512_packs_epi32(scaled(a, even), scaled(a, odd)), pack.zp);
    const __m512i wb = _mm512_adds_epi16(_mm512_packs_epi32(scaled(b, even + 16), scaled(b, odd + 16)), pack.zp);
    __m512i out = _mm512_packs_epi16(wa, wb);
    if (pack.clamp) out = _mm512_min_epi8(_mm512_max_epi8(out, pack.lo8), pack.hi8);
    StoreBytes64(y + i, _mm512_permutexvar_epi64(qwords, _mm512_shuffle_epi8(out, bytes)), left);
    j += gp.step;
    if (j >= gp.cycle) j -= gp.cycle;
  }
}

}  // namespace

void mul_channel_s8_avx512(int64_t pixels, int32_t channels, const int8_t* x, const int8_t* s, int8_t* y,
                           const BinaryS8Params& p) {
  const BytePacker pack(p.out);
  // float(product) * f cannot pass 2^30 (or be NaN) for a moderate finite f: no clamp before cvtps2dq.
  const bool bounded = std::isfinite(p.f.a) && std::fabs(p.f.a) * 65025.f < 1073741824.f;
  auto run = [&](const int8_t* xr, int8_t* yr, int64_t n, const GatePairs& gp) {
    if (bounded) MulGateRun<true>(xr, yr, n, 0, gp, p, pack);
    else MulGateRun<false>(xr, yr, n, 0, gp, p, pack);
  };
  GatePairs gp;
  if (channels <= kMaxGateCycle) {  // one run over every pixel
    FillGatePairs(s, channels, p.b_zero_point, &gp);
    run(x, y, pixels * channels, gp);
    return;
  }
  for (int32_t c0 = 0; c0 < channels; c0 += kMaxGateCycle) {  // wide gates: blocks of channels per pixel
    const int32_t cn = std::min(channels - c0, kMaxGateCycle);
    FillGatePairs(s + c0, cn, p.b_zero_point, &gp);
    for (int64_t px = 0; px < pixels; ++px) run(x + px * channels + c0, y + px * channels + c0, cn, gp);
  }
}

// Sums in 16-bit lanes over runs of 256 pixels (256 values in [-128, 127] fit an int16 exactly),
// widened to int32 after each run: one widening load and one add per 32 channels and pixel
// instead of two of each, and a 32-channel pass where 64 would leave half the lanes masked off.
void global_avg_pool_s8_avx512(int64_t pixels, int32_t channels, const int8_t* x, int32_t x_zero_point, float m,
                               RequantS8 out, int8_t* y, int32_t c_begin, int32_t c_end) {
  constexpr int64_t kRun = 256;
  const __m512 mv = _mm512_set1_ps(m);
  // sum (x - zp) = sum x - pixels * zp in wrapping int32 (the validator keeps it in range).
  const __m512i offset = _mm512_set1_epi32(static_cast<int32_t>(static_cast<uint32_t>(pixels) * static_cast<uint32_t>(x_zero_point)));
  for (int32_t c0 = c_begin; c0 < c_end; c0 += 64) {
    const int32_t n = std::min(64, c_end - c0);
    const __mmask32 m0 = n >= 32 ? ~__mmask32{0} : (~__mmask32{0}) >> (32 - n);
    const __mmask32 m1 = n >= 64 ? ~__mmask32{0} : n <= 32 ? 0 : (~__mmask32{0}) >> (64 - n);
    __m512i acc[4];
    for (int v = 0; v < 4; ++v) acc[v] = _mm512_setzero_si512();
    auto widen = [&](__m512i s16, __m512i* to) {
      to[0] = _mm512_add_epi32(to[0], _mm512_cvtepi16_epi32(_mm512_castsi512_si256(s16)));
      to[1] = _mm512_add_epi32(to[1], _mm512_cvtepi16_epi32(_mm512_extracti64x4_epi64(s16, 1)));
    };
    for (int64_t p0 = 0; p0 < pixels; p0 += kRun) {
      const int64_t p1 = std::min(pixels, p0 + kRun);
      __m512i s0 = _mm512_setzero_si512(), s1 = _mm512_setzero_si512();
      const int8_t* xr = x + p0 * channels + c0;
      if (n > 32) {
        for (int64_t px = p0; px < p1; ++px, xr += channels) {
          s0 = _mm512_add_epi16(s0, _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m0, xr)));
          s1 = _mm512_add_epi16(s1, _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m1, xr + 32)));
        }
      } else {
        for (int64_t px = p0; px < p1; ++px, xr += channels)
          s0 = _mm512_add_epi16(s0, _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m0, xr)));
      }
      widen(s0, acc);
      widen(s1, acc + 2);
    }
    for (int v = 0; v < 4 && 16 * v < n; ++v) {
      const __mmask16 mask = Mask16(std::min(16, n - 16 * v));
      const __m512i sum = _mm512_sub_epi32(acc[v], offset);
      _mm512_mask_cvtepi32_storeu_epi8(y + c0 + 16 * v, mask, RoundClamp16(_mm512_mul_ps(_mm512_cvtepi32_ps(sum), mv), out));
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
