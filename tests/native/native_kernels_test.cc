// Every native kernel at every ISA level this CPU runs, against the reference kernels, over
// awkward shapes: odd sizes, channel counts that are not multiples of 8, narrow last panels,
// strides 1 and 2, kernels 3 and 5, asymmetric padding, every activation.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/isa.h"
#include "kernels/reference/elementwise.h"
#include "tests/native/dwconv_tester.h"
#include "tests/native/gemm_tester.h"
#include "tests/native/kernel_list.h"
#include "tests/testing/test_models.h"

namespace scalert::kernels::testing {
namespace {

using scalert::testing::RandomVector;

constexpr Activation kAllActivations[] = {Activation::kNone,    Activation::kRelu,        Activation::kRelu6,
                                          Activation::kSigmoid, Activation::kHardSigmoid, Activation::kSwish,
                                          Activation::kHardSwish};

TEST(NativeRegistry, EverySupportedLevelHasItsKernels) {
  ASSERT_EQ(SupportedIsas().front(), Isa::kPortable);
  const auto& r = KernelRegistry::Global();
  for (KernelOp op : {KernelOp::kGemm, KernelOp::kDwConv, KernelOp::kActivation, KernelOp::kAdd, KernelOp::kMul,
                      KernelOp::kMulChannel, KernelOp::kGlobalAvgPool}) {
    SCOPED_TRACE(KernelOpName(op));
    const KernelEntry* portable = r.FindEntry(op, KernelDType::kF32, Isa::kPortable);
    ASSERT_NE(portable, nullptr);
    EXPECT_EQ(portable->isa, Isa::kPortable);
#if defined(SCALERT_KERNELS_X86)
    for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
      const KernelEntry* e = r.FindEntry(op, KernelDType::kF32, isa);
      ASSERT_NE(e, nullptr);
      EXPECT_EQ(e->isa, isa) << "every x86 level has its own kernel for every op";
      EXPECT_NE(e->name.find(IsaName(isa)), std::string::npos) << e->name;
    }
#endif
#if defined(SCALERT_KERNELS_ARM)
    const KernelEntry* neon = r.FindEntry(op, KernelDType::kF32, Isa::kNeon);
    ASSERT_NE(neon, nullptr);
    EXPECT_EQ(neon->isa, Isa::kNeon);
    // FP32 has no FP16 / dot-product variants: the higher arm64 levels fall back to NEON.
    for (Isa above : {Isa::kNeonFp16, Isa::kNeonDot, Isa::kNeonFhm, Isa::kNeonI8mm})
      EXPECT_EQ(r.FindEntry(op, KernelDType::kF32, above), neon) << IsaName(above);
#endif
    // Kernels with weights come with their packing and a tile that packing can use.
    for (const KernelEntry& e : r.entries()) {
      if (e.op == KernelOp::kGemm) {
        EXPECT_TRUE(e.pack && e.tile.nr >= 2 && e.tile.mr >= 1 && e.tile.nr_min >= 1) << e.name;
      }
      if (e.op == KernelOp::kDwConv) {
        EXPECT_TRUE(e.pack && e.tile.channel_tile >= 8) << e.name;
      }
    }
  }
}

TEST(NativeRegistry, IsaNamesRoundTrip) {
  for (Isa isa : AllIsas()) {
    Isa parsed;
    ASSERT_TRUE(ParseIsa(IsaName(isa), &parsed));
    EXPECT_EQ(parsed, isa);
  }
  Isa unused;
  EXPECT_FALSE(ParseIsa("sse9", &unused));
  EXPECT_FALSE(ParseIsa("", &unused));
}

TEST(NativeGemm, OddSizesAndNarrowPanels) {
  const auto kernels = RunnableKernels<KernelOp::kGemm>();
  ASSERT_FALSE(kernels.empty());
  for (const auto& k : kernels)
    for (int64_t m : {1, 2, 5, 6, 7, 13, 49, 97})
      for (int32_t n : {1, 3, 8, 9, 16, 17, 24, 40, 61})
        for (int32_t kk : {1, 3, 16, 27, 67}) GemmTester().m(m).n(n).k(kk).Test(k);
}

// The x86 kernels' tiles add the k products to the bias in order, one FMA each, whether k is
// read at run time or compiled in (depths 16, 24, 32 with rows of A k apart): each output is bit
// for bit that chain, at those depths, their neighbours and with a wider A stride, every tile
// height (m up to 28) and the narrow panels.
TEST(NativeGemm, FixedDepthTilesMatchTheFmaChainBitForBit) {
  for (const auto& kernel : RunnableKernels<KernelOp::kGemm>()) {
    if (std::string(kernel.name).find("avx") == std::string::npos) continue;  // FMA kernels only
    for (int32_t k : {15, 16, 17, 24, 32})
      for (int64_t lda : {int64_t{k}, int64_t{k} + 3})
        for (int64_t m : {2, 5, 12, 13, 25, 28})
          for (int32_t n : {32, 56, 96}) {
            SCOPED_TRACE(::testing::Message() << kernel.name << " k=" << k << " lda=" << lda << " m=" << m << " n=" << n);
            const std::vector<float> a = RandomVector(static_cast<size_t>(m * lda), 1);
            const std::vector<float> w = RandomVector(static_cast<size_t>(n) * k, 2);
            const std::vector<float> b = RandomVector(static_cast<size_t>(n), 3);
            PackedGemm packed = kernel.pack(w.data(), b.data(), n, k, kernel.tile);
            std::vector<float> c(static_cast<size_t>(m) * n);
            GemmArgs args;
            args.a = a.data();
            args.lda = lda;
            args.packed_b = packed.b.data();
            args.bias = packed.bias.data();
            args.c = c.data();
            args.ldc = n;
            args.k = k;
            args.n = n;
            kernel.fn(args, 0, m, 0, n);
            for (int64_t i = 0; i < m; ++i)
              for (int32_t j = 0; j < n; ++j) {
                float want = b[j];
                for (int32_t kk = 0; kk < k; ++kk) want = std::fma(a[i * lda + kk], w[int64_t{j} * k + kk], want);
                ASSERT_EQ(std::memcmp(&c[i * n + j], &want, sizeof(float)), 0)
                    << "at row " << i << " column " << j << ": " << c[i * n + j] << " vs " << want;
              }
          }
  }
}

TEST(NativeGemm, EveryActivation) {
  for (const auto& k : RunnableKernels<KernelOp::kGemm>())
    for (Activation act : kAllActivations) {
      GemmTester().m(23).n(40).k(19).activation(act).Test(k);
      GemmTester().m(7).n(13).k(8).bias(false).activation(act).Test(k);
      // A 1-vector panel and a half-vector one after it (16 + 8 columns at avx512): one tile.
      GemmTester().m(25).n(24).k(19).activation(act).residual(true).Test(k);
      GemmTester().m(13).n(53).k(5).activation(act).Test(k);
    }
}

// The skip connection in the epilogue: every tile height, the narrow panel, a single row (the
// row kernel), after each activation, on sub-ranges.
TEST(NativeGemm, ResidualAddedAfterTheActivation) {
  for (const auto& k : RunnableKernels<KernelOp::kGemm>()) {
    for (Activation act : kAllActivations) GemmTester().m(23).n(40).k(19).activation(act).residual(true).Test(k);
    for (int64_t m : {1, 2, 5, 12, 13, 49})
      for (int32_t n : {8, 17, 24, 33, 80}) GemmTester().m(m).n(n).k(11).residual(true).Test(k);
    GemmTester().m(100).n(72).k(33).row_bands(3).col_bands(2).c_stride(75).residual(true).Test(k);
  }
}

TEST(NativeGemm, StridesAndSubRangesAsThreadsSplitThem) {
  for (const auto& k : RunnableKernels<KernelOp::kGemm>()) {
    GemmTester().m(31).n(37).k(21).a_stride(25).c_stride(41).Test(k);
    GemmTester().m(100).n(72).k(33).row_bands(3).col_bands(2).Test(k);
    GemmTester().m(5).n(100).k(9).col_bands(4).activation(Activation::kSwish).Test(k);
  }
}

TEST(NativeGemm, MbconvShapes) {
  for (const auto& k : RunnableKernels<KernelOp::kGemm>()) {
    GemmTester().m(14 * 14).n(480).k(80).activation(Activation::kSwish).row_bands(2).Test(k);  // expand
    GemmTester().m(7 * 7).n(192).k(672).Test(k);                                              // project
    GemmTester().m(1).n(1000).k(1280).Test(k);                                                // classifier
  }
}

// A later step's weights touched into cache by the GEMM's tiles (weight_prefetch.h): a hint that
// never changes the output, whether it is shorter than one tile's share, longer than every tile
// can take, or given to a single row.
TEST(NativeGemm, PrefetchRangeChangesNothing) {
  for (const auto& k : RunnableKernels<KernelOp::kGemm>())
    for (int64_t bytes : {1, 100, 4096, 1 << 20}) {
      GemmTester().m(49).n(72).k(33).activation(Activation::kSwish).prefetch(bytes).Test(k);
      GemmTester().m(100).n(40).k(16).row_bands(3).col_bands(2).residual(true).prefetch(bytes).Test(k);
      GemmTester().m(1).n(100).k(20).prefetch(bytes).Test(k);
    }
}

// Cold weights (a whole-step GEMM): the tiles touch the next panel of B, a hint that never changes
// the output: 2-vector, 1-vector and half-vector panels (72 = 32 + 32 + 8 and 40 = 32 + 8 at
// AVX-512), several row blocks (k = 600), bands as threads split them, one row, and together with
// a prefetch range (which then takes the tiles' touches).
TEST(NativeGemm, ColdWeightsChangeNothing) {
  for (const auto& k : RunnableKernels<KernelOp::kGemm>()) {
    GemmTester().m(49).n(72).k(33).activation(Activation::kRelu6).cold_weights(true).Test(k);
    GemmTester().m(100).n(40).k(16).row_bands(3).col_bands(2).residual(true).cold_weights(true).Test(k);
    GemmTester().m(300).n(56).k(600).cold_weights(true).Test(k);
    GemmTester().m(1).n(100).k(20).cold_weights(true).Test(k);
    GemmTester().m(49).n(72).k(33).prefetch(4096).cold_weights(true).Test(k);
  }
}

// The GEMM over A read through offsets (a stem's taps in an NCHW image) against the reference on
// the gathered rows, and bit for bit against the same level's GEMM on them (from 2 rows on: one
// row runs on the GEMM's split-chain row kernel): awkward m, every panel width (8-wide ones by
// masked loads of B), offsets in any order, row strides 1 to 3, activations, a residual, row
// and column sub-ranges; columns past n stay untouched.
TEST(NativeGemmOffsets, GatheredRowsMatchTheGemm) {
  const auto kernels = RunnableKernels<KernelOp::kGemmOffsets>();
#if defined(SCALERT_KERNELS_X86)
  if (CpuSupports(Isa::kAvx2)) {
    ASSERT_FALSE(kernels.empty());
  }
#endif
  for (const auto& k : kernels) {
    const KernelEntry* dense_entry = KernelRegistry::Global().FindEntry(KernelOp::kGemm, KernelDType::kF32, k.isa);
    ASSERT_NE(dense_entry, nullptr);
    const auto dense = KernelFromEntry<KernelOp::kGemm, KernelDType::kF32>(*dense_entry);
    ASSERT_EQ(dense.pack, k.pack);
    for (int64_t m : {1, 2, 7, 12, 13, 30, 111})
      for (int32_t n : {1, 8, 16, 24, 32, 40, 56, 72})
        for (int32_t kk : {1, 5, 27})
          for (int64_t lda : {1, 2, 3}) {
            const Activation act = kAllActivations[(m + n + kk) % 7];
            const bool residual = (n + kk) % 3 == 0;
            SCOPED_TRACE(::testing::Message() << k.name << " m=" << m << " n=" << n << " k=" << kk << " lda=" << lda
                                              << " act=" << static_cast<int>(act) << " residual=" << residual);
            std::vector<int64_t> off(static_cast<size_t>(kk));
            for (int32_t j = 0; j < kk; ++j) off[j] = (kk - 1 - j) % 3 * 97 + j / 3 * 11 + j % 2;  // any order
            const int64_t span = (m - 1) * lda + *std::max_element(off.begin(), off.end()) + 1;
            const std::vector<float> img = RandomVector(static_cast<size_t>(span), 7);
            std::vector<float> a(static_cast<size_t>(m * kk)), a_abs(a.size());
            for (int64_t i = 0; i < m; ++i)
              for (int32_t j = 0; j < kk; ++j) {
                a[i * kk + j] = img[i * lda + off[j]];
                a_abs[i * kk + j] = std::abs(a[i * kk + j]);
              }
            const std::vector<float> w = RandomVector(static_cast<size_t>(n) * kk, 8);
            const std::vector<float> b = RandomVector(static_cast<size_t>(n), 9);
            const int64_t ldc = n + 5;
            const std::vector<float> res = RandomVector(static_cast<size_t>(m * ldc), 10);
            std::vector<float> w_abs(w.size()), b_abs(b.size());
            for (size_t i = 0; i < w.size(); ++i) w_abs[i] = std::abs(w[i]);
            for (size_t i = 0; i < b.size(); ++i) b_abs[i] = std::abs(b[i]);
            std::vector<float> want(static_cast<size_t>(m) * n), magnitude(want.size());
            ref::FullyConnected(static_cast<int32_t>(m), kk, n, a.data(), w.data(), b.data(), want.data(), act);
            ref::FullyConnected(static_cast<int32_t>(m), kk, n, a_abs.data(), w_abs.data(), b_abs.data(),
                                magnitude.data(), Activation::kNone);
            PackedGemm packed = k.pack(w.data(), b.data(), n, kk, k.tile);
            GemmArgs args;
            args.packed_b = packed.b.data();
            args.bias = packed.bias.data();
            args.ldc = ldc;
            args.k = kk;
            args.n = n;
            args.act = act;
            if (residual) {
              args.residual = res.data();
              args.ldr = ldc;
            }
            std::vector<float> got(static_cast<size_t>(m * ldc), 12345.f), plain = got;
            GemmArgs gathered = args;
            gathered.a = img.data();
            gathered.lda = lda;
            gathered.a_offsets = off.data();
            gathered.c = got.data();
            const int64_t half = m / 2;  // two row ranges, and the columns in two at a panel boundary
            const int32_t n_split = n > k.tile.nr ? k.tile.nr : n;
            for (auto [m0, m1] : {std::pair{int64_t{0}, half}, std::pair{half, m}}) {
              k.fn(gathered, m0, m1, 0, n_split);
              k.fn(gathered, m0, m1, n_split, n);
            }
            GemmArgs on_dense = args;
            on_dense.a = a.data();
            on_dense.lda = kk;
            on_dense.c = plain.data();
            dense.fn(on_dense, 0, m, 0, n);
            for (int64_t i = 0; i < m; ++i)
              for (int64_t j = 0; j < ldc; ++j) {
                const float v = got[i * ldc + j];
                if (j >= n) {
                  ASSERT_EQ(v, 12345.f) << "wrote past n at " << i << "," << j;
                  continue;
                }
                const double r = want[i * n + j] + (residual ? res[i * ldc + j] : 0.f);
                const double tol = 4e-6 * (magnitude[i * n + j] + (residual ? std::abs(res[i * ldc + j]) : 0.f)) + 1e-6;
                ASSERT_TRUE(std::isfinite(v)) << i << "," << j;
                ASSERT_NEAR(v, r, tol) << i << "," << j;
                if (m >= 2) {
                  ASSERT_EQ(std::memcmp(&v, &plain[i * ldc + j], sizeof(float)), 0) << i << "," << j;
                }
              }
          }
  }
}

TEST(NativeDwConv, KernelsStridesAndChannelTails) {
  const auto kernels = RunnableKernels<KernelOp::kDwConv>();
  ASSERT_FALSE(kernels.empty());
  for (const auto& k : kernels)
    for (int32_t c : {1, 7, 8, 9, 16, 17, 24, 33})
      for (int32_t ks : {3, 5})
        for (int32_t s : {1, 2})
          for (auto [h, w] : {std::pair{1, 1}, std::pair{5, 5}, std::pair{9, 6}, std::pair{12, 13}})
            DwConvTester().channels(c).input(h, w).kernel(ks).stride(s).padding(ks / 2).Test(k);
}

TEST(NativeDwConv, AsymmetricAndNoPadding) {
  for (const auto& k : RunnableKernels<KernelOp::kDwConv>()) {
    // TensorFlow 'same' with stride 2 on even sizes: extra padding bottom/right only.
    DwConvTester().channels(24).input(10, 8).kernel(3).stride(2).padding(0, 0, 1, 1).Test(k);
    DwConvTester().channels(40).input(11, 12).kernel(5).stride(2).padding(1, 2, 2, 1).Test(k);
    DwConvTester().channels(13).input(7, 9).kernel(3).stride(1).padding(0).Test(k);
    DwConvTester().channels(19).input(9, 9).kernel(5).stride(1).padding(0, 0, 0, 0).Test(k);
    DwConvTester().channels(11).input(8, 8).kernel(3, 5).stride(1).padding(1, 2, 1, 2).Test(k);
    DwConvTester().channels(10).input(9, 9).kernel(3).dilation(2).padding(2).Test(k);
    DwConvTester().channels(12).input(7, 5).kernel(7).padding(3).Test(k);  // run-time tap count
  }
}

TEST(NativeDwConv, EveryActivationBatchAndRowBands) {
  for (const auto& k : RunnableKernels<KernelOp::kDwConv>()) {
    for (Activation act : kAllActivations) DwConvTester().channels(21).input(6, 7).activation(act).Test(k);
    DwConvTester().channels(18).batch(3).input(5, 4).kernel(5).stride(2).padding(2).row_bands(4).Test(k);
    DwConvTester().channels(32).input(13, 11).bias(false).row_bands(5).Test(k);
  }
}

// Output rows further apart than their width (a fused block's column chunk of wider rows): every
// path writes its rows at the stride and nothing between them.
TEST(NativeDwConv, OutputRowStride) {
  for (const auto& k : RunnableKernels<KernelOp::kDwConv>())
    for (int32_t ks : {3, 5})
      for (int32_t s : {1, 2})
        for (auto [c, w] : {std::pair{13, 9}, std::pair{40, 16}, std::pair{16, 29}}) {
          DwConvTester().channels(c).input(7, w).kernel(ks).stride(s).padding(ks / 2).row_gap(3 * c + 5).Test(k);
          DwConvTester().channels(c).batch(2).input(6, w).kernel(ks).stride(s).padding(0, ks / 2, 1, 0).row_gap(16)
              .row_bands(3).Test(k);
        }
  for (const auto& k : RunnableKernels<KernelOp::kDwConv>())  // the generic path (dilation)
    DwConvTester().channels(10).input(9, 9).kernel(3).dilation(2).padding(2).row_gap(7).Test(k);
}

// The row kernels (3x3 and 5x5, strides 1 and 2) split each row into border pixels, blocks of
// 4 interior pixels and a remainder: sweep widths so every split occurs, with channel counts
// that exercise the 16-, 8- and masked-tail groups, and asymmetric padding.
TEST(NativeDwConv, RowKernelWidthSweep) {
  for (const auto& k : RunnableKernels<KernelOp::kDwConv>())
    for (int32_t ks : {3, 5})
      for (int32_t s : {1, 2})
        for (int32_t w = 1; w <= 19; ++w)
          for (int32_t c : {3, 8, 16, 29}) {
            SCOPED_TRACE(::testing::Message() << k.name << " k=" << ks << " s=" << s << " w=" << w << " c=" << c);
            DwConvTester().channels(c).input(4, w).kernel(ks).stride(s).padding(ks / 2).Test(k);
            const int32_t left = ks / 2 - 1 + s;  // asymmetric: left only, no right padding
            if (w + left >= ks)
              DwConvTester().channels(c).input(5, w).kernel(ks).stride(s).padding(0, left, 1, 0)
                  .activation(Activation::kRelu6).Test(k);
          }
}

// Every output row in a call of its own, as the fused MBConv step's 1-row bands run them: the
// lone-row blocks (AVX-512 5x5: 1 x 7 pixels at stride 1 and on stride-2 outputs at most 14
// wide, the memory-weight blocks on wider ones), widths on both sides of that limit.
TEST(NativeDwConv, LoneRowsOnEveryWidth) {
  for (const auto& k : RunnableKernels<KernelOp::kDwConv>())
    for (int32_t ks : {3, 5})
      for (int32_t s : {1, 2})
        for (int32_t w : {1, 2, 5, 6, 7, 8, 9, 13, 14, 15, 16, 21, 27, 28, 29, 30, 31})
          for (int32_t c : {5, 16, 40}) {
            SCOPED_TRACE(::testing::Message() << k.name << " k=" << ks << " s=" << s << " w=" << w << " c=" << c);
            DwConvTester().channels(c).input(5, w).kernel(ks).stride(s).padding(ks / 2).row_bands(5)
                .activation(Activation::kSwish).Test(k);
          }
}

// Runs of more than two rows on maps whose input rows are wide (AVX-512: column strips of 28
// pixels down the run, dwconv_f32_rows.h): strips that end mid-row and at the border, lone rows
// left after the pairs, channel tails, and bands that start on odd rows.
TEST(NativeDwConv, ColumnStripsOnWideRows) {
  for (const auto& k : RunnableKernels<KernelOp::kDwConv>())
    for (int32_t ks : {3, 5})
      for (int32_t s : {1, 2})
        for (auto [w, c] : {std::pair{61, 33}, std::pair{120, 16}, std::pair{57, 40}})
          for (int bands : {1, 3}) {
            SCOPED_TRACE(::testing::Message() << k.name << " k=" << ks << " s=" << s << " w=" << w << " c=" << c
                                              << " bands=" << bands);
            DwConvTester().channels(c).input(9, w).kernel(ks).stride(s).padding(ks / 2).row_bands(bands)
                .activation(Activation::kRelu6).Test(k);
            DwConvTester().channels(c).batch(2).input(7, w).kernel(ks).stride(s).padding(0, ks / 2, ks / 2, 0)
                .row_bands(bands).Test(k);
          }
}

TEST(NativeDwConv, MbconvShapes) {
  for (const auto& k : RunnableKernels<KernelOp::kDwConv>()) {
    DwConvTester().channels(144).input(28, 28).kernel(3).stride(2).padding(0, 0, 1, 1).Test(k);
    DwConvTester().channels(672).input(14, 14).kernel(5).padding(2).activation(Activation::kSwish).Test(k);
  }
}

// Elementwise kernels over sizes around the vector width, against the reference formulas.
std::vector<int64_t> ElementwiseSizes() { return {1, 3, 7, 8, 9, 15, 16, 17, 31, 64, 67, 1000}; }

TEST(NativeElementwise, ActivationsMatchReference) {
  for (const auto& k : RunnableKernels<KernelOp::kActivation>())
    for (Activation act : kAllActivations)
      for (int64_t n : ElementwiseSizes()) {
        SCOPED_TRACE(::testing::Message() << k.name << " act=" << static_cast<int>(act) << " n=" << n);
        // Range wide enough to reach the exp clamps and the hard activations' corners.
        const std::vector<float> x = RandomVector(static_cast<size_t>(n), 7, -100.f, 100.f);
        std::vector<float> small = RandomVector(static_cast<size_t>(n), 8, -6.f, 6.f);
        for (const std::vector<float>* in : {&x, static_cast<const std::vector<float>*>(&small)}) {
          std::vector<float> want(in->size()), got(in->size() + 1, 7.f);
          ref::Unary(n, in->data(), want.data(), act);
          k.fn(n, in->data(), got.data(), act);
          for (int64_t i = 0; i < n; ++i) ASSERT_NEAR(got[i], want[i], 1e-6 + 2e-6 * std::abs(want[i])) << i;
          ASSERT_EQ(got[n], 7.f) << "wrote past the end";
        }
        // In place.
        std::vector<float> inplace = small, want(small.size());
        ref::Unary(n, small.data(), want.data(), act);
        k.fn(n, inplace.data(), inplace.data(), act);
        for (int64_t i = 0; i < n; ++i) ASSERT_NEAR(inplace[i], want[i], 1e-6 + 2e-6 * std::abs(want[i]));
      }
}

// The sigmoid and swish approximations on a dense grid over [-100, 100] (every float step of
// 1/1024), against double precision: relative error at most 1e-6 where the result is a normal
// float; below that (x < -85) sigmoid may be off by 2e-38 and swish by 1e-30 absolute.
TEST(NativeElementwise, SigmoidAndSwishMaxError) {
  std::vector<float> x;
  for (int i = -100 * 1024; i <= 100 * 1024; ++i) x.push_back(static_cast<float>(i) / 1024.f);
  for (float v : {-1e30f, -88.7f, -87.f, -86.99f, 86.99f, 87.f, 88.7f, 1e30f, 1e-30f, -1e-30f, 0.f}) x.push_back(v);
  const int64_t n = static_cast<int64_t>(x.size());
  for (const auto& k : RunnableKernels<KernelOp::kActivation>()) {
    std::vector<float> sig(x.size()), swish(x.size());
    k.fn(n, x.data(), sig.data(), Activation::kSigmoid);
    k.fn(n, x.data(), swish.data(), Activation::kSwish);
    double worst_sig = 0, worst_swish = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double s = 1.0 / (1.0 + std::exp(-static_cast<double>(x[i])));
      ASSERT_TRUE(std::isfinite(sig[i]) && std::isfinite(swish[i])) << k.name << " x=" << x[i];
      if (s > 1e-37) worst_sig = std::max(worst_sig, std::abs(sig[i] - s) / s);
      else ASSERT_LE(std::abs(sig[i] - s), 2e-38) << k.name << " x=" << x[i];
      const double w = x[i] * s;
      if (std::abs(w) > 1e-30) worst_swish = std::max(worst_swish, std::abs(swish[i] - w) / std::abs(w));
      else ASSERT_LE(std::abs(swish[i] - w), 1e-30) << k.name << " x=" << x[i];
    }
    EXPECT_LE(worst_sig, 1e-6) << k.name;
    EXPECT_LE(worst_swish, 1e-6) << k.name;
    std::printf("%s: max relative error sigmoid %.3g, swish %.3g\n", k.name.c_str(), worst_sig, worst_swish);
  }
}

