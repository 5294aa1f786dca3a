// Registers the AVX512-VBMI kernels (INT8 tables, byte interleaving); everything else at this level falls back to
// the AVX512-VNNI and AVX-512 kernels.
#include "kernels/registry.h"
#include "kernels/x86/avx512vbmi/kernels_s8.h"

namespace scalert::kernels {

void RegisterAvx512VbmiKernels(KernelRegistry* r) {
  r->Add<KernelOp::kActivation, KernelDType::kS8>(Isa::kAvx512Vbmi, "lookup_s8_avx512vbmi", {1, 1, 64},
                                                  lookup_s8_avx512vbmi);
  r->Add<KernelOp::kInterleave3, KernelDType::kS8>(Isa::kAvx512Vbmi, "interleave3_s8_avx512vbmi", {1, 1, 64},
                                                   interleave3_s8_avx512vbmi);
}

}  // namespace scalert::kernels
