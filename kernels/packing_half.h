// Weight layouts of the BF16 dot-product GEMM (vdpbf16ps): each 32-bit lane of a B vector holds
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

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_PACKING_HALF_H_