TEST(NativeElementwise, AddAndMulMatchReference) {
  const auto adds = RunnableKernels<KernelOp::kAdd>();
  const auto muls = RunnableKernels<KernelOp::kMul>();
  ASSERT_EQ(adds.size(), muls.size());
  for (size_t i = 0; i < adds.size(); ++i)
    for (int64_t n : ElementwiseSizes())
      for (Activation act : {Activation::kNone, Activation::kRelu, Activation::kSwish}) {
        SCOPED_TRACE(::testing::Message() << adds[i].name << " n=" << n);
        const std::vector<float> a = RandomVector(static_cast<size_t>(n), 9), b = RandomVector(static_cast<size_t>(n), 10);
        const std::vector<int32_t> shape = {static_cast<int32_t>(n)};
        std::vector<float> want(a.size()), got(a.size() + 1, 7.f);
        ref::Binary(ref::BinaryOp::kAdd, shape, a.data(), shape, b.data(), shape, want.data(), act);
        adds[i].fn(n, a.data(), b.data(), got.data(), act);
        for (int64_t j = 0; j < n; ++j) ASSERT_NEAR(got[j], want[j], 1e-6);
        ASSERT_EQ(got[n], 7.f);
        ref::Binary(ref::BinaryOp::kMul, shape, a.data(), shape, b.data(), shape, want.data(), act);
        muls[i].fn(n, a.data(), b.data(), got.data(), act);
        for (int64_t j = 0; j < n; ++j) ASSERT_NEAR(got[j], want[j], 1e-6);
      }
}

