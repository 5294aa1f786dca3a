// The quantizer library: lowering rules, calibration and fidelity on small graphs built in code.
#include <cmath>
#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "runtime/dtype_rules.h"
#include "runtime/graph_builder.h"
#include "runtime/image/decode.h"
#include "runtime/image/preprocess.h"
#include "runtime/validate.h"
#include "tests/testing/test_models.h"
#include "tools/npy.h"
#include "tools/quantize/evaluation.h"
#include "tools/quantize/lowering.h"
#include "tools/quantize/quantizer.h"

namespace scalert::quantize {
namespace {

using testing::MakeMbconvTestGraph;
using testing::RandomVector;

// x [1, n] -> fully connected [m, n] -> [1, m].
Graph FullyConnectedGraph(int32_t n, int32_t m) {
  Graph g;
  int32_t x = g.AddTensor("x", {1, n});
  g.inputs = {x};
  int32_t w = g.AddConstantF32("w", {m, n}, RandomVector(static_cast<size_t>(n) * m, 5, -0.2f, 0.2f));
  int32_t b = g.AddConstantF32("b", {m}, RandomVector(m, 6, -0.5f, 0.5f));
  auto y = AddFullyConnected(&g, x, w, b, Activation::kNone, "fc");
  EXPECT_TRUE(y.ok());
  g.outputs = {*y};
  return g;
}

QuantizeOptions Options(const Graph& g, Precision mode) {
  QuantizeOptions o;
  o.mode = mode;
  o.calibration = *RandomSamples(g, 8, 1);
  o.holdout = *RandomSamples(g, 4, 2);
  return o;
}

int Count(const Graph& g, OpType t) {
  int n = 0;
  for (const Node& node : g.nodes) n += node.type == t;
  return n;
}

TEST(Quantizer, Int8FullyConnectedIsFaithfulAndAQuarterOfTheBytes) {
  const Graph g = FullyConnectedGraph(256, 64);
  auto r = Quantize(g, Options(g, Precision::kI8));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->fidelity.has_value());
  EXPECT_GT(r->fidelity->snr_db, 30) << "cosine " << r->fidelity->cosine;
  EXPECT_EQ(GraphPrecision(r->lowered), Precision::kI8);
  EXPECT_LE(r->weight_bytes_after, 0.27 * r->weight_bytes_before);
  // The output keeps its name and stays f32.
  const Tensor& out = r->lowered.tensors[r->lowered.outputs[0]];
  EXPECT_EQ(out.dtype, DType::kF32);
  EXPECT_EQ(out.name, g.tensors[g.outputs[0]].name);
}

TEST(Quantizer, Int8MbconvConvertsOnlyAtBoundaries) {
  const Graph g = MakeMbconvTestGraph();
  QuantizeOptions o = Options(g, Precision::kI8);
  o.report = true;
  auto r = Quantize(g, o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(GraphPrecision(r->lowered), Precision::kI8);
  // The input is quantized once and the logits dequantized once for the FP32 softmax; the SE
  // gate, swish and residual stay INT8 (tables and integer kernels).
  EXPECT_EQ(Count(r->lowered, OpType::kQuantize), 1);
  EXPECT_EQ(Count(r->lowered, OpType::kDequantize), 1);
  EXPECT_EQ(Count(r->lowered, OpType::kSwish), 2);  // split off the stem and the SE reduce
  EXPECT_GT(r->fidelity->snr_db, 30);
  // One sensitivity entry per convolution / fully connected layer, each finite and sensible.
  int layers = Count(g, OpType::kConv2D) + Count(g, OpType::kDepthwiseConv2D) + Count(g, OpType::kFullyConnected);
  ASSERT_EQ(static_cast<int>(r->layers.size()), layers);
  for (const auto& l : r->layers) EXPECT_GT(l.snr_db, r->fidelity->snr_db - 1) << l.name;
}

TEST(Quantizer, Fp16AndBf16HalveTheWeightsAndStayClose) {
  const Graph g = MakeMbconvTestGraph();
  for (Precision p : {Precision::kF16, Precision::kBF16}) {
    QuantizeOptions o = Options(g, p);
    o.calibration.clear();  // float modes need no calibration
    auto r = Quantize(g, o);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(GraphPrecision(r->lowered), p);
    EXPECT_GT(r->fidelity->snr_db, p == Precision::kF16 ? 50 : 30) << PrecisionName(p);
  }
  const Graph fc = FullyConnectedGraph(256, 64);
  QuantizeOptions o = Options(fc, Precision::kF16);
  auto r = Quantize(fc, o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_LE(r->weight_bytes_after, 0.51 * r->weight_bytes_before);  // the f32 bias is all that is left
}

// The MBConv test graph lowered to FP16 or BF16 without calibration.
absl::StatusOr<QuantizeResult> LoweredMbconv(Precision p) {
  const Graph g = MakeMbconvTestGraph();
  QuantizeOptions o = Options(g, p);
  o.calibration.clear();
  return Quantize(g, o);
}

// BF16 depthwise layers keep FP32 weights (their kernels multiply in FP32); every other BF16
// layer, and FP16 depthwise layers (vfmadd*ph reads FP16 weights), narrow theirs.
TEST(Quantizer, Bf16KeepsDepthwiseWeightsFp32) {
  for (Precision p : {Precision::kF16, Precision::kBF16}) {
    auto r = LoweredMbconv(p);
    ASSERT_TRUE(r.ok()) << r.status();
    int depthwise = 0, others = 0;
    for (const Node& n : r->lowered.nodes) {
      if (n.type != OpType::kConv2D && n.type != OpType::kDepthwiseConv2D && n.type != OpType::kFullyConnected) continue;
      const DType w = r->lowered.tensors[n.inputs[1]].dtype;
      const bool dw = n.type == OpType::kDepthwiseConv2D;
      (dw ? depthwise : others)++;
      EXPECT_EQ(w, dw && p == Precision::kBF16 ? DType::kF32 : (p == Precision::kF16 ? DType::kF16 : DType::kBF16))
          << n.name << " " << PrecisionName(p);
    }
    EXPECT_GT(depthwise, 0);
    EXPECT_GT(others, 0);
  }
}

// A BF16 file's classifier reads and writes FP32 with BF16 weights, and the file still says
// bf16; the pools stay BF16; FP16 is as before.
TEST(Quantizer, Bf16ClassifierKeepsFp32ActivationsWithBf16Weights) {
  for (Precision p : {Precision::kF16, Precision::kBF16}) {
    auto r = LoweredMbconv(p);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(GraphPrecision(r->lowered), p);
    const DType act = p == Precision::kBF16 ? DType::kF32 : DType::kF16;
    int checked = 0;
    for (const Node& n : r->lowered.nodes) {
      const DType in = r->lowered.tensors[n.inputs[0]].dtype;
      if (n.type == OpType::kFullyConnected) {
        EXPECT_EQ(in, act) << PrecisionName(p);
        EXPECT_EQ(r->lowered.tensors[n.outputs[0]].dtype, act);
        EXPECT_EQ(r->lowered.tensors[n.inputs[1]].dtype, p == Precision::kBF16 ? DType::kBF16 : DType::kF16);
        ++checked;
      } else if (n.name == "pool" || n.name == "se.pool") {
        EXPECT_EQ(in, p == Precision::kBF16 ? DType::kBF16 : DType::kF16);
        ++checked;
      }
    }
    EXPECT_EQ(checked, 3) << PrecisionName(p);
    if (p == Precision::kBF16) {
      EXPECT_GT(r->fidelity->snr_db, 30);
    }
  }
}

// An MBConv block whose layers each shrink their input ~1000x, as a random-weight MobileNetV2 or
// EfficientNet does (kaiming fan-out depthwise weights): activations near 1e-7 and logits near
// 1e-12, below FP16's smallest subnormal. `act` after expand and depthwise (relu6 or swish), an
// SE gate with swish, a residual add, pool, classifier.
Graph ShrinkingGraph(Activation act) {
  Graph g;
  const int32_t c = 8, ce = 16, classes = 10;
  int32_t x = g.AddTensor("input", {1, 6, 7, c});
  g.inputs = {x};
  auto weights = [&](const std::string& name, Shape shape, uint32_t seed) {
    int64_t n = 1;
    for (int32_t d : shape) n *= d;
    return g.AddConstantF32(name, shape, RandomVector(static_cast<size_t>(n), seed, -1e-3f, 1e-3f));
  };
  auto check = [](absl::StatusOr<int32_t> t) { EXPECT_TRUE(t.ok()) << t.status(); return t.value_or(-1); };
  int32_t y = check(AddConv2D(&g, x, weights("stem.w", {c, 1, 1, c}, 1), -1, ConvParams(), Activation::kNone, "stem"));
  const int32_t block_in = y;
  y = check(AddConv2D(&g, y, weights("expand.w", {ce, 1, 1, c}, 2), -1, ConvParams(),
                      act, "expand"));
  ConvParams dw;
  dw.pad_top = dw.pad_bottom = dw.pad_left = dw.pad_right = 1;
  y = check(AddDepthwiseConv2D(&g, y, weights("dw.w", {1, 3, 3, ce}, 4), -1, dw, act, "dw"));
  if (act == Activation::kSwish) {
    int32_t se = check(AddNode(&g, [&] { Node n; n.type = OpType::kGlobalAveragePool; n.inputs = {y}; n.name = "se.pool"; return n; }(), "se.pool.out"));
    se = check(AddConv2D(&g, se, weights("se.reduce.w", {4, 1, 1, ce}, 7), -1, ConvParams(), Activation::kSwish, "se.reduce"));
    se = check(AddConv2D(&g, se, weights("se.expand.w", {ce, 1, 1, 4}, 8), -1, ConvParams(), Activation::kSigmoid, "se.expand"));
    y = check(AddBinary(&g, OpType::kMul, se, y, Activation::kNone, "se.scale"));  // gate first: either order
  }
  y = check(AddConv2D(&g, y, g.AddConstantF32("project.w", {c, 1, 1, ce}, RandomVector(c * ce, 5, -1e4f, 1e4f)), -1,
                      ConvParams(), Activation::kNone, "project"));
  y = check(AddBinary(&g, OpType::kAdd, y, block_in, Activation::kNone, "residual"));
  y = check(AddNode(&g, [&] { Node n; n.type = OpType::kGlobalAveragePool; n.inputs = {y}; n.name = "pool"; return n; }(), "pool.out"));
  y = check(AddFullyConnected(&g, y, g.AddConstantF32("fc.w", {classes, c}, RandomVector(classes * c, 6, -1e-6f, 1e-6f)), -1,
                              Activation::kNone, "fc"));
  g.outputs = {y};
  return g;
}

// FP16 range scaling (half_scaling.h): unscaled, FP16 flushes such a network to zero; scaled,
// it keeps FP16's precision, on the reference backend and natively, alone and mixed with FP32.
// Relu6 lowers as relu, a swish in its linear regime as x/2, at the scale.
TEST(Quantizer, Fp16ScalesActivationsBelowItsRange) {
 for (Activation act : {Activation::kRelu6, Activation::kSwish}) {
  SCOPED_TRACE(ActivationName(act));
  const Graph g = ShrinkingGraph(act);
  QuantizeOptions unscaled = Options(g, Precision::kF16);
  unscaled.calibration.clear();  // no ranges: every FP16 tensor holds real values
  auto flushed = Quantize(g, unscaled);
  ASSERT_TRUE(flushed.ok()) << flushed.status();
  EXPECT_LT(flushed->fidelity->snr_db, 20) << "the graph no longer leaves FP16's range";  // the test can fail: FP16 alone loses this model
  for (const char* backend : {"reference", "native"}) {
    QuantizeOptions o = Options(g, Precision::kF16);
    o.lowered_backend = backend;
    auto r = Quantize(g, o);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_GT(r->fidelity->snr_db, 55) << backend;
    EXPECT_EQ(GraphPrecision(r->lowered), Precision::kF16);
    EXPECT_LE(r->weight_bytes_after, 0.52 * r->weight_bytes_before);  // + the 4-byte scale factor
    // Only the logits meet FP32, through one exact multiply by a power of two.
    EXPECT_EQ(Count(r->lowered, OpType::kMul), Count(g, OpType::kMul) + 1);
    for (const Node& n : r->lowered.nodes) {
      if (n.name == "expand" || n.name == "dw") {
        EXPECT_EQ(n.activation, act == Activation::kRelu6 ? Activation::kRelu : Activation::kNone) << n.name;
      }
    }
  }
  // Mixed: each FP16 layer alone meets FP32 neighbours through scaled conversions.
  QuantizeOptions o = Options(g, Precision::kF16);
  o.report = true;
  auto r = Quantize(g, o);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->layers.size(), act == Activation::kSwish ? 7u : 5u);
  for (const auto& l : r->layers) EXPECT_GT(l.snr_db, 55) << l.name;
 }
}

// INT8 scales follow tiny ranges too (a floor of 1e-8 used to round logits near 1e-12 to zero).
TEST(Quantizer, Int8KeepsTinyActivationRanges) {
  for (Activation act : {Activation::kRelu6, Activation::kSwish}) {
    const Graph g = ShrinkingGraph(act);
    auto r = Quantize(g, Options(g, Precision::kI8));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_GT(r->fidelity->snr_db, 8) << ActivationName(act);  // 0 dB with the old floor
  }
}

// Range scaling changes nothing where FP16 holds the values: a model in FP16's range lowers with
// no multiply and its relu6 kept.
TEST(Quantizer, Fp16LeavesInRangeModelsUnscaled) {
  const Graph g = MakeMbconvTestGraph();
  auto r = Quantize(g, Options(g, Precision::kF16));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Count(r->lowered, OpType::kMul), Count(g, OpType::kMul));
  for (const Node& n : r->lowered.nodes)
    if (n.name == "expand") { EXPECT_EQ(n.activation, Activation::kRelu6); }
}

TEST(Quantizer, MixedPolicyKeepsNamedLayersFp32) {
  const Graph g = MakeMbconvTestGraph();
  QuantizeOptions o = Options(g, Precision::kMixed);
  auto p = ParsePolicy("# test\ndefault int8\nproject fp32\ndw fp16\n", "test");
  ASSERT_TRUE(p.ok()) << p.status();
  o.policy = *p;
  auto r = Quantize(g, o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(GraphPrecision(r->lowered), Precision::kMixed);
  for (const Node& n : r->lowered.nodes) {
    const DType d = r->lowered.tensors[n.inputs[0]].dtype;
    if (n.name == "project") { EXPECT_EQ(d, DType::kF32); }
    if (n.name == "dw") { EXPECT_EQ(d, DType::kF16); }
    if (n.name == "expand") { EXPECT_EQ(d, DType::kI8); }
  }
  o.policy = *ParsePolicy("default int8\nno_such_layer fp32\n", "test");
  auto bad = Quantize(g, o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("no_such_layer"), std::string::npos);
  EXPECT_FALSE(ParsePolicy("default int9\n", "p.txt").ok());
}

// Mixed lowering splits every layer's activation off (INT8 runs it as a table) and joins it back
// where the layer did not become INT8: a mixed model without INT8 layers is the BF16 model, and an
// FP32 layer among INT8 ones keeps its fused activation (and so its fused epilogue).
TEST(Quantizer, MixedJoinsActivationsBackOutsideInt8) {
  const Graph g = MakeMbconvTestGraph();
  auto plain = Quantize(g, Options(g, Precision::kBF16));
  QuantizeOptions mixed = Options(g, Precision::kMixed);
  mixed.policy = *ParsePolicy("default bf16\n", "test");
  auto m = Quantize(g, mixed);
  ASSERT_TRUE(plain.ok() && m.ok()) << plain.status() << m.status();
  ASSERT_EQ(m->lowered.nodes.size(), plain->lowered.nodes.size());
  ASSERT_EQ(m->lowered.tensors.size(), plain->lowered.tensors.size());
  for (size_t i = 0; i < m->lowered.nodes.size(); ++i) {
    EXPECT_EQ(m->lowered.nodes[i].name, plain->lowered.nodes[i].name);
    EXPECT_EQ(m->lowered.nodes[i].activation, plain->lowered.nodes[i].activation) << m->lowered.nodes[i].name;
  }
  auto a = RunOutputs(plain->lowered, mixed.holdout, "reference", 1);
  auto b = RunOutputs(m->lowered, mixed.holdout, "reference", 1);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_NE((*a)[0], (*a)[1]);  // the output depends on the input
  EXPECT_EQ(*a, *b);

  mixed.policy = *ParsePolicy("default int8\nstem fp32\n", "test");
  auto s = Quantize(g, mixed);
  ASSERT_TRUE(s.ok()) << s.status();
  bool stem = false;
  for (const Node& n : s->lowered.nodes) {
    EXPECT_NE(n.name, "stem.act");
    if (n.name == "stem") stem = n.activation == Activation::kSwish;
  }
  EXPECT_TRUE(stem);
  EXPECT_EQ(Count(s->lowered, OpType::kHardSwish), 1);  // dw.act: dw is INT8, its table stays
  EXPECT_EQ(Count(s->lowered, OpType::kSigmoid), 1);    // se.gate was never a fused activation
}

TEST(Quantizer, AutoMixedMeetsItsBoundAndItsPolicyReproducesIt) {
  const Graph g = MakeMbconvTestGraph();
  for (double bound : {45.0, 120.0}) {
    QuantizeOptions o = Options(g, Precision::kMixed);
    o.auto_mixed = true;
    o.min_snr_db = bound;
    auto r = Quantize(g, o);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_GE(r->fidelity->snr_db, bound);
    // Applying the written policy gives the same model, hence the same fidelity.
    QuantizeOptions again = Options(g, Precision::kMixed);
    auto policy = ParsePolicy(PolicyText(r->policy, "round trip"), "policy");
    ASSERT_TRUE(policy.ok()) << policy.status();
    again.policy = *policy;
    auto r2 = Quantize(g, again);
    ASSERT_TRUE(r2.ok()) << r2.status();
    EXPECT_EQ(r2->fidelity->snr_db, r->fidelity->snr_db);
    if (bound == 120.0) { EXPECT_EQ(GraphPrecision(r->lowered), Precision::kF32); }  // no INT8 layer reaches 120 dB
  }
}

// --mode fp16 --auto-mixed: the most sensitive layers stay FP32, the rest FP16 (no INT8), and the
// bound is met; a bound above what all-FP16 reaches needs at least one FP32 layer.
TEST(Quantizer, AutoMixedKeepsFp16WhereTheBoundAllows) {
  const Graph g = MakeMbconvTestGraph();
  QuantizeOptions all = Options(g, Precision::kF16);
  auto plain = Quantize(g, all);
  ASSERT_TRUE(plain.ok()) << plain.status();
  const double bound = plain->fidelity->snr_db + 3;
  QuantizeOptions o = Options(g, Precision::kF16);
  o.auto_mixed = true;
  o.min_snr_db = bound;
  auto r = Quantize(g, o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GE(r->fidelity->snr_db, bound);
  int f16 = 0, f32 = 0;
  for (const Node& n : r->lowered.nodes) {
    if (n.type != OpType::kConv2D && n.type != OpType::kDepthwiseConv2D && n.type != OpType::kFullyConnected) continue;
    const DType d = r->lowered.tensors[n.inputs[0]].dtype;
    EXPECT_TRUE(d == DType::kF16 || d == DType::kF32) << n.name << " " << DTypeName(d);
    f16 += d == DType::kF16;
    f32 += d == DType::kF32;
  }
  EXPECT_GT(f32, 0);
  EXPECT_GT(f16, 0);
}

TEST(Quantizer, RefusesLoweredModelsAndMissingInputs) {
  Graph g = MakeMbconvTestGraph();
  QuantizeOptions o = Options(g, Precision::kI8);
  auto r = Quantize(g, o);
  ASSERT_TRUE(r.ok());
  auto again = Quantize(r->lowered, o);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(std::string(again.status().message()).find("already lowered"), std::string::npos);
  o.calibration.clear();
  EXPECT_FALSE(Quantize(g, o).ok());
  QuantizeOptions mixed = Options(g, Precision::kMixed);
  EXPECT_FALSE(Quantize(g, mixed).ok());  // neither a policy nor --auto-mixed
}

TEST(Calibration, PercentileRangesLieInsideMinMax) {
  Graph g = SplitActivations(MakeMbconvTestGraph());
  ASSERT_TRUE(ValidateGraph(&g).ok());
  const auto samples = *RandomSamples(g, 4, 3);
  CalibrationOptions full, p99;
  p99.percentile = 99;
  auto a = Calibrate(g, samples, full);
  auto b = Calibrate(g, samples, p99);
  ASSERT_TRUE(a.ok() && b.ok());
  int narrower = 0;
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    if (!(*a)[t]) continue;
    ASSERT_TRUE((*b)[t].has_value());
    EXPECT_LE((*a)[t]->lo, 0.f);
    EXPECT_GE((*a)[t]->hi, 0.f);
    EXPECT_GE((*b)[t]->lo, (*a)[t]->lo - 1e-6f);
    EXPECT_LE((*b)[t]->hi, (*a)[t]->hi + 1e-6f);
    narrower += (*b)[t]->hi < (*a)[t]->hi || (*b)[t]->lo > (*a)[t]->lo;
  }
  EXPECT_GT(narrower, 5);
  p99.percentile = 20;
  EXPECT_FALSE(Calibrate(g, samples, p99).ok());
}

// A binary PPM of `w` x `h` pixels whose channel c at (x, y) is (x * 7 + y * 13 + c * 50) * gain.
std::string WritePpm(const std::string& path, int w, int h, double gain) {
  std::string bytes = "P6\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n";
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) bytes += static_cast<char>(static_cast<int>(((x * 7 + y * 13 + c * 50) % 256) * gain));
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(Calibration, FolderSamplesReadTensorsAndImagesAsRunDoes) {
  Graph g = MakeMbconvTestGraph();  // input [1, 17, 12, 3], no metadata: pixel / 255
  const std::string dir = ::testing::TempDir() + "/folder_samples";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::vector<float> tensor = RandomVector(17 * 12 * 3, 4);
  ASSERT_TRUE(tools::WriteNpy(dir + "/a.npy", {1, 17, 12, 3}, tensor.data()).ok());
  const std::string wide = WritePpm(dir + "/b.ppm", 40, 17, 1.0);  // another aspect ratio than the input
  std::ofstream(dir + "/notes.txt") << "not an input";
  for (image::Fit fit : {image::Fit::kStretch, image::Fit::kCrop}) {
    auto samples = FolderSamples(g, dir, fit);
    ASSERT_TRUE(samples.ok()) << samples.status();
    ASSERT_EQ(samples->size(), 2u);  // the .txt skipped; sorted by name
    EXPECT_EQ((*samples)[0], tensor);
    auto img = image::ReadImageFile(wide);
    auto spec = image::InputSpecFor(g.tensors[g.inputs[0]], g.metadata);
    ASSERT_TRUE(img.ok() && spec.ok());
    std::vector<float> want(17 * 12 * 3);
    image::PreprocessOptions po;
    po.fit = fit;
    ASSERT_TRUE(image::Preprocess(img->frame(), po, *spec, want.data()).ok());
    EXPECT_EQ((*samples)[1], want);
    float lo = 1, hi = 0;  // the image, not a constant, reached the sample
    for (float v : (*samples)[1]) lo = std::min(lo, v), hi = std::max(hi, v);
    EXPECT_LT(lo, 0.2f);
    EXPECT_GT(hi, 0.6f);
  }
  EXPECT_NE(*FolderSamples(g, dir, image::Fit::kStretch), *FolderSamples(g, dir, image::Fit::kCrop));

  // A truncated image, an input that is no image, an empty folder: errors naming the file or folder.
  std::ofstream(dir + "/c.ppm", std::ios::binary) << "P6 4 4 255\nabc";
  auto bad = FolderSamples(g, dir);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("c.ppm"), std::string::npos) << bad.status();
  std::filesystem::remove(dir + "/c.ppm");
  auto not_image = FolderSamples(FullyConnectedGraph(8, 4), dir);
  ASSERT_FALSE(not_image.ok());
  std::filesystem::remove(dir + "/a.npy");  // the .npy would fail first on its shape
  not_image = FolderSamples(FullyConnectedGraph(8, 4), dir);
  ASSERT_FALSE(not_image.ok());
  EXPECT_NE(std::string(not_image.status().message()).find("b.ppm"), std::string::npos) << not_image.status();
  std::filesystem::remove(dir + "/b.ppm");
  EXPECT_FALSE(FolderSamples(g, dir).ok());
  EXPECT_FALSE(FolderSamples(g, dir + "/missing").ok());
}

TEST(Lowering, ActivationQuantizationHoldsZeroExactly) {
  for (Range r : {Range{-1.f, 3.f}, Range{0.f, 6.f}, Range{-2.f, 0.f}, Range{0.5f, 2.f}, Range{0.f, 0.f}}) {
    const Quantization q = ActivationQuantization(r);
    ASSERT_EQ(q.scale.size(), 1u);
    EXPECT_GT(q.scale[0], 0.f);
    EXPECT_GE(q.zero_point[0], -128);
    EXPECT_LE(q.zero_point[0], 127);
    // Both ends of the range are representable within half a step.
    const float lowest = q.scale[0] * static_cast<float>(-128 - q.zero_point[0]);
    const float highest = q.scale[0] * static_cast<float>(127 - q.zero_point[0]);
    EXPECT_LE(lowest, std::min(0.f, r.lo) + q.scale[0] / 2);
    EXPECT_GE(highest, std::max(0.f, r.hi) - q.scale[0] / 2);
  }
}

}  // namespace
}  // namespace scalert::quantize
