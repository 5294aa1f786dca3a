// Weight layouts of the INT8 kernels, built once at Prepare (kernel_types_s8.h says what the
// packed bias holds). One GEMM packing per kernel family, all cut in panels of tile.nr columns:
//   rows  (portable): panel p holds, for each column, its k weights: [n/nr][nr][k];
//   pairs (avx2, vpmaddwd): int16 pairs of consecutive k per column: [n/nr][k2/2][nr][2] int16
//         (k2 = RoundUp(k, 2)); bias' = bias - x_zp * sum_k w;
//   quads (avx512vnni, vpdpbusd): 4 consecutive k per column: [n/nr][k4/4][nr][4] int8
//         (k4 = RoundUp(k, 4)); vpdpbusd reads A as unsigned, A + 128 (the sign bit flipped),
//         so bias' = bias - (128 + x_zp) * sum_k w;
//   interleaved quads (avx512vnni): the quads layout, but when k4 <= kInterleavedQuadsMaxK each
//         whole group of 64 columns (4 panels, from column 0) holds its columns in the order the
//         kernel's two saturating packs leave them: slot 16p + 4i + t of the group is column
//         16i + 4p + t, so the 64 requantized bytes come out in column order without a permute
//         (bias and scale in the same slot order; columns after the last whole group unchanged);
//   signed quads (neondot, SDOT): the quads layout with A read as it is (signed by signed), so
//         bias' = bias - x_zp * sum_k w;
//   chunked quads (amx, tdpbssd): the signed quads layout with k padded with zeros to whole
//         chunks (AmxGemmS8Chunks): a B tile is one chunk of one panel, kc/4 quads x 16 columns
//         x 4 bytes, 64 bytes per quad; bias' = bias - x_zp * sum_k w. When k % 4 != 0 (a
//         3-channel stem's patches) or k < 24 the avx512vnni kernel runs the GEMM: its
//         interleaved quads (AmxGemmS8UsesVnni);
//   column pairs (neoni8mm, SMMLA): per 8 consecutive k, two columns' 8 weights each (the 2x8
//         right operand of one SMMLA): [n/nr][k8/8][nr/2][2][8] int8 (k8 = RoundUp(k, 8));
//         bias' = bias - x_zp * sum_k w.
// Columns past n and k past its end are zero.
#ifndef SCALERT_KERNELS_PACKING_S8_H_
#define SCALERT_KERNELS_PACKING_S8_H_

#include "kernels/isa.h"
#include "kernels/kernel_types_s8.h"

