// Portable INT8 depthwise convolution: per pixel, int32 sums over the taps, channel by channel
// (the packed bias holds the input zero point).
#include "kernels/dwconv_s8_taps.h"
#include "kernels/portable/kernels_s8.h"

namespace scalert::kernels {

void dwconv_s8_portable(const DwConvS8Args& args, int32_t row_begin, int32_t row_end) {
  const PackedDwConvS8& p = *args.packed;
  const int32_t channels = p.channels, taps = p.taps, padded = p.padded;
  ForEachDwS8Pixel(args, row_begin, row_end, [&](const int8_t* const* x, int8_t* y) {
    for (int32_t c = 0; c < channels; ++c) {
      int32_t acc = p.bias[c];
      for (int32_t t = 0; t < taps; ++t) acc += int32_t{x[t][c]} * static_cast<int16_t>(p.w[static_cast<int64_t>(t) * padded + c]);
      y[c] = RoundClampS8(static_cast<float>(acc) * p.scale[c], args.out);
    }
  });
}

}  // namespace scalert::kernels
