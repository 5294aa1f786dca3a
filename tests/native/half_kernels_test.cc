// The FP16 / BF16 GEMM and depthwise kernels of every level this CPU runs against the reference
// kernels (kernels/reference/conv.h) on the same 16-bit-rounded inputs: each output must be the
// FP32 result rounded once to the format, up to the order of the FP32 sums (one unit of the
// format, plus 4e-6 of sum |products|). Odd sizes, channel counts that are not a multiple of
// any vector width, strides 1 and 2, 3x3 and 5x5 windows, residuals, activations, and calls on
// row and column bands as the backend splits work over threads. NaN or Inf fails.
// The avx512fp16 kernels (names with "f16x16acc") sum blocks of at most 16 products in FP16
// before adding them into FP32: each of a block's b <= 16 steps rounds its partial sum to 11
// bits, an error of at most 2^-11 of that block's sum of |products|, so they may differ by a
// further 16 * 2^-11 of sum |products| (the classic b * u bound of recursive summation).
#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/half_convert.h"
#include "kernels/packing.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/float_formats.h"
#include "kernels/registry.h"
#include "tests/native/kernel_list.h"
#include "tests/testing/test_models.h"

namespace scalert::kernels {
namespace {

using testing::RunnableKernels;

template <KernelDType dt>
struct Format {
  static uint16_t Store(float f) { return dt == KernelDType::kBF16 ? ref::F32ToBf16(f) : ref::F32ToF16(f); }
  static float Load(uint16_t h) { return dt == KernelDType::kBF16 ? ref::Bf16ToF32(h) : ref::F16ToF32(h); }
  static constexpr double kUnit = dt == KernelDType::kBF16 ? 1.0 / 256 : 1.0 / 2048;  // relative spacing
};

template <KernelDType dt>
std::vector<uint16_t> Narrow(const std::vector<float>& v) {
  std::vector<uint16_t> h(v.size());
  for (size_t i = 0; i < v.size(); ++i) h[i] = Format<dt>::Store(v[i]);
  return h;
}
template <KernelDType dt>
std::vector<float> Widen(const std::vector<uint16_t>& h) {
  std::vector<float> v(h.size());
  for (size_t i = 0; i < h.size(); ++i) v[i] = Format<dt>::Load(h[i]);
  return v;
}

// The further error of a kernel's 16-bit sums, relative to sum |products| (see the top).
inline double SumError(const std::string& kernel_name) {
  return kernel_name.find("f16x16acc") != std::string::npos ? 16.0 / 2048 : 0.0;
}

template <KernelDType dt>
void ExpectRounded(float got, float want, double magnitude, const char* where, int64_t i, double sum_error = 0) {
  ASSERT_TRUE(std::isfinite(got)) << where << " " << i;
  const double tol = Format<dt>::kUnit * std::abs(want) + (4e-6 + sum_error) * magnitude + 1e-6;
  ASSERT_NEAR(got, want, tol) << where << " element " << i;
}

template <KernelDType dt>
void TestGemm(const Kernel<KernelOp::kGemm, dt>& kernel, int64_t m, int32_t n, int32_t k, Activation act,
              bool residual, int bands) {
  SCOPED_TRACE(::testing::Message() << kernel.name << " m=" << m << " n=" << n << " k=" << k
                                    << " act=" << static_cast<int>(act) << " residual=" << residual << " bands=" << bands);
  const std::vector<uint16_t> a = Narrow<dt>(scalert::testing::RandomVector(static_cast<size_t>(m * k), 1));
  // Weights as a 16-bit file stores them (the BF16 dot-product kernel reads BF16 weights).
  const std::vector<float> w = Widen<dt>(Narrow<dt>(scalert::testing::RandomVector(static_cast<size_t>(n) * k, 2)));
  const std::vector<float> b = scalert::testing::RandomVector(static_cast<size_t>(n), 3);
  const std::vector<uint16_t> res = Narrow<dt>(scalert::testing::RandomVector(static_cast<size_t>(m) * n, 4));
  const std::vector<float> af = Widen<dt>(a), rf = Widen<dt>(res);
  std::vector<float> want(static_cast<size_t>(m) * n), mag(want.size()), a_abs(af.size()), w_abs(w.size());
  for (size_t i = 0; i < af.size(); ++i) a_abs[i] = std::abs(af[i]);
  for (size_t i = 0; i < w.size(); ++i) w_abs[i] = std::abs(w[i]);
  ref::FullyConnected(static_cast<int32_t>(m), k, n, af.data(), w.data(), b.data(), want.data(), act);
  ref::FullyConnected(static_cast<int32_t>(m), k, n, a_abs.data(), w_abs.data(), nullptr, mag.data(), Activation::kNone);
  if (residual)
    for (size_t i = 0; i < want.size(); ++i) want[i] += rf[i];
  PackedGemm packed = kernel.pack(w.data(), b.data(), n, k, kernel.tile);
  std::vector<uint16_t> c(want.size(), 0x7fff);  // NaN in both formats: an element not written fails
  GemmHalfArgs args;
  args.a = a.data();
  args.lda = k;
  args.packed_b = packed.b.data();
  args.bias = packed.bias.data();
  args.c = c.data();
  args.ldc = n;
  args.k = k;
  args.n = n;
  args.act = act;
  if (residual) {
    args.residual = res.data();
    args.ldr = n;
  }
  const int64_t row_step = (m + bands - 1) / bands;
  const int32_t nr = kernel.tile.nr;
  const int32_t col_step = static_cast<int32_t>(((n + nr - 1) / nr + bands - 1) / bands) * nr;
  for (int64_t m0 = 0; m0 < m; m0 += row_step)
    for (int32_t n0 = 0; n0 < n; n0 += col_step)
      kernel.fn(args, m0, std::min(m, m0 + row_step), n0, std::min(n, n0 + col_step));
  for (size_t i = 0; i < want.size(); ++i)
    ExpectRounded<dt>(Format<dt>::Load(c[i]), want[i], mag[i] + (residual ? std::abs(rf[i]) : 0), "gemm", i,
                      SumError(kernel.name));
}

template <KernelDType dt>
void GemmSweep() {
  const auto kernels = RunnableKernels<KernelOp::kGemm, dt>();
  ASSERT_FALSE(kernels.empty());
  for (const auto& kernel : kernels) {
    for (int64_t m : {1, 5, 13, 49})
      for (int32_t n : {1, 8, 17, 24, 40, 67})
        for (int32_t k : {1, 2, 7, 16, 33})
          TestGemm<dt>(kernel, m, n, k, Activation::kNone, false, 1);
    for (Activation act : {Activation::kRelu6, Activation::kSwish, Activation::kSigmoid})
      TestGemm<dt>(kernel, 29, 72, 96, act, false, 3);
    TestGemm<dt>(kernel, 31, 40, 25, Activation::kNone, true, 2);
    TestGemm<dt>(kernel, 196, 160, 960, Activation::kNone, true, 2);  // a 14x14 project
    // Whole and partial 16-row tiles and 32-row blocks; k in one chunk, in chunks that divide it
    // (40, 144), with a partial last chunk (136, 27 odd), and 16- and 32-column panels.
    for (int64_t m : {16, 17, 32, 47, 64})
      for (int32_t k : {27, 32, 40, 136, 144})
        TestGemm<dt>(kernel, m, 48, k, Activation::kSwish, m % 2 == 1, m == 47 ? 3 : 1);
    TestGemm<dt>(kernel, 23, 83, 151, Activation::kSwish, false, 3);    // k blocks with a tail
    // Small-k expands (the AMX kernel's one-chunk path: alternating 16-row units, odd and even
    // unit counts, short calls) with every epilogue: each activation, residual or not, full
    // 32-column panels and a 16-column one.
    for (Activation act : {Activation::kNone, Activation::kRelu, Activation::kRelu6, Activation::kSwish})
      for (int64_t m : {3, 16, 17, 31, 47, 100})
        for (int32_t k : {16, 24})
          TestGemm<dt>(kernel, m, m % 2 == 1 ? 96 : 80, k, act, m % 3 == 1, m == 100 ? 3 : 1);
    // ReLU6 with sums past 6 on whole 32-column panels and a partial last one, k in several chunks,
    // with and without a residual (the AMX kernel's whole panels take their own epilogue).
    for (bool residual : {false, true}) TestGemm<dt>(kernel, 37, 72, 144, Activation::kRelu6, residual, 1);
  }
}

TEST(HalfKernels, Bf16GemmMatchesReference) { GemmSweep<KernelDType::kBF16>(); }
TEST(HalfKernels, F16GemmMatchesReference) { GemmSweep<KernelDType::kF16>(); }

template <KernelDType dt>
void TestDw(const Kernel<KernelOp::kDwConv, dt>& kernel, int32_t c, int32_t h, int32_t w, int32_t kk, int32_t stride,
            int32_t pad, Activation act, int bands) {
  SCOPED_TRACE(::testing::Message() << kernel.name << " c=" << c << " in=" << h << "x" << w << " k=" << kk
                                    << " s=" << stride << " pad=" << pad << " bands=" << bands);
  ref::ConvGeometry g;
  g.batch = 1; g.in_h = h; g.in_w = w; g.in_c = c; g.out_c = c;
  g.kernel_h = g.kernel_w = kk; g.stride_h = g.stride_w = stride; g.dilation_h = g.dilation_w = 1;
  g.pad_top = g.pad_left = pad;
  g.out_h = (h + 2 * pad - kk) / stride + 1;
  g.out_w = (w + 2 * pad - kk) / stride + 1;
  ASSERT_GT(g.out_h, 0);
  ASSERT_GT(g.out_w, 0);
  const std::vector<uint16_t> x = Narrow<dt>(scalert::testing::RandomVector(static_cast<size_t>(h) * w * c, 5));
  // Weights as a 16-bit file stores them (the FP16-arithmetic kernels read FP16 weights).
  const std::vector<float> wt = Widen<dt>(Narrow<dt>(scalert::testing::RandomVector(static_cast<size_t>(kk) * kk * c, 6)));
  const std::vector<float> b = scalert::testing::RandomVector(static_cast<size_t>(c), 7);
  const std::vector<float> xf = Widen<dt>(x);
  std::vector<float> x_abs(xf.size()), w_abs(wt.size());
  for (size_t i = 0; i < xf.size(); ++i) x_abs[i] = std::abs(xf[i]);
  for (size_t i = 0; i < wt.size(); ++i) w_abs[i] = std::abs(wt[i]);
  const size_t out_n = static_cast<size_t>(g.out_h) * g.out_w * c;
  std::vector<float> want(out_n), mag(out_n);
  ref::DepthwiseConv2D(g, xf.data(), wt.data(), b.data(), want.data(), act);
  ref::DepthwiseConv2D(g, x_abs.data(), w_abs.data(), nullptr, mag.data(), Activation::kNone);
  PackedDwConv packed = kernel.pack(wt.data(), b.data(), c, kk * kk, kernel.tile);
  std::vector<uint16_t> zero(static_cast<size_t>(RoundUp(c, kernel.tile.channel_tile)), 0);
  std::vector<uint16_t> y(out_n, 0x7fff);
  DwConvHalfArgs args;
  args.geo = g;
  args.input = x.data();
  args.packed = packed.data.data();
  args.zero = zero.data();
  args.output = y.data();
  args.act = act;
  const int32_t step = (g.out_h + bands - 1) / bands;
  for (int32_t r = 0; r < g.out_h; r += step) kernel.fn(args, r, std::min(g.out_h, r + step));
  for (size_t i = 0; i < out_n; ++i) ExpectRounded<dt>(Format<dt>::Load(y[i]), want[i], mag[i], "dwconv", static_cast<int64_t>(i),
                                                     SumError(kernel.name));
}

template <KernelDType dt>
void DwSweep() {
  const auto kernels = RunnableKernels<KernelOp::kDwConv, dt>();
  ASSERT_FALSE(kernels.empty());
  for (const auto& kernel : kernels) {
    for (int32_t c : {1, 7, 17, 40, 71})
      for (int32_t kk : {3, 5})
        for (int32_t stride : {1, 2})
          for (auto [h, w] : {std::pair{1, 1}, std::pair{5, 7}, std::pair{12, 9}})
            TestDw<dt>(kernel, c, h, w, kk, stride, kk / 2, Activation::kNone, 1);
    TestDw<dt>(kernel, 33, 14, 11, 3, 2, 1, Activation::kSwish, 3);
    TestDw<dt>(kernel, 96, 19, 23, 5, 1, 2, Activation::kRelu6, 4);
    TestDw<dt>(kernel, 9, 8, 8, 7, 1, 3, Activation::kNone, 2);  // the generic window path
  }
}

TEST(HalfKernels, Bf16DepthwiseMatchesReference) { DwSweep<KernelDType::kBF16>(); }
TEST(HalfKernels, F16DepthwiseMatchesReference) { DwSweep<KernelDType::kF16>(); }

// Swish and sigmoid of every BF16 value of magnitude 2^-100 to 80, and zero, through a 1x1
// depthwise of weight 1 (the avx512bf16 kernels compute them to BF16 precision only,
// kernels/x86/bf16_math.h, and flush subnormals): each output within one BF16 unit of the exact
// value rounded once, and almost all of them equal to it.
TEST(HalfKernels, Bf16ActivationsWithinOneUnit) {
  std::vector<uint16_t> x;
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    const float v = ref::Bf16ToF32(static_cast<uint16_t>(bits));
    if (v == 0.f || (std::abs(v) >= 0x1p-100f && std::abs(v) <= 80.f)) x.push_back(static_cast<uint16_t>(bits));
  }
  const int32_t c = 32;
  const int32_t pixels = static_cast<int32_t>((x.size() + c - 1) / c);
  x.resize(static_cast<size_t>(pixels) * c, 0);
  for (const auto& kernel : RunnableKernels<KernelOp::kDwConv, KernelDType::kBF16>())
    for (Activation act : {Activation::kSwish, Activation::kSigmoid}) {
      SCOPED_TRACE(::testing::Message() << kernel.name << (act == Activation::kSwish ? " swish" : " sigmoid"));
      ref::ConvGeometry g;
      g.in_h = g.out_h = pixels;
      g.in_c = g.out_c = c;
      const std::vector<float> ones(static_cast<size_t>(c), 1.f), zeros(static_cast<size_t>(c), 0.f);
      PackedDwConv packed = kernel.pack(ones.data(), zeros.data(), c, 1, kernel.tile);
      std::vector<uint16_t> zero(static_cast<size_t>(RoundUp(c, kernel.tile.channel_tile)), 0), y(x.size(), 0x7fff);
      DwConvHalfArgs args;
      args.geo = g;
      args.input = x.data();
      args.packed = packed.data.data();
      args.zero = zero.data();
      args.output = y.data();
      args.act = act;
      kernel.fn(args, 0, pixels);
      int64_t differ = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        const double v = ref::Bf16ToF32(x[i]);
        const double s = 1.0 / (1.0 + std::exp(-v));
        const float want = ref::Bf16ToF32(ref::F32ToBf16(static_cast<float>(act == Activation::kSwish ? v * s : s)));
        const float got = ref::Bf16ToF32(y[i]);
        ASSERT_TRUE(std::isfinite(got)) << v;
        ASSERT_LE(std::abs(got - want), std::abs(want) / 128) << "x = " << v;  // one unit
        differ += got != want;
      }
      EXPECT_LE(differ, static_cast<int64_t>(x.size()) / 100) << differ << " of " << x.size() << " off by one unit";
    }
}

