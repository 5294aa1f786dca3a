// Importing a torchvision network and building the same architecture with `scalert scale` give
// the same op graph (op types, fused activations, kernel shapes, strides, output shapes; names
// and the importer's leading NCHW->NHWC Transpose aside) and the same parameter and MAC counts.
// Uses the `scalert` binary end to end: import, scale, inspect --json.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/model.h"

namespace scalert::onnx_test {
namespace {

namespace fs = std::filesystem;

struct Family {
  std::string onnx_name;
  std::string scale_args;
};

// Runs a shell command; returns its exit status and fills `out` with stdout and stderr.
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

int64_t JsonInt(const std::string& json, const std::string& key) {
  const size_t k = json.find("\"" + key + "\": ");
  if (k == std::string::npos) return -1;
  return std::strtoll(json.c_str() + k + key.size() + 4, nullptr, 10);
}

// One line per op with everything the comparison looks at.
std::string Describe(const Graph& g, const Node& n) {
  std::string s = absl::StrCat(OpTypeName(n.type), " act=", ActivationName(n.activation));
  if (n.inputs.size() > 1 && n.inputs[1] >= 0 && g.tensors[n.inputs[1]].is_constant())
    absl::StrAppend(&s, " w=", ShapeToString(g.tensors[n.inputs[1]].shape));
  if (n.type == OpType::kConv2D || n.type == OpType::kDepthwiseConv2D)
    absl::StrAppend(&s, " stride=", n.conv.stride_h, "x", n.conv.stride_w, " dm=", n.conv.depth_multiplier);
  absl::StrAppend(&s, " out=", ShapeToString(g.tensors[n.outputs[0]].shape));
  return s;
}

void PrintTo(const Family& f, std::ostream* os) { *os << f.onnx_name << " vs scale " << f.scale_args; }

class OnnxImportVsScale : public ::testing::TestWithParam<Family> {};

TEST_P(OnnxImportVsScale, SameOpGraphAndCounts) {
  if (std::string(SCALERT_DEBIAN_PYTHON).empty()) GTEST_SKIP() << "no /usr/bin/python3: no torchvision export";
  const fs::path tv = SCALERT_TORCHVISION_DIR;
  if (fs::exists(tv / "UNAVAILABLE")) {
    std::ifstream f(tv / "UNAVAILABLE");
    std::stringstream s;
    s << f.rdbuf();
    GTEST_SKIP() << s.str();
  }
  const Family& fam = GetParam();
  const fs::path onnx = tv / (fam.onnx_name + ".onnx");
  ASSERT_TRUE(fs::exists(onnx)) << onnx << " is missing: run the onnx_torchvision_export test first";
  const fs::path dir = tv.parent_path() / "import_vs_scale" / fam.onnx_name;  // in the build tree
  fs::create_directories(dir);
  const std::string bin = SCALERT_BIN;
  const std::string imported = (dir / "imported.srm").string(), scaled = (dir / "scaled.srm").string();
  std::string out;
  ASSERT_EQ(RunCommand(absl::StrCat(bin, " import ", onnx.string(), " -o ", imported), &out), 0) << out;
  ASSERT_EQ(RunCommand(absl::StrCat(bin, " scale ", fam.scale_args, " --resolution ", SCALERT_TORCHVISION_SIZE,
                                    " -o ", scaled), &out), 0)
      << "scalert scale failed (is the scaler built?): " << out;

  std::string ji, js;
  ASSERT_EQ(RunCommand(absl::StrCat(bin, " inspect --json ", imported), &ji), 0) << ji;
  ASSERT_EQ(RunCommand(absl::StrCat(bin, " inspect --json ", scaled), &js), 0) << js;
  for (const char* key : {"params_trained", "params_stored", "macs"})
    EXPECT_EQ(JsonInt(ji, key), JsonInt(js, key)) << key << "\nimported: " << ji << "\nscaled:   " << js;
  EXPECT_EQ(JsonInt(ji, "num_ops"), JsonInt(js, "num_ops") + 1) << "the import adds only the leading Transpose";

  auto a = Model::Load(imported);
  auto b = Model::Load(scaled);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  const Graph& gi = (*a)->graph();
  const Graph& gs = (*b)->graph();
  ASSERT_FALSE(gi.nodes.empty());
  ASSERT_EQ(gi.nodes[0].type, OpType::kTranspose);
  std::string diffs;
  int shown = 0;
  const size_t n = std::max(gi.nodes.size() - 1, gs.nodes.size());
  for (size_t k = 0; k < n && shown < 8; ++k) {
    const std::string di = k + 1 < gi.nodes.size() ? Describe(gi, gi.nodes[k + 1]) : "(none)";
    const std::string ds = k < gs.nodes.size() ? Describe(gs, gs.nodes[k]) : "(none)";
    if (di != ds) {
      absl::StrAppend(&diffs, "  op ", k, ": imported ", di, "\n        scaled   ", ds, "\n");
      ++shown;
    }
  }
  EXPECT_TRUE(diffs.empty()) << fam.onnx_name << ": op graphs differ (first differences):\n" << diffs;
}

INSTANTIATE_TEST_SUITE_P(Families, OnnxImportVsScale,
                         ::testing::Values(Family{"efficientnet_b0", "--family efficientnet --preset b0"},
                                           Family{"mobilenet_v2", "--family mobilenet_v2"},
                                           Family{"mobilenet_v3_large", "--family mobilenet_v3_large"}),
                         [](const ::testing::TestParamInfo<Family>& i) { return i.param.onnx_name; });

}  // namespace
}  // namespace scalert::onnx_test
