// NEON INT8 elementwise kernels: Add, Mul by a per-channel gate, global mean and f32 -> int8,
// 16 values at a time with the arithmetic of kernels/portable/elementwise_s8.cc (int32
// differences, single-precision products rounded apart: this file compiles with
// -ffp-contract=off), requant_s8_neon.h's clamp and rounding; 256-entry tables by TBL/TBX over
// the table's four 64-byte quarters. The last 1-15 values go through stack copies, so nothing
// past an array is read or written.
#include <arm_neon.h>

#include <cstring>

#include "kernels/arm/neon/kernels_s8.h"
#include "kernels/arm/neon/requant_s8_neon.h"

namespace scalert::kernels {
namespace {

constexpr int32_t kBlock = 16;

// 16 int8 values as four int32x4, in order.
struct Wide16 {
  int32x4_t v[4];
};
inline Wide16 Widen(int8x16_t x) {
  const int16x8_t lo = vmovl_s8(vget_low_s8(x)), hi = vmovl_high_s8(x);
  return {{vmovl_s16(vget_low_s16(lo)), vmovl_high_s16(lo), vmovl_s16(vget_low_s16(hi)), vmovl_high_s16(hi)}};
}

// Runs block(in_offset, out) over n values in blocks of 16; the last partial block reads from
// `load_tail` copies and stores only its values.
template <typename Block, typename LoadTail>
inline void ForEachBlock(int64_t n, int8_t* y, Block block, LoadTail load_tail) {
  int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) vst1q_s8(y + i, block(i));
  if (i < n) StoreS8(y + i, load_tail(i, static_cast<int32_t>(n - i)), static_cast<int32_t>(n - i));
}

inline int8x16_t Add16(const int8_t* a, const int8_t* b, int32x4_t azp, int32x4_t bzp, float32x4_t fa,
                       float32x4_t fb, const RequantS8Neon& rq) {
  const Wide16 wa = Widen(vld1q_s8(a)), wb = Widen(vld1q_s8(b));
  int32x4_t r[4];
  for (int j = 0; j < 4; ++j) {
    const float32x4_t pa = vmulq_f32(vcvtq_f32_s32(vsubq_s32(wa.v[j], azp)), fa);
    const float32x4_t pb = vmulq_f32(vcvtq_f32_s32(vsubq_s32(wb.v[j], bzp)), fb);
    r[j] = rq.RoundClamp(vaddq_f32(pa, pb));
  }
  return NarrowS8(r[0], r[1], r[2], r[3]);
}

// gate: 16 values of s - s_zp.
inline int8x16_t MulGate16(const int8_t* x, const int32_t* gate, int32x4_t xzp, float32x4_t f,
                           const RequantS8Neon& rq) {
  const Wide16 wx = Widen(vld1q_s8(x));
  int32x4_t r[4];
  for (int j = 0; j < 4; ++j) {
    const int32x4_t prod = vmulq_s32(vsubq_s32(wx.v[j], xzp), vld1q_s32(gate + 4 * j));
    r[j] = rq.RoundClamp(vmulq_f32(vcvtq_f32_s32(prod), f));
  }
  return NarrowS8(r[0], r[1], r[2], r[3]);
}

// table[x + 128]: x ^ 0x80 is x + 128 as a byte; TBL gives 0 and TBX keeps the lane for an
// index past its 64 bytes, so each quarter fills exactly the lanes whose index falls in it.
struct Table256 {
  int8x16x4_t q[4];
  explicit Table256(const int8_t* t) {
    for (int k = 0; k < 4; ++k)
      for (int j = 0; j < 4; ++j) q[k].val[j] = vld1q_s8(t + 64 * k + 16 * j);
  }
  int8x16_t operator()(int8x16_t x) const {
    const uint8x16_t idx = veorq_u8(vreinterpretq_u8_s8(x), vdupq_n_u8(0x80));
    int8x16_t r = vqtbl4q_s8(q[0], idx);
    r = vqtbx4q_s8(r, q[1], vsubq_u8(idx, vdupq_n_u8(64)));
    r = vqtbx4q_s8(r, q[2], vsubq_u8(idx, vdupq_n_u8(128)));
    return vqtbx4q_s8(r, q[3], vsubq_u8(idx, vdupq_n_u8(192)));
  }
};

// The division stays a division (x * (1 / scale) can round differently).
inline int8x16_t Quantize16(const float* x, float32x4_t scale, const RequantS8Neon& rq) {
  int32x4_t r[4];
  for (int j = 0; j < 4; ++j) r[j] = rq.RoundClamp(vdivq_f32(vld1q_f32(x + 4 * j), scale));
  return NarrowS8(r[0], r[1], r[2], r[3]);
}

// Sums of V * 16 channels over the pixels, rows `stride` bytes apart: int8 values widen into
// int16 sums for 256 pixels at a time (within [-32768, 32512]), then into int32. With
// `left` < 16, the last vector reads only `left` bytes of each row (through a copy).
template <int V>
inline void ChannelSums(int64_t pixels, int64_t stride, const int8_t* x, int32_t left, int32x4_t* acc) {
  for (int j = 0; j < 4 * V; ++j) acc[j] = vdupq_n_s32(0);
  int8_t tail[kBlock] = {};
  for (int64_t p0 = 0; p0 < pixels; p0 += 256) {
    const int64_t p1 = pixels - p0 < 256 ? pixels : p0 + 256;
    int16x8_t acc16[2 * V];
    for (int j = 0; j < 2 * V; ++j) acc16[j] = vdupq_n_s16(0);
    for (int64_t px = p0; px < p1; ++px) {
      const int8_t* row = x + px * stride;
      for (int v = 0; v < V; ++v) {
        const int8_t* src = row + kBlock * v;
        if (v == V - 1 && left < kBlock) {
          std::memcpy(tail, src, static_cast<size_t>(left));
          src = tail;
        }
        const int8x16_t b = vld1q_s8(src);
        acc16[2 * v] = vaddw_s8(acc16[2 * v], vget_low_s8(b));
        acc16[2 * v + 1] = vaddw_high_s8(acc16[2 * v + 1], b);
      }
    }
    for (int j = 0; j < 2 * V; ++j) {
      acc[2 * j] = vaddw_s16(acc[2 * j], vget_low_s16(acc16[j]));
      acc[2 * j + 1] = vaddw_high_s16(acc[2 * j + 1], acc16[j]);
    }
  }
}

// y[c] = RoundClamp(float(sum - pixels * zp) * m) for the V * 16 sums (the last vector keeps
// `left` values).
template <int V>
inline void StoreMeans(const int32x4_t* acc, int32x4_t offset, float32x4_t m, const RequantS8Neon& rq, int8_t* y,
                       int32_t left) {
  for (int v = 0; v < V; ++v) {
    int32x4_t r[4];
    for (int j = 0; j < 4; ++j) r[j] = rq.RoundClamp(vmulq_f32(vcvtq_f32_s32(vsubq_s32(acc[4 * v + j], offset)), m));
    StoreS8(y + kBlock * v, NarrowS8(r[0], r[1], r[2], r[3]), v == V - 1 ? left : kBlock);
  }
}

}  // namespace

