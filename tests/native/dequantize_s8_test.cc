// The int8 -> f32 kernels at the graph's boundaries (KernelOp::kDequantize) against
// ref::Dequantize, bit for bit: every int8 value, lengths around the vector widths with guard
// values past the end, zero points at both ends of the range, tiny and huge scales; and every ISA
// level picks its own vector kernel.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "kernels/reference/elementwise.h"
#include "kernels/registry.h"
#include "tests/native/kernel_list.h"
#include "tests/testing/test_models.h"

namespace scalert::kernels {
namespace {

using scalert::testing::RandomInt8;

constexpr float kGuard = -7777.f;

// Bit patterns, so -0 vs +0 would count; NaN or Inf in either fails.
void ExpectSameFiniteBits(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_TRUE(std::isfinite(want[i]) && std::isfinite(got[i])) << what << " at " << i;
    ASSERT_EQ(std::memcmp(&got[i], &want[i], sizeof(float)), 0)
        << what << " at " << i << ": " << got[i] << " vs " << want[i];
  }
}

TEST(DequantizeS8Kernels, MatchTheReferenceBitForBit) {
  const auto kernels = testing::RunnableKernels<KernelOp::kDequantize, KernelDType::kS8>();
  ASSERT_FALSE(kernels.empty());
  // 1e-38 is subnormal (so are its products with small values); 1e36 * 255 stays below FLT_MAX.
  const float scales[] = {0.0213f, 1.f / 64, 1e-38f, 3.7e-5f, 1e36f};
  const int32_t zero_points[] = {0, -128, 127, -3, 41};
  uint32_t seed = 17;
  for (int32_t n : {1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 100, 256, 259}) {
    std::vector<int8_t> x = RandomInt8(static_cast<size_t>(n), seed++);
    if (n == 256)
      for (int32_t i = 0; i < 256; ++i) x[static_cast<size_t>(i)] = static_cast<int8_t>(i - 128);  // every value
    if (n > 2) {
      x[0] = -128;  // the extremes in the vector body and in the tail
      x[static_cast<size_t>(n) - 1] = 127;
    }
    for (float scale : scales)
      for (int32_t zp : zero_points) {
        std::vector<float> want(static_cast<size_t>(n)), other(static_cast<size_t>(n));
        ref::Dequantize(n, x.data(), want.data(), scale, zp);
        ref::Dequantize(n, x.data(), other.data(), scale, zp == 0 ? 1 : 0);
        ASSERT_NE(want, other) << "the output depends on the zero point";
        for (const auto& k : kernels) {
          std::vector<float> got(static_cast<size_t>(n) + 16, kGuard);
          k.fn(n, x.data(), scale, zp, got.data());
          for (size_t i = static_cast<size_t>(n); i < got.size(); ++i)
            ASSERT_EQ(got[i], kGuard) << k.name << ": wrote past the end at " << i;
          got.resize(static_cast<size_t>(n));
          ExpectSameFiniteBits(got, want, absl::StrCat(k.name, " n ", n, " scale ", scale, " zp ", zp));
        }
      }
  }
}

// Offsets into a buffer, as the backend's thread split hands out chunks: unaligned input and
// output pointers.
TEST(DequantizeS8Kernels, UnalignedChunks) {
  const auto kernels = testing::RunnableKernels<KernelOp::kDequantize, KernelDType::kS8>();
  const std::vector<int8_t> x = RandomInt8(200, 5);
  std::vector<float> want(x.size());
  ref::Dequantize(static_cast<int64_t>(x.size()), x.data(), want.data(), 0.07f, -9);
  for (const auto& k : kernels)
    for (int64_t offset : {1, 3, 13}) {
      std::vector<float> got(x.size(), kGuard);
      for (int64_t i0 = offset; i0 < static_cast<int64_t>(x.size()); i0 += 37)
        k.fn(std::min<int64_t>(37, static_cast<int64_t>(x.size()) - i0), x.data() + i0, 0.07f, -9, got.data() + i0);
      std::vector<float> want_tail(want.begin() + offset, want.end()), got_tail(got.begin() + offset, got.end());
      ExpectSameFiniteBits(got_tail, want_tail, absl::StrCat(k.name, " offset ", offset));
      for (int64_t i = 0; i < offset; ++i) ASSERT_EQ(got[static_cast<size_t>(i)], kGuard) << k.name;
    }
}

// Every level of this architecture looks up a vector kernel (the registry's fallback would
// otherwise hide a missing registration behind the portable one).
TEST(DequantizeS8Kernels, EveryLevelPicksItsVectorKernel) {
#if defined(SCALERT_KERNELS_ARM)
  const std::pair<Isa, const char*> want[] = {{Isa::kNeon, "dequantize_s8_f32_neon"},
                                              {Isa::kNeonFp16, "dequantize_s8_f32_neon"},
                                              {Isa::kNeonDot, "dequantize_s8_f32_neon"},
                                              {Isa::kNeonFhm, "dequantize_s8_f32_neon"},
                                              {Isa::kNeonI8mm, "dequantize_s8_f32_neon"}};
#elif defined(SCALERT_KERNELS_X86)
  const std::pair<Isa, const char*> want[] = {{Isa::kPortable, "dequantize_s8_f32_portable"},
                                              {Isa::kAvx2, "dequantize_s8_f32_avx2"},
                                              {Isa::kAvx512, "dequantize_s8_f32_avx512"},
                                              {Isa::kAvx512Vnni, "dequantize_s8_f32_avx512"},
                                              {Isa::kAvx512Vbmi, "dequantize_s8_f32_avx512"},
                                              {Isa::kAvx512Bf16, "dequantize_s8_f32_avx512"}};
#else
  const std::pair<Isa, const char*> want[] = {{Isa::kPortable, "dequantize_s8_f32_portable"}};
#endif
  for (const auto& [isa, name] : want) {
    const KernelEntry* e = KernelRegistry::Global().FindEntry(KernelOp::kDequantize, KernelDType::kS8, isa);
    ASSERT_NE(e, nullptr) << IsaName(isa);
    EXPECT_EQ(e->name, name) << IsaName(isa);
  }
}

}  // namespace
}  // namespace scalert::kernels
