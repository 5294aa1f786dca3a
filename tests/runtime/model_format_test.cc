// Schema round trip: a graph written and read back is the same graph, constants aligned.
#include <cstring>

#include "gtest/gtest.h"
#include "runtime/model.h"
#include "runtime/model_format.h"
#include "tests/testing/test_models.h"

namespace scalert {
namespace {

TEST(ModelFormat, RoundTripKeepsEveryField) {
  Graph g = testing::MakeMbconvTestGraph(17, 12, 3);
  g.metadata.phi = 1.5f;
  g.metadata.alpha = 1.2f;
  g.metadata.labels = {"cat", "dog"};
  g.metadata.mean = {0.5f, 0.4f, 0.3f};
  g.metadata.std = {0.2f, 0.2f, 0.2f};
  g.metadata.params_trained = 12345;
  // Quantization parameters and an i8 constant survive too.
  int32_t q = g.AddConstant("q", {2, 3}, DType::kI8, {1, 2, 3, 4, 5, 6});
  g.tensors[q].quant.scale = {0.5f, 0.25f};
  g.tensors[q].quant.zero_point = {0, 1};
  g.tensors[q].quant.axis = 0;

  auto bytes = SerializeGraph(g);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  auto model = Model::LoadFromMemory(bytes->data(), bytes->size());
  ASSERT_TRUE(model.ok()) << model.status();
  const Graph& r = (*model)->graph();

  ASSERT_EQ(r.tensors.size(), g.tensors.size());
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    const Tensor& a = g.tensors[i];
    const Tensor& b = r.tensors[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.shape, b.shape);
    EXPECT_EQ(a.dtype, b.dtype);
    EXPECT_EQ(a.is_constant(), b.is_constant());
    EXPECT_EQ(a.quant.scale, b.quant.scale);
    EXPECT_EQ(a.quant.zero_point, b.quant.zero_point);
    EXPECT_EQ(a.quant.axis, b.quant.axis);
    if (a.is_constant()) {
      ASSERT_EQ(a.data_bytes, b.data_bytes);
      EXPECT_EQ(0, std::memcmp(a.data, b.data, a.data_bytes)) << a.name;
      EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data) % 64, 0u) << "constant " << a.name << " not 64-byte aligned";
    }
  }
  ASSERT_EQ(r.nodes.size(), g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& a = g.nodes[i];
    const Node& b = r.nodes[i];
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.inputs, b.inputs);
    EXPECT_EQ(a.outputs, b.outputs);
    EXPECT_EQ(a.activation, b.activation);
    EXPECT_EQ(a.conv.stride_h, b.conv.stride_h);
    EXPECT_EQ(a.conv.pad_top, b.conv.pad_top);
    EXPECT_EQ(a.conv.pad_bottom, b.conv.pad_bottom);
    EXPECT_EQ(a.conv.pad_right, b.conv.pad_right);
  }
  EXPECT_EQ(r.inputs, g.inputs);
  EXPECT_EQ(r.outputs, g.outputs);
  EXPECT_EQ(r.metadata.family, "test");
  EXPECT_EQ(r.metadata.labels, g.metadata.labels);
  EXPECT_EQ(r.metadata.mean, g.metadata.mean);
  EXPECT_EQ(r.metadata.params_trained, 12345);
  EXPECT_FLOAT_EQ(r.metadata.phi, 1.5f);
  EXPECT_EQ(r.metadata.input_h, 17);
  EXPECT_EQ(r.metadata.input_w, 12);
}

TEST(ModelFormat, EveryOptionTypeRoundTrips) {
  Graph g;
  int32_t x = g.AddTensor("x", {1, 2, 3, 4});
  g.inputs = {x};
  auto add = [&](OpType t, int32_t in, Shape out_shape, auto setup) {
    Node n;
    n.type = t;
    n.inputs = {in};
    n.outputs = {g.AddTensor("y" + std::to_string(g.nodes.size()), out_shape)};
    setup(n);
    g.nodes.push_back(n);
    return n.outputs[0];
  };
  int32_t y = add(OpType::kClamp, x, {1, 2, 3, 4}, [](Node& n) { n.min = -1.5f; n.max = 2.5f; });
  y = add(OpType::kHardSigmoid, y, {1, 2, 3, 4}, [](Node& n) { n.alpha = 0.25f; n.beta = 0.125f; });
  y = add(OpType::kTranspose, y, {1, 4, 2, 3}, [](Node& n) { n.ints = {0, 3, 1, 2}; });
  y = add(OpType::kReshape, y, {4, 6}, [](Node& n) { n.ints = {4, 6}; });
  y = add(OpType::kSoftmax, y, {4, 6}, [](Node& n) { n.softmax_beta = 2.f; });
  g.outputs = {y};
  auto bytes = SerializeGraph(g);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  auto m = Model::LoadFromMemory(bytes->data(), bytes->size());
  ASSERT_TRUE(m.ok()) << m.status();
  const Graph& r = (*m)->graph();
  EXPECT_FLOAT_EQ(r.nodes[0].min, -1.5f);
  EXPECT_FLOAT_EQ(r.nodes[0].max, 2.5f);
  EXPECT_FLOAT_EQ(r.nodes[1].alpha, 0.25f);
  EXPECT_FLOAT_EQ(r.nodes[1].beta, 0.125f);
  EXPECT_EQ(r.nodes[2].ints, (std::vector<int32_t>{0, 3, 1, 2}));
  EXPECT_EQ(r.nodes[3].ints, (std::vector<int32_t>{4, 6}));
  EXPECT_FLOAT_EQ(r.nodes[4].softmax_beta, 2.f);
}

TEST(ModelFormat, FileLoadMapsAndFailsCleanlyOnMissingFile) {
  Graph g = testing::MakeMbconvTestGraph();
  std::string path = ::testing::TempDir() + "/roundtrip.srm";
  ASSERT_TRUE(WriteModelFile(g, path).ok());
  auto m = Model::Load(path);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)->graph().nodes.size(), g.nodes.size());
  auto missing = Model::Load(path + ".does-not-exist");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("does-not-exist"), std::string::npos);
}

TEST(ModelFormat, InvalidGraphIsNotWritten) {
  Graph g = testing::MakeMbconvTestGraph();
  g.nodes[0].conv.stride_h = 0;
  std::string path = ::testing::TempDir() + "/invalid.srm";
  std::remove(path.c_str());
  absl::Status s = WriteModelFile(g, path);
  EXPECT_FALSE(s.ok());
  FILE* f = std::fopen(path.c_str(), "rb");
  EXPECT_EQ(f, nullptr) << "a failed write left a file behind";
  if (f) std::fclose(f);
}

}  // namespace
}  // namespace scalert
