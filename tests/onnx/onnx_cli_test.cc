// `scalert import` from the command line: success writes a loadable model whose `scalert run`
// output matches the library's; any failure exits non-zero and leaves no output file.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/model.h"
#include "tests/onnx/onnx_test_util.h"

namespace scalert::onnx_test {
namespace {

namespace fs = std::filesystem;

int RunCommand(const std::string& cmd, std::string* out) {
  out->clear();
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  const int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class OnnxImportCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("scalert_onnx_cli_test." + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  std::string Write(ModelBuilder& b, const std::string& name) {
    const fs::path p = dir_ / name;
    std::ofstream f(p, std::ios::binary);
    b.proto().SerializeToOstream(&f);
    return p.string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  const std::string bin_ = SCALERT_BIN;
};

TEST_F(OnnxImportCli, ImportsAModelThatLoadsWithOnnxMetadata) {
  ModelBuilder b;
  b.Input("image", {-1, 3, 8, 8}).Output("logits");
  b.Initializer("w", {4, 3, 3, 3}, Random(108, 1));
  AttrInts(b.Node("Conv", {"image", "w"}, {"c"}, "stem"), "pads", {1, 1, 1, 1});
  b.Node("Relu", {"c"}, {"r"});
  b.Node("GlobalAveragePool", {"r"}, {"p"});
  b.Node("Flatten", {"p"}, {"logits"});
  const std::string onnx = Write(b, "net.onnx"), srm = (dir_ / "net.srm").string();
  std::string out;
  ASSERT_EQ(RunCommand(absl::StrCat(bin_, " import ", onnx, " -o ", srm, " --batch 2"), &out), 0) << out;
  auto m = Model::Load(srm);
  ASSERT_TRUE(m.ok()) << m.status();
  const Graph& g = (*m)->graph();
  EXPECT_EQ(g.metadata.source, "onnx:net.onnx");
  EXPECT_EQ(g.metadata.input_layout, "NCHW");
  EXPECT_EQ(g.metadata.producer, "scalert import");
  EXPECT_EQ(g.tensors[g.inputs[0]].shape, (Shape{2, 3, 8, 8}));
  EXPECT_EQ(g.tensors[g.outputs[0]].shape, (Shape{2, 4}));
  ASSERT_EQ(RunCommand(absl::StrCat(bin_, " run ", srm, " --seed 3"), &out), 0) << out;
}

TEST_F(OnnxImportCli, FailuresExitNonZeroAndWriteNothing) {
  ModelBuilder b;
  b.Input("x", {1, 3, 8, 8}).Output("y");
  b.Node("MaxPool", {"x"}, {"y"}, "pool1");
  const std::string onnx = Write(b, "maxpool.onnx");
  const fs::path srm = dir_ / "out.srm";
  std::string out;
  EXPECT_EQ(RunCommand(absl::StrCat(bin_, " import ", onnx, " -o ", srm.string()), &out), 1);
  EXPECT_NE(out.find("'pool1' (MaxPool): op MaxPool is not supported"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(srm));

  EXPECT_NE(RunCommand(absl::StrCat(bin_, " import ", (dir_ / "missing.onnx").string(), " -o ", srm.string()), &out), 0);
  EXPECT_NE(out.find("cannot open"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(srm));

  std::ofstream(dir_ / "text.onnx") << "hello, not a model";
  EXPECT_NE(RunCommand(absl::StrCat(bin_, " import ", (dir_ / "text.onnx").string(), " -o ", srm.string()), &out), 0);
  EXPECT_NE(out.find("not an ONNX model"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(srm));

  EXPECT_EQ(RunCommand(absl::StrCat(bin_, " import ", onnx), &out), 2) << "no -o: usage error";
  EXPECT_EQ(RunCommand(absl::StrCat(bin_, " import ", onnx, " -o ", srm.string(), " --input-shape 12"), &out), 2);
  EXPECT_FALSE(fs::exists(srm));
  // Nothing else left behind either (e.g. a temporary file from the atomic write).
  for (const auto& e : fs::directory_iterator(dir_))
    EXPECT_EQ(e.path().extension(), ".onnx") << "stray file " << e.path();
}

}  // namespace
}  // namespace scalert::onnx_test
