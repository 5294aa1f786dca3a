// EfficientNet-B3 as a backbone against PyTorch: torchvision's create_feature_extractor on the
// ends of stages 3, 5 and 7 (random weights, re-estimated batch-norm statistics), exported to ONNX
// by make_torchvision_backbone.py. Checks, on every backend the acceptance names (reference and
// native; XNNPACK too when built):
//  - `scalert import` keeps all three graph outputs, and they match PyTorch's feature maps;
//  - `scalert scale --preset b3 --outputs C3,C4,C5` builds the same network: the same output
//    shapes (NHWC for torchvision's NCHW), params and op sequence; with the weights PyTorch
//    exported (taken from the import, op by op) it gives PyTorch's feature maps within 1e-4
//    relative (max|a-b| / max|b| per output).
// First, PyTorch's features for the two inputs must differ by far more than the tolerance.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "runtime/backend.h"
#include "tests/onnx/onnx_test_util.h"
#include "tools/npy.h"
#include "tools/onnx/onnx_importer.h"
#include "tools/scale/scaler.h"

namespace scalert::onnx_test {
namespace {

namespace fs = std::filesystem;
constexpr double kTolerance = 1e-4;
constexpr double kMinInputSpread = 100 * kTolerance;
const char* const kOutputs[] = {"C3", "C4", "C5"};
constexpr char kName[] = "efficientnet_b3_backbone";

// max|a-b| / max|b|; infinite when the sizes differ or any value is NaN or infinite.
double FeatureError(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size() || a.empty()) return INFINITY;
  double diff = 0, ref = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i])) return INFINITY;
    diff = std::max(diff, std::abs(static_cast<double>(a[i]) - b[i]));
    ref = std::max(ref, std::abs(static_cast<double>(b[i])));
  }
  return ref > 0 ? diff / ref : diff;
}

// [1, H, W, C] <-> [1, C, H, W].
std::vector<float> NhwcToNchw(const std::vector<float>& x, int64_t h, int64_t w, int64_t c) {
  std::vector<float> y(x.size());
  for (int64_t i = 0; i < h * w; ++i)
    for (int64_t k = 0; k < c; ++k) y[static_cast<size_t>(k * h * w + i)] = x[static_cast<size_t>(i * c + k)];
  return y;
}
std::vector<float> NchwToNhwc(const std::vector<float>& x, int64_t h, int64_t w, int64_t c) {
  std::vector<float> y(x.size());
  for (int64_t i = 0; i < h * w; ++i)
    for (int64_t k = 0; k < c; ++k) y[static_cast<size_t>(i * c + k)] = x[static_cast<size_t>(k * h * w + i)];
  return y;
}

class BackboneParity : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(SCALERT_DEBIAN_PYTHON).empty())
      GTEST_SKIP() << "no /usr/bin/python3 at configure time: the torchvision backbone cannot be exported";
    const fs::path dir = SCALERT_BACKBONE_DIR;
    if (fs::exists(dir / "UNAVAILABLE")) {
      std::ifstream f(dir / "UNAVAILABLE");
      std::stringstream s;
      s << f.rdbuf();
      GTEST_SKIP() << s.str();
    }
    base_ = (dir / kName).string();
    ASSERT_TRUE(fs::exists(base_ + ".onnx")) << base_ << ".onnx is missing: run the onnx_backbone_export test first";
    for (int i = 0; i < 2; ++i) {
      auto x = tools::ReadNpy(base_ + ".x" + std::to_string(i) + ".npy");
      ASSERT_TRUE(x.ok()) << x.status();
      x_[i] = x->data;
      input_shape_ = x->shape;
      for (int o = 0; o < 3; ++o) {
        auto y = tools::ReadNpy(base_ + "." + kOutputs[o] + ".y" + std::to_string(i) + ".npy");
        ASSERT_TRUE(y.ok()) << y.status();
        y_[i][o] = y->data;
        y_shape_[o] = y->shape;
      }
    }
    for (int o = 0; o < 3; ++o) {
      const double spread = FeatureError(y_[1][o], y_[0][o]);
      ASSERT_GT(spread, kMinInputSpread) << kOutputs[o] << ": PyTorch's features barely depend on the input";
      std::printf("%s: PyTorch's features for the two inputs differ by %.3g (relative)\n", kOutputs[o], spread);
    }
  }
  std::string base_;
  std::vector<float> x_[2];
  std::vector<float> y_[2][3];
  Shape input_shape_, y_shape_[3];
};

TEST_F(BackboneParity, ImportKeepsEveryOutputAndMatchesPyTorch) {
  auto m = onnx_import::ImportOnnxFile(base_ + ".onnx");
  ASSERT_TRUE(m.ok()) << m.status();
  const Graph& g = m->graph;
  ASSERT_EQ(g.outputs.size(), 3u);
  for (int o = 0; o < 3; ++o) {
    EXPECT_EQ(g.tensors[g.outputs[o]].name, kOutputs[o]);
    EXPECT_EQ(g.tensors[g.outputs[o]].shape, y_shape_[o]) << kOutputs[o];
  }
  for (const std::string& backend : AvailableBackends()) {
    for (int i = 0; i < 2; ++i) {
      auto got = RunGraph(g, {x_[i]}, backend);
      ASSERT_TRUE(got.ok()) << backend << ": " << got.status();
      ASSERT_EQ(got->size(), 3u);
      for (int o = 0; o < 3; ++o) {
        const double err = FeatureError((*got)[o], y_[i][o]);
        std::printf("import, %s, input %d, %s: relative error %.3g\n", backend.c_str(), i, kOutputs[o], err);
        EXPECT_LE(err, kTolerance) << kOutputs[o] << " on " << backend << ", input " << i;
      }
    }
  }
}

