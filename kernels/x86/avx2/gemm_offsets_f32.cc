// gemm_offsets_f32_6x16_avx2: A through an offset table, tiles of up to 6 rows x 16 columns
// (8-wide last panels in 1-vector tiles).
#include "kernels/x86/avx2/kernels_f32.h"
#include "kernels/x86/simd_avx2.h"
#include "kernels/x86/vector_math.h"
#include "kernels/x86/gemm_offsets_f32_tiles.h"

namespace scalert::kernels {

void gemm_offsets_f32_avx2(const GemmArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  x86::GemmOffsetsF32<x86::Avx2, 6, 8>(g, m_begin, m_end, n_begin, n_end);
}

}  // namespace scalert::kernels
