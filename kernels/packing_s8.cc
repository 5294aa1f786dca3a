#include "kernels/packing_s8.h"

#include <algorithm>
#include <cstring>

namespace scalert::kernels {
namespace {

// Bias and scale padded to whole panels; bias' = bias - correction * sum_k w (wrapping, as the
// reference adds its bias).
PackedGemmS8 PackCommon(const int8_t* w, const int32_t* bias, const float* scale, int32_t n, int32_t k,
                        int32_t correction, const TileShape& tile) {
  PackedGemmS8 p;
  p.n = n;
  p.k = k;
  p.nr = tile.nr;
  const int64_t padded = RoundUp(n, tile.nr);
  p.bias.assign(static_cast<size_t>(padded), 0);
  p.scale.assign(static_cast<size_t>(padded), 0.f);
  for (int32_t j = 0; j < n; ++j) {
    uint32_t sum = 0;
    for (int32_t kk = 0; kk < k; ++kk) sum += static_cast<uint32_t>(static_cast<int32_t>(w[static_cast<int64_t>(j) * k + kk]));
    p.bias[j] = static_cast<int32_t>(static_cast<uint32_t>(bias ? bias[j] : 0) - static_cast<uint32_t>(correction) * sum);
    p.scale[j] = scale[j];
  }
  return p;
}

}  // namespace

PackedGemmS8 PackGemmS8Rows(const int8_t* w, const int32_t* bias, const float* scale, int32_t n, int32_t k,
                            int32_t a_zero_point, const TileShape& tile) {
  PackedGemmS8 p = PackCommon(w, bias, scale, n, k, a_zero_point, tile);
  p.b.assign(static_cast<size_t>(RoundUp(n, tile.nr)) * k, 0);
  if (n > 0 && k > 0) std::memcpy(p.b.data(), w, static_cast<size_t>(n) * k);
  return p;
}

PackedGemmS8 PackGemmS8Pairs(const int8_t* w, const int32_t* bias, const float* scale, int32_t n, int32_t k,
                             int32_t a_zero_point, const TileShape& tile) {
  PackedGemmS8 p = PackCommon(w, bias, scale, n, k, a_zero_point, tile);
  const int32_t nr = tile.nr;
  const int64_t panel = GemmS8PanelBytes(k, nr, 2, 2) / 2;  // int16 elements
  std::vector<int16_t> b(static_cast<size_t>(RoundUp(n, nr) / nr * panel), 0);
  for (int32_t j = 0; j < n; ++j)
    for (int32_t kk = 0; kk < k; ++kk)
      b[static_cast<size_t>(j / nr * panel + (kk / 2 * nr + j % nr) * 2 + kk % 2)] = w[static_cast<int64_t>(j) * k + kk];
  p.b.resize(b.size() * 2);
  if (!b.empty()) std::memcpy(p.b.data(), b.data(), p.b.size());
  return p;
}

namespace {

// [n/nr][depth/4][nr][4]: 4 consecutive k per column, zero past n and k (depth: k rounded up to
// a multiple of 4, or more).
void QuadsLayout(const int8_t* w, int32_t n, int32_t k, int32_t nr, PackedGemmS8* p, int32_t depth = 0) {
  const int64_t panel = GemmS8PanelBytes(std::max(k, depth), nr, 1, 4);
  p->b.assign(static_cast<size_t>(RoundUp(n, nr) / nr * panel), 0);
  for (int32_t j = 0; j < n; ++j)
    for (int32_t kk = 0; kk < k; ++kk)
      p->b[static_cast<size_t>(j / nr * panel + (kk / 4 * nr + j % nr) * 4 + kk % 4)] = w[static_cast<int64_t>(j) * k + kk];
}

}  // namespace

PackedGemmS8 PackGemmS8Quads(const int8_t* w, const int32_t* bias, const float* scale, int32_t n, int32_t k,
                             int32_t a_zero_point, const TileShape& tile) {
  PackedGemmS8 p = PackCommon(w, bias, scale, n, k, 128 + a_zero_point, tile);
  QuadsLayout(w, n, k, tile.nr, &p);
  return p;
}

PackedGemmS8 PackGemmS8InterleavedQuads(const int8_t* w, const int32_t* bias, const float* scale, int32_t n,
                                        int32_t k, int32_t a_zero_point, const TileShape& tile) {
  PackedGemmS8 p = PackGemmS8Quads(w, bias, scale, n, k, a_zero_point, tile);
  if (RoundUp(k, 4) > kInterleavedQuadsMaxK || tile.nr != 16) return p;
  const PackedGemmS8 natural = p;
  const int64_t panel = GemmS8PanelBytes(k, 16, 1, 4);
  for (int32_t g = 0; g + 64 <= n; g += 64)
    for (int32_t slot = 0; slot < 64; ++slot) {
      const int32_t to = g + slot, from = g + InterleavedQuadsColumn(slot);
      p.bias[to] = natural.bias[from];
      p.scale[to] = natural.scale[from];
      for (int64_t kk = 0; kk < panel / 16; ++kk)
        p.b[static_cast<size_t>(to / 16 * panel + (kk / 4 * 16 + to % 16) * 4 + kk % 4)] =
            natural.b[static_cast<size_t>(from / 16 * panel + (kk / 4 * 16 + from % 16) * 4 + kk % 4)];
    }
  return p;
}

PackedGemmS8 PackGemmS8SignedQuads(const int8_t* w, const int32_t* bias, const float* scale, int32_t n, int32_t k,
                                   int32_t a_zero_point, const TileShape& tile) {
  PackedGemmS8 p = PackCommon(w, bias, scale, n, k, a_zero_point, tile);
  QuadsLayout(w, n, k, tile.nr, &p);
  return p;
}

PackedGemmS8 PackGemmS8AmxQuads(const int8_t* w, const int32_t* bias, const float* scale, int32_t n, int32_t k,
                                int32_t a_zero_point, const TileShape& tile) {
  if (AmxGemmS8UsesVnni(k)) return PackGemmS8InterleavedQuads(w, bias, scale, n, k, a_zero_point, tile);
  PackedGemmS8 p = PackCommon(w, bias, scale, n, k, a_zero_point, tile);
  QuadsLayout(w, n, k, tile.nr, &p, AmxGemmS8Chunks(k).padded());
  return p;
}

PackedGemmS8 PackGemmS8ColumnPairs(const int8_t* w, const int32_t* bias, const float* scale, int32_t n,
                                   int32_t k, int32_t a_zero_point, const TileShape& tile) {
  PackedGemmS8 p = PackCommon(w, bias, scale, n, k, a_zero_point, tile);
  const int32_t nr = tile.nr;  // even
  const int64_t panel = GemmS8PanelBytes(k, nr, 1, 8);
  p.b.assign(static_cast<size_t>(RoundUp(n, nr) / nr * panel), 0);
  for (int32_t j = 0; j < n; ++j)
    for (int32_t kk = 0; kk < k; ++kk)
      p.b[static_cast<size_t>(j / nr * panel + (static_cast<int64_t>(kk / 8) * (nr / 2) + j % nr / 2) * 16 + j % 2 * 8 +
                              kk % 8)] = w[static_cast<int64_t>(j) * k + kk];
  return p;
}

namespace {

// Bias with the zero point folded (wrapping, as the reference adds its bias) and the factors.
void DwBiasAndScale(const int8_t* w, const int32_t* bias, const float* scale, int32_t channels, int32_t taps,
                    int32_t a_zero_point, PackedDwConvS8* p, int32_t (*lane)(int32_t)) {
  p->bias.assign(static_cast<size_t>(p->padded), 0);
  p->scale.assign(static_cast<size_t>(p->padded), 0.f);
  for (int32_t c = 0; c < channels; ++c) {
    uint32_t sum = 0;
    for (int32_t t = 0; t < taps; ++t) sum += static_cast<uint32_t>(int32_t{w[static_cast<int64_t>(t) * channels + c]});
    const int32_t at = lane(c);
    p->bias[at] = static_cast<int32_t>(static_cast<uint32_t>(bias ? bias[c] : 0) - static_cast<uint32_t>(a_zero_point) * sum);
    p->scale[at] = scale[c];
  }
}

PackedDwConvS8 DwShape(int32_t channels, int32_t taps, const TileShape& tile) {
  PackedDwConvS8 p;
  p.channels = channels;
  p.taps = taps;
  p.channel_tile = tile.channel_tile;
  p.padded = static_cast<int32_t>(RoundUp(channels, tile.channel_tile));
  return p;
}

}  // namespace

PackedDwConvS8 PackDwConvS8(const int8_t* w, const int32_t* bias, const float* scale, int32_t channels,
                            int32_t taps, int32_t a_zero_point, const TileShape& tile) {
  PackedDwConvS8 p = DwShape(channels, taps, tile);
  p.w.assign(static_cast<size_t>(taps) * p.padded, 0);
  for (int32_t t = 0; t < taps; ++t)
    for (int32_t c = 0; c < channels; ++c)
      p.w[static_cast<size_t>(t) * p.padded + c] = static_cast<uint16_t>(int16_t{w[static_cast<int64_t>(t) * channels + c]});
  DwBiasAndScale(w, bias, scale, channels, taps, a_zero_point, &p, [](int32_t c) { return c; });
  return p;
}

PackedDwConvS8 PackDwConvS8Halves(const int8_t* w, const int32_t* bias, const float* scale, int32_t channels,
                                  int32_t taps, int32_t a_zero_point, const TileShape& tile) {
  PackedDwConvS8 p = DwShape(channels, taps, tile);  // tile.channel_tile must be even
  std::vector<int16_t> h(static_cast<size_t>(taps) * p.padded, 0);
  for (int32_t t = 0; t < taps; ++t)
    for (int32_t c = 0; c < channels; ++c) h[static_cast<size_t>(t) * p.padded + c] = w[static_cast<int64_t>(t) * channels + c];
  p.w.resize(h.size() / 2);
  if (!h.empty()) std::memcpy(p.w.data(), h.data(), h.size() * 2);
  DwBiasAndScale(w, bias, scale, channels, taps, a_zero_point, &p, [](int32_t c) { return c; });
  return p;
}

PackedDwConvS8 PackDwConvS8Pairs(const int8_t* w, const int32_t* bias, const float* scale, int32_t channels,
                                 int32_t taps, int32_t a_zero_point, const TileShape& tile) {
  PackedDwConvS8 p = DwShape(channels, taps, tile);  // tile.channel_tile must be 32
  const int32_t pairs = (taps + 1) / 2;
  p.w.assign(static_cast<size_t>(p.padded) * pairs, 0);
  for (int32_t c = 0; c < channels; ++c)
    for (int32_t q = 0; q < pairs; ++q) {
      const uint16_t w0 = static_cast<uint16_t>(int16_t{w[static_cast<int64_t>(2 * q) * channels + c]});
      const uint16_t w1 =
          2 * q + 1 < taps ? static_cast<uint16_t>(int16_t{w[static_cast<int64_t>(2 * q + 1) * channels + c]}) : 0;
      p.w[(static_cast<size_t>(c / 32) * pairs + q) * 32 + PairsLane(c % 32)] =
          static_cast<int32_t>(static_cast<uint32_t>(w0) | static_cast<uint32_t>(w1) << 16);
    }
  DwBiasAndScale(w, bias, scale, channels, taps, a_zero_point, &p,
                 [](int32_t c) { return c / 32 * 32 + PairsLane(c % 32); });
  return p;
}

PackedDwConvS8 PackDwConvS8TapBytes(const int8_t* w, const int32_t* bias, const float* scale, int32_t channels,
                                    int32_t taps, int32_t a_zero_point, const TileShape& tile) {
  PackedDwConvS8 p = DwShape(channels, taps, tile);  // tile.channel_tile must be 32
  std::vector<int8_t> bytes(static_cast<size_t>(taps) * p.padded, 0);
  for (int32_t t = 0; t < taps; ++t)
    for (int32_t c = 0; c < channels; ++c)
      bytes[static_cast<size_t>(t) * p.padded + c] = w[static_cast<int64_t>(t) * channels + c];
  p.w.resize(bytes.size() / 4);
  if (!bytes.empty()) std::memcpy(p.w.data(), bytes.data(), bytes.size());
  DwBiasAndScale(w, bias, scale, channels, taps, 128 + a_zero_point, &p,
                 [](int32_t c) { return c / 32 * 32 + QuadsLane(c % 32); });
  return p;
}

}  // namespace scalert::kernels
