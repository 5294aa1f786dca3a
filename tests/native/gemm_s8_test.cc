// The AVX512-VNNI INT8 GEMM (1x1 convolution) against the reference INT8 convolution, bit for
// bit, over awkward sizes (K not a multiple of 4, N not a multiple of 16), zero points, fused
// clamps and thread counts. Skipped on CPUs without AVX512-VNNI.
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/reference/quantized.h"
#include "kernels/thread_pool.h"
#ifdef SCALERT_KERNELS_X86
#include "kernels/x86/avx512vnni/gemm_s8.h"
#endif

#ifdef SCALERT_KERNELS_X86
namespace scalert::kernels {
namespace {

std::vector<int8_t> RandomS8(size_t n, uint32_t seed, int lo = -128) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> u(lo, 127);
  std::vector<int8_t> v(n);
  for (int8_t& x : v) x = static_cast<int8_t>(u(rng));
  return v;
}

TEST(GemmS8Avx512Vnni, MatchesTheReferenceBitForBit) {
  if (!CpuHasAvx512Vnni()) GTEST_SKIP() << "no AVX512-VNNI on this CPU";
  uint32_t seed = 1;
  int cases = 0;
  for (int32_t m : {1, 3, 4, 5, 17, 50})
    for (int32_t k : {1, 3, 4, 5, 17, 64, 100})
      for (int32_t n : {1, 7, 16, 17, 32, 33, 100}) {
        const int32_t a_zp = static_cast<int32_t>(seed % 255) - 128;
        const ref::QParams out{0.05f, static_cast<int32_t>(seed * 7 % 200) - 100};
        const Activation act = seed % 3 == 0 ? Activation::kNone : seed % 3 == 1 ? Activation::kRelu : Activation::kRelu6;
        const std::vector<int8_t> a = RandomS8(static_cast<size_t>(m) * k, seed++);
        const std::vector<int8_t> w = RandomS8(static_cast<size_t>(n) * k, seed++, -127);
        std::vector<int32_t> bias(n);
        std::vector<float> mult(n);
        for (int32_t j = 0; j < n; ++j) {
          bias[j] = (j * 7919 + static_cast<int32_t>(seed)) % 20001 - 10000;
          mult[j] = ref::RequantScale(0.02, 0.003 + 0.0007 * (j % 5), out.scale);
        }
        const ref::Int8Bounds bounds = ref::FusedBounds(act, out);
        ref::ConvGeometry g;
        g.in_h = m; g.in_w = 1; g.in_c = k;
        g.out_h = m; g.out_w = 1; g.out_c = n;
        std::vector<int8_t> want(static_cast<size_t>(m) * n);
        ref::Conv2DS8(g, a.data(), a_zp, w.data(), bias.data(), mult.data(), out, bounds, want.data());
        const PackedGemmS8 packed = PackGemmS8(w.data(), bias.data(), mult.data(), n, k, a_zp);
        for (int threads : {1, 2, 3}) {
          ThreadPool pool(threads);
          std::vector<int8_t> got(want.size(), 0x55);
          const int64_t tasks = std::min<int64_t>(m, threads * 2);
          pool.ParallelFor(static_cast<size_t>(tasks), [&](size_t t) {
            const int64_t r0 = m * static_cast<int64_t>(t) / tasks, r1 = m * static_cast<int64_t>(t + 1) / tasks;
            GemmS8Avx512Vnni(packed, a.data(), r0, r1, out, bounds, got.data());
          });
          ASSERT_EQ(got, want) << "m " << m << " k " << k << " n " << n << " threads " << threads;
        }
        ++cases;
      }
  EXPECT_EQ(cases, 6 * 7 * 7);
}

}  // namespace
}  // namespace scalert::kernels
#endif  // SCALERT_KERNELS_X86
