// Every registered INT8 GEMM this CPU can run (portable, avx2, avx512vnni, amx, neondot, neoni8mm)
// against the reference INT8 fully connected layer, bit for bit: odd M, K not a multiple of 4 or 16, N around the panel
// widths, strided A and C, input and output zero points, fused relu / relu6 clamps, one K past
// the VNNI kernel's staging buffer, its short-row path and chunks of staged rows, the AMX kernel's
// k chunks (padded or not) and row tiles (whole, staged tails, the last rows' padded chunk), and the
// sub-ranges a 1-3 thread pool hands the kernel.
#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "gtest/gtest.h"
#include "kernels/packing_s8.h"
#include "kernels/reference/quantized.h"
#include "kernels/thread_pool.h"
#include "tests/native/kernel_list.h"
#include "tests/testing/test_models.h"

namespace scalert::kernels {
namespace {

using scalert::testing::RandomInt8;

struct GemmCase {
  int32_t m, k, n;
  uint32_t seed;
};

// A copy of `bytes` bytes that ends where an inaccessible page begins, so a kernel reading past
// them faults (tile loads are not instrumented by AddressSanitizer). Elsewhere, a plain copy.
class GuardedBytes {
 public:
  GuardedBytes(const int8_t* src, size_t bytes) {
#if defined(__linux__)
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    size_ = (bytes + page - 1) / page * page + page;
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
      base_ = static_cast<int8_t*>(p);
      mprotect(base_ + size_ - page, page, PROT_NONE);
      data_ = base_ + size_ - page - bytes;
    }
#endif
    if (!data_) {
      plain_.resize(bytes);
      data_ = plain_.data();
    }
    if (bytes > 0) std::memcpy(data_, src, bytes);
  }
  ~GuardedBytes() {
#if defined(__linux__)
    if (base_) munmap(base_, size_);
#endif
  }
  GuardedBytes(const GuardedBytes&) = delete;
  GuardedBytes& operator=(const GuardedBytes&) = delete;
  const int8_t* data() const { return data_; }

