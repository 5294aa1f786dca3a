// gemm_offsets_f32_12x32_avx512: A through an offset table, tiles of up to 12 rows x 32 columns
// (16- and 8-wide last panels in 1-vector tiles, the 8 by masked loads of B).
#include "kernels/x86/avx512/kernels_f32.h"
#include "kernels/x86/simd_avx512.h"
#include "kernels/x86/vector_math.h"
#include "kernels/x86/gemm_offsets_f32_tiles.h"

namespace scalert::kernels {

void gemm_offsets_f32_avx512(const GemmArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  x86::GemmOffsetsF32<x86::Avx512, 12, 8>(g, m_begin, m_end, n_begin, n_end);
}

}  // namespace scalert::kernels
