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

// One case's random data on geometry g (seed advanced): input and output quantization, a fused
// clamp, weights, bias, factors (past 1/4 on a few channels of some cases: the kernels skip a
// clamp when every factor of a tile is small) and the reference's output.
struct DwCase {
  int32_t x_zp;
  ref::QParams out;
  ref::Int8Bounds bounds;
  std::vector<int8_t> x, wt, want;
  std::vector<int32_t> bias;
  std::vector<float> m;
  DwCase(const ref::ConvGeometry& g, uint32_t& seed) {
    const int32_t c = g.in_c, taps = g.kernel_h * g.kernel_w;
    x_zp = static_cast<int32_t>(seed % 255) - 128;
    out = {0.04f, static_cast<int32_t>(seed * 13 % 200) - 100};
    const Activation act = seed % 3 == 0 ? Activation::kNone : seed % 3 == 1 ? Activation::kRelu : Activation::kRelu6;
    x = RandomInt8(static_cast<size_t>(g.in_h) * g.in_w * c, seed++);
    wt = RandomInt8(static_cast<size_t>(taps) * c, seed++, -127);
    bias.resize(c);
    m.resize(c);
    for (int32_t j = 0; j < c; ++j) {
      bias[j] = (j * 7919 + static_cast<int32_t>(seed)) % 4001 - 2000;
      m[j] = ref::RequantScale(0.02, 0.004 + 0.001 * (j % 7), out.scale);
      if (seed % 4 == 1 && j % 5 == 2) m[j] *= 1e9f;
    }
    bounds = ref::FusedBounds(act, out);
    want.resize(static_cast<size_t>(g.out_h) * g.out_w * c);
    ref::DepthwiseConv2DS8(g, x.data(), x_zp, wt.data(), bias.data(), m.data(), out, bounds, want.data());
  }
};

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
              const DwCase d(g, seed);
              const int32_t x_zp = d.x_zp;
              const ref::QParams out = d.out;
              const ref::Int8Bounds bounds = d.bounds;
              const std::vector<int8_t>& x = d.x;
              const std::vector<int8_t>& want = d.want;
              if (want.size() > 16) {  // the output depends on the input (all but a few clamped cases)
                std::vector<int8_t> other(want.size());
                ref::DepthwiseConv2DS8(g, x.data(), x_zp + (x_zp < 0 ? 7 : -7), d.wt.data(), d.bias.data(), d.m.data(),
                                       out, bounds, other.data());
                ++large;
                depends += want != other;
              }
              const PackedDwConvS8 packed =
                  kernel.pack(d.wt.data(), d.bias.data(), d.m.data(), c, k * k, x_zp, kernel.tile);
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

// The avx512vnni kernel's pixel-pair input (DwConvS8Args::pixel_pairs: 3x3 at stride 1, even
// widths, channels a multiple of 16), signed or flipped: one and two pairs per row, rows past its
// ring (column chunks), "same" padding (quads from column -1) and none, channel tails of 16.
TEST(DwConvS8Kernels, Avx512VnniReadsPixelPairs) {
  if (!CpuSupports(Isa::kAvx512Vnni)) GTEST_SKIP() << "no AVX512-VNNI on this CPU";
  const auto kernel = KernelRegistry::Global().Find<KernelOp::kDwConv, KernelDType::kS8>(Isa::kAvx512Vnni);
  ASSERT_EQ(kernel.isa, Isa::kAvx512Vnni);
  uint32_t seed = 900;
  int cases = 0;
  for (auto [h, w] : {std::pair{1, 2}, std::pair{5, 4}, std::pair{8, 10}, std::pair{3, 200}})
    for (int32_t c : {16, 32, 48, 80, 144})
      for (bool padded : {true, false}) {
        ref::ConvGeometry g;
        g.in_h = h; g.in_w = w; g.in_c = c; g.out_c = c;
        g.kernel_h = g.kernel_w = 3;
        g.pad_top = g.pad_left = padded ? 1 : 0;
        g.out_h = padded ? h : h - 2;
        g.out_w = padded ? w : w - 2;
        if (g.out_h < 1 || g.out_w < 1) continue;
        ASSERT_TRUE(DwConvS8ReadsPixelPairs(kernel.isa, g));
        const DwCase d(g, seed);
        const PackedDwConvS8 packed = kernel.pack(d.wt.data(), d.bias.data(), d.m.data(), c, 9, d.x_zp, kernel.tile);
        for (bool flipped : {false, true}) {
          const int flip = flipped ? 0x80 : 0;
          std::vector<int8_t> pairs(d.x.size());
          for (int32_t y = 0; y < h; ++y)
            for (int32_t ix = 0; ix < w; ++ix)
              for (int32_t ch = 0; ch < c; ++ch)
                pairs[(static_cast<size_t>(y) * w + (ix & ~1)) * c + PixelPairOffset(ch, ix & 1, c)] =
                    static_cast<int8_t>(d.x[(static_cast<size_t>(y) * w + ix) * c + ch] ^ flip);
          const std::vector<int8_t> zero(static_cast<size_t>(RoundUp(c, kernel.tile.channel_tile)),
                                         static_cast<int8_t>(d.x_zp ^ flip));
          DwConvS8Args args;
          args.geo = g;
          args.input = pairs.data();
          args.zero = zero.data();
          args.packed = &packed;
          args.out = MakeRequantS8(d.out, d.bounds);
          args.unsigned_in = flipped;
          args.pixel_pairs = true;
          for (int threads : {1, 2, 3}) {
            ThreadPool pool(threads);
            std::vector<int8_t> got(d.want.size(), 0x55);
            args.output = got.data();
            const int32_t tasks = std::min(g.out_h, threads * 2);
            pool.ParallelFor(static_cast<size_t>(tasks), [&](size_t t) {
              kernel.fn(args, g.out_h * static_cast<int32_t>(t) / tasks, g.out_h * static_cast<int32_t>(t + 1) / tasks);
            });
            ASSERT_EQ(got, d.want) << h << "x" << w << " c " << c << " padded " << padded << " flipped " << flipped
                                 << " threads " << threads;
          }
        }
        ++cases;
      }
  EXPECT_GT(cases, 30);
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
