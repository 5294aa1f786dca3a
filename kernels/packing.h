// Weight layouts shared by every ISA's kernels, built once at Prepare.
#ifndef SCALERT_KERNELS_PACKING_H_
#define SCALERT_KERNELS_PACKING_H_

#include <cstdint>

#include "kernels/aligned_buffer.h"

namespace scalert::kernels {

// GEMM weights are cut into panels of kGemmPanel output columns; the last panel is 8 wide when
// at most 8 columns remain (MBConv widths are multiples of 8, so this avoids wasting half a
// panel on e.g. 24 or 40 channels).
inline constexpr int32_t kGemmPanel = 16;
// Depthwise channels are processed in tiles of this many (one AVX2 register).
inline constexpr int32_t kDwChannelTile = 8;

inline int64_t RoundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Width of the panel that starts at column n0 (a multiple of kGemmPanel): 16 or 8.
inline int32_t GemmPanelWidth(int32_t n, int32_t n0) {
  return n - n0 > kGemmPanel / 2 ? kGemmPanel : kGemmPanel / 2;
}

// Panel starting at column n0 holds k rows of GemmPanelWidth(n, n0) floats at offset n0 * k;
// columns past n are zero. Bias is padded to RoundUp(n, kGemmPanel) with zeros.
struct PackedGemm {
  AlignedBuffer b, bias;
  int32_t n = 0, k = 0;
};
// `w` is [n, k] row-major: conv OHWI weights (k = kh * kw * cin) or FC [out, in]. bias may be null.
PackedGemm PackGemmWeights(const float* w, const float* bias, int32_t n, int32_t k);

// Channel tile g (channels 8g .. 8g+7) holds its 8 biases then, for each tap t of the kernel
// window (row-major), the 8 weights; the last tile is zero-padded.
struct PackedDwConv {
  AlignedBuffer data;
  int32_t channels = 0, taps = 0;
};
// `w` is [taps, channels] (the [1, kh, kw, c] depthwise layout); bias may be null.
PackedDwConv PackDwConvWeights(const float* w, const float* bias, int32_t channels, int32_t taps);

// Floats one depthwise channel tile occupies in PackedDwConv::data.
inline int64_t DwTileStride(int32_t taps) { return static_cast<int64_t>(kDwChannelTile) * (taps + 1); }

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_PACKING_H_