 private:
  int8_t* base_ = nullptr;
  int8_t* data_ = nullptr;
  size_t size_ = 0;
  std::vector<int8_t> plain_;
};

// Returns whether the reference output changes with the input zero point (the test requires
// that of most cases: a comparison of constant outputs would prove little). A ends at its last
// row's k-th byte, followed by an inaccessible page.
// unsigned_out: C holds the bytes y ^ 0x80 (GemmS8Args::unsigned_out); pixel_pairs: rows 2i, 2i + 1
// as one pixel pair (PixelPairOffset; m even, dense rows, tasks splitting rows on even rows and
// columns on tiles of 32).
bool CheckGemm(const Kernel<KernelOp::kGemm, KernelDType::kS8>& kernel, const GemmCase& t, bool unsigned_out = false,
               bool pixel_pairs = false) {
  const int32_t m = t.m, k = t.k, n = t.n;
  uint32_t seed = t.seed;
  const int32_t a_zp = static_cast<int32_t>(seed % 255) - 128;
  const ref::QParams out{0.05f, static_cast<int32_t>(seed * 7 % 200) - 100};
  const Activation act = seed % 3 == 0 ? Activation::kNone : seed % 3 == 1 ? Activation::kRelu : Activation::kRelu6;
  const int64_t lda = k + (pixel_pairs ? 0 : seed % 3), ldc = n + (pixel_pairs ? 0 : seed % 2);  // strided rows in some cases
  const std::vector<int8_t> a = RandomInt8(static_cast<size_t>(m) * lda, seed + 1);
  const std::vector<int8_t> w = RandomInt8(static_cast<size_t>(n) * k, seed + 2, -127);
  std::vector<int32_t> bias(n);
  std::vector<float> mult(n);
  for (int32_t j = 0; j < n; ++j) {
    bias[j] = (j * 7919 + static_cast<int32_t>(seed)) % 20001 - 10000;
    mult[j] = ref::RequantScale(0.02, (0.003 + 0.0007 * (j % 5)) * 64 / (k + 63), out.scale);
    // Some cases with factors past 1/4 on a few columns: sums that overflow int32 once scaled
    // (the kernels skip a clamp when every factor is small).
    if (seed % 4 == 1 && j % 7 == 3) mult[j] *= 1e9f;
  }
  const ref::Int8Bounds bounds = ref::FusedBounds(act, out);
  std::vector<int8_t> dense(static_cast<size_t>(m) * k);
  for (int32_t i = 0; i < m; ++i) std::copy(a.begin() + i * lda, a.begin() + i * lda + k, dense.begin() + i * k);
  std::vector<int8_t> want(static_cast<size_t>(m) * n);
  ref::FullyConnectedS8(m, k, n, dense.data(), a_zp, w.data(), bias.data(), mult.data(), out, bounds, want.data());
  std::vector<int8_t> want_other(want.size());
  ref::FullyConnectedS8(m, k, n, dense.data(), a_zp + (a_zp < 0 ? 9 : -9), w.data(), bias.data(), mult.data(), out,
                        bounds, want_other.data());

  const PackedGemmS8 packed = kernel.pack(w.data(), bias.data(), mult.data(), n, k, a_zp, kernel.tile);
  const GuardedBytes guarded(a.data(), static_cast<size_t>((m - 1) * lda + k));
  GemmS8Args args;
  args.a = guarded.data();
  args.lda = lda;
  args.packed = &packed;
  args.ldc = ldc;
  args.out = MakeRequantS8(out, bounds);
  args.unsigned_out = unsigned_out;
  args.pixel_pairs = pixel_pairs;
  const int flip = unsigned_out ? 0x80 : 0;
  // Where C holds row i, column j.
  const auto at = [&](int32_t i, int32_t j) {
    return pixel_pairs ? static_cast<size_t>(i / 2) * 2 * n + PixelPairOffset(j, i % 2, n)
                       : static_cast<size_t>(i) * ldc + j;
  };
  const int32_t row_unit = pixel_pairs ? 2 : 1, col_unit = pixel_pairs ? 32 : kernel.tile.nr;
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    const int8_t kSentinel = 0x55;
    std::vector<int8_t> c(static_cast<size_t>(m) * ldc, kSentinel);
    args.c = c.data();
    // Row bands x column bands of whole panels, as the backend splits work.
    const int64_t units = m / row_unit, row_tasks = std::min<int64_t>(units, threads * 2);
    const int32_t panels = (n + col_unit - 1) / col_unit;
    const int32_t col_tasks = std::min(panels, threads);
    pool.ParallelFor(static_cast<size_t>(row_tasks * col_tasks), [&](size_t task) {
      const int64_t rt = static_cast<int64_t>(task) / col_tasks, ct = static_cast<int64_t>(task) % col_tasks;
      const int64_t r0 = units * rt / row_tasks * row_unit, r1 = units * (rt + 1) / row_tasks * row_unit;
      const int32_t n0 = std::min(n, static_cast<int32_t>(panels * ct / col_tasks) * col_unit);
      const int32_t n1 = std::min(n, static_cast<int32_t>(panels * (ct + 1) / col_tasks) * col_unit);
      kernel.fn(args, r0, r1, n0, n1);
    });
    for (int32_t i = 0; i < m; ++i) {
      for (int32_t j = 0; j < n; ++j)
        EXPECT_EQ(static_cast<int8_t>(c[at(i, j)] ^ flip), want[static_cast<size_t>(i) * n + j])
            << kernel.name << (unsigned_out ? " unsigned" : "") << (pixel_pairs ? " pairs" : "") << " m " << m << " k " << k << " n " << n << " threads " << threads << " at " << i << ","
            << j;
      for (int64_t j = n; j < ldc; ++j) EXPECT_EQ(c[i * ldc + j], kSentinel) << kernel.name << " wrote past n";
    }
  }
  return want != want_other;
}

