// The FP32-activation, BF16-weight GEMM kernels (gemm_f32_bf16w: a BF16 file's classifier) against
// a plain loop over the BF16-rounded weights in double: FP32 sums differ from it only by their
// order (4e-6 of sum |products|). Odd k (the last pair half empty), n not a multiple of any panel
// width, several rows, activations, a residual, and column bands as the backend splits one row
// over threads. NaN or Inf fails. Skips where no level of this CPU has such a kernel.
#include <algorithm>
#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/activation.h"
#include "kernels/packing.h"
#include "kernels/reference/float_formats.h"
#include "kernels/registry.h"
#include "tests/native/kernel_list.h"
#include "tests/testing/test_models.h"

namespace scalert::kernels {
namespace {

using scalert::testing::RandomVector;

TEST(GemmF32Bf16W, MatchesTheRoundedWeightsInFp32) {
  const auto kernels = scalert::kernels::testing::RunnableKernels<KernelOp::kGemm, KernelDType::kF32Bf16W>();
  if (kernels.empty()) GTEST_SKIP() << "no f32 x bf16-weight GEMM runs on this CPU";
  uint32_t seed = 1;
  for (const auto& kern : kernels)
    for (int32_t k : {1, 2, 7, 16, 33, 320, 1281})
      for (int32_t n : {1, 15, 16, 17, 33, 48, 70, 1000})
        for (int64_t m : {1, 3})
          for (Activation act : {Activation::kNone, Activation::kRelu6, Activation::kSwish})
            for (bool residual : {false, true}) {
              SCOPED_TRACE(::testing::Message() << kern.name << " k " << k << " n " << n << " m " << m << " act "
                                                << static_cast<int>(act) << " residual " << residual);
              const std::vector<float> w = RandomVector(static_cast<size_t>(n) * k, ++seed);
              const std::vector<float> bias = RandomVector(static_cast<size_t>(n), ++seed);
              const std::vector<float> a = RandomVector(static_cast<size_t>(m) * k, ++seed, -2.f, 2.f);
              const std::vector<float> res = RandomVector(static_cast<size_t>(m) * n, ++seed);
              const PackedGemm p = kern.pack(w.data(), bias.data(), n, k, kern.tile);
              GemmArgs g;
              g.a = a.data();
              g.lda = k;
              g.packed_b = p.b.data();
              g.bias = p.bias.data();
              std::vector<float> c(static_cast<size_t>(m) * n, -7.f);
              g.c = c.data();
              g.ldc = n;
              g.k = k;
              g.n = n;
              g.act = act;
              if (residual) {
                g.residual = res.data();
                g.ldr = n;
              }
              // One, two or three column bands on panel boundaries, as SplitGemm cuts one row.
              const int32_t bands = 1 + static_cast<int32_t>(seed % 3);
              const int32_t step = std::max(p.nr, (n / bands + p.nr - 1) / p.nr * p.nr);
              for (int32_t n0 = 0; n0 < n; n0 += step) kern.fn(g, 0, m, n0, std::min(n, n0 + step));
              for (int64_t r = 0; r < m; ++r)
                for (int32_t j = 0; j < n; ++j) {
                  double sum = bias[j], magnitude = std::abs(bias[j]);
                  for (int32_t q = 0; q < k; ++q) {
                    const double prod = static_cast<double>(a[r * k + q]) * ref::Bf16ToF32(ref::F32ToBf16(w[int64_t{j} * k + q]));
                    sum += prod;
                    magnitude += std::abs(prod);
                  }
                  double want = ApplyActivation(static_cast<float>(sum), act);
                  if (residual) want += res[r * n + j];
                  const float got = c[r * n + j];
                  ASSERT_TRUE(std::isfinite(got)) << "row " << r << " column " << j;
                  ASSERT_NEAR(got, want, 4e-6 * magnitude + 2e-6 * (std::abs(want) + 1)) << "row " << r << " column " << j;
                }
            }
}

}  // namespace
}  // namespace scalert::kernels
