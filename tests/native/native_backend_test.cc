// The native backend against the reference backend: single operators in graphs (every path the
// backend picks: 1x1 GEMM, im2col convolution, depthwise, FC, SE broadcast, elementwise), and
// whole MBConv networks at non-square sizes, at every ISA level this CPU runs, on 1 and 2
// threads.
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/im2col.h"
#include "kernels/isa.h"
#include "kernels/reference/elementwise.h"
#include "runtime/backends/native/native_backend.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/graph_builder.h"
#include "tests/native/kernel_list.h"
#include "tests/testing/test_models.h"

namespace scalert {
namespace {

using kernels::Isa;
using testing::RandomVector;
using testing::RelativeError;

std::vector<float> Run(Executable& e, const Graph& g, const std::vector<float>& input) {
  const Tensor& in = g.tensors[g.inputs[0]];
  EXPECT_EQ(static_cast<int64_t>(input.size()), in.num_elements());
  std::memcpy(e.input_buffer(0), input.data(), input.size() * sizeof(float));
  EXPECT_TRUE(e.Invoke().ok());
  const Tensor& out = g.tensors[g.outputs[0]];
  const float* y = static_cast<const float*>(e.output_buffer(0));
  return std::vector<float>(y, y + out.num_elements());
}

std::vector<float> RunReference(const Graph& g, const std::vector<float>& input) {
  auto e = PrepareReference(g, BackendOptions());
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? Run(**e, g, input) : std::vector<float>();
}

// Native at every supported level and on 1 and 2 threads equals the reference within `tol`;
// first checks the reference output depends on the input, so agreement means something.
// Returns the op descriptions at the best level.
std::vector<std::string> ExpectMatchesReference(const Graph& g, double tol = 1e-5, NativeOptions base = {}) {
  const int64_t n = g.tensors[g.inputs[0]].num_elements();
  const std::vector<float> x = RandomVector(static_cast<size_t>(n), 21);
  const std::vector<float> want = RunReference(g, x);
  const std::vector<float> other = RunReference(g, RandomVector(static_cast<size_t>(n), 22));
  EXPECT_GT(RelativeError(other, want), 1e-3) << "output does not depend on the input";
  std::vector<std::string> descriptions;
  for (Isa isa : kernels::testing::Fp32KernelLevels())
    for (int threads : {1, 2}) {
      SCOPED_TRACE(::testing::Message() << kernels::IsaName(isa) << ", " << threads << " threads");
      BackendOptions o;
      o.threads = threads;
      NativeOptions no = base;
      no.max_isa = isa;
      auto e = PrepareNativeWith(g, o, no);
      EXPECT_TRUE(e.ok()) << e.status();
      if (!e.ok()) continue;
      const std::vector<float> got = Run(**e, g, x);
      EXPECT_LE(RelativeError(got, want), tol);
      // A second invoke gives the same answer (no state leaks between runs).
      EXPECT_EQ(Run(**e, g, x), got);
      descriptions = (*e)->op_descriptions();
    }
  return descriptions;
}

int32_t Constant(Graph* g, const std::string& name, Shape shape, uint32_t seed) {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return g->AddConstantF32(name, shape, RandomVector(static_cast<size_t>(n), seed, -0.5f, 0.5f));
}

// One convolution (or depthwise) from an [1, h, w, c] input.
Graph ConvGraph(bool depthwise, int32_t h, int32_t w, int32_t c, int32_t out_c, int32_t k, int32_t stride,
                bool same_padding, Activation act) {
  Graph g;
  const int32_t x = g.AddTensor("x", {1, h, w, c});
  g.inputs = {x};
  ConvParams p;
  p.stride_h = p.stride_w = stride;
  if (same_padding) {
    SamePadding(h, k, stride, 1, &p.pad_top, &p.pad_bottom);
    SamePadding(w, k, stride, 1, &p.pad_left, &p.pad_right);
  }
  absl::StatusOr<int32_t> y;
  if (depthwise)
    y = AddDepthwiseConv2D(&g, x, Constant(&g, "w", {1, k, k, c}, 1), Constant(&g, "b", {c}, 2), p, act, "dw");
  else
    y = AddConv2D(&g, x, Constant(&g, "w", {out_c, k, k, c}, 1), Constant(&g, "b", {out_c}, 2), p, act, "conv");
  EXPECT_TRUE(y.ok()) << y.status();
  g.outputs = {*y};
  return g;
}

std::string BestIsaName() { return kernels::IsaName(kernels::testing::KernelIsa(UsableIsa(kernels::DetectedIsa()))); }

TEST(NativeBackend, PointwiseConvIsAGemm) {
  for (Activation act : {Activation::kNone, Activation::kRelu6, Activation::kSwish}) {
    auto d = ExpectMatchesReference(ConvGraph(false, 9, 13, 24, 40, 1, 1, false, act));
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0], "conv1x1_f32_" + BestIsaName());
  }
  ExpectMatchesReference(ConvGraph(false, 23, 17, 16, 96, 1, 1, false, Activation::kSwish));
}