TEST(GemmS8Kernels, MatchTheReferenceBitForBitAtEveryLevel) {
  const auto kernels = testing::RunnableKernels<KernelOp::kGemm, KernelDType::kS8>();
  ASSERT_FALSE(kernels.empty());
  for (const auto& kernel : kernels) {
    uint32_t seed = 1;
    int cases = 0, depends = 0;
    for (int32_t m : {1, 3, 5, 8, 9, 17, 50})
      for (int32_t k : {1, 3, 4, 5, 17, 64, 100})
        for (int32_t n : {1, 7, 16, 17, 24, 33, 40, 100}) {
          depends += CheckGemm(kernel, {m, k, n, seed});
          seed += 3;
          ++cases;
        }
    // K beyond the AVX512-VNNI kernel's staging buffer (its unstaged path).
    CheckGemm(kernel, {9, 2053, 40, 7});
    // The AVX512-VNNI kernel's short rows (k <= 64: weights in registers or L1, whole 64-column
    // groups in their interleaved order) at their bound and just past it, and M past one staged
    // chunk of rows (4096 rows of k <= 4, 128 of k = 64, 160 of k = 100).
    for (const GemmCase& t : {GemmCase{33, 32, 48, 11}, GemmCase{33, 33, 48, 12}, GemmCase{5000, 3, 24, 13},
                              GemmCase{4100, 16, 96, 14}, GemmCase{600, 100, 40, 15}, GemmCase{33, 64, 100, 16},
                              GemmCase{33, 65, 100, 17}, GemmCase{300, 64, 136, 18}})
      EXPECT_TRUE(CheckGemm(kernel, t)) << kernel.name << " m " << t.m << " k " << t.k;
    EXPECT_EQ(cases, 7 * 7 * 8) << kernel.name;
    EXPECT_GT(depends, cases * 9 / 10) << kernel.name;
  }
}

// The AMX kernel's own shapes: k in one chunk (24, 32, 40, 64), in equal chunks without padding
// (96 = 2 x 48, 128) and with it (68 = 2 x 36 for 68 + 4, 100 = 2 x 52, 672 = 11 x 64 for 704,
// 2052: its padded last chunk is staged for the call's last rows), k % 4 != 0 or k < 24 (the
// avx512vnni kernel); M on and around the 16-row tiles and 32-row steps; N on one or two
// 16-column panels and a masked last one.
TEST(GemmS8Kernels, AmxTilesMatchTheReference) {
  if (!CpuSupports(Isa::kAmx)) GTEST_SKIP() << "no AMX on this CPU (or the OS denies the tile state)";
  const auto kernel = KernelRegistry::Global().Find<KernelOp::kGemm, KernelDType::kS8>(Isa::kAmx);
  ASSERT_EQ(kernel.isa, Isa::kAmx);
  uint32_t seed = 100;
  int cases = 0, depends = 0;
  for (int32_t m : {1, 15, 16, 17, 31, 32, 33, 48, 70})
    for (int32_t k : {16, 20, 24, 27, 32, 40, 64, 68, 96, 100, 128, 672})
      for (int32_t n : {8, 16, 32, 48, 112}) {
        depends += CheckGemm(kernel, {m, k, n, seed});
        seed += 5;
        ++cases;
      }
  EXPECT_GT(depends, cases * 9 / 10);
  for (const GemmCase& t : {GemmCase{200, 2052, 40, 3}, GemmCase{12544 / 7, 40, 96, 4}, GemmCase{196, 1152, 320, 5}})
    EXPECT_TRUE(CheckGemm(kernel, t)) << "m " << t.m << " k " << t.k << " n " << t.n;
}

