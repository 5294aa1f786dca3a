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

// The level whose FP32 kernels run when the backend is asked for `level` (a level without
// kernels of its own, like AVX-512 or the arm64 FP16 / dot-product levels, runs the next lower
// one's); backend op descriptions end in its name.
inline Isa KernelIsa(Isa level) {
  const KernelEntry* e = KernelRegistry::Global().FindEntry(KernelOp::kGemm, KernelDType::kF32, level);
  return e ? e->isa : Isa::kPortable;
}

// The supported levels that have FP32 kernels of their own: sweeping these covers every kernel
// this CPU can run without repeating one (under emulation each repeat costs real time).
inline std::vector<Isa> Fp32KernelLevels() {
  std::vector<Isa> r;
  for (Isa isa : SupportedIsas())
    if (KernelIsa(isa) == isa) r.push_back(isa);
  return r;
}

}  // namespace scalert::kernels::testing

#endif  // SCALERT_TESTS_NATIVE_KERNEL_LIST_H_
