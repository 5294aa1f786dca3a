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
