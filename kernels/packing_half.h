// Weight layouts of the 16-bit-arithmetic kernels. BF16 dot-product GEMM (vdpbf16ps): each 32-bit lane of a B vector holds
// the BF16 weights of two consecutive k for one output column, so one instruction multiplies a
// broadcast pair of activations by a pair of weights per column and adds both products to an
// FP32 accumulator.
#ifndef SCALERT_KERNELS_PACKING_HALF_H_
#define SCALERT_KERNELS_PACKING_HALF_H_

#include <cstdint>

#include "kernels/packing.h"

namespace scalert::kernels {

// Panels as PackGemmWeights (GemmPanelWidth over tile.nr and its nr_min), each holding
// ceil(k / 2) rows of `width` 32-bit pairs (low half: k = 2p, high half: k = 2p + 1, zero past k
// and past n) at 32-bit offset n0 * ceil(k / 2). Weights are rounded to BF16 (exact for weights
// a BF16 file stores). Bias stays FP32, padded to RoundUp(n, nr).
PackedGemm PackGemmWeightsBf16Pairs(const float* w, const float* bias, int32_t n, int32_t k, const TileShape& tile);

// BF16 weights for AMX tile multiplies (TDPBF16PS): k is cut into chunks of
// Bf16TileKChunk(k) values, each one B tile per 16 columns of chunk / 2 rows of 16 k-pairs (64
// bytes). Columns in groups of 16, group c / 16 at 32-bit offset c * Bf16TilePairs(k): that
// many rows of 16 pairs (low half k = 2p, high half 2p + 1; zero past k, so the last chunk may
// be partial, and past n), so a panel of the kernel (tile.nr, tile.nr_min = 16) is its groups
// side by side. Bias stays FP32, padded to RoundUp(n, nr).
PackedGemm PackGemmWeightsBf16Tiles(const float* w, const float* bias, int32_t n, int32_t k, const TileShape& tile);
// The chunk: the k rounded up to even when it is at most 32, else the largest even divisor of
// that from 32 down to 16 (no partial chunk), else 32 (the last chunk partial).
inline int32_t Bf16TileKChunk(int32_t k) {
  const int32_t k2 = k + (k & 1);
  if (k2 <= 32) return k2 > 0 ? k2 : 2;
  for (int32_t c = 32; c >= 16; c -= 2)
    if (k2 % c == 0) return c;
  return 32;
}
inline int64_t Bf16TilePairs(int32_t k) { return RoundUp((int64_t{k} + 1) / 2, Bf16TileKChunk(k) / 2); }

// Depthwise weights for BF16 kernels that widen 32 channels at once into an even-channel and an
// odd-channel FP32 vector: PackDwConvWeights' layout with tile.channel_tile = 32, where within
// each 32-float group the 16 even channels of the tile come first, then the 16 odd ones.
PackedDwConv PackDwConvWeightsBf16Pairs(const float* w, const float* bias, int32_t channels, int32_t taps,
                                        const TileShape& tile);

// FP16 weights for the FP16-arithmetic kernels (FMLAL: FP16 products, FP32 sums): the layouts of
// PackGemmWeights / PackDwConvWeights with every weight rounded to FP16 (exact for weights an
// FP16 file stores), two per float slot. GEMM: panel n0 holds k rows of `width` FP16 values at
// 16-bit offset n0 * k; bias FP32 as PackGemmWeights. Depthwise: channel tile g holds ct FP32
// biases then, per tap, ct FP16 weights (ct / 2 floats): DwTileStrideF16(taps, ct) floats.
PackedGemm PackGemmWeightsF16(const float* w, const float* bias, int32_t n, int32_t k, const TileShape& tile);
PackedDwConv PackDwConvWeightsF16(const float* w, const float* bias, int32_t channels, int32_t taps,
                                  const TileShape& tile);
inline int64_t DwTileStrideF16(int32_t taps, int32_t channel_tile) {
  return static_cast<int64_t>(channel_tile) + static_cast<int64_t>(taps) * channel_tile / 2;
}

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_PACKING_HALF_H_
