// Importer unit tests on small ONNX models built in code: layout conversion, folding and fusion
// into the canonical op graph, shapes and batch, and errors that name the node.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "gtest/gtest.h"
#include "tests/onnx/onnx_test_util.h"
#include "tools/onnx/onnx_importer.h"

namespace scalert::onnx_test {
namespace {

namespace fs = std::filesystem;
using onnx_import::ImportOnnxModel;
using onnx_import::ImportOptions;

absl::StatusOr<onnx_import::ImportedModel> Import(ModelBuilder& b, const ImportOptions& o = {}) {
  return ImportOnnxModel(b.proto(), "test.onnx", ".", o);
}

std::vector<OpType> OpTypes(const Graph& g) {
  std::vector<OpType> r;
  for (const Node& n : g.nodes) r.push_back(n.type);
  return r;
}

// Conv -> BatchNormalization with every parameter non-trivial.
void ConvBn(ModelBuilder& b, const std::string& x, const std::string& y, int64_t cin, int64_t cout, int64_t k,
            uint32_t seed, int64_t group = 1) {
  const std::string p = y + ".";
  b.Initializer(p + "w", {cout, cin / group, k, k}, Random(static_cast<size_t>(cout * cin / group * k * k), seed));
  b.Initializer(p + "gamma", {cout}, Random(static_cast<size_t>(cout), seed + 1, 0.5f, 1.5f));
  b.Initializer(p + "beta", {cout}, Random(static_cast<size_t>(cout), seed + 2));
  b.Initializer(p + "mean", {cout}, Random(static_cast<size_t>(cout), seed + 3));
  b.Initializer(p + "var", {cout}, Random(static_cast<size_t>(cout), seed + 4, 0.5f, 2.f));
  auto* c = b.Node("Conv", {x, p + "w"}, {p + "conv"}, p + "conv");
  AttrInts(c, "pads", {k / 2, k / 2, k / 2, k / 2});
  if (group > 1) AttrInt(c, "group", group);
  b.Node("BatchNormalization", {p + "conv", p + "gamma", p + "beta", p + "mean", p + "var"}, {y}, p + "bn");
}

// The same function computed directly in NCHW, for numeric checks of small graphs.
std::vector<float> ConvBnReference(const std::vector<float>& x, int64_t c, int64_t h, int64_t w, const ModelBuilder& b,
                                   const std::string& y, int64_t cout, int64_t k, int64_t group) {
  auto init = [&](const std::string& name) {
    for (const auto& t : b.proto().graph().initializer())
      if (t.name() == name) return std::vector<float>(t.float_data().begin(), t.float_data().end());
    return std::vector<float>();
  };
  const std::string p = y + ".";
  auto wt = init(p + "w"), gamma = init(p + "gamma"), beta = init(p + "beta"), mean = init(p + "mean"),
       var = init(p + "var");
  const int64_t cin_g = c / group, cout_g = cout / group, pad = k / 2;
  std::vector<float> out(static_cast<size_t>(cout * h * w));
  for (int64_t o = 0; o < cout; ++o)
    for (int64_t yy = 0; yy < h; ++yy)
      for (int64_t xx = 0; xx < w; ++xx) {
        double acc = 0;
        for (int64_t i = 0; i < cin_g; ++i)
          for (int64_t ky = 0; ky < k; ++ky)
            for (int64_t kx = 0; kx < k; ++kx) {
              int64_t iy = yy - pad + ky, ix = xx - pad + kx;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              int64_t ci = (o / cout_g) * cin_g + i;
              acc += x[(ci * h + iy) * w + ix] * wt[((o * cin_g + i) * k + ky) * k + kx];
            }
        out[(o * h + yy) * w + xx] =
            static_cast<float>((acc - mean[o]) / std::sqrt(var[o] + 1e-5) * gamma[o] + beta[o]);
      }
  return out;
}

TEST(OnnxImporter, ConvBnFoldsAndOutputComesBackInNchw) {
  ModelBuilder b;
  b.Input("x", {1, 3, 5, 7}).Output("y");
  ConvBn(b, "x", "y", 3, 4, 3, 10);
  auto m = Import(b);
  ASSERT_TRUE(m.ok()) << m.status();
  // Transpose in, one conv (BN folded, bias added), transpose out.
  EXPECT_EQ(OpTypes(m->graph), (std::vector<OpType>{OpType::kTranspose, OpType::kConv2D, OpType::kTranspose}));
  EXPECT_EQ(m->folded_batch_norms, 1);
  EXPECT_EQ(m->graph.tensors[m->graph.outputs[0]].shape, (Shape{1, 4, 5, 7}));
  // Stored: 4*3*3*3 weights + 4 bias; as trained: weights + gamma + beta.
  EXPECT_EQ(GraphParams(m->graph), 108 + 4);
  EXPECT_EQ(m->graph.metadata.params_trained, 108 + 8);
  EXPECT_EQ(m->graph.metadata.input_layout, "NCHW");
  std::vector<float> x = Random(3 * 5 * 7, 99);
  auto got = RunGraph(m->graph, {x});
  ASSERT_TRUE(got.ok()) << got.status();
  std::vector<float> want = ConvBnReference(x, 3, 5, 7, b, "y", 4, 3, 1);
  ASSERT_EQ((*got)[0].size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR((*got)[0][i], want[i], 1e-4) << i;
}

TEST(OnnxImporter, DepthwiseConvWithMultiplierMatchesDirectComputation) {
  ModelBuilder b;
  b.Input("x", {1, 3, 6, 5}).Output("y");
  ConvBn(b, "x", "y", 3, 6, 3, 20, /*group=*/3);
  auto m = Import(b);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->graph.nodes[1].type, OpType::kDepthwiseConv2D);
  EXPECT_EQ(m->graph.nodes[1].conv.depth_multiplier, 2);
  std::vector<float> x = Random(3 * 6 * 5, 7);
  auto got = RunGraph(m->graph, {x});
  ASSERT_TRUE(got.ok()) << got.status();
  std::vector<float> want = ConvBnReference(x, 3, 6, 5, b, "y", 6, 3, 3);
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR((*got)[0][i], want[i], 1e-4) << i;
}

TEST(OnnxImporter, SiluAndHardswishPatternsFuseIntoTheConv) {
  ModelBuilder b;
  b.Input("x", {1, 3, 8, 8}).Output("y");
  ConvBn(b, "x", "a", 3, 8, 3, 1);
  b.Node("Sigmoid", {"a"}, {"a.sig"});
  b.Node("Mul", {"a", "a.sig"}, {"a.silu"});
  ConvBn(b, "a.silu", "c", 8, 8, 3, 2, /*group=*/8);
  auto* hs = b.Node("HardSigmoid", {"c"}, {"c.hsig"});
  AttrFloat(hs, "alpha", 1.f / 6.f);
  b.Node("Mul", {"c.hsig", "c"}, {"c.hswish"});  // gate first: both orders are recognized
  b.Node("Identity", {"c.hswish"}, {"y"});
  auto m = Import(b);
  ASSERT_TRUE(m.ok()) << m.status();
  const Graph& g = m->graph;
  ASSERT_EQ(OpTypes(g), (std::vector<OpType>{OpType::kTranspose, OpType::kConv2D, OpType::kDepthwiseConv2D,
                                               OpType::kTranspose}));
  EXPECT_EQ(g.nodes[1].activation, Activation::kSwish);
  EXPECT_EQ(g.nodes[2].activation, Activation::kHardSwish);
  EXPECT_EQ(g.nodes[1].name, "a.conv");  // op names are the ONNX node names
}

TEST(OnnxImporter, ActivationIsNotFusedWhenTheConvOutputHasAnotherReader) {
  ModelBuilder b;
  b.Input("x", {1, 4, 5, 5}).Output("y");
  ConvBn(b, "x", "a", 4, 4, 1, 3);
  b.Node("Relu", {"a"}, {"r"});
  b.Node("Add", {"r", "a"}, {"y"});
  auto m = Import(b);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(OpTypes(m->graph), (std::vector<OpType>{OpType::kTranspose, OpType::kConv2D, OpType::kRelu,
                                                      OpType::kAdd, OpType::kTranspose}));
  EXPECT_EQ(m->graph.nodes[1].activation, Activation::kNone);
  // Numerics: y = relu(a) + a.
  std::vector<float> x = Random(100, 5);
  auto got = RunGraph(m->graph, {x});
  ASSERT_TRUE(got.ok()) << got.status();
  std::vector<float> a = ConvBnReference(x, 4, 5, 5, b, "a", 4, 1, 1);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR((*got)[0][i], std::max(a[i], 0.f) + a[i], 1e-4);
}

TEST(OnnxImporter, SqueezeExciteAndClassifierHeadAreCanonical) {
  // Block -> SE (pool, 1x1 conv relu, 1x1 conv hardsigmoid, scale) -> pool -> flatten -> Gemm.
  ModelBuilder b;
  b.Input("x", {-1, 8, 6, 6}).Output("logits");
  b.Node("GlobalAveragePool", {"x"}, {"s0"});
  b.Initializer("fc1.w", {4, 8, 1, 1}, Random(32, 1)).Initializer("fc1.b", {4}, Random(4, 2));
  b.Initializer("fc2.w", {8, 4, 1, 1}, Random(32, 3)).Initializer("fc2.b", {8}, Random(8, 4));
  b.Node("Conv", {"s0", "fc1.w", "fc1.b"}, {"s1"});
  b.Node("Relu", {"s1"}, {"s2"});
  b.Node("Conv", {"s2", "fc2.w", "fc2.b"}, {"s3"});
  AttrFloat(b.Node("HardSigmoid", {"s3"}, {"gate"}), "alpha", 1.f / 6.f);
  b.Node("Mul", {"gate", "x"}, {"scaled"});
  b.Node("GlobalAveragePool", {"scaled"}, {"pooled"});
  b.Node("Flatten", {"pooled"}, {"flat"});
  b.Initializer("fc.w", {10, 8}, Random(80, 5)).Initializer("fc.b", {10}, Random(10, 6));
  AttrInt(b.Node("Gemm", {"flat", "fc.w", "fc.b"}, {"d"}), "transB", 1);
  b.Node("Dropout", {"d"}, {"logits"});
  auto m = Import(b);
  ASSERT_TRUE(m.ok()) << m.status();
  const Graph& g = m->graph;
  ASSERT_EQ(OpTypes(g), (std::vector<OpType>{OpType::kTranspose, OpType::kGlobalAveragePool, OpType::kConv2D,
                                               OpType::kConv2D, OpType::kMul, OpType::kGlobalAveragePool,
                                               OpType::kFullyConnected}));
  EXPECT_EQ(g.nodes[2].activation, Activation::kRelu);
  EXPECT_EQ(g.nodes[3].activation, Activation::kHardSigmoid);
  // Mul(block, gate): the full-size tensor first, whatever the ONNX order.
  EXPECT_EQ(g.tensors[g.nodes[4].inputs[0]].shape, (Shape{1, 6, 6, 8}));
  EXPECT_EQ(g.tensors[g.nodes[6].inputs[0]].shape, (Shape{1, 1, 1, 8}));  // no Reshape before FC
  EXPECT_EQ(g.tensors[g.outputs[0]].shape, (Shape{1, 10}));  // symbolic batch -> 1

  // Numerics against a direct computation.
  std::vector<float> x = Random(8 * 36, 11);
  auto got = RunGraph(g, {x});
  ASSERT_TRUE(got.ok()) << got.status();
  auto init = [&](const std::string& n) {
    for (const auto& t : b.proto().graph().initializer())
      if (t.name() == n) return std::vector<float>(t.float_data().begin(), t.float_data().end());
    return std::vector<float>();
  };
  auto w1 = init("fc1.w"), b1 = init("fc1.b"), w2 = init("fc2.w"), b2 = init("fc2.b"), wf = init("fc.w"), bf = init("fc.b");
  std::vector<double> s0(8, 0), s2(4), gate(8), pooled(8, 0);
  for (int c = 0; c < 8; ++c)
    for (int p = 0; p < 36; ++p) s0[c] += x[c * 36 + p] / 36.0;
  for (int o = 0; o < 4; ++o) {
    double a = b1[o];
    for (int c = 0; c < 8; ++c) a += w1[o * 8 + c] * s0[c];
    s2[o] = std::max(a, 0.0);
  }
  for (int o = 0; o < 8; ++o) {
    double a = b2[o];
    for (int c = 0; c < 4; ++c) a += w2[o * 4 + c] * s2[c];
    gate[o] = std::min(std::max(a / 6 + 0.5, 0.0), 1.0);
  }
  for (int c = 0; c < 8; ++c)
    for (int p = 0; p < 36; ++p) pooled[c] += x[c * 36 + p] * gate[c] / 36.0;
  for (int o = 0; o < 10; ++o) {
    double a = bf[o];
    for (int c = 0; c < 8; ++c) a += wf[o * 8 + c] * pooled[c];
    EXPECT_NEAR((*got)[0][o], a, 1e-4) << o;
  }
}

TEST(OnnxImporter, BatchAndInputShapeOverrides) {
  ModelBuilder b;
  b.Input("x", {-1, 3, -1, -1}).Output("y");
  b.Node("GlobalAveragePool", {"x"}, {"p"});
  b.Node("Flatten", {"p"}, {"y"});
  auto bad = Import(b);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("input 'x'"), std::string::npos) << bad.status();
  EXPECT_NE(bad.status().message().find("--input-shape"), std::string::npos) << bad.status();
  ImportOptions o;
  o.batch = 2;
  o.input_h = 9;
  o.input_w = 4;
  auto m = Import(b, o);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->graph.tensors[m->graph.inputs[0]].shape, (Shape{2, 3, 9, 4}));
  EXPECT_EQ(m->graph.tensors[m->graph.outputs[0]].shape, (Shape{2, 3}));
  EXPECT_EQ(m->graph.metadata.input_h, 9);
  EXPECT_EQ(m->graph.metadata.input_w, 4);
}

