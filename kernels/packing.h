// Weight layouts shared by every ISA's kernels, built once at Prepare. A layout is parametrised
// by the tile of the kernel that will read it (registry.h: TileShape), so a kernel with wider
// registers packs wider panels; the registry pairs each kernel with the packing it reads.
#ifndef SCALERT_KERNELS_PACKING_H_
#define SCALERT_KERNELS_PACKING_H_

#include <cstdint>

#include "kernels/aligned_buffer.h"

namespace scalert::kernels {

// The register tile a kernel computes and the granule its packed weights are cut in.
struct TileShape {
  int32_t mr = 1;            // GEMM: most rows per register tile (remainders use shorter tiles)
  int32_t nr = 1;            // GEMM: columns per packed panel (the last ones may be narrower)
  int32_t channel_tile = 1;  // depthwise: channels per packed tile (one vector)
  int32_t nr_min = 0;        // GEMM: narrowest panel (0: nr / 2), one register of the narrowest kind
};

inline int64_t RoundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// GEMM weights are cut into panels of nr output columns, and the columns left after the last full
// one into the widest of nr / 2, nr / 4, ..., nr_min that fit (the last possibly partly masked):
// MBConv widths are multiples of 8, so e.g. 24 or 40 channels on a 32-wide kernel run as 16 + 8
// and 32 + 8 instead of wasting a quarter of a 32-wide panel.
inline int32_t GemmMinPanel(const TileShape& t) { return t.nr_min > 0 ? t.nr_min : t.nr / 2; }
inline int32_t GemmPanelWidth(int32_t n, int32_t n0, int32_t nr, int32_t nr_min) {
  const int32_t rem = n - n0;
  int32_t w = nr;
  while (w > nr_min && w > rem) w /= 2;
  return w;
}

// The panel starting at column n0 holds k rows of GemmPanelWidth(n, n0, nr, nr_min) floats at
// offset n0 * k; columns past n are zero. Bias is padded to RoundUp(n, nr) with zeros.
struct PackedGemm {
  AlignedBuffer b, bias;
  int32_t n = 0, k = 0, nr = 0, nr_min = 0;
};
// `w` is [n, k] row-major: conv OHWI weights (k = kh * kw * cin) or FC [out, in]. bias may be null.
PackedGemm PackGemmWeights(const float* w, const float* bias, int32_t n, int32_t k, const TileShape& tile);

// Channel tile g (channels ct*g .. ct*g+ct-1, ct = tile.channel_tile) holds its ct biases then,
// for each tap t of the kernel window (row-major), the ct weights; the last tile is zero-padded.
struct PackedDwConv {
  AlignedBuffer data;
  int32_t channels = 0, taps = 0, channel_tile = 0;
};
// `w` is [taps, channels] (the [1, kh, kw, c] depthwise layout); bias may be null.
PackedDwConv PackDwConvWeights(const float* w, const float* bias, int32_t channels, int32_t taps,
                               const TileShape& tile);

// Floats one depthwise channel tile occupies in PackedDwConv::data.
inline int64_t DwTileStride(int32_t taps, int32_t channel_tile) {
  return static_cast<int64_t>(channel_tile) * (taps + 1);
}

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_PACKING_H_
