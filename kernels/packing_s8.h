// Weight layouts of the INT8 kernels, built once at Prepare (kernel_types_s8.h says what the
// packed bias holds). One GEMM packing per kernel family, all cut in panels of tile.nr columns:
//   rows  (portable): panel p holds, for each column, its k weights: [n/nr][nr][k];
//   pairs (avx2, vpmaddwd): int16 pairs of consecutive k per column: [n/nr][k2/2][nr][2] int16
//         (k2 = RoundUp(k, 2)); bias' = bias - x_zp * sum_k w;
//   quads (avx512vnni, vpdpbusd): 4 consecutive k per column: [n/nr][k4/4][nr][4] int8
//         (k4 = RoundUp(k, 4)); vpdpbusd reads A as unsigned, A + 128 (the sign bit flipped),
//         so bias' = bias - (128 + x_zp) * sum_k w.
// Columns past n and k past its end are zero.
#ifndef SCALERT_KERNELS_PACKING_S8_H_
#define SCALERT_KERNELS_PACKING_S8_H_

#include "kernels/kernel_types_s8.h"

namespace scalert::kernels {

PackedGemmS8 PackGemmS8Rows(const int8_t* w, const int32_t* bias, const float* scale, int32_t n, int32_t k,
                            int32_t a_zero_point, const TileShape& tile);
PackedGemmS8 PackGemmS8Pairs(const int8_t* w, const int32_t* bias, const float* scale, int32_t n, int32_t k,
                             int32_t a_zero_point, const TileShape& tile);
PackedGemmS8 PackGemmS8Quads(const int8_t* w, const int32_t* bias, const float* scale, int32_t n, int32_t k,
                             int32_t a_zero_point, const TileShape& tile);

// Bytes of packed B one panel of `nr` columns occupies (rows: k per column; pairs: 2 bytes per
// element over k2; quads: k4).
inline int64_t GemmS8PanelBytes(int64_t k, int32_t nr, int32_t element_bytes, int32_t k_group) {
  return RoundUp(k, k_group) * nr * element_bytes;
}

// w [taps, channels] (the [1, kh, kw, c] depthwise layout); bias may be null.
PackedDwConvS8 PackDwConvS8(const int8_t* w, const int32_t* bias, const float* scale, int32_t channels,
                            int32_t taps, const TileShape& tile);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_PACKING_S8_H_
