#include "kernels/im2col_s8.h"

#include <algorithm>
#include <cstring>

namespace scalert::kernels {
namespace {

// Byte loops, not memcpy: the spans are a few bytes (3 channels x 3 taps for a stem), where a
// library call per span costs more than the copy.
inline void CopyBytes(int8_t* dst, const int8_t* src, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
}
inline void FillBytes(int8_t* dst, int8_t v, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = v;
}

// The patches of output columns [ox_begin, ox_end) of output row oy of image n, any geometry.
void PatchColumns(const ref::ConvGeometry& g, const int8_t* input, int8_t zero_point, int32_t n, int32_t oy,
                  int32_t ox_begin, int32_t ox_end, int8_t* buf) {
  const int64_t span = static_cast<int64_t>(g.kernel_w) * g.in_c;
  buf += static_cast<int64_t>(ox_begin) * g.kernel_h * span;
  for (int32_t ox = ox_begin; ox < ox_end; ++ox) {
    const int32_t ix0 = ox * g.stride_w - g.pad_left;
    const bool inside_x = ix0 >= 0 && ix0 + (g.kernel_w - 1) * g.dilation_w < g.in_w;
    for (int32_t ky = 0; ky < g.kernel_h; ++ky, buf += span) {
      const int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
      if (iy < 0 || iy >= g.in_h) {
        FillBytes(buf, zero_point, span);
        continue;
      }
      const int8_t* src_row = input + (static_cast<int64_t>(n) * g.in_h + iy) * g.in_w * g.in_c;
      if (inside_x && g.dilation_w == 1) {  // the kernel row is one contiguous span
        CopyBytes(buf, src_row + static_cast<int64_t>(ix0) * g.in_c, span);
        continue;
      }
      for (int32_t kx = 0; kx < g.kernel_w; ++kx) {
        const int32_t ix = ix0 + kx * g.dilation_w;
        int8_t* dst = buf + static_cast<int64_t>(kx) * g.in_c;
        if (ix < 0 || ix >= g.in_w) FillBytes(dst, zero_point, g.in_c);
        else CopyBytes(dst, src_row + static_cast<int64_t>(ix) * g.in_c, g.in_c);
      }
    }
  }
}

}  // namespace

void Im2ColRowS8(const ref::ConvGeometry& geo, const int8_t* input, int8_t zero_point, int32_t row, int8_t* buf) {
  const ref::ConvGeometry g = geo;  // a local copy: the int8 stores below may alias any memory
  const int32_t n = row / g.out_h, oy = row % g.out_h;
  const int32_t kh = g.kernel_h;
  const int64_t span = static_cast<int64_t>(g.kernel_w) * g.in_c;
  if (span > 16 || g.dilation_w != 1 || kh > 16) {
    PatchColumns(g, input, zero_point, n, oy, 0, g.out_w, buf);
    return;
  }
  // Kernel rows of at most 16 contiguous bytes (the stem: 3 taps x 3 channels = 9) move as one
  // 16-byte copy each: the extra bytes land in the next span, which is written after them. Taken
  // by the run of columns whose window lies inside the image columns and whose 16-byte reads and
  // writes stay inside the input tensor and this row's patches; the columns before and after
  // the run take the general path (after it, so they overwrite what spilled into them).
  const int8_t* rows[16];
  int64_t last_row = -1;  // offset of the last input row read, for the 16-byte bound
  for (int32_t ky = 0; ky < kh; ++ky) {
    const int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
    rows[ky] = iy < 0 || iy >= g.in_h ? nullptr : input + (static_cast<int64_t>(n) * g.in_h + iy) * g.in_w * g.in_c;
    if (rows[ky]) last_row = std::max<int64_t>(last_row, rows[ky] - input);
  }
  const int64_t input_bytes = static_cast<int64_t>(g.batch) * g.in_h * g.in_w * g.in_c;
  const int64_t patch = kh * span;
  const int64_t buf_bytes = static_cast<int64_t>(g.out_w) * patch;
  int32_t first = 0;
  while (first < g.out_w && first * g.stride_w - g.pad_left < 0) ++first;
  // The run [first, end): the window inside the image columns, the last kernel row's 16-byte
  // write inside this row's patches and every 16-byte read inside the input (all grow with ox),
  // found once so the copy loop has no checks.
  int32_t end = first;
  const auto fits = [&](int32_t ox) {
    const int64_t ix0 = static_cast<int64_t>(ox) * g.stride_w - g.pad_left;
    return ix0 + g.kernel_w <= g.in_w && ox * patch + patch - span + 16 <= buf_bytes &&
           (last_row < 0 || last_row + ix0 * g.in_c + 16 <= input_bytes);
  };
  while (end < g.out_w && fits(end)) ++end;
  if (first < end) {
    // Padding rows copy from 16 bytes of the zero point without stepping.
    int8_t zeros[16];
    FillBytes(zeros, zero_point, 16);
    const int8_t* src[16];
    int64_t step[16];
    const int64_t ix0 = static_cast<int64_t>(first) * g.stride_w - g.pad_left;
    for (int32_t ky = 0; ky < kh; ++ky) {
      src[ky] = rows[ky] ? rows[ky] + ix0 * g.in_c : zeros;
      step[ky] = rows[ky] ? static_cast<int64_t>(g.stride_w) * g.in_c : 0;
    }
    int8_t* dst = buf + first * patch;
    if (kh == 3) {  // the stem's 3x3: a fixed count, unrolled
      for (int32_t ox = first; ox < end; ++ox, dst += patch)
        for (int32_t ky = 0; ky < 3; ++ky) {
          std::memcpy(dst + ky * span, src[ky], 16);
          src[ky] += step[ky];
        }
    } else {
      for (int32_t ox = first; ox < end; ++ox, dst += patch)
        for (int32_t ky = 0; ky < kh; ++ky) {
          std::memcpy(dst + ky * span, src[ky], 16);
          src[ky] += step[ky];
        }
    }
  }
  const int32_t ox = end;
  PatchColumns(g, input, zero_point, n, oy, 0, first, buf);
  PatchColumns(g, input, zero_point, n, oy, ox, g.out_w, buf);
}

}  // namespace scalert::kernels
