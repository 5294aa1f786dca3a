// Replays every input the fuzzers ever found (tests/data/fuzz_regressions) and the malformed
// corpus through load + prepare + invoke: each must be rejected or run, never crash.
#include <dirent.h>

#include <fstream>
#include <iterator>

#include "gtest/gtest.h"
#include "runtime/interpreter.h"
#include "tests/testing/malformed_corpus.h"

namespace scalert {
namespace {

// What the fuzz target does with one input (tests/fuzz/model_fuzzer.cc mirrors it).
void LoadPrepareInvoke(const std::string& bytes) {
  LoadLimits limits;
  limits.max_total_activation_bytes = 64 << 20;
  limits.max_tensor_bytes = 64 << 20;
  auto model = Model::LoadFromMemory(bytes.data(), bytes.size(), limits);
  if (!model.ok()) return;
  for (const std::string& backend : AvailableBackends()) {
    InterpreterOptions o;
    o.backend = backend;
    auto it = Interpreter::Create(*model, o);
    if (it.ok()) { EXPECT_TRUE((*it)->Invoke().ok()) << backend; }
  }
}

TEST(FuzzRegressions, ReplayStoredInputs) {
  DIR* d = opendir(REGRESSION_DIR);
  ASSERT_NE(d, nullptr) << REGRESSION_DIR;
  int replayed = 0;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == ".." || name == "README.md") continue;
    std::ifstream f(std::string(REGRESSION_DIR) + "/" + name, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(name);
    LoadPrepareInvoke(bytes);
    ++replayed;
  }
  closedir(d);
  std::printf("replayed %d stored fuzz inputs\n", replayed);
}

TEST(FuzzRegressions, MalformedCorpusThroughPrepare) {
  for (const auto& mc : testing::MalformedCorpus()) {
    SCOPED_TRACE(mc.name);
    LoadPrepareInvoke(mc.make_bytes());
  }
  LoadPrepareInvoke(testing::ValidModelBytes());
}

}  // namespace
}  // namespace scalert
