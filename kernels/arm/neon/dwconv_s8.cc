// NEON INT8 depthwise convolution: per output pixel, 16 channels at a time, each tap's int8
// inputs widened to int16 and multiplied by the int16 weights with widening accumulates
// (SMLAL) into four int32x4 sums; then requant_s8_neon.h's epilogue. The last 1-15 channels go
// through stack copies, so nothing past a row is read or written. (SDOT sums 4 products of one
// output: a depthwise output has one product per tap and channel, so it has no use here.)
#include <arm_neon.h>

#include <cstring>

#include "kernels/arm/neon/kernels_s8.h"
#include "kernels/arm/neon/requant_s8_neon.h"
#include "kernels/dwconv_s8_taps.h"

namespace scalert::kernels {
namespace {

constexpr int32_t kTile = kNeonDwS8ChannelTile;

// Channels [c0, c0 + 16) of one pixel; `x[t]` points at the tap's channel c0 (16 readable bytes).
inline int8x16_t Pixel16(const PackedDwConvS8& p, const int8_t* const* x, int32_t c0, const RequantS8Neon& rq) {
  const int16_t* w = reinterpret_cast<const int16_t*>(p.w.data()) + c0;
  int32x4_t acc0 = vld1q_s32(p.bias.data() + c0), acc1 = vld1q_s32(p.bias.data() + c0 + 4);
  int32x4_t acc2 = vld1q_s32(p.bias.data() + c0 + 8), acc3 = vld1q_s32(p.bias.data() + c0 + 12);
  for (int32_t t = 0; t < p.taps; ++t, w += p.padded) {
    const int8x16_t v = vld1q_s8(x[t]);
    const int16x8_t lo = vmovl_s8(vget_low_s8(v)), hi = vmovl_high_s8(v);
    const int16x8_t w_lo = vld1q_s16(w), w_hi = vld1q_s16(w + 8);
    acc0 = vmlal_s16(acc0, vget_low_s16(lo), vget_low_s16(w_lo));
    acc1 = vmlal_high_s16(acc1, lo, w_lo);
    acc2 = vmlal_s16(acc2, vget_low_s16(hi), vget_low_s16(w_hi));
    acc3 = vmlal_high_s16(acc3, hi, w_hi);
  }
  const float* s = p.scale.data() + c0;
  return NarrowS8(rq(acc0, vld1q_f32(s)), rq(acc1, vld1q_f32(s + 4)), rq(acc2, vld1q_f32(s + 8)),
                  rq(acc3, vld1q_f32(s + 12)));
}

}  // namespace

void dwconv_s8_neon(const DwConvS8Args& args, int32_t row_begin, int32_t row_end) {
  const PackedDwConvS8& p = *args.packed;
  const int32_t channels = p.channels, taps = p.taps, full = channels / kTile * kTile;
  const RequantS8Neon rq(args.out);
  ForEachDwS8Pixel(args, row_begin, row_end, [&](const int8_t* const* x, int8_t* y) {
    const int8_t* at[kMaxDwTaps];
    for (int32_t c0 = 0; c0 < full; c0 += kTile) {
      for (int32_t t = 0; t < taps; ++t) at[t] = x[t] + c0;
      vst1q_s8(y + c0, Pixel16(p, at, c0, rq));
    }
    if (full < channels) {
      const size_t left = static_cast<size_t>(channels - full);
      int8_t tail[kMaxDwTaps][kTile];
      for (int32_t t = 0; t < taps; ++t) {
        std::memcpy(tail[t], x[t] + full, left);
        at[t] = tail[t];
      }
      int8_t out[kTile];
      vst1q_s8(out, Pixel16(p, at, full, rq));
      std::memcpy(y + full, out, left);
    }
  });
}

}  // namespace scalert::kernels
