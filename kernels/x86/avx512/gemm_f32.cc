// gemm_f32_12x32_avx512: register tiles of up to 12 rows x 32 columns (24 accumulators of the 32
// registers) over 32-wide packed panels; up to 16 x 16 and 16 x 8 (ymm) tiles for the narrower
// last panels, and up to 12 x (16 + 8) where a 16-wide panel is followed by an 8-wide one.
#include "kernels/x86/avx512/kernels_f32.h"
#include "kernels/x86/simd_avx512.h"
#include "kernels/x86/vector_math.h"
#include "kernels/x86/gemm_f32_tiles.h"

namespace scalert::kernels {

void gemm_f32_avx512(const GemmArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  x86::GemmF32<x86::Avx512, 12, 16, 16>(g, m_begin, m_end, n_begin, n_end);
}

}  // namespace scalert::kernels