// Every level this CPU runs has its own 16-bit kernels (nothing silently falls back to another
// level's), and the BF16 dot-product kernel is the one picked where AVX512-BF16 exists.
TEST(HalfKernels, EveryLevelHasItsKernels) {
  const KernelRegistry& r = KernelRegistry::Global();
  for (KernelDType dt : {KernelDType::kF16, KernelDType::kBF16})
    for (KernelOp op : {KernelOp::kGemm, KernelOp::kDwConv}) {
      const KernelEntry* e = r.FindEntry(op, dt, DetectedIsa());
      ASSERT_NE(e, nullptr) << KernelOpName(op) << " " << KernelDTypeName(dt);
    }
#if defined(SCALERT_KERNELS_X86)
  if (CpuSupports(Isa::kAvx512Bf16)) {
    EXPECT_EQ(r.FindEntry(KernelOp::kGemm, KernelDType::kBF16, Isa::kAvx512Bf16)->name,
              "gemm_bf16_f32acc_12x32_avx512bf16");
    EXPECT_EQ(r.FindEntry(KernelOp::kDwConv, KernelDType::kBF16, Isa::kAvx512Bf16)->name,
              "dwconv_bf16s_f32acc_c32pairs_avx512bf16");
  }
  // AMX: the BF16 GEMM on tiles; the depthwise stays on avx512bf16's.
  if (CpuSupports(Isa::kAmx)) {
    EXPECT_EQ(r.FindEntry(KernelOp::kGemm, KernelDType::kBF16, Isa::kAmx)->name, "gemm_bf16_f32acc_32x32_amx");
    EXPECT_EQ(r.FindEntry(KernelOp::kDwConv, KernelDType::kBF16, Isa::kAmx)->name,
              "dwconv_bf16s_f32acc_c32pairs_avx512bf16");
  }
  // FP16 arithmetic from avx512fp16 up (where the CPU has it); the storage kernels below.
  for (Isa isa : {Isa::kAvx512Fp16, Isa::kAmx}) {
    if (!CpuSupports(isa)) continue;
    EXPECT_EQ(r.FindEntry(KernelOp::kGemm, KernelDType::kF16, isa)->name, "gemm_f16_f16x16acc_8x32_avx512fp16");
    EXPECT_EQ(r.FindEntry(KernelOp::kDwConv, KernelDType::kF16, isa)->name, "dwconv_f16_f16x16acc_c32_avx512fp16");
  }
  if (CpuSupports(Isa::kAvx512Bf16)) {
    EXPECT_EQ(r.FindEntry(KernelOp::kGemm, KernelDType::kF16, Isa::kAvx512Bf16)->name, "gemm_f16s_f32acc_12x32_avx512");
  }
#endif
#if defined(SCALERT_KERNELS_ARM)
  // FP16 arithmetic (FMLAL) from neonfhm up; below it, and for BF16, the storage kernels.
  for (Isa isa : {Isa::kNeonFhm, Isa::kNeonI8mm}) {
    EXPECT_EQ(r.FindEntry(KernelOp::kGemm, KernelDType::kF16, isa)->name, "gemm_f16_f32acc_4x16_neonfhm");
    EXPECT_EQ(r.FindEntry(KernelOp::kDwConv, KernelDType::kF16, isa)->name, "dwconv_f16_f32acc_c8_neonfhm");
    EXPECT_EQ(r.FindEntry(KernelOp::kGemm, KernelDType::kBF16, isa)->name, "gemm_bf16s_f32acc_6x16_neon");
  }
  EXPECT_EQ(r.FindEntry(KernelOp::kGemm, KernelDType::kF16, Isa::kNeonDot)->name, "gemm_f16s_f32acc_6x16_neon");
#endif
}

}  // namespace
}  // namespace scalert::kernels