TEST(NativeBackend, StemAndGeneralConvUseColumnPatches) {
  auto d = ExpectMatchesReference(ConvGraph(false, 33, 30, 3, 32, 3, 2, true, Activation::kSwish));
  EXPECT_EQ(d[0], "conv2d_columns_f32_" + BestIsaName());
  ExpectMatchesReference(ConvGraph(false, 12, 11, 5, 9, 5, 1, true, Activation::kNone));
  ExpectMatchesReference(ConvGraph(false, 10, 7, 4, 17, 3, 1, false, Activation::kRelu));
  ExpectMatchesReference(ConvGraph(false, 9, 9, 8, 8, 1, 2, false, Activation::kNone));  // strided 1x1
  ExpectMatchesReference(ConvGraph(false, 17, 14, 3, 16, 5, 2, true, Activation::kHardSwish));
  ExpectMatchesReference(ConvGraph(false, 8, 21, 3, 24, 3, 2, false, Activation::kRelu6));
  ExpectMatchesReference(ConvGraph(false, 9, 10, 1, 8, 3, 2, true, Activation::kNone));  // one channel
  ExpectMatchesReference(ConvGraph(false, 3, 4, 6, 5, 5, 1, true, Activation::kNone));   // padding > input
}

// An imported model's stem: input [n, c, h, w] -> Transpose {0, 2, 3, 1} -> conv (and, with
// `second_reader`, a Relu also reading the transposed tensor, which must keep the transpose).
// `pad` >= 0: that padding on every side instead (torchvision's stems), not 'same'.
Graph NchwConvGraph(int32_t n, int32_t h, int32_t w, int32_t c, int32_t out_c, int32_t k, int32_t stride,
                    bool same_padding, Activation act, bool second_reader = false, int32_t pad = -1) {
  Graph g;
  const int32_t x = g.AddTensor("x", {n, c, h, w});
  g.inputs = {x};
  Node t;
  t.type = OpType::kTranspose;
  t.inputs = {x};
  t.ints = {0, 2, 3, 1};
  auto nhwc = AddNode(&g, t, "to_nhwc");
  EXPECT_TRUE(nhwc.ok()) << nhwc.status();
  ConvParams p;
  p.stride_h = p.stride_w = stride;
  if (same_padding) {
    SamePadding(h, k, stride, 1, &p.pad_top, &p.pad_bottom);
    SamePadding(w, k, stride, 1, &p.pad_left, &p.pad_right);
  }
  if (pad >= 0) p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = pad;
  auto y = AddConv2D(&g, *nhwc, Constant(&g, "w", {out_c, k, k, c}, 1), Constant(&g, "b", {out_c}, 2), p, act, "conv");
  EXPECT_TRUE(y.ok()) << y.status();
  g.outputs = {*y};
  if (second_reader) {
    Node r;
    r.type = OpType::kRelu;
    r.inputs = {*nhwc};
    auto z = AddNode(&g, r, "relu");
    EXPECT_TRUE(z.ok()) << z.status();
    g.outputs.push_back(*z);
  }
  return g;
}