TEST(OnnxImporter, AutoPadSameAndStridesGiveOnnxOutputSize) {
  for (const char* mode : {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
    ModelBuilder b;
    b.Input("x", {1, 2, 7, 6}).Output("y");
    b.Initializer("w", {3, 2, 3, 3}, Random(54, 1));
    auto* c = b.Node("Conv", {"x", "w"}, {"y"});
    AttrString(c, "auto_pad", mode);
    AttrInts(c, "strides", {2, 2});
    auto m = Import(b);
    ASSERT_TRUE(m.ok()) << mode << ": " << m.status();
    const Shape want = std::string(mode) == "VALID" ? Shape{1, 3, 3, 2} : Shape{1, 3, 4, 3};
    EXPECT_EQ(m->graph.tensors[m->graph.outputs[0]].shape, want) << mode;
    const ConvParams& p = m->graph.nodes[1].conv;
    // Width 6, kernel 3, stride 2: one padding column, at the end (UPPER) or the start (LOWER).
    if (std::string(mode) == "SAME_UPPER") { EXPECT_EQ(std::make_pair(p.pad_left, p.pad_right), std::make_pair(0, 1)); }
    if (std::string(mode) == "SAME_LOWER") { EXPECT_EQ(std::make_pair(p.pad_left, p.pad_right), std::make_pair(1, 0)); }
    if (std::string(mode) != "VALID") { EXPECT_EQ(std::make_pair(p.pad_top, p.pad_bottom), std::make_pair(1, 1)); }
  }
}

TEST(OnnxImporter, SoftmaxOverChannelsOfAnNhwcTensorNeedsNoTranspose) {
  ModelBuilder b;
  b.Input("x", {1, 3, 4, 4}).Output("y");
  b.Initializer("w", {5, 3, 1, 1}, Random(15, 1));
  b.Node("Conv", {"x", "w"}, {"c"});
  AttrInt(b.Node("Softmax", {"c"}, {"y"}), "axis", 1);
  auto m = Import(b);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(OpTypes(m->graph), (std::vector<OpType>{OpType::kTranspose, OpType::kConv2D, OpType::kSoftmax,
                                                      OpType::kTranspose}));
  auto got = RunGraph(m->graph, {Random(48, 3)});
  ASSERT_TRUE(got.ok()) << got.status();
  for (int p = 0; p < 16; ++p) {  // NCHW output: each pixel's 5 channels sum to 1
    double s = 0;
    for (int c = 0; c < 5; ++c) s += (*got)[0][c * 16 + p];
    EXPECT_NEAR(s, 1.0, 1e-5);
  }
}

TEST(OnnxImporter, ConstantNodesFeedShapesAndOperands) {
  // Constant -> Reshape's shape; Constant (value_floats) -> Mul operand; ReduceMean over axis 1.
  ModelBuilder b;
  b.Input("x", {2, 6}).Output("y");
  auto* shape = b.Node("Constant", {}, {"shape"});
  {
    auto* a = shape->add_attribute();
    a->set_name("value");
    a->set_type(onnx::AttributeProto::TENSOR);
    a->mutable_t()->set_data_type(onnx::TensorProto::INT64);
    a->mutable_t()->add_dims(3);
    for (int64_t v : {2, 3, 2}) a->mutable_t()->add_int64_data(v);
  }
  b.Node("Reshape", {"x", "shape"}, {"r"});
  auto* k = b.Node("Constant", {}, {"k"});
  {
    auto* a = k->add_attribute();
    a->set_name("value_floats");
    a->set_type(onnx::AttributeProto::FLOATS);
    for (float v : {1.f, -2.f}) a->add_floats(v);
  }
  b.Node("Mul", {"k", "r"}, {"m"});
  auto* mean = b.Node("ReduceMean", {"m"}, {"y"});
  AttrInts(mean, "axes", {1});
  AttrInt(mean, "keepdims", 0);
  auto m = Import(b);
  ASSERT_TRUE(m.ok()) << m.status();
  std::vector<float> x = Random(12, 3);
  auto got = RunGraph(m->graph, {x});
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(m->graph.tensors[m->graph.outputs[0]].shape, (Shape{2, 2}));
  for (int n = 0; n < 2; ++n)
    for (int j = 0; j < 2; ++j) {
      double s = 0;
      for (int i = 0; i < 3; ++i) s += x[n * 6 + i * 2 + j] * (j == 0 ? 1.0 : -2.0);
      EXPECT_NEAR((*got)[0][n * 2 + j], s / 3, 1e-5);
    }
}

TEST(OnnxImporter, MatMulPlusBiasBecomesOneFullyConnected) {
  ModelBuilder b;
  b.Input("x", {3, 5}).Output("y");
  b.Initializer("w", {5, 4}, Random(20, 1)).Initializer("b", {4}, Random(4, 2));
  b.Node("MatMul", {"x", "w"}, {"xw"});
  b.Node("Add", {"xw", "b"}, {"y"});
  auto m = Import(b);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(OpTypes(m->graph), (std::vector<OpType>{OpType::kFullyConnected}));
  EXPECT_EQ(m->graph.nodes[0].inputs.size(), 3u);  // the bias folded in
  std::vector<float> x = Random(15, 3);
  auto got = RunGraph(m->graph, {x});
  ASSERT_TRUE(got.ok()) << got.status();
  const auto& w = b.proto().graph().initializer(0).float_data();
  const auto& bias = b.proto().graph().initializer(1).float_data();
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) {
      double a = bias[c];
      for (int k = 0; k < 5; ++k) a += x[r * 5 + k] * w[k * 4 + c];
      EXPECT_NEAR((*got)[0][r * 4 + c], a, 1e-5);
    }
}

