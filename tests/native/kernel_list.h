// The registered kernels this CPU can run, one per ISA level: tests sweep all of them so the
// portable fallback is checked on machines that would never pick it.
#ifndef SCALERT_TESTS_NATIVE_KERNEL_LIST_H_
#define SCALERT_TESTS_NATIVE_KERNEL_LIST_H_

#include <vector>

#include "kernels/registry.h"

namespace scalert::kernels::testing {

template <KernelOp op, KernelDType dtype = KernelDType::kF32>
std::vector<Kernel<op, dtype>> RunnableKernels() {
  std::vector<Kernel<op, dtype>> r;
  for (const KernelEntry& e : KernelRegistry::Global().entries())
    if (e.op == op && e.dtype == dtype && CpuSupports(e.isa)) r.push_back(KernelFromEntry<op, dtype>(e));
  return r;
}

}  // namespace scalert::kernels::testing

#endif  // SCALERT_TESTS_NATIVE_KERNEL_LIST_H_