// The column patches of an NCHW input equal those of its NHWC transpose: odd maps, 1 to 5
// channels, kernels 3 and 5, strides 1 and 2, padding wider than the map, batch 2 (both images).
TEST(NativeBackend, NchwColumnPatchesMatchNhwc) {
  for (int32_t c : {1, 3, 4, 5})
    for (int32_t k : {3, 5})
      for (int32_t stride : {1, 2})
        for (auto [h, w] : {std::pair{9, 13}, std::pair{3, 2}}) {
          SCOPED_TRACE(::testing::Message() << "c " << c << " k " << k << " stride " << stride << " " << h << "x" << w);
          ref::ConvGeometry geo;
          geo.batch = 2;
          geo.in_h = h, geo.in_w = w, geo.in_c = c;
          geo.kernel_h = geo.kernel_w = k;
          geo.stride_h = geo.stride_w = stride;
          int32_t pad_end = 0;
          SamePadding(h, k, stride, 1, &geo.pad_top, &pad_end);
          geo.out_h = (h + geo.pad_top + pad_end - k) / stride + 1;
          SamePadding(w, k, stride, 1, &geo.pad_left, &pad_end);
          geo.out_w = (w + geo.pad_left + pad_end - k) / stride + 1;
          geo.out_c = 4;
          const std::vector<float> nchw = RandomVector(static_cast<size_t>(2 * c * h * w), 5);
          std::vector<float> nhwc(nchw.size());
          ref::Transpose(std::vector<int32_t>{2, c, h, w}, {0, 2, 3, 1}, nchw.data(), nhwc.data());
          const size_t floats = static_cast<size_t>(kernels::ColumnPatchFloats(geo));
          for (int32_t row = 0; row < 2 * geo.out_h; ++row) {
            std::vector<float> want(floats, 7.f), got(floats + 1, 9.f);
            kernels::ColumnPatchRow(geo, nhwc.data(), row, want.data());
            kernels::ColumnPatchRowNchw(geo, nchw.data(), row, got.data());
            ASSERT_EQ(got[floats], 9.f) << "wrote past the columns";
            got.resize(floats);
            for (float v : got) ASSERT_TRUE(std::isfinite(v));
            ASSERT_EQ(got, want) << "row " << row;
          }
        }
}

// The NCHW stem's name at the best level: interior pixels in place where the level has a
// kGemmOffsets kernel, column patches otherwise.
std::string NchwStemName() {
  const Isa best = kernels::testing::KernelIsa(UsableIsa(kernels::DetectedIsa()));
  const bool offsets =
      kernels::KernelRegistry::Global().FindEntry(kernels::KernelOp::kGemmOffsets, kernels::KernelDType::kF32, best);
  return std::string(offsets ? "conv2d_nchw_in_place_f32_" : "conv2d_columns_nchw_f32_") + BestIsaName();
}

// The transpose before a stem goes into the conv (passes/nchw_input.h): both original nodes run
// as one step that names its NCHW columns; strides 1 and 2, kernels 3 and 5, odd maps, 1 to 5
// channels, batch 1 and 2. A transpose read by another node too, or feeding a 1x1, stays.
TEST(NativeBackend, StemReadsNchwInputWithoutTranspose) {
  for (auto [n, h, w, c, out_c, k, stride] :
       {std::array{1, 33, 30, 3, 32, 3, 2}, std::array{2, 12, 11, 5, 9, 5, 1}, std::array{1, 17, 14, 3, 16, 5, 2},
        std::array{2, 9, 10, 1, 8, 3, 2}, std::array{1, 10, 7, 4, 17, 3, 1}, std::array{1, 3, 4, 3, 5, 5, 1}}) {
    SCOPED_TRACE(::testing::Message() << n << "x" << c << "x" << h << "x" << w << " k " << k << " s " << stride);
    auto d = ExpectMatchesReference(NchwConvGraph(n, h, w, c, out_c, k, stride, true, Activation::kRelu6));
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0], NchwStemName());
    EXPECT_EQ(d[1], d[0]);
  }
  auto shared = ExpectMatchesReference(NchwConvGraph(1, 9, 8, 3, 8, 3, 2, true, Activation::kNone, true));
  ASSERT_EQ(shared.size(), 3u);
  EXPECT_EQ(shared[0].rfind("transpose_", 0), 0u) << shared[0];
  EXPECT_EQ(shared[1], "conv2d_columns_f32_" + BestIsaName());
  auto pointwise = ExpectMatchesReference(NchwConvGraph(1, 9, 8, 3, 8, 1, 1, false, Activation::kNone));
  ASSERT_EQ(pointwise.size(), 2u);
  EXPECT_EQ(pointwise[0].rfind("transpose_", 0), 0u) << pointwise[0];
}

