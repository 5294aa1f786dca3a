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
  int32_t nr = 1;            // GEMM: columns per packed panel (the last panel may be nr / 2)
  int32_t channel_tile = 1;  // depthwise: channels per packed tile (one vector)
};

inline int64_t RoundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// GEMM weights are cut into panels of nr output columns; the last panel is nr / 2 wide when at
// most nr / 2 columns remain (MBConv widths are multiples of 8, so this avoids wasting half a
// panel on e.g. 24 or 40 channels).
inline int32_t GemmPanelWidth(int32_t n, int32_t n0, int32_t nr) { return n - n0 > nr / 2 ? nr : nr / 2; }

// Panel starting at column n0 (a multiple of nr) holds k rows of GemmPanelWidth(n, n0, nr)
// floats at offset n0 * k; columns past n are zero. Bias is padded to RoundUp(n, nr) with zeros.
struct PackedGemm {
  AlignedBuffer b, bias;
  int32_t n = 0, k = 0, nr = 0;
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