TEST_F(BackboneParity, ScaledB3BackboneWithPyTorchsWeightsGivesPyTorchsFeatures) {
  const int32_t size = static_cast<int32_t>(input_shape_[2]);
  scale::ScaleRequest r;
  r.preset = "b3";
  r.outputs = "C3,C4,C5";
  r.resolution = std::make_pair(size, size);
  auto spec = scale::ResolveScaleRequest(r);
  ASSERT_TRUE(spec.ok()) << spec.status();
  scale::BuildOptions no_weights;
  no_weights.weights = no_weights.allocate = false;
  auto scaled = scale::BuildScaledModel(*spec, no_weights);
  ASSERT_TRUE(scaled.ok()) << scaled.status();
  Graph& g = scaled->graph;

  // The shapes of torchvision's feature maps, NHWC.
  ASSERT_EQ(g.outputs.size(), 3u);
  for (int o = 0; o < 3; ++o) {
    const Shape& t = y_shape_[o];
    EXPECT_EQ(g.tensors[g.outputs[o]].name, kOutputs[o]);
    EXPECT_EQ(g.tensors[g.outputs[o]].shape, (Shape{1, t[2], t[3], t[1]})) << kOutputs[o];
  }

  // The weights PyTorch exported, op by op from the import (batch norm folded there); the ops
  // must line up one to one (the import's layout Transposes aside).
  auto imported = onnx_import::ImportOnnxFile(base_ + ".onnx");
  ASSERT_TRUE(imported.ok()) << imported.status();
  const Graph& gi = imported->graph;
  EXPECT_EQ(scaled->params_trained, gi.metadata.params_trained) << "params as torchvision counts them";
  std::vector<const Node*> ops;
  for (const Node& n : gi.nodes)
    if (n.type != OpType::kTranspose) ops.push_back(&n);
  ASSERT_EQ(ops.size(), g.nodes.size()) << "the scaled backbone and torchvision's have different op counts";
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& n = g.nodes[k];
    const Node& src = *ops[k];
    ASSERT_EQ(n.type, src.type) << "op " << k << " " << n.name;
    ASSERT_EQ(n.activation, src.activation) << "op " << k << " " << n.name;
    ASSERT_EQ(n.inputs.size(), src.inputs.size()) << "op " << k << " " << n.name;
    for (size_t j = 0; j < n.inputs.size(); ++j) {
      if (n.inputs[j] < 0 || !g.tensors[n.inputs[j]].is_constant()) continue;
      Tensor& dst = g.tensors[n.inputs[j]];
      const Tensor& from = gi.tensors[src.inputs[j]];
      ASSERT_TRUE(from.is_constant()) << "op " << k << " " << n.name << " input " << j;
      ASSERT_EQ(dst.shape, from.shape) << "op " << k << " " << n.name << " input " << j;
      auto bytes = std::make_shared<std::vector<uint8_t>>(from.data_bytes);
      std::memcpy(bytes->data(), from.data, from.data_bytes);
      dst.data = bytes->data();
      dst.data_bytes = bytes->size();
      dst.owned = bytes;
    }
  }

  const int64_t h = input_shape_[2], w = input_shape_[3], c = input_shape_[1];
  for (const std::string& backend : AvailableBackends()) {
    for (int i = 0; i < 2; ++i) {
      auto got = RunGraph(g, {NchwToNhwc(x_[i], h, w, c)}, backend);
      ASSERT_TRUE(got.ok()) << backend << ": " << got.status();
      ASSERT_EQ(got->size(), 3u);
      for (int o = 0; o < 3; ++o) {
        const Shape& t = y_shape_[o];
        const double err = FeatureError(NhwcToNchw((*got)[o], t[2], t[3], t[1]), y_[i][o]);
        std::printf("scaled b3, %s, input %d, %s: relative error %.3g\n", backend.c_str(), i, kOutputs[o], err);
        EXPECT_LE(err, kTolerance) << kOutputs[o] << " on " << backend << ", input " << i;
      }
    }
  }
  // The comparison can fail: the other input's features are not these.
  auto wrong = RunGraph(g, {NchwToNhwc(x_[1], h, w, c)}, "reference");
  ASSERT_TRUE(wrong.ok()) << wrong.status();
  const Shape& t = y_shape_[0];
  EXPECT_GT(FeatureError(NhwcToNchw((*wrong)[0], t[2], t[3], t[1]), y_[0][0]), kTolerance);
}

}  // namespace
}  // namespace scalert::onnx_test