TEST(OnnxImporter, ErrorsNameTheNodeAndTheOp) {
  {
    ModelBuilder b;
    b.Input("x", {1, 4}).Output("y");
    b.Node("LSTM", {"x"}, {"y"}, "my_lstm");
    auto m = Import(b);
    ASSERT_FALSE(m.ok());
    EXPECT_TRUE(absl::IsUnimplemented(m.status()));
    EXPECT_NE(m.status().message().find("'my_lstm' (LSTM)"), std::string::npos) << m.status();
    EXPECT_NE(m.status().message().find("op LSTM is not supported"), std::string::npos) << m.status();
  }
  {
    ModelBuilder b;
    b.Input("x", {1, 4, 5, 5}).Output("y");
    b.Initializer("w", {4, 2, 3, 3}, Random(72, 1));
    AttrInt(b.Node("Conv", {"x", "w"}, {"y"}, "grouped"), "group", 2);
    auto m = Import(b);
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.status().message().find("'grouped' (Conv)"), std::string::npos) << m.status();
    EXPECT_NE(m.status().message().find("group 2"), std::string::npos) << m.status();
  }
  {
    ModelBuilder b;
    b.Input("x", {1, 4, 5, 5}).Input("w", {4, 4, 3, 3}).Output("y");
    b.Node("Conv", {"x", "w"}, {"y"}, "dyn_weights");
    auto m = Import(b);
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.status().message().find("'dyn_weights' (Conv): weights W (input 1 'w') must be a constant"),
              std::string::npos) << m.status();
  }
  {
    ModelBuilder b;
    b.Input("x", {1, 4, 5, 5}).Output("y");
    b.Initializer("w", {4, 4, 3, 3}, Random(144, 1));
    AttrString(b.Node("Conv", {"x", "w"}, {"y"}, "odd_pad"), "auto_pad", "SAME_MIDDLE");
    auto m = Import(b);
    ASSERT_FALSE(m.ok());
    EXPECT_TRUE(absl::IsUnimplemented(m.status()));
    EXPECT_NE(m.status().message().find("'odd_pad' (Conv): auto_pad 'SAME_MIDDLE'"), std::string::npos) << m.status();
  }
}

