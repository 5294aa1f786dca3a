// CPU feature detection (kernels/isa.h): levels, their fallbacks, the features behind them and
// cache sizes. SCALERT_EXPECT_ISA (set by CMake when the tests run under an emulator whose CPU
// model is known) names the level detection must find.
#include "kernels/isa.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace scalert::kernels {
namespace {

bool HasFeature(const std::string& name) {
  const auto f = CpuFeatureNames();
  return std::find(f.begin(), f.end(), name) != f.end();
}

TEST(Isa, EveryLevelFallsBackToPortableThroughSupportedLevels) {
  for (Isa isa : AllIsas()) {
    SCOPED_TRACE(IsaName(isa));
    Isa l = isa;
    for (int steps = 0; l != Isa::kPortable; ++steps) {
      ASSERT_LT(steps, 8);
      const Isa lower = IsaFallback(l);
      if (CpuSupports(l)) {
        EXPECT_TRUE(CpuSupports(lower)) << IsaName(lower);
      }
      l = lower;
    }
  }
  EXPECT_EQ(IsaFallback(Isa::kPortable), Isa::kPortable);
}

TEST(Isa, SupportedLevelsBelongToThisArchitecture) {
  const auto s = SupportedIsas();
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s.front(), Isa::kPortable);
  EXPECT_EQ(DetectedIsa(), s.back());
  for (Isa isa : s) {
#if defined(__aarch64__)
    EXPECT_TRUE(isa == Isa::kPortable || isa >= Isa::kNeon) << IsaName(isa);
#elif defined(__x86_64__)
    EXPECT_TRUE(isa == Isa::kPortable || isa == Isa::kAvx2 || isa == Isa::kAvx512 || isa == Isa::kAvx512Vnni ||
                isa == Isa::kAvx512Vbmi || isa == Isa::kAvx512Bf16 || isa == Isa::kAvx512Fp16 || isa == Isa::kAmx)
        << IsaName(isa);
#endif
  }
#if defined(__aarch64__)
  EXPECT_TRUE(CpuSupports(Isa::kNeon));  // mandatory on AArch64
#endif
}

TEST(Isa, LevelsFollowTheReportedFeatures) {
#if defined(__aarch64__)
  EXPECT_TRUE(HasFeature("asimd"));
  EXPECT_EQ(CpuSupports(Isa::kNeonFp16), HasFeature("asimdhp"));
  EXPECT_EQ(CpuSupports(Isa::kNeonDot), HasFeature("asimdhp") && HasFeature("asimddp"));
  EXPECT_EQ(CpuSupports(Isa::kNeonFhm), HasFeature("asimdhp") && HasFeature("asimddp") && HasFeature("asimdfhm"));
  EXPECT_EQ(CpuSupports(Isa::kNeonI8mm),
            HasFeature("asimdhp") && HasFeature("asimddp") && HasFeature("asimdfhm") && HasFeature("i8mm"));
  EXPECT_FALSE(HasFeature("avx2"));
#elif defined(__x86_64__)
  EXPECT_EQ(CpuSupports(Isa::kAvx2), HasFeature("avx2") && HasFeature("fma") && HasFeature("f16c"));
  if (CpuSupports(Isa::kAvx512)) {
    EXPECT_TRUE(HasFeature("avx512f") && HasFeature("avx512vl"));
  }
  EXPECT_EQ(CpuSupports(Isa::kAvx512Vnni), CpuSupports(Isa::kAvx512) && HasFeature("avx512vnni"));
  EXPECT_EQ(CpuSupports(Isa::kAvx512Vbmi), CpuSupports(Isa::kAvx512Vnni) && HasFeature("avx512vbmi"));
  EXPECT_EQ(CpuSupports(Isa::kAvx512Bf16), CpuSupports(Isa::kAvx512Vbmi) && HasFeature("avx512_bf16"));
  EXPECT_EQ(CpuSupports(Isa::kAvx512Fp16), CpuSupports(Isa::kAvx512Bf16) && HasFeature("avx512_fp16"));
  if (CpuSupports(Isa::kAmx)) {  // (the OS may refuse the tile state: features without the level)
    EXPECT_TRUE(HasFeature("amx_tile") && HasFeature("amx_int8") && HasFeature("amx_bf16"));
  }
  EXPECT_FALSE(HasFeature("asimd"));
#endif
}

TEST(Isa, IncludesFollowsTheFallbackChain) {
  EXPECT_TRUE(IsaIncludes(Isa::kAmx, Isa::kAvx512Bf16));
  EXPECT_TRUE(IsaIncludes(Isa::kAvx512Bf16, Isa::kAvx512Bf16));
  EXPECT_FALSE(IsaIncludes(Isa::kAvx512Vbmi, Isa::kAvx512Bf16));
  EXPECT_TRUE(IsaIncludes(Isa::kNeonI8mm, Isa::kNeonFp16));
  EXPECT_FALSE(IsaIncludes(Isa::kNeonI8mm, Isa::kAvx2));
  for (Isa isa : AllIsas()) EXPECT_TRUE(IsaIncludes(isa, Isa::kPortable)) << IsaName(isa);
}

TEST(Isa, DetectsTheLevelTheEmulatedCpuHas) {
  const char* want = std::getenv("SCALERT_EXPECT_ISA");
  if (!want || !*want) GTEST_SKIP() << "SCALERT_EXPECT_ISA not set (only known under an emulated CPU model)";
  Isa expected;
  ASSERT_TRUE(ParseIsa(want, &expected)) << want;
  EXPECT_STREQ(IsaName(DetectedIsa()), IsaName(expected));
}

TEST(Isa, CacheSizesArePlausible) {
  const CacheSizes c = DetectedCacheSizes();
  for (int64_t size : {c.l1d, c.l2, c.l3}) {
    EXPECT_GE(size, 0);
    EXPECT_LE(size, int64_t{1} << 32);
  }
  if (c.l1d > 0 && c.l2 > 0) {
    EXPECT_LE(c.l1d, c.l2);
  }
  const CacheSizes d = CacheSizesOrDefaults();
  EXPECT_GE(d.l1d, 4096);
  EXPECT_GE(d.l2, d.l1d);
  EXPECT_EQ(d.l1d, c.l1d > 0 ? c.l1d : 32 * 1024);
  EXPECT_EQ(d.l2, c.l2 > 0 ? c.l2 : 1024 * 1024);
}

}  // namespace
}  // namespace scalert::kernels
