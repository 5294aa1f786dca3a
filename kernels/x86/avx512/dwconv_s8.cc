// INT8 depthwise convolution on AVX-512 (vpmaddwd + vpaddd): kernels/x86/dwconv_s8_pairs_avx512.h.
#include "kernels/x86/avx512/kernels_s8.h"
#include "kernels/x86/dwconv_s8_pairs_avx512.h"

namespace scalert::kernels {

void dwconv_s8_avx512(const DwConvS8Args& args, int32_t row_begin, int32_t row_end) {
  DwConvS8PairsAvx512(args, row_begin, row_end);
}

}  // namespace scalert::kernels
