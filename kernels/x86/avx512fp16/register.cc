// Registers the AVX512-FP16 kernels (FP16 arithmetic); every op without one here falls back to
// the avx512bf16 level and below.
#include "kernels/registry.h"

namespace scalert::kernels {

void RegisterAvx512Fp16Kernels(KernelRegistry* r) { (void)r; }

}  // namespace scalert::kernels
