// Whole-model parity with PyTorch: torchvision EfficientNet-B0, MobileNetV2 and MobileNetV3-Large
// with random weights and re-estimated batch-norm statistics, exported to ONNX by
// make_torchvision_models.py, imported here and run on every backend compiled in. Logits must match
// PyTorch's within 1e-4 relative (max|a-b| / max|b|) for two inputs whose logits differ by far more
// than that; a wrong input and a perturbed weight must fail the same comparison.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "runtime/backend.h"
#include "tests/onnx/onnx_test_util.h"
#include "tests/testing/test_models.h"
#include "tools/npy.h"
#include "tools/onnx/onnx_importer.h"

namespace scalert::onnx_test {
namespace {

namespace fs = std::filesystem;
constexpr double kTolerance = 1e-4;
// The two inputs' logits must differ by at least this (relative): 100x the tolerance.
constexpr double kMinInputSpread = 100 * kTolerance;

std::string ReadText(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Integer field "key": N from the generator's small JSON file.
int64_t JsonInt(const std::string& json, const std::string& key) {
  const size_t k = json.find("\"" + key + "\":");
  if (k == std::string::npos) return -1;
  return std::strtoll(json.c_str() + k + key.size() + 3, nullptr, 10);
}

class OnnxTorchvisionParity : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (std::string(SCALERT_DEBIAN_PYTHON).empty())
      GTEST_SKIP() << "no /usr/bin/python3 at configure time: torchvision models cannot be exported";
    const fs::path dir = SCALERT_TORCHVISION_DIR;
    if (fs::exists(dir / "UNAVAILABLE")) GTEST_SKIP() << ReadText(dir / "UNAVAILABLE");
    base_ = dir / GetParam();
    ASSERT_TRUE(fs::exists(base_.string() + ".onnx"))
        << base_ << ".onnx is missing: run the onnx_torchvision_export test (ctest fixture) first";
  }
  std::vector<float> Npy(const std::string& suffix) {
    auto a = tools::ReadNpy(base_.string() + suffix);
    EXPECT_TRUE(a.ok()) << a.status();
    return a.ok() ? a->data : std::vector<float>{};
  }
  fs::path base_;
};

TEST_P(OnnxTorchvisionParity, LogitsMatchPyTorchOnEveryBackend) {
  auto m = onnx_import::ImportOnnxFile(base_.string() + ".onnx");
  ASSERT_TRUE(m.ok()) << m.status();
  const Graph& g = m->graph;
  const std::string meta = ReadText(base_.string() + ".json");
  EXPECT_EQ(g.metadata.params_trained, JsonInt(meta, "params")) << "params as torchvision counts them";
  EXPECT_EQ(g.tensors[g.inputs[0]].shape, (Shape{1, 3, SCALERT_TORCHVISION_SIZE, SCALERT_TORCHVISION_SIZE}));

  const std::vector<float> x[2] = {Npy(".x0.npy"), Npy(".x1.npy")};
  const std::vector<float> y[2] = {Npy(".y0.npy"), Npy(".y1.npy")};
  // First: the reference logits depend on the input, so a 1e-4 comparison means something.
  const double spread = testing::RelativeError(y[0], y[1]);
  ASSERT_GT(spread, kMinInputSpread) << "PyTorch's logits barely depend on the input; the comparison would prove nothing";

  for (const std::string& backend : AvailableBackends()) {
    for (int i = 0; i < 2; ++i) {
      auto got = RunGraph(g, {x[i]}, backend);
      ASSERT_TRUE(got.ok()) << backend << ": " << got.status();
      const double err = testing::RelativeError((*got)[0], y[i]);
      std::printf("%s on %s, input %d: relative error %.3g (input spread %.3g)\n", GetParam().c_str(),
                  backend.c_str(), i, err, spread);
      EXPECT_LE(err, kTolerance) << GetParam() << " on " << backend << ", input " << i;
    }
  }
}

TEST_P(OnnxTorchvisionParity, ComparisonFailsForAWrongInputOrAPerturbedWeight) {
  auto m = onnx_import::ImportOnnxFile(base_.string() + ".onnx");
  ASSERT_TRUE(m.ok()) << m.status();
  const std::vector<float> x0 = Npy(".x0.npy"), x1 = Npy(".x1.npy"), y0 = Npy(".y0.npy");

  // The other input's logits are not these.
  auto wrong = RunGraph(m->graph, {x1});
  ASSERT_TRUE(wrong.ok()) << wrong.status();
  EXPECT_GT(testing::RelativeError((*wrong)[0], y0), kTolerance);

  // The weights of one convolution in the middle of the network, scaled by 1.05: detected.
  Graph& g = m->graph;
  std::vector<int32_t> convs;
  for (size_t n = 0; n < g.nodes.size(); ++n)
    if (g.nodes[n].type == OpType::kConv2D) convs.push_back(static_cast<int32_t>(n));
  ASSERT_FALSE(convs.empty());
  Tensor& w = g.tensors[g.nodes[convs[convs.size() / 2]].inputs[1]];
  std::vector<float> values(w.as<float>(), w.as<float>() + w.num_elements());
  for (float& v : values) v *= 1.05f;
  auto owned = std::make_shared<std::vector<uint8_t>>(values.size() * sizeof(float));
  std::memcpy(owned->data(), values.data(), owned->size());
  w.data = owned->data();
  w.owned = owned;
  auto perturbed = RunGraph(g, {x0});
  ASSERT_TRUE(perturbed.ok()) << perturbed.status();
  const double err = testing::RelativeError((*perturbed)[0], y0);
  std::printf("%s: wrong input error %.3g, perturbed weight error %.3g\n", GetParam().c_str(),
              testing::RelativeError((*wrong)[0], y0), err);
  EXPECT_GT(err, kTolerance);
}

INSTANTIATE_TEST_SUITE_P(Models, OnnxTorchvisionParity,
                         ::testing::Values("efficientnet_b0", "mobilenet_v2", "mobilenet_v3_large"),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

}  // namespace
}  // namespace scalert::onnx_test
