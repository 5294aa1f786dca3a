#include "kernels/packing_half.h"

#include "kernels/reference/float_formats.h"

namespace scalert::kernels {

namespace {

// A PackedGemm of `b_floats` float slots of weights (zero) and the bias padded to RoundUp(n, nr).
PackedGemm Allocate(const float* bias, int32_t n, int32_t k, const TileShape& tile, int64_t b_floats) {
  PackedGemm p;
  p.n = n;
  p.k = k;
  p.nr = tile.nr;
  p.nr_min = GemmMinPanel(tile);
  p.b = AlignedBuffer(static_cast<size_t>(b_floats));
  p.bias = AlignedBuffer(static_cast<size_t>(RoundUp(n, tile.nr)));
  if (bias)
    for (int32_t j = 0; j < n; ++j) p.bias.data()[j] = bias[j];
  return p;
}

}  // namespace

PackedGemm PackGemmWeightsBf16Pairs(const float* w, const float* bias, int32_t n, int32_t k, const TileShape& tile) {
  const int32_t nr = tile.nr, nr_min = GemmMinPanel(tile);
  const int64_t pairs = (k + 1) / 2;
  PackedGemm p = Allocate(bias, n, k, tile, RoundUp(n, nr_min) * pairs);  // one 32-bit pair per float slot
  uint32_t* b = reinterpret_cast<uint32_t*>(p.b.data());
  for (int32_t n0 = 0, width = 0; n0 < n; n0 += width) {
    width = GemmPanelWidth(n, n0, nr, nr_min);
    uint32_t* panel = b + static_cast<int64_t>(n0) * pairs;
    for (int64_t q = 0; q < pairs; ++q)
      for (int32_t j = 0; j < width && n0 + j < n; ++j) {
        const float* row = w + static_cast<int64_t>(n0 + j) * k;
        const uint32_t lo = ref::F32ToBf16(row[2 * q]);
        const uint32_t hi = 2 * q + 1 < k ? ref::F32ToBf16(row[2 * q + 1]) : 0u;
        panel[q * width + j] = lo | hi << 16;
      }
  }
  return p;
}

PackedGemm PackGemmWeightsBf16Tiles(const float* w, const float* bias, int32_t n, int32_t k, const TileShape& tile) {
  constexpr int32_t kGroup = 16;  // columns per B tile
  const int64_t pairs = Bf16TilePairs(k);
  PackedGemm p = Allocate(bias, n, k, tile, RoundUp(n, GemmMinPanel(tile)) * pairs);  // a 32-bit pair per float slot
  uint32_t* b = reinterpret_cast<uint32_t*>(p.b.data());
  for (int32_t col = 0; col < n; ++col) {
    uint32_t* group = b + static_cast<int64_t>(col / kGroup) * kGroup * pairs;
    const float* row = w + static_cast<int64_t>(col) * k;
    for (int64_t q = 0; q < (k + 1) / 2; ++q) {
      const uint32_t lo = ref::F32ToBf16(row[2 * q]);
      const uint32_t hi = 2 * q + 1 < k ? ref::F32ToBf16(row[2 * q + 1]) : 0u;
      group[q * kGroup + col % kGroup] = lo | hi << 16;
    }
  }
  return p;
}

PackedDwConv PackDwConvWeightsBf16Pairs(const float* w, const float* bias, int32_t channels, int32_t taps,
                                        const TileShape& tile) {
  const int32_t ct = tile.channel_tile, half = ct / 2;
  PackedDwConv p;
  p.channels = channels;
  p.taps = taps;
  p.channel_tile = ct;
  p.data = AlignedBuffer(static_cast<size_t>(RoundUp(channels, ct) / ct * DwTileStride(taps, ct)));
  for (int32_t c = 0; c < channels; ++c) {
    float* base = p.data.data() + (c / ct) * DwTileStride(taps, ct);
    const int32_t lane = (c % ct) % 2 == 0 ? (c % ct) / 2 : half + (c % ct) / 2;
    base[lane] = bias ? bias[c] : 0.f;
    for (int32_t t = 0; t < taps; ++t) base[ct * (t + 1) + lane] = w[static_cast<int64_t>(t) * channels + c];
  }
  return p;
}

PackedGemm PackGemmWeightsF16(const float* w, const float* bias, int32_t n, int32_t k, const TileShape& tile) {
  const int32_t nr = tile.nr, nr_min = GemmMinPanel(tile);
  PackedGemm p = Allocate(bias, n, k, tile, (RoundUp(n, nr_min) * k + 1) / 2);
  uint16_t* b = reinterpret_cast<uint16_t*>(p.b.data());
  for (int32_t n0 = 0, width = 0; n0 < n; n0 += width) {
    width = GemmPanelWidth(n, n0, nr, nr_min);
    uint16_t* panel = b + static_cast<int64_t>(n0) * k;
    for (int32_t kk = 0; kk < k; ++kk)
      for (int32_t j = 0; j < width && n0 + j < n; ++j)
        panel[static_cast<int64_t>(kk) * width + j] = ref::F32ToF16(w[static_cast<int64_t>(n0 + j) * k + kk]);
  }
  return p;
}

PackedDwConv PackDwConvWeightsF16(const float* w, const float* bias, int32_t channels, int32_t taps,
                                  const TileShape& tile) {
  const int32_t ct = tile.channel_tile;  // even
  PackedDwConv p;
  p.channels = channels;
  p.taps = taps;
  p.channel_tile = ct;
  const int64_t stride = DwTileStrideF16(taps, ct);
  p.data = AlignedBuffer(static_cast<size_t>(RoundUp(channels, ct) / ct * stride));
  for (int32_t c = 0; c < channels; ++c) {
    float* base = p.data.data() + (c / ct) * stride;
    base[c % ct] = bias ? bias[c] : 0.f;
    uint16_t* wt = reinterpret_cast<uint16_t*>(base + ct);
    for (int32_t t = 0; t < taps; ++t) wt[static_cast<int64_t>(t) * ct + c % ct] = ref::F32ToF16(w[static_cast<int64_t>(t) * channels + c]);
  }
  return p;
}

}  // namespace scalert::kernels