// Interior pixels read in place from the NCHW planes (kGemmOffsets), border pixels from column
// patches: torchvision's symmetric padding (left border only, or also a right one on odd
// widths), no padding, 5x5 and 7x7 windows where no pixel is interior, 4 channels, batch 2;
// every level on 1 to 4 threads.
TEST(NativeBackend, NchwStemInteriorInPlace) {
  for (auto [n, h, w, c, out_c, k, stride, pad] :
       {std::array{1, 31, 30, 3, 32, 3, 2, 1}, std::array{2, 19, 23, 3, 24, 3, 2, 1}, std::array{1, 20, 18, 3, 40, 5, 2, 2},
        std::array{1, 13, 16, 4, 17, 3, 1, 1}, std::array{1, 12, 9, 3, 8, 3, 2, 0}, std::array{1, 6, 6, 3, 16, 7, 2, 3},
        std::array{1, 29, 27, 3, 56, 3, 2, 1}}) {
    SCOPED_TRACE(::testing::Message() << n << "x" << c << "x" << h << "x" << w << " k " << k << " s " << stride
                                      << " pad " << pad);
    const Graph g = NchwConvGraph(n, h, w, c, out_c, k, stride, false, Activation::kRelu6, false, pad);
    auto d = ExpectMatchesReference(g);
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0], NchwStemName());
    const std::vector<float> x = RandomVector(static_cast<size_t>(g.tensors[g.inputs[0]].num_elements()), 21);
    const std::vector<float> want = RunReference(g, x);
    for (int threads : {3, 4}) {
      BackendOptions o;
      o.threads = threads;
      auto e = PrepareNativeWith(g, o, NativeOptions{});
      ASSERT_TRUE(e.ok()) << e.status();
      EXPECT_LE(RelativeError(scalert::Run(**e, g, x), want), 1e-5) << threads << " threads";
    }
  }
}

TEST(NativeBackend, DilatedConvUsesIm2col) {
  Graph g;
  const int32_t x = g.AddTensor("x", {1, 11, 12, 3});
  g.inputs = {x};
  ConvParams p;
  p.stride_h = p.stride_w = 1;
  p.dilation_h = p.dilation_w = 2;
  p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 2;
  auto y = AddConv2D(&g, x, Constant(&g, "w", {10, 3, 3, 3}, 1), Constant(&g, "b", {10}, 2), p, Activation::kNone,
                     "dilated");
  ASSERT_TRUE(y.ok()) << y.status();
  g.outputs = {*y};
  auto d = ExpectMatchesReference(g);
  EXPECT_EQ(d[0], "conv2d_im2col_f32_" + BestIsaName());
}

// Squeeze-and-excitation scale feeding a project 1x1 (scale in either operand order, batch 1 and
// 2, per-image scales, rows not a multiple of the row block or the 6-row tile): the Mul is
// absorbed into the conv. A Mul whose output is also read elsewhere is not.
TEST(NativeBackend, DepthwiseStridesKernelsAndPadding) {
  for (int32_t k : {3, 5})
    for (int32_t s : {1, 2})
      for (bool same : {true, false}) {
        auto d = ExpectMatchesReference(ConvGraph(true, 15, 10, 20, 20, k, s, same, Activation::kHardSwish));
        EXPECT_EQ(d[0], "dwconv_f32_" + BestIsaName());
      }
}

