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
      case Isa::kAvx512Bf16:  // BF16's multiply rounds by the BF16 conversion; the rest is avx512's
        if (bf16)
          return HalfConverters{bf16_to_f32_avx512, f32_to_bf16_avx512, mul_channel_bf16_avx512bf16,
                                global_avg_pool_bf16s_avx512, add_bf16s_avx512, isa};
        break;
      case Isa::kAvx512:
        return bf16 ? HalfConverters{bf16_to_f32_avx512, f32_to_bf16_avx512, mul_channel_bf16s_avx512,
                                   global_avg_pool_bf16s_avx512, add_bf16s_avx512, isa}
                    : HalfConverters{f16_to_f32_avx512, f32_to_f16_avx512, mul_channel_f16s_avx512,
                                   global_avg_pool_f16s_avx512, add_f16s_avx512, isa};
      case Isa::kAvx2:
        return bf16 ? HalfConverters{bf16_to_f32_avx2, f32_to_bf16_avx2, mul_channel_bf16s_avx2,
                                   global_avg_pool_bf16s_avx2, add_bf16s_avx2, isa}
                    : HalfConverters{f16_to_f32_avx2, f32_to_f16_avx2, mul_channel_f16s_avx2,
                                   global_avg_pool_f16s_avx2, add_f16s_avx2, isa};
#endif
      case Isa::kPortable:
        return bf16 ? HalfConverters{bf16_to_f32_portable, f32_to_bf16_portable, mul_channel_bf16s_portable,
                                   global_avg_pool_bf16s_portable, add_bf16s_portable, isa}
                    : HalfConverters{f16_to_f32_portable, f32_to_f16_portable, mul_channel_f16s_portable,
                                   global_avg_pool_f16s_portable, add_f16s_portable, isa};
      default: break;
    }
  }
}

}  // namespace scalert::kernels