TEST(OnnxImporter, MissingAndNonOnnxFilesAreClearErrors) {
  auto missing = onnx_import::ImportOnnxFile("/nonexistent/model.onnx");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
  const fs::path dir = fs::temp_directory_path() / ("scalert_onnx_importer_test." + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path junk = dir / "junk.onnx";
  std::ofstream(junk) << "this is not a protobuf, just some text\n";
  auto bad = onnx_import::ImportOnnxFile(junk.string());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("is not an ONNX model"), std::string::npos) << bad.status();
  fs::remove_all(dir);
}

TEST(OnnxImporter, ReadsExternalDataNextToTheModelAndRefusesPathsOutsideIt) {
  const fs::path dir = fs::temp_directory_path() / ("scalert_onnx_external." + std::to_string(getpid()));
  fs::create_directories(dir);
  std::vector<float> w = Random(12, 4);
  std::vector<float> padded(3, 0.f);  // offset 12 bytes into the file
  padded.insert(padded.end(), w.begin(), w.end());
  std::ofstream(dir / "weights.bin", std::ios::binary)
      .write(reinterpret_cast<const char*>(padded.data()), static_cast<std::streamsize>(padded.size() * 4));
  auto make = [&](const std::string& location) {
    ModelBuilder b;
    b.Input("x", {2, 4}).Output("y");
    auto* t = b.proto().mutable_graph()->add_initializer();
    t->set_name("w");
    t->set_data_type(onnx::TensorProto::FLOAT);
    t->add_dims(4);
    t->add_dims(3);
    t->set_data_location(onnx::TensorProto::EXTERNAL);
    auto add = [&](const char* k, const std::string& v) {
      auto* e = t->add_external_data();
      e->set_key(k);
      e->set_value(v);
    };
    add("location", location);
    add("offset", "12");
    add("length", "48");
    b.Node("MatMul", {"x", "w"}, {"y"});
    std::ofstream f(dir / "model.onnx", std::ios::binary);
    b.proto().SerializeToOstream(&f);
  };
  make("weights.bin");
  auto m = onnx_import::ImportOnnxFile((dir / "model.onnx").string());
  ASSERT_TRUE(m.ok()) << m.status();
  std::vector<float> x = Random(8, 9);
  auto got = RunGraph(m->graph, {x});
  ASSERT_TRUE(got.ok()) << got.status();
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) {
      double a = 0;
      for (int k = 0; k < 4; ++k) a += x[r * 4 + k] * w[k * 3 + c];
      EXPECT_NEAR((*got)[0][r * 3 + c], a, 1e-5);
    }
  make("../escape.bin");
  auto bad = onnx_import::ImportOnnxFile((dir / "model.onnx").string());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("inside the model's directory"), std::string::npos) << bad.status();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace scalert::onnx_test