// The AMX entry's unsigned output (GemmS8Args::unsigned_out, read by a fused block's depthwise):
// the same sweep of tiles, the bytes y ^ 0x80; its short or odd depths (the avx512vnni kernel, then
// a flip) too.
TEST(GemmS8Kernels, AmxWritesUnsignedBytes) {
  if (!CpuSupports(Isa::kAmx)) GTEST_SKIP() << "no AMX on this CPU (or the OS denies the tile state)";
  const auto kernel = KernelRegistry::Global().Find<KernelOp::kGemm, KernelDType::kS8>(Isa::kAmx);
  ASSERT_EQ(kernel.isa, Isa::kAmx);
  uint32_t seed = 300;
  int cases = 0, depends = 0;
  for (int32_t m : {1, 15, 17, 32, 33, 70})
    for (int32_t k : {16, 24, 27, 32, 68, 100})
      for (int32_t n : {8, 16, 33, 48, 112}) {
        depends += CheckGemm(kernel, {m, k, n, seed}, true);
        seed += 5;
        ++cases;
      }
  EXPECT_GT(depends, cases * 9 / 10);
}

// The AMX entry's pixel pairs, on its own depths and (through plain rows, more than 256 columns
// in chunks) the avx512vnni kernel's; one or two 16-column panels, a last 16.
TEST(GemmS8Kernels, AmxWritesPixelPairs) {
  if (!CpuSupports(Isa::kAmx)) GTEST_SKIP() << "no AMX on this CPU (or the OS denies the tile state)";
  const auto kernel = KernelRegistry::Global().Find<KernelOp::kGemm, KernelDType::kS8>(Isa::kAmx);
  ASSERT_EQ(kernel.isa, Isa::kAmx);
  uint32_t seed = 500;
  int cases = 0, depends = 0;
  for (int32_t m : {2, 16, 30, 32, 34, 98})
    for (int32_t k : {16, 24, 32, 68, 144})
      for (int32_t n : {16, 32, 48, 144, 272})
        for (bool unsigned_out : {false, true}) {
          depends += CheckGemm(kernel, {m, k, n, seed}, unsigned_out, true);
          seed += 3;
          ++cases;
        }
  EXPECT_GT(depends, cases * 9 / 10);
}

// The pixel-pair layout: a whole tile's halves are the two pixels' vpunpcklbw, vpunpckhbw (per
// 128-bit lane); a last 16 channels alternate; every byte of a pair is used once.
TEST(GemmS8Kernels, PixelPairOffsetsCoverEachPairOnce) {
  EXPECT_EQ(PixelPairOffset(0, 0, 64), 0);
  EXPECT_EQ(PixelPairOffset(0, 1, 64), 1);
  EXPECT_EQ(PixelPairOffset(7, 1, 64), 15);
  EXPECT_EQ(PixelPairOffset(16, 0, 64), 16);
  EXPECT_EQ(PixelPairOffset(8, 0, 64), 32);
  EXPECT_EQ(PixelPairOffset(24, 1, 64), 49);
  EXPECT_EQ(PixelPairOffset(32, 0, 64), 64);
  EXPECT_EQ(PixelPairOffset(40, 1, 48), 2 * 32 + 17);
  for (int32_t channels : {16, 32, 48, 144}) {
    std::vector<int> seen(2 * channels);
    for (int32_t c = 0; c < channels; ++c)
      for (int32_t which = 0; which < 2; ++which) ++seen[PixelPairOffset(c, which, channels)];
    EXPECT_EQ(seen, std::vector<int>(2 * channels, 1)) << channels;
  }
}

// Which entries write and read unsigned bytes: the amx GEMM on its own depths, the avx512vnni
// depthwise; no other level.
TEST(GemmS8Kernels, UnsignedBytesOnlyWhereTheKernelsTakeThem) {
  EXPECT_TRUE(GemmS8WritesUnsigned(Isa::kAmx, 24));
  EXPECT_TRUE(GemmS8WritesUnsigned(Isa::kAmx, 960));
  EXPECT_FALSE(GemmS8WritesUnsigned(Isa::kAmx, 16));
  EXPECT_FALSE(GemmS8WritesUnsigned(Isa::kAmx, 27));
  EXPECT_TRUE(DwConvS8ReadsUnsigned(Isa::kAvx512Vnni));
  for (Isa isa : {Isa::kPortable, Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni, Isa::kNeonDot})
    EXPECT_FALSE(GemmS8WritesUnsigned(isa, 96)) << IsaName(isa);
  for (Isa isa : {Isa::kPortable, Isa::kAvx2, Isa::kAvx512, Isa::kAmx, Isa::kNeonDot})
    EXPECT_FALSE(DwConvS8ReadsUnsigned(isa)) << IsaName(isa);
}

