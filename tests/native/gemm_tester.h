// Builder-style tester for GEMM kernels (1x1 convolution, fully connected, im2col):
//   GemmTester().m(13).n(40).k(17).activation(Activation::kSwish).Test(kernel);
// compares against the reference FullyConnected (double accumulation) with a tolerance scaled
// by sum |a * w|, checks that strides' padding columns stay untouched, and calls the kernel on
// sub-ranges the way the backend splits work across threads.
#ifndef SCALERT_TESTS_NATIVE_GEMM_TESTER_H_
#define SCALERT_TESTS_NATIVE_GEMM_TESTER_H_

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/packing.h"
#include "kernels/reference/conv.h"
#include "kernels/registry.h"
#include "tests/testing/test_models.h"

namespace scalert::kernels::testing {

class GemmTester {
 public:
  GemmTester& m(int64_t v) { m_ = v; return *this; }
  GemmTester& n(int32_t v) { n_ = v; return *this; }
  GemmTester& k(int32_t v) { k_ = v; return *this; }
  GemmTester& a_stride(int64_t v) { a_stride_ = v; return *this; }  // >= k; 0 = k
  GemmTester& c_stride(int64_t v) { c_stride_ = v; return *this; }  // >= n; 0 = n
  GemmTester& bias(bool v) { bias_ = v; return *this; }
  GemmTester& activation(Activation v) { act_ = v; return *this; }
  // Adds a residual R (row stride n + 3) after the activation, as a fused block's skip connection.
  GemmTester& residual(bool v) { residual_ = v; return *this; }
  // Calls the kernel on this many row bands x column bands (column bands are whole panels).
  GemmTester& row_bands(int v) { row_bands_ = v; return *this; }
  GemmTester& col_bands(int v) { col_bands_ = v; return *this; }
  // Passes a prefetch range of this many bytes (GemmArgs::prefetch, a hint): the output must be
  // bit for bit the output without it.
  GemmTester& prefetch(int64_t bytes) { prefetch_ = bytes; return *this; }
  // Sets GemmArgs::cold_weights (a hint: the kernel touches B ahead of its use): the output must
  // be bit for bit the output without it.
  GemmTester& cold_weights(bool v) { cold_ = v; return *this; }

  void Test(const Kernel<KernelOp::kGemm>& kernel) const {
    SCOPED_TRACE(::testing::Message() << kernel.name << " m=" << m_ << " n=" << n_ << " k=" << k_
                                      << " act=" << static_cast<int>(act_) << " residual=" << residual_);
    const int64_t lda = a_stride_ ? a_stride_ : k_, ldc = c_stride_ ? c_stride_ : n_;
    const std::vector<float> a = scalert::testing::RandomVector(static_cast<size_t>(m_ * lda), 1);
    const std::vector<float> w = scalert::testing::RandomVector(static_cast<size_t>(n_) * k_, 2);
    const std::vector<float> b = scalert::testing::RandomVector(static_cast<size_t>(n_), 3);
    // Reference on dense A, and the same on magnitudes for the rounding tolerance.
    std::vector<float> dense(static_cast<size_t>(m_ * k_)), dense_abs(dense.size());
    for (int64_t i = 0; i < m_; ++i)
      for (int32_t j = 0; j < k_; ++j) {
        dense[i * k_ + j] = a[i * lda + j];
        dense_abs[i * k_ + j] = std::abs(a[i * lda + j]);
      }
    std::vector<float> w_abs(w.size()), b_abs(b.size());
    for (size_t i = 0; i < w.size(); ++i) w_abs[i] = std::abs(w[i]);
    for (size_t i = 0; i < b.size(); ++i) b_abs[i] = std::abs(b[i]);
    std::vector<float> want(static_cast<size_t>(m_) * n_), magnitude(want.size());
    ref::FullyConnected(static_cast<int32_t>(m_), k_, n_, dense.data(), w.data(), bias_ ? b.data() : nullptr,
                        want.data(), act_);
    ref::FullyConnected(static_cast<int32_t>(m_), k_, n_, dense_abs.data(), w_abs.data(),
                        bias_ ? b_abs.data() : nullptr, magnitude.data(), Activation::kNone);

    const int64_t ldr = n_ + 3;
    const std::vector<float> res = scalert::testing::RandomVector(static_cast<size_t>(m_ * ldr), 4);
    if (residual_)
      for (int64_t i = 0; i < m_; ++i)
        for (int32_t j = 0; j < n_; ++j) {
          want[i * n_ + j] += res[i * ldr + j];
          magnitude[i * n_ + j] += std::abs(res[i * ldr + j]);
        }
    PackedGemm packed = kernel.pack(w.data(), bias_ ? b.data() : nullptr, n_, k_, kernel.tile);
    const float kSentinel = 12345.f;
    std::vector<float> c(static_cast<size_t>(m_ * ldc), kSentinel);
    GemmArgs args;
    args.a = a.data();
    args.lda = lda;
    args.packed_b = packed.b.data();
    args.bias = packed.bias.data();
    args.c = c.data();
    args.ldc = ldc;
    args.k = k_;
    args.n = n_;
    args.act = act_;
    if (residual_) {
      args.residual = res.data();
      args.ldr = ldr;
    }
    const int64_t row_step = (m_ + row_bands_ - 1) / row_bands_;
    const int32_t nr = kernel.tile.nr;
    const int64_t panels = (n_ + nr - 1) / nr;
    const int32_t col_step = static_cast<int32_t>((panels + col_bands_ - 1) / col_bands_) * nr;
    auto run = [&](const GemmArgs& run_args) {
      for (int64_t m0 = 0; m0 < m_; m0 += row_step)
        for (int32_t n0 = 0; n0 < n_; n0 += col_step)
          kernel.fn(run_args, m0, std::min(m_, m0 + row_step), n0, std::min(n_, n0 + col_step));
    };
    run(args);
    if (prefetch_ > 0 || cold_) {
      std::vector<char> touched(static_cast<size_t>(prefetch_) + 1);
      GemmArgs hinted = args;
      if (prefetch_ > 0) {
        hinted.prefetch = touched.data() + 1;  // not line-aligned
        hinted.prefetch_bytes = prefetch_;
      }
      hinted.cold_weights = cold_;
      std::vector<float> plain = c;
      std::fill(c.begin(), c.end(), kSentinel);
      hinted.c = c.data();
      run(hinted);
      for (size_t i = 0; i < c.size(); ++i)
        ASSERT_EQ(std::memcmp(&c[i], &plain[i], sizeof(float)), 0) << "a hint changed element " << i;
    }

    for (int64_t i = 0; i < m_; ++i) {
      for (int32_t j = 0; j < n_; ++j) {
        const float got = c[i * ldc + j], ref = want[i * n_ + j];
        const double tol = 4e-6 * magnitude[i * n_ + j] + 1e-6;
        ASSERT_NEAR(got, ref, tol) << "at row " << i << " column " << j;
      }
      for (int64_t j = n_; j < ldc; ++j) ASSERT_EQ(c[i * ldc + j], kSentinel) << "wrote padding column " << j;
    }
  }

 private:
  int64_t m_ = 1, a_stride_ = 0, c_stride_ = 0;
  int32_t n_ = 1, k_ = 1;
  bool bias_ = true, residual_ = false;
  Activation act_ = Activation::kNone;
  int row_bands_ = 1, col_bands_ = 1;
  int64_t prefetch_ = 0;
  bool cold_ = false;
};

}  // namespace scalert::kernels::testing

#endif  // SCALERT_TESTS_NATIVE_GEMM_TESTER_H_