TEST(NativeElementwise, MulChannelIsTheSqueezeExcitationBroadcast) {
  for (const auto& k : RunnableKernels<KernelOp::kMulChannel>())
    for (int32_t c : {1, 5, 8, 13, 24, 37})
      for (int64_t pixels : {1, 6, 35}) {
        SCOPED_TRACE(::testing::Message() << k.name << " c=" << c << " pixels=" << pixels);
        const std::vector<float> x = RandomVector(static_cast<size_t>(pixels * c), 11);
        const std::vector<float> s = RandomVector(static_cast<size_t>(c), 12, 0.f, 1.f);
        std::vector<float> want(x.size()), got(x.size() + 1, 7.f);
        ref::Binary(ref::BinaryOp::kMul, {1, static_cast<int32_t>(pixels), 1, c}, x.data(), {1, 1, 1, c}, s.data(),
                    {1, static_cast<int32_t>(pixels), 1, c}, want.data(), Activation::kRelu6);
        k.fn(pixels, c, x.data(), s.data(), got.data(), Activation::kRelu6);
        for (size_t j = 0; j < x.size(); ++j) ASSERT_NEAR(got[j], want[j], 1e-6);
        ASSERT_EQ(got[x.size()], 7.f);
      }
}

TEST(NativeElementwise, GlobalAvgPoolOverChannelRanges) {
  for (const auto& k : RunnableKernels<KernelOp::kGlobalAvgPool>())
    for (int32_t c : {1, 7, 8, 31, 32, 33, 70})
      for (auto [h, w] : {std::pair{1, 1}, std::pair{7, 7}, std::pair{13, 9}}) {
        SCOPED_TRACE(::testing::Message() << k.name << " c=" << c << " " << h << "x" << w);
        const std::vector<float> x = RandomVector(static_cast<size_t>(h) * w * c, 13);
        std::vector<float> want(static_cast<size_t>(c)), got(static_cast<size_t>(c) + 1, 7.f);
        ref::GlobalAveragePool(1, h, w, c, x.data(), want.data());
        // Two channel ranges split at a multiple of 8, as the backend splits them.
        const int32_t mid = std::min(c, 8 * ((c / 2 + 7) / 8));
        k.fn(static_cast<int64_t>(h) * w, c, x.data(), got.data(), 0, mid);
        k.fn(static_cast<int64_t>(h) * w, c, x.data(), got.data(), mid, c);
        for (int32_t j = 0; j < c; ++j) ASSERT_NEAR(got[j], want[j], 1e-5);
        ASSERT_EQ(got[c], 7.f);
      }
}

}  // namespace
}  // namespace scalert::kernels::testing