namespace scalert::kernels {

PackedGemmS8 PackGemmS8Rows(const int8_t* w, const int32_t* bias, const float* scale, int32_t n, int32_t k,
                            int32_t a_zero_point, const TileShape& tile);
PackedGemmS8 PackGemmS8Pairs(const int8_t* w, const int32_t* bias, const float* scale, int32_t n, int32_t k,
                             int32_t a_zero_point, const TileShape& tile);
PackedGemmS8 PackGemmS8Quads(const int8_t* w, const int32_t* bias, const float* scale, int32_t n, int32_t k,
                             int32_t a_zero_point, const TileShape& tile);
inline constexpr int32_t kInterleavedQuadsMaxK = 64;
// The column whose weights slot `slot` (0..63) of a whole 64-column group holds.
inline int32_t InterleavedQuadsColumn(int32_t slot) { return slot % 16 / 4 * 16 + slot / 16 * 4 + slot % 4; }
PackedGemmS8 PackGemmS8InterleavedQuads(const int8_t* w, const int32_t* bias, const float* scale, int32_t n,
                                        int32_t k, int32_t a_zero_point, const TileShape& tile);
PackedGemmS8 PackGemmS8SignedQuads(const int8_t* w, const int32_t* bias, const float* scale, int32_t n, int32_t k,
                                   int32_t a_zero_point, const TileShape& tile);
// The k chunks of the amx GEMM: as few as 64-byte tile rows allow (a TDPBSSD costs the same for
// any depth), of equal depth kc (a multiple of 4), so one tile configuration serves the call; k
// is padded with zero weights to count * kc (less than 64 bytes past k).
struct AmxS8Chunks {
  int32_t kc = 4, count = 0;
  int32_t padded() const { return kc * count; }
};
inline AmxS8Chunks AmxGemmS8Chunks(int32_t k) {
  const int32_t k4 = (k + 3) / 4 * 4, count = (k4 + 63) / 64;
  return {count > 0 ? ((k4 + count - 1) / count + 3) / 4 * 4 : 4, count};
}
// Whether the amx GEMM leaves depth k to the avx512vnni kernel (and its packing): k % 4 != 0, or
// k so short that requantizing dominates (gemm_s8.cc in kernels/x86/amx says what was measured).
inline constexpr int32_t kAmxGemmS8MinK = 24;
inline bool AmxGemmS8UsesVnni(int32_t k) { return k % 4 != 0 || k < kAmxGemmS8MinK; }
// The level whose kernel runs a GEMM of depth k given to the INT8 GEMM entry of level `isa`: a
// step's label names it (an amx entry hands the depths above to avx512vnni).
inline Isa GemmS8RunsAt(Isa isa, int32_t k) { return isa == Isa::kAmx && AmxGemmS8UsesVnni(k) ? Isa::kAvx512Vnni : isa; }
// Whether the INT8 GEMM entry of level `isa` writes GemmS8Args::unsigned_out bytes for depth k at
// no cost (the amx epilogue packs with unsigned saturation; depths it hands to avx512vnni are
// flipped after, correct but a second pass, so not offered).
inline bool GemmS8WritesUnsigned(Isa isa, int32_t k) { return GemmS8RunsAt(isa, k) == Isa::kAmx; }
// Whether the INT8 depthwise entry of level `isa` (its Kernel::isa) reads DwConvS8Args::unsigned_in
// input: the avx512vnni kernel, which otherwise flips every tap it interleaves.
inline bool DwConvS8ReadsUnsigned(Isa isa) { return isa == Isa::kAvx512Vnni; }
// Pixel pairs (GemmS8Args / DwConvS8Args::pixel_pairs): two pixels x, x + 1 (x even) of
// `channels` channels (a multiple of 16) in 2 * channels bytes from the first's offset, by tiles of
// 32 channels c0..: the bytes of vpunpcklbw then vpunpckhbw of the two pixels' 32 bytes (ymm,
// 128-bit lanes), 64 at 2 * c0; a last 16 channels alternate, 32 bytes. The depthwise then builds
// each quad of four taps (two pairs) with 4 unpacks instead of 8. The offset of channel c of
// pixel `which` (0, 1):
inline int64_t PixelPairOffset(int32_t c, int32_t which, int32_t channels) {
  const int32_t c0 = c / 32 * 32, e = c % 32;
  if (channels - c0 < 32) return 2 * int64_t{c0} + 2 * e + which;
  return 2 * int64_t{c0} + e / 8 % 2 * 32 + e / 16 * 16 + 2 * (e % 8) + which;
}
inline bool GemmS8WritesPixelPairs(Isa isa, int32_t k) { return GemmS8WritesUnsigned(isa, k); }
// The avx512vnni depthwise reads pixel pairs for 3x3 windows at stride 1 (paired columns) on an
// even width and channels a multiple of 16.
inline bool DwConvS8ReadsPixelPairs(Isa isa, const ref::ConvGeometry& g) {
  return isa == Isa::kAvx512Vnni && g.kernel_h == 3 && g.kernel_w == 3 && g.stride_w == 1 && g.dilation_w == 1 &&
         g.in_w % 2 == 0 && g.in_c % 16 == 0;
}
PackedGemmS8 PackGemmS8AmxQuads(const int8_t* w, const int32_t* bias, const float* scale, int32_t n, int32_t k,
                                int32_t a_zero_point, const TileShape& tile);
PackedGemmS8 PackGemmS8ColumnPairs(const int8_t* w, const int32_t* bias, const float* scale, int32_t n,
                                   int32_t k, int32_t a_zero_point, const TileShape& tile);

// Bytes of packed B one panel of `nr` columns occupies (rows: k per column; pairs: 2 bytes per
// element over k2; quads: k4).
inline int64_t GemmS8PanelBytes(int64_t k, int32_t nr, int32_t element_bytes, int32_t k_group) {
  return RoundUp(k, k_group) * nr * element_bytes;
}

// Depthwise weights, w [taps, channels] (the [1, kh, kw, c] layout), bias may be null:
//   lanes (portable, avx2): [taps][padded] lanes, the int16 weight in the low half and zero in
//         the high half, so vpmaddwd of a sign-extended x with it is the exact product (the high
//         halves multiply to zero); read a weight as int16_t(w);
//   pairs (avx512): per tile of 32 channels and pair of taps (t, t + 1; the last alone with a
//         zero partner), two vectors of 16 lanes (w_t, w_t+1) as int16 pairs, for channels
//         0-7, 16-23 then 8-15, 24-31 of the tile (the order vpunpck{l,h}bw leaves bytes in
//         within 128-bit lanes); bias and scale in the same order.
PackedDwConvS8 PackDwConvS8(const int8_t* w, const int32_t* bias, const float* scale, int32_t channels,
                            int32_t taps, int32_t a_zero_point, const TileShape& tile);
// halves (neon): [taps][padded] int16 weights, two per 32-bit slot (channel 2i in the low half
// of slot i of a tap's row, as a little-endian int16 array reads them); bias and scale by channel.
PackedDwConvS8 PackDwConvS8Halves(const int8_t* w, const int32_t* bias, const float* scale, int32_t channels,
                                  int32_t taps, int32_t a_zero_point, const TileShape& tile);
PackedDwConvS8 PackDwConvS8Pairs(const int8_t* w, const int32_t* bias, const float* scale, int32_t channels,
                                 int32_t taps, int32_t a_zero_point, const TileShape& tile);
// tap bytes (avx512vnni, vpdpbusd): [taps][padded] int8 weights by channel, 4 per 32-bit slot;
//         the kernel interleaves 4 taps of a kernel row per 32-bit lane itself (it knows
//         kernel_w, the packing does not). vpdpbusd reads x as unsigned, x + 128, so bias' =
//         bias - (128 + x_zp) * sum over the taps of w. Bias and scale per tile of 32 channels in
//         the order of the kernel's accumulators: position QuadsLane(c % 32).
PackedDwConvS8 PackDwConvS8TapBytes(const int8_t* w, const int32_t* bias, const float* scale, int32_t channels,
                                    int32_t taps, int32_t a_zero_point, const TileShape& tile);
// Channel c of its tile of 32 at position QuadsLane(c) in the tap-bytes layout's bias and scale:
// accumulator j (channels 4j..4j+3 of each 16-channel half) holds positions 8j..8j+7.
inline int32_t QuadsLane(int32_t c) { return (c % 16 / 4) * 8 + c / 16 * 4 + c % 4; }
// Channel c of its tile at position PairsLane(c % 32) in the pairs layout.
inline int32_t PairsLane(int32_t c) { return (c & 8 ? 16 : 0) + (c & 16 ? 8 : 0) + (c & 7); }

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_PACKING_S8_H_
