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
    case KernelOp::kQuantize: return "quantize";
    case KernelOp::kDequantize: return "dequantize";
    case KernelOp::kInterleave3: return "interleave3";
    case KernelOp::kGemmOffsets: return "gemm_offsets";
  }
  return "unknown";
}

const char* KernelDTypeName(KernelDType t) {
  switch (t) {
    case KernelDType::kF32: return "f32";
    case KernelDType::kF16: return "f16";
    case KernelDType::kBF16: return "bf16";
    case KernelDType::kS8: return "s8";
    case KernelDType::kF32Bf16W: return "f32_bf16w";
  }
  return "unknown";
}

const KernelRegistry& KernelRegistry::Global() {
  // Built on first use from explicit hooks (not static initialisers, which a static library
  // link would drop).
  static const KernelRegistry* registry = [] {
    auto* r = new KernelRegistry();
    RegisterPortableKernels(r);
    RegisterPortableHalfKernels(r);
#if defined(SCALERT_KERNELS_X86)
    RegisterAvx2Kernels(r);
    RegisterAvx512Kernels(r);
    RegisterAvx512VnniKernels(r);
    RegisterAvx512VbmiKernels(r);
    RegisterAvx2HalfKernels(r);
    RegisterAvx512HalfKernels(r);
    RegisterAvx512Bf16Kernels(r);
    RegisterAvx512Fp16Kernels(r);
    RegisterAmxKernels(r);
#endif
#if defined(SCALERT_KERNELS_ARM)
    RegisterNeonKernels(r);
    RegisterNeonHalfKernels(r);
    RegisterNeonDotKernels(r);
    RegisterNeonFhmKernels(r);
    RegisterNeonI8mmKernels(r);
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
