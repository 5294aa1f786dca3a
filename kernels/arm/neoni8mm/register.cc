// Registers the i8mm (neoni8mm) kernels: the INT8 GEMM with SMMLA. Everything else at this level
// falls back to neonfhm / neondot / neon.
#include "kernels/arm/neoni8mm/kernels_s8.h"
#include "kernels/packing_s8.h"
#include "kernels/registry.h"

namespace scalert::kernels {

void RegisterNeonI8mmKernels(KernelRegistry* r) {
  r->Add<KernelOp::kGemm, KernelDType::kS8>(Isa::kNeonI8mm, "gemm_s8_4x16_neoni8mm",
                                            {kNeonI8mmGemmS8Rows, kNeonI8mmGemmS8Panel, 0, kNeonI8mmGemmS8Panel},
                                            gemm_s8_neoni8mm, PackGemmS8ColumnPairs);
}

}  // namespace scalert::kernels