void add_s8_neon(int64_t n, const int8_t* a, const int8_t* b, int8_t* y, const BinaryS8Params& p) {
  const int32x4_t azp = vdupq_n_s32(p.a_zero_point), bzp = vdupq_n_s32(p.b_zero_point);
  const float32x4_t fa = vdupq_n_f32(p.f.a), fb = vdupq_n_f32(p.f.b);
  const RequantS8Neon rq(p.out);
  ForEachBlock(
      n, y, [&](int64_t i) { return Add16(a + i, b + i, azp, bzp, fa, fb, rq); },
      [&](int64_t i, int32_t left) {
        int8_t ta[kBlock] = {}, tb[kBlock] = {};
        std::memcpy(ta, a + i, static_cast<size_t>(left));
        std::memcpy(tb, b + i, static_cast<size_t>(left));
        return Add16(ta, tb, azp, bzp, fa, fb, rq);
      });
}

void mul_channel_s8_neon(int64_t pixels, int32_t channels, const int8_t* x, const int8_t* s, int8_t* y,
                         const BinaryS8Params& p) {
  const int32x4_t xzp = vdupq_n_s32(p.a_zero_point), szp = vdupq_n_s32(p.b_zero_point);
  const float32x4_t f = vdupq_n_f32(p.f.a);
  const RequantS8Neon rq(p.out);
  // The gate minus its zero point, widened once per block of channels (padded to 16).
  constexpr int32_t kGateBlock = 1024;
  alignas(16) int32_t gate[kGateBlock];
  for (int32_t c0 = 0; c0 < channels; c0 += kGateBlock) {
    const int32_t cn = channels - c0 < kGateBlock ? channels - c0 : kGateBlock;
    for (int32_t c = 0; c < cn; c += kBlock) {
      int8_t t[kBlock] = {};
      std::memcpy(t, s + c0 + c, static_cast<size_t>(cn - c < kBlock ? cn - c : kBlock));
      const Wide16 w = Widen(vld1q_s8(t));
      for (int j = 0; j < 4; ++j) vst1q_s32(gate + c + 4 * j, vsubq_s32(w.v[j], szp));
    }
    for (int64_t px = 0; px < pixels; ++px) {
      const int8_t* xr = x + px * channels + c0;
      ForEachBlock(
          cn, y + px * channels + c0, [&](int64_t c) { return MulGate16(xr + c, gate + c, xzp, f, rq); },
          [&](int64_t c, int32_t left) {
            int8_t t[kBlock] = {};
            std::memcpy(t, xr + c, static_cast<size_t>(left));
            return MulGate16(t, gate + c, xzp, f, rq);
          });
    }
  }
}

