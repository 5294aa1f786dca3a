#include "kernels/half_convert.h"

#include "kernels/portable/half_kernels.h"
#if defined(SCALERT_KERNELS_X86)
#include "kernels/x86/half_kernels.h"
#endif

namespace scalert::kernels {

HalfConverters FindHalfConverters(KernelDType dtype, Isa isa) {
  const bool bf16 = dtype == KernelDType::kBF16;
  for (;; isa = IsaFallback(isa)) {
    switch (isa) {
#if defined(SCALERT_KERNELS_X86)
      case Isa::kAvx512:
        return bf16 ? HalfConverters{bf16_to_f32_avx512, f32_to_bf16_avx512, isa}
                    : HalfConverters{f16_to_f32_avx512, f32_to_f16_avx512, isa};
      case Isa::kAvx2:
        return bf16 ? HalfConverters{bf16_to_f32_avx2, f32_to_bf16_avx2, isa}
                    : HalfConverters{f16_to_f32_avx2, f32_to_f16_avx2, isa};
#endif
      case Isa::kPortable:
        return bf16 ? HalfConverters{bf16_to_f32_portable, f32_to_bf16_portable, isa}
                    : HalfConverters{f16_to_f32_portable, f32_to_f16_portable, isa};
      default: break;
    }
  }
}

}  // namespace scalert::kernels
