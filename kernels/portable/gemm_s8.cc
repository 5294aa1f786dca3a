// Portable INT8 GEMM over the "rows" packing (packing_s8.h): one int32 dot product per output.
#include <algorithm>

#include "kernels/portable/kernels_s8.h"

namespace scalert::kernels {

void gemm_s8_portable(const GemmS8Args& args, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  const PackedGemmS8& p = *args.packed;
  for (int64_t i = m_begin; i < m_end; ++i) {
    const int8_t* a = args.a + i * args.lda;
    int8_t* c = args.c + i * args.ldc;
    for (int32_t j = n_begin; j < n_end; ++j) {
      const int8_t* w = p.b.data() + static_cast<int64_t>(j) * p.k;
      int32_t dot = 0;  // |sum a * w| <= terms * 128 * 128: the validator keeps it in int32
      for (int32_t kk = 0; kk < p.k; ++kk) dot += int32_t{a[kk]} * int32_t{w[kk]};
      const int32_t acc = static_cast<int32_t>(static_cast<uint32_t>(dot) + static_cast<uint32_t>(p.bias[j]));
      c[j] = RoundClampS8(static_cast<float>(acc) * p.scale[j], args.out);
    }
  }
}

}  // namespace scalert::kernels
