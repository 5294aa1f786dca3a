// Registers the AVX512-VNNI kernels (INT8 GEMM and depthwise); everything else at this level falls back to
// the AVX-512 kernels.
#include "kernels/packing_s8.h"
#include "kernels/registry.h"
#include "kernels/x86/avx512vnni/kernels_s8.h"

namespace scalert::kernels {

void RegisterAvx512VnniKernels(KernelRegistry* r) {
  r->Add<KernelOp::kGemm, KernelDType::kS8>(Isa::kAvx512Vnni, "gemm_s8_8x32_avx512vnni",
                                            {kVnniGemmS8Rows, kVnniGemmS8Panel, 0, kVnniGemmS8Panel},
                                            gemm_s8_avx512vnni, PackGemmS8InterleavedQuads);
  r->Add<KernelOp::kDwConv, KernelDType::kS8>(Isa::kAvx512Vnni, "dwconv_s8_c32_quads_avx512vnni", {1, 1, 32},
                                              dwconv_s8_avx512vnni, PackDwConvS8TapBytes);
}

}  // namespace scalert::kernels