// The level a step's label names for a GEMM of depth k: the amx entry's short or odd depths run
// the avx512vnni kernel; every other level runs its own.
TEST(GemmS8Kernels, LabelsNameTheLevelThatRunsTheDepth) {
  EXPECT_EQ(GemmS8RunsAt(Isa::kAmx, 27), Isa::kAvx512Vnni);  // a 3-channel stem's patches
  EXPECT_EQ(GemmS8RunsAt(Isa::kAmx, 16), Isa::kAvx512Vnni);
  EXPECT_EQ(GemmS8RunsAt(Isa::kAmx, 8), Isa::kAvx512Vnni);
  EXPECT_EQ(GemmS8RunsAt(Isa::kAmx, 24), Isa::kAmx);
  EXPECT_EQ(GemmS8RunsAt(Isa::kAmx, 1280), Isa::kAmx);
  for (Isa isa : {Isa::kPortable, Isa::kAvx2, Isa::kAvx512Vnni, Isa::kNeonDot})
    for (int32_t k : {3, 16, 27, 320}) EXPECT_EQ(GemmS8RunsAt(isa, k), isa) << IsaName(isa) << " k " << k;
}

TEST(GemmS8Kernels, EveryLevelHasItsInt8Gemm) {
#if defined(SCALERT_KERNELS_X86)
  const auto& r = KernelRegistry::Global();
  EXPECT_EQ(r.FindEntry(KernelOp::kGemm, KernelDType::kS8, Isa::kAvx2)->name, "gemm_s8_4x16_avx2");
  EXPECT_EQ(r.FindEntry(KernelOp::kGemm, KernelDType::kS8, Isa::kAvx512)->name, "gemm_s8_4x16_avx2");
  EXPECT_EQ(r.FindEntry(KernelOp::kGemm, KernelDType::kS8, Isa::kAvx512Vnni)->name, "gemm_s8_8x32_avx512vnni");
  for (Isa isa : {Isa::kAvx512Vbmi, Isa::kAvx512Bf16, Isa::kAvx512Fp16})
    EXPECT_EQ(r.FindEntry(KernelOp::kGemm, KernelDType::kS8, isa)->name, "gemm_s8_8x32_avx512vnni") << IsaName(isa);
  EXPECT_EQ(r.FindEntry(KernelOp::kGemm, KernelDType::kS8, Isa::kAmx)->name, "gemm_s8_32x32_amx");
#endif
#if defined(SCALERT_KERNELS_ARM)
  // SDOT from neondot up, SMMLA at neoni8mm; below it (and with the level capped there) the portable kernel runs.
  const auto& arm = KernelRegistry::Global();
  EXPECT_EQ(arm.FindEntry(KernelOp::kGemm, KernelDType::kS8, Isa::kNeon)->name, "gemm_s8_1x16_portable");
  EXPECT_EQ(arm.FindEntry(KernelOp::kGemm, KernelDType::kS8, Isa::kNeonFp16)->name, "gemm_s8_1x16_portable");
  for (Isa isa : {Isa::kNeonDot, Isa::kNeonFhm})
    EXPECT_EQ(arm.FindEntry(KernelOp::kGemm, KernelDType::kS8, isa)->name, "gemm_s8_4x16_neondot") << IsaName(isa);
  EXPECT_EQ(arm.FindEntry(KernelOp::kGemm, KernelDType::kS8, Isa::kNeonI8mm)->name, "gemm_s8_4x16_neoni8mm");
#endif
  EXPECT_EQ(KernelRegistry::Global().FindEntry(KernelOp::kGemm, KernelDType::kS8, Isa::kPortable)->name,
            "gemm_s8_1x16_portable");
}

}  // namespace
}  // namespace scalert::kernels
