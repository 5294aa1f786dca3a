// Registers the FHM (neonfhm) kernels: FP16 GEMM and depthwise with FP16 products and FP32 sums.
// BF16 and everything else at this level fall back to neondot / neon.
#include "kernels/arm/neonfhm/half_kernels.h"
#include "kernels/packing_half.h"
#include "kernels/registry.h"

namespace scalert::kernels {

void RegisterNeonFhmKernels(KernelRegistry* r) {
  constexpr Isa isa = Isa::kNeonFhm;
  r->Add<KernelOp::kGemm, KernelDType::kF16>(isa, "gemm_f16_f32acc_4x16_neonfhm", {4, 16, 0, 8},
                                             gemm_f16_f32acc_neonfhm, PackGemmWeightsF16);
  r->Add<KernelOp::kDwConv, KernelDType::kF16>(isa, "dwconv_f16_f32acc_c8_neonfhm", {1, 1, 8},
                                               dwconv_f16_f32acc_neonfhm, PackDwConvWeightsF16);
}

}  // namespace scalert::kernels