TEST(NativeBackend, SqueezeExciteFullyConnectedAndElementwise) {
  Graph g;
  const int32_t x = g.AddTensor("x", {1, 6, 5, 12});
  g.inputs = {x};
  Node pool;
  pool.type = OpType::kGlobalAveragePool;
  pool.inputs = {x};
  auto s = AddNode(&g, pool, "pool");
  ASSERT_TRUE(s.ok());
  auto gate = AddUnary(&g, OpType::kSigmoid, *s, "gate");
  ASSERT_TRUE(gate.ok());
  auto scaled = AddBinary(&g, OpType::kMul, x, *gate, Activation::kNone, "scale");       // SE broadcast
  auto swapped = AddBinary(&g, OpType::kMul, *gate, *scaled, Activation::kNone, "scale2");  // other order
  auto sum = AddBinary(&g, OpType::kAdd, *swapped, x, Activation::kRelu, "residual");
  auto hs = AddUnary(&g, OpType::kHardSwish, *sum, "hswish");
  auto sq = AddBinary(&g, OpType::kMul, *hs, *hs, Activation::kNone, "square");
  ASSERT_TRUE(sq.ok());
  Node pool2 = pool;
  pool2.inputs = {*sq};
  auto p2 = AddNode(&g, pool2, "pool2");
  ASSERT_TRUE(p2.ok());
  Node reshape;
  reshape.type = OpType::kReshape;
  reshape.inputs = {*p2};
  reshape.ints = {1, 12};
  auto flat = AddNode(&g, reshape, "flat");
  ASSERT_TRUE(flat.ok()) << flat.status();
  auto fc = AddFullyConnected(&g, *flat, Constant(&g, "fc.w", {37, 12}, 3), Constant(&g, "fc.b", {37}, 4),
                              Activation::kSwish, "fc");
  ASSERT_TRUE(fc.ok()) << fc.status();
  g.outputs = {*fc};
  auto d = ExpectMatchesReference(g);
  const std::string isa = BestIsaName();
  EXPECT_EQ(d, (std::vector<std::string>{"global_avg_pool_f32_" + isa, "sigmoid_f32_" + isa,
                                         "mul_channel_f32_" + isa, "mul_channel_f32_" + isa, "add_f32_" + isa,
                                         "hard_swish_f32_" + isa, "mul_f32_" + isa, "global_avg_pool_f32_" + isa,
                                         "Reshape_f32_reference", "fc_f32_" + isa}));
}

TEST(NativeBackend, MbconvNetworkMatchesReferenceAtSeveralSizes) {
  for (auto [h, w] : {std::pair{17, 12}, std::pair{9, 23}, std::pair{32, 20}, std::pair{5, 4}}) {
    SCOPED_TRACE(::testing::Message() << h << "x" << w);
    const Graph g = testing::MakeMbconvTestGraph(h, w, 3, static_cast<uint32_t>(h * 100 + w));
    ExpectMatchesReference(g, 1e-4);
  }
}

TEST(NativeBackend, ThroughTheInterpreterByName) {
  const Graph g = testing::MakeMbconvTestGraph(16, 11);
  const std::vector<float> x = RandomVector(16 * 11 * 3, 5);
  const std::vector<float> want = testing::RunGraph(g, x, "reference");
  EXPECT_LE(RelativeError(testing::RunGraph(g, x, "native", 2), want), 1e-4);
  bool listed = false;
  for (const std::string& b : AvailableBackends()) listed |= b == "native";
  EXPECT_TRUE(listed);
}

// Restores an environment variable when the test ends.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (had_) setenv(name_, old_.c_str(), 1);
    else unsetenv(name_);
  }

 private:
  const char* name_;
  bool had_ = false;
  std::string old_;
};

TEST(NativeBackend, IsaEnvironmentVariableCapsTheLevel) {
  const Graph g = ConvGraph(true, 8, 8, 16, 16, 3, 1, true, Activation::kNone);
  {
    ScopedEnv env(kernels::kIsaEnvVar, "portable");
    auto e = PrepareNative(g, BackendOptions());
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_EQ((*e)->op_descriptions()[0], "dwconv_f32_portable");
  }
  // Every level of either architecture: one above this CPU or of the other architecture falls
  // back to what this CPU has (on arm64, "avx512" runs portable and "neondot" NEON, or lower).
  for (Isa isa : kernels::AllIsas()) {
    ScopedEnv env(kernels::kIsaEnvVar, kernels::IsaName(isa));
    auto e = PrepareNative(g, BackendOptions());
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_EQ((*e)->op_descriptions()[0],
              "dwconv_f32_" + std::string(kernels::IsaName(kernels::testing::KernelIsa(UsableIsa(isa)))))
        << kernels::IsaName(isa);
  }
  {
    ScopedEnv env(kernels::kIsaEnvVar, "sse9");
    auto e = PrepareNative(g, BackendOptions());
    ASSERT_FALSE(e.ok());
    EXPECT_NE(std::string(e.status().message()).find("sse9"), std::string::npos) << e.status();
  }
}

}  // namespace
}  // namespace scalert
