// Registers the AMX kernels (tile matrix multiplies); every op without one here falls back to the
// avx512fp16 level and below.
#include "kernels/packing_s8.h"
#include "kernels/registry.h"
#include "kernels/x86/amx/kernels_s8.h"

namespace scalert::kernels {

void RegisterAmxKernels(KernelRegistry* r) {
  r->Add<KernelOp::kGemm, KernelDType::kS8>(Isa::kAmx, "gemm_s8_32x32_amx",
                                            {kAmxGemmS8Rows, kAmxGemmS8Panel, 0, kAmxGemmS8Panel}, gemm_s8_amx,
                                            PackGemmS8AmxQuads);
}

}  // namespace scalert::kernels
