#include "kernels/packing.h"

namespace scalert::kernels {

PackedGemm PackGemmWeights(const float* w, const float* bias, int32_t n, int32_t k, const TileShape& tile) {
  const int32_t nr = tile.nr, nr_min = GemmMinPanel(tile);
  PackedGemm p;
  p.n = n;
  p.k = k;
  p.nr = nr;
  p.nr_min = nr_min;
  p.b = AlignedBuffer(static_cast<size_t>(RoundUp(n, nr_min) * k));
  p.bias = AlignedBuffer(static_cast<size_t>(RoundUp(n, nr)));
  for (int32_t n0 = 0, width = 0; n0 < n; n0 += width) {
    width = GemmPanelWidth(n, n0, nr, nr_min);
    float* panel = p.b.data() + static_cast<int64_t>(n0) * k;
    for (int32_t kk = 0; kk < k; ++kk)
      for (int32_t j = 0; j < width && n0 + j < n; ++j)
        panel[static_cast<int64_t>(kk) * width + j] = w[static_cast<int64_t>(n0 + j) * k + kk];
  }
  if (bias)
    for (int32_t j = 0; j < n; ++j) p.bias.data()[j] = bias[j];
  return p;
}

PackedDwConv PackDwConvWeights(const float* w, const float* bias, int32_t channels, int32_t taps,
                               const TileShape& tile) {
  const int32_t ct = tile.channel_tile;
  PackedDwConv p;
  p.channels = channels;
  p.taps = taps;
  p.channel_tile = ct;
  const int64_t tiles = RoundUp(channels, ct) / ct;
  p.data = AlignedBuffer(static_cast<size_t>(tiles * DwTileStride(taps, ct)));
  for (int32_t c = 0; c < channels; ++c) {
    float* t_base = p.data.data() + (c / ct) * DwTileStride(taps, ct);
    const int32_t lane = c % ct;
    t_base[lane] = bias ? bias[c] : 0.f;
    for (int32_t t = 0; t < taps; ++t) t_base[ct * (t + 1) + lane] = w[static_cast<int64_t>(t) * channels + c];
  }
  return p;
}

}  // namespace scalert::kernels