namespace scalert::kernels {
namespace {

// The 16-bit array kernels of every level (half_convert.h): conversions bit for bit with
// float_formats.h (ties, subnormals, infinities, NaN staying NaN), and the residual add, the
// squeeze-and-excitation multiply and the global average pool within one unit of the format of
// the FP32 result, at lengths that leave every kind of tail.
TEST(HalfArrayKernels, MatchTheReferenceAtEveryLevel) {
  for (Isa isa : SupportedIsas())
    for (KernelDType dt : {KernelDType::kF16, KernelDType::kBF16}) {
      const HalfConverters k = FindHalfConverters(dt, isa);
      SCOPED_TRACE(::testing::Message() << IsaName(k.isa) << " " << KernelDTypeName(dt));
      const bool bf16 = dt == KernelDType::kBF16;
      auto narrow = [&](float f) { return bf16 ? ref::F32ToBf16(f) : ref::F32ToF16(f); };
      auto widen = [&](uint16_t h) { return bf16 ? ref::Bf16ToF32(h) : ref::F16ToF32(h); };
      const double unit = bf16 ? 1.0 / 256 : 1.0 / 2048;
      for (int64_t n : {1, 7, 8, 15, 16, 17, 37, 100}) {
        std::vector<float> x = scalert::testing::RandomVector(static_cast<size_t>(n), 11, -3.f, 3.f);
        // Halfway cases, a subnormal of each format, infinity and NaN.
        const float specials[] = {1.f + 1.f / 512, 1.f + 3.f / 4096, 1e-39f, 3e-6f, INFINITY, NAN};
        for (size_t i = 0; i < x.size() && i < 6; ++i) x[i * 2 % x.size()] = specials[i];
        std::vector<uint16_t> h(static_cast<size_t>(n) + 1, 0xabcd);
        k.from_f32(n, x.data(), h.data());
        for (int64_t i = 0; i < n; ++i) {
          if (std::isnan(x[i])) {
            EXPECT_TRUE(std::isnan(widen(h[i]))) << i;
          } else {
            EXPECT_EQ(h[i], narrow(x[i])) << "element " << i << " of " << n << ": " << x[i];
          }
        }
        EXPECT_EQ(h[n], 0xabcd) << "wrote past the end";
        std::vector<float> back(static_cast<size_t>(n) + 1, 7.f);
        k.to_f32(n, h.data(), back.data());
        for (int64_t i = 0; i < n; ++i) {
          if (!std::isnan(x[i])) {
            EXPECT_EQ(back[i], widen(h[i])) << i;
          }
        }
        EXPECT_EQ(back[n], 7.f);
      }
      // Add, multiply by a channel gate, mean over pixels (finite values only).
      const int64_t pixels = 13;
      const int32_t channels = 37;
      std::vector<uint16_t> a(static_cast<size_t>(pixels * channels)), b(a.size()), y(a.size()), pooled(channels);
      const std::vector<float> af = scalert::testing::RandomVector(a.size(), 12), bf = scalert::testing::RandomVector(a.size(), 13);
      const std::vector<float> gate = scalert::testing::RandomVector(static_cast<size_t>(channels), 14);
      for (size_t i = 0; i < a.size(); ++i) {
        a[i] = narrow(af[i]);
        b[i] = narrow(bf[i]);
      }
      auto expect_rounded = [&](uint16_t got, double want, const char* what, size_t i) {
        ASSERT_TRUE(std::isfinite(widen(got))) << what << " " << i;
        ASSERT_NEAR(widen(got), want, unit * std::abs(want) + 1e-6) << what << " " << i;
      };
      k.add(static_cast<int64_t>(a.size()), a.data(), b.data(), y.data(), Activation::kRelu);
      for (size_t i = 0; i < a.size(); ++i) expect_rounded(y[i], std::max(0.f, widen(a[i]) + widen(b[i])), "add", i);
      k.mul_channel(pixels, channels, a.data(), gate.data(), y.data(), Activation::kNone);
      for (size_t i = 0; i < a.size(); ++i) expect_rounded(y[i], widen(a[i]) * gate[i % channels], "mul_channel", i);
      k.global_avg_pool(pixels, channels, a.data(), pooled.data(), 0, channels);
      for (int32_t c = 0; c < channels; ++c) {
        double sum = 0;
        for (int64_t p = 0; p < pixels; ++p) sum += widen(a[p * channels + c]);
        expect_rounded(pooled[c], sum / pixels, "global_avg_pool", c);
      }
    }
}

}  // namespace
}  // namespace scalert::kernels