void global_avg_pool_s8_neon(int64_t pixels, int32_t channels, const int8_t* x, int32_t x_zero_point, float m,
                             RequantS8 out, int8_t* y, int32_t c_begin, int32_t c_end) {
  const RequantS8Neon rq(out);
  const float32x4_t mv = vdupq_n_f32(m);
  // sum (x - zp) = sum x - pixels * zp in wrapping int32 (the validator keeps it in range).
  const int32x4_t offset =
      vdupq_n_s32(static_cast<int32_t>(static_cast<uint32_t>(pixels) * static_cast<uint32_t>(x_zero_point)));
  int32x4_t acc[16];
  int32_t c = c_begin;
  // 64 channels per pass: a whole cache line of each row.
  for (; c_end - c >= 4 * kBlock; c += 4 * kBlock) {
    ChannelSums<4>(pixels, channels, x + c, kBlock, acc);
    StoreMeans<4>(acc, offset, mv, rq, y + c, kBlock);
  }
  for (; c < c_end; c += kBlock) {
    const int32_t left = c_end - c < kBlock ? c_end - c : kBlock;
    ChannelSums<1>(pixels, channels, x + c, left, acc);
    StoreMeans<1>(acc, offset, mv, rq, y + c, left);
  }
}

void lookup_s8_neon(int64_t n, const int8_t* x, const int8_t* table, int8_t* y) {
  const Table256 t(table);
  ForEachBlock(
      n, y, [&](int64_t i) { return t(vld1q_s8(x + i)); },
      [&](int64_t i, int32_t left) {
        int8_t tx[kBlock] = {};
        std::memcpy(tx, x + i, static_cast<size_t>(left));
        return t(vld1q_s8(tx));
      });
}

void quantize_s8_neon(int64_t n, const float* x, float scale, int32_t zero_point, int8_t* y) {
  // Clamping to the int8 range relative to the zero point gives quantize_s8_portable's results
  // (it clamps one step wider, then again after adding the zero point); NaN goes to -128.
  const RequantS8Neon rq(
      RequantS8{zero_point, static_cast<float>(-128 - zero_point), static_cast<float>(127 - zero_point)});
  const float32x4_t s = vdupq_n_f32(scale);
  ForEachBlock(
      n, y, [&](int64_t i) { return Quantize16(x + i, s, rq); },
      [&](int64_t i, int32_t left) {
        float tx[kBlock] = {};
        std::memcpy(tx, x + i, sizeof(float) * static_cast<size_t>(left));
        return Quantize16(tx, s, rq);
      });
}

}  // namespace scalert::kernels
