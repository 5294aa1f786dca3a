// Replays the ONNX inputs the importer fuzzer found (tests/data/fuzz_regressions/*.onnx) through
// import + validation: each must be rejected or imported, never crash.
#include <dirent.h>

#include <fstream>
#include <iterator>

#include "gtest/gtest.h"
#include "runtime/model_format.h"
#include "tools/onnx/onnx_importer.h"

namespace scalert {
namespace {

TEST(OnnxFuzzRegressions, ReplayStoredInputs) {
  DIR* d = opendir(REGRESSION_DIR);
  ASSERT_NE(d, nullptr) << REGRESSION_DIR;
  int replayed = 0;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name.size() < 5 || name.substr(name.size() - 5) != ".onnx") continue;
    std::ifstream f(std::string(REGRESSION_DIR) + "/" + name, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(name);
    onnx::ModelProto proto;
    ASSERT_TRUE(proto.ParseFromString(bytes));
    auto imported = onnx_import::ImportOnnxModel(proto, name, "/nonexistent");
    if (imported.ok()) (void)SerializeGraph(imported->graph);
    else EXPECT_FALSE(imported.status().message().empty());
    ++replayed;
  }
  closedir(d);
  EXPECT_GE(replayed, 1);
}

}  // namespace
}  // namespace scalert
