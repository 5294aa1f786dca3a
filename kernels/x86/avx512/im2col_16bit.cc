// Column patches (kernels/im2col.h) of a 16-bit RGB input under a 3-row window, the BF16 / FP16
// stem: column j of the output row holds, for ky = 0..2, the 3 channels of input pixel j of window
// row ky (9 values). The generic loop moves each pixel's 6 bytes with scalar stores (about a third
// of the MobileNetV2 BF16 stem's time); here 32 columns (288 values, nine vectors) at a time, each
// output vector one vpermt2w over windows of rows 0 and 1 and one masked vpermw over row 2's.
// Other channel counts and window heights take the generic loop.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/im2col.h"
#include "kernels/x86/avx512/kernels_f32.h"

namespace scalert::kernels {
namespace {

constexpr int kColumns = 32;          // columns per step
constexpr int kValues = 9;            // per column: 3 rows x 3 channels
constexpr int kVectors = kValues * kColumns / 32;

// Output vector v of a step (values 32v + e: column (32v + e) / 9, row ky = (32v + e) % 9 / 3,
// channel (32v + e) % 3) reads each row's elements from 3 * first[v] on (a window of at most 15
// valid elements): indices into (row 0 window, row 1 window) for vpermt2w, into row 2's, the
// lanes of row 2, and the window's valid lanes (masked loads never read past the row).
struct PatchIndices {
  __m512i ab[kVectors], c[kVectors];
  __mmask32 c_lanes[kVectors], valid[kVectors];
  int32_t first[kVectors];
  PatchIndices() {
    for (int v = 0; v < kVectors; ++v) {
      alignas(64) int16_t ab_idx[32], c_idx[32];
      first[v] = 32 * v / kValues;
      const int32_t last = (32 * v + 31) / kValues;
      c_lanes[v] = 0;
      for (int e = 0; e < 32; ++e) {
        const int g = 32 * v + e, column = g / kValues, ky = g % kValues / 3, channel = g % 3;
        const int at = 3 * (column - first[v]) + channel;
        ab_idx[e] = static_cast<int16_t>(ky == 1 ? 32 + at : at);
        c_idx[e] = static_cast<int16_t>(at);
        if (ky == 2) c_lanes[v] |= __mmask32{1} << e;
      }
      valid[v] = static_cast<__mmask32>((uint64_t{1} << (3 * (last - first[v] + 1))) - 1);
      ab[v] = _mm512_load_si512(ab_idx);
      c[v] = _mm512_load_si512(c_idx);
    }
  }
};

}  // namespace

void column_patch_row_16bit_avx512(const ref::ConvGeometry& g, const uint16_t* input, int32_t row, uint16_t* buf) {
  if (g.in_c != 3 || g.kernel_h != 3) {
    ColumnPatchRow(g, input, row, buf);
    return;
  }
  static const PatchIndices idx;
  const int32_t n = row / g.out_h, oy = row % g.out_h;
  const int64_t width = ColumnPatchWidth(g);
  // Columns [0, left) and [right, width) fall in the padding, as in the generic loop.
  const int64_t left = std::min<int64_t>(width, g.pad_left);
  const int64_t right = std::max<int64_t>(left, std::min<int64_t>(width, g.pad_left + static_cast<int64_t>(g.in_w)));
  const uint16_t* rows[3];  // each window row's first in-image column; null: a padding row
  for (int32_t ky = 0; ky < 3; ++ky) {
    const int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
    rows[ky] = iy < 0 || iy >= g.in_h
                   ? nullptr
                   : input + ((static_cast<int64_t>(n) * g.in_h + iy) * g.in_w + (left - g.pad_left)) * 3;
  }
  std::memset(buf, 0, sizeof(uint16_t) * kValues * left);
  std::memset(buf + right * kValues, 0, sizeof(uint16_t) * kValues * (width - right));
  uint16_t* dst = buf + left * kValues;
  const int64_t columns = right - left;
  const __mmask32 live[3] = {rows[0] ? ~__mmask32{0} : 0, rows[1] ? ~__mmask32{0} : 0, rows[2] ? ~__mmask32{0} : 0};
  const uint16_t* src[3] = {rows[0] ? rows[0] : input, rows[1] ? rows[1] : input, rows[2] ? rows[2] : input};
  int64_t j = 0;
  for (; j + kColumns <= columns; j += kColumns, dst += kValues * kColumns)
    for (int v = 0; v < kVectors; ++v) {
      const int64_t at = 3 * (j + idx.first[v]);
      const __m512i r0 = _mm512_maskz_loadu_epi16(idx.valid[v] & live[0], src[0] + at);
      const __m512i r1 = _mm512_maskz_loadu_epi16(idx.valid[v] & live[1], src[1] + at);
      const __m512i r2 = _mm512_maskz_loadu_epi16(idx.valid[v] & live[2], src[2] + at);
      _mm512_storeu_si512(dst + 32 * v, _mm512_mask_permutexvar_epi16(_mm512_permutex2var_epi16(r0, idx.ab[v], r1),
                                                                      idx.c_lanes[v], idx.c[v], r2));
    }
  for (; j < columns; ++j, dst += kValues)
    for (int32_t ky = 0; ky < 3; ++ky)
      for (int32_t ch = 0; ch < 3; ++ch) dst[3 * ky + ch] = rows[ky] ? rows[ky][3 * j + ch] : uint16_t{0};
}

}  // namespace scalert::kernels
