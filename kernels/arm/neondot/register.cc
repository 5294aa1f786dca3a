// Registers the dot-product (neondot) kernels: the INT8 GEMM (1x1 convolutions, im2col
// convolutions, fully connected). Everything else at this level falls back to neonfp16 / neon.
#include "kernels/arm/neondot/kernels_s8.h"
#include "kernels/packing_s8.h"
#include "kernels/registry.h"

namespace scalert::kernels {

void RegisterNeonDotKernels(KernelRegistry* r) {
  r->Add<KernelOp::kGemm, KernelDType::kS8>(Isa::kNeonDot, "gemm_s8_4x16_neondot",
                                            {kNeonDotGemmS8Rows, kNeonDotGemmS8Panel, 0, kNeonDotGemmS8Panel},
                                            gemm_s8_neondot, PackGemmS8SignedQuads);
}

}  // namespace scalert::kernels
