#include "kernels/registry.h"

namespace scalert::kernels {

const char* KernelOpName(KernelOp op) {
  switch (op) {
    case KernelOp::kGemm: return "gemm";
    case KernelOp::kDwConv: return "dwconv";
    case KernelOp::kActivation: return "activation";
    case KernelOp::kAdd: return "add";
    case KernelOp::kMul: return "mul";
    case KernelOp::kMulChannel: return "mul_channel";
    case KernelOp::kGlobalAvgPool: return "global_avg_pool";
  }
  return "unknown";
}

const char* KernelDTypeName(KernelDType t) { return t == KernelDType::kF32 ? "f32" : "f16"; }

const KernelRegistry& KernelRegistry::Global() {
  // Built on first use from explicit hooks (not static initialisers, which a static library
  // link would drop).
  static const KernelRegistry* registry = [] {
    auto* r = new KernelRegistry();
    RegisterPortableKernels(r);
#if defined(SCALERT_KERNELS_X86)
    RegisterAvx2Kernels(r);
#endif
#if defined(SCALERT_KERNELS_ARM)
    RegisterNeonKernels(r);
#endif
    return r;
  }();
  return *registry;
}

const KernelEntry* KernelRegistry::FindEntry(KernelOp op, KernelDType dtype, Isa isa) const {
  for (;;) {
    for (const KernelEntry& e : entries_)
      if (e.op == op && e.dtype == dtype && e.isa == isa) return &e;
    if (isa == Isa::kPortable) return nullptr;
    isa = IsaFallback(isa);
  }
}

}  // namespace scalert::kernels
