// Every registered INT8 depthwise kernel this CPU can run (portable, avx2, avx512, avx512vnni,
// neon) against the reference, bit for bit: odd image sizes (one wider than a kernel's column
// chunk), channel counts around the vector widths, kernels 3 and 5, strides 1 and 2, dilation,
// "same" padding and none, input and output zero points, fused clamps, and the row ranges a 1-3
// thread pool hands the kernel.
#include <algorithm>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/packing_s8.h"
#include "kernels/reference/quantized.h"
#include "kernels/thread_pool.h"
#include "tests/native/kernel_list.h"
#include "tests/testing/test_models.h"

namespace scalert::kernels {
namespace {

using scalert::testing::RandomInt8;

TEST(DwConvS8Kernels, MatchTheReferenceBitForBitAtEveryLevel) {
  const auto kernels = testing::RunnableKernels<KernelOp::kDwConv, KernelDType::kS8>();
  ASSERT_FALSE(kernels.empty());
  for (const auto& kernel : kernels) {
    uint32_t seed = 1;
    int cases = 0, large = 0, depends = 0;
    // 5x131: rows wider than the avx512vnni kernel's ring of quad rows (it works in column chunks).
    for (auto [h, w] : {std::pair{7, 9}, std::pair{9, 12}, std::pair{1, 1}, std::pair{16, 5}, std::pair{5, 131}})
      for (int32_t c : {1, 5, 8, 16, 17, 24, 33, 40, 65, 97})
        for (int32_t k : {3, 5})
          for (int32_t stride : {1, 2})
            for (int32_t dilation : {1, 2})
              for (bool padded : {true, false}) {  // "same" padding, and none (a window starting at column 0)
              if (!padded && (dilation != 1 || c % 2 == 0)) continue;  // a sample of the unpadded cases
              ref::ConvGeometry g;
              g.in_h = h; g.in_w = w; g.in_c = c; g.out_c = c;
              g.kernel_h = g.kernel_w = k;
              g.stride_h = g.stride_w = stride;
              g.dilation_h = g.dilation_w = dilation;
              const int32_t extent = (k - 1) * dilation + 1, pad = padded ? extent / 2 : 0;
              g.pad_top = g.pad_left = pad;
              g.out_h = (h + 2 * pad - extent) / stride + 1;
              g.out_w = (w + 2 * pad - extent) / stride + 1;
              if (g.out_h < 1 || g.out_w < 1) continue;
              const int32_t x_zp = static_cast<int32_t>(seed % 255) - 128;
              const ref::QParams out{0.04f, static_cast<int32_t>(seed * 13 % 200) - 100};
              const Activation act = seed % 3 == 0 ? Activation::kNone : seed % 3 == 1 ? Activation::kRelu : Activation::kRelu6;
              const std::vector<int8_t> x = RandomInt8(static_cast<size_t>(h) * w * c, seed++);
              const std::vector<int8_t> wt = RandomInt8(static_cast<size_t>(k) * k * c, seed++, -127);
              std::vector<int32_t> bias(c);
              std::vector<float> m(c);
              for (int32_t j = 0; j < c; ++j) {
                bias[j] = (j * 7919 + static_cast<int32_t>(seed)) % 4001 - 2000;
                m[j] = ref::RequantScale(0.02, 0.004 + 0.001 * (j % 7), out.scale);
                // Factors past 1/4 on a few channels of some cases (the kernels skip a clamp when
                // every factor of a tile is small).
                if (seed % 4 == 1 && j % 5 == 2) m[j] *= 1e9f;
              }
              const ref::Int8Bounds bounds = ref::FusedBounds(act, out);
              std::vector<int8_t> want(static_cast<size_t>(g.out_h) * g.out_w * c);
              ref::DepthwiseConv2DS8(g, x.data(), x_zp, wt.data(), bias.data(), m.data(), out, bounds, want.data());
              if (want.size() > 16) {  // the output depends on the input (all but a few clamped cases)
                std::vector<int8_t> other(want.size());
                ref::DepthwiseConv2DS8(g, x.data(), x_zp + (x_zp < 0 ? 7 : -7), wt.data(), bias.data(), m.data(), out,
                                       bounds, other.data());
                ++large;
                depends += want != other;
              }
              const PackedDwConvS8 packed =
                  kernel.pack(wt.data(), bias.data(), m.data(), c, k * k, x_zp, kernel.tile);
              const std::vector<int8_t> zero(static_cast<size_t>(RoundUp(c, kernel.tile.channel_tile)),
                                             static_cast<int8_t>(x_zp));
              DwConvS8Args args;
              args.geo = g;
              args.input = x.data();
              args.zero = zero.data();
              args.packed = &packed;
              args.out = MakeRequantS8(out, bounds);
              // The avx512vnni kernel also takes its input flipped (DwConvS8Args::unsigned_in), the
              // padding's zero point with it.
              std::vector<int8_t> x_flipped(x.size()), zero_flipped(zero.size());
              for (size_t i = 0; i < x.size(); ++i) x_flipped[i] = static_cast<int8_t>(x[i] ^ 0x80);
              for (size_t i = 0; i < zero.size(); ++i) zero_flipped[i] = static_cast<int8_t>(zero[i] ^ 0x80);
              for (bool flipped : {false, true}) {
              if (flipped && !DwConvS8ReadsUnsigned(kernel.isa)) continue;
              args.unsigned_in = flipped;
              args.input = flipped ? x_flipped.data() : x.data();
              args.zero = flipped ? zero_flipped.data() : zero.data();
              for (int threads : {1, 2, 3}) {
                ThreadPool pool(threads);
                std::vector<int8_t> got(want.size(), 0x55);
                args.output = got.data();
                const int32_t tasks = std::min(g.out_h, threads * 2);
                pool.ParallelFor(static_cast<size_t>(tasks), [&](size_t t) {
                  kernel.fn(args, g.out_h * static_cast<int32_t>(t) / tasks, g.out_h * static_cast<int32_t>(t + 1) / tasks);
                });
                ASSERT_EQ(got, want) << kernel.name << " " << h << "x" << w << " c " << c << " k " << k << " stride "
                                     << stride << " dilation " << dilation << " threads " << threads
                                     << (flipped ? " unsigned input" : "");
              }
              }
              ++cases;
            }
    EXPECT_GT(cases, 150) << kernel.name;
    EXPECT_GT(depends, large * 9 / 10) << kernel.name;
  }
}

TEST(DwConvS8Kernels, ArmLevelsRunTheNeonKernel) {
#if defined(SCALERT_KERNELS_ARM)
  for (Isa isa : {Isa::kNeon, Isa::kNeonFp16, Isa::kNeonDot, Isa::kNeonI8mm})
    EXPECT_EQ(KernelRegistry::Global().FindEntry(KernelOp::kDwConv, KernelDType::kS8, isa)->name, "dwconv_s8_c16_neon")
        << IsaName(isa);
#else
  GTEST_SKIP() << "not an arm64 build";
#endif
}

}  // namespace
}  // namespace scalert::kernels
