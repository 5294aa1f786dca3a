// One Model shared by 8 interpreters on 8 threads, invoking in a loop: every output equals the
// single-threaded run. Run under ThreadSanitizer by the `tsan` preset.
#include <atomic>
#include <thread>

#include "gtest/gtest.h"
#include "runtime/interpreter.h"
#include "runtime/model_format.h"
#include "tests/testing/test_models.h"

namespace scalert {
namespace {

TEST(Concurrency, EightInterpretersShareOneModel) {
  constexpr int kThreads = 8, kIterations = 12, kInputs = 3;
  Graph g = testing::MakeMbconvTestGraph(24, 20);
  auto bytes = SerializeGraph(g);
  ASSERT_TRUE(bytes.ok());
  auto model = Model::LoadFromMemory(bytes->data(), bytes->size());
  ASSERT_TRUE(model.ok());
  std::vector<std::vector<float>> inputs;
  for (int i = 0; i < kInputs; ++i) inputs.push_back(testing::RandomVector(24 * 20 * 3, 100 + i));

  for (const std::string& backend : AvailableBackends()) {
    SCOPED_TRACE(backend);
    InterpreterOptions o;
    o.backend = backend;
    // Expected outputs from one interpreter on this thread.
    std::vector<std::vector<float>> want(kInputs, std::vector<float>(10));
    {
      auto it = Interpreter::Create(*model, o);
      ASSERT_TRUE(it.ok()) << it.status();
      for (int i = 0; i < kInputs; ++i) {
        ASSERT_TRUE((*it)->SetInput(0, inputs[i].data(), inputs[i].size() * 4).ok());
        ASSERT_TRUE((*it)->Invoke().ok());
        ASSERT_TRUE((*it)->GetOutput(0, want[i].data(), 40).ok());
      }
      ASSERT_NE(want[0], want[1]) << "outputs do not depend on the input";
    }
    std::atomic<int> mismatches{0}, failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        auto it = Interpreter::Create(*model, o);
        if (!it.ok()) { ++failures; return; }
        std::vector<float> out(10);
        for (int k = 0; k < kIterations; ++k) {
          const int i = (t + k) % kInputs;
          if (!(*it)->SetInput(0, inputs[i].data(), inputs[i].size() * 4).ok() || !(*it)->Invoke().ok() ||
              !(*it)->GetOutput(0, out.data(), 40).ok()) {
            ++failures;
            return;
          }
          if (out != want[i]) ++mismatches;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(mismatches.load(), 0);
  }
}

}  // namespace
}  // namespace scalert
