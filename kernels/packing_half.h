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

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_PACKING_HALF_H_
