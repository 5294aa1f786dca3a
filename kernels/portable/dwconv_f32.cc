// Portable depthwise convolution: per output pixel, one channel tile of 8 accumulators at a time
// over the packed taps.
#include <algorithm>

#include "kernels/dwconv_taps.h"
#include "kernels/packing.h"
#include "kernels/portable/kernels_f32.h"

namespace scalert::kernels {

constexpr int32_t kDwChannelTile = kPortableDwChannelTile;

void dwconv_f32_portable(const DwConvArgs& a, int32_t row_begin, int32_t row_end) {
  const ref::ConvGeometry& g = a.geo;
  const int32_t taps_n = g.kernel_h * g.kernel_w, c = g.in_c;
  const int64_t tile_stride = DwTileStride(taps_n, kDwChannelTile);
  const float* taps[kMaxDwTaps];
  DwRowTaps rows;
  for (int32_t row = row_begin; row < row_end; ++row) {
    DwRowStarts(a, row, &rows);
    float* out_row = DwOutputRow(a, row);
    for (int32_t ox = 0; ox < g.out_w; ++ox) {
      DwPixelTaps(a, rows, ox, taps);
      float* out = out_row + static_cast<int64_t>(ox) * c;
      const float* w = a.packed;
      for (int32_t c0 = 0; c0 < c; c0 += kDwChannelTile, w += tile_stride) {
        const int lanes = std::min<int32_t>(kDwChannelTile, c - c0);
        float acc[kDwChannelTile];
        for (int l = 0; l < kDwChannelTile; ++l) acc[l] = w[l];
        if (lanes == kDwChannelTile) {
          for (int32_t t = 0; t < taps_n; ++t)
            for (int l = 0; l < kDwChannelTile; ++l) acc[l] += taps[t][c0 + l] * w[kDwChannelTile * (t + 1) + l];
        } else {
          for (int32_t t = 0; t < taps_n; ++t)
            for (int l = 0; l < lanes; ++l) acc[l] += taps[t][c0 + l] * w[kDwChannelTile * (t + 1) + l];
        }
        for (int l = 0; l < lanes; ++l) out[c0 + l] = ApplyActivation(acc[l], a.act);
      }
    }
  }
}

}  // namespace scalert::kernels
