// One Family per thread over shared models (the documented contract): every thread's outputs
// equal a single-threaded run's. Run under ThreadSanitizer (label `concurrency`).
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/family.h"
#include "runtime/model_format.h"
#include "tests/testing/test_models.h"

namespace scalert {
namespace {

constexpr int kThreads = 4, kFrames = 12;

TEST(FamilyConcurrency, OneFamilyPerThreadOverSharedModels) {
  std::vector<std::shared_ptr<const Model>> models;
  for (int s : {12, 18, 24}) {
    auto bytes = SerializeGraph(testing::MakeMbconvTestGraph(s, s, 3, 3));
    ASSERT_TRUE(bytes.ok());
    auto m = Model::LoadFromMemory(bytes->data(), bytes->size());
    ASSERT_TRUE(m.ok()) << m.status();
    models.push_back(*m);
  }
  FamilyOptions o;
  o.latency_ms = {1, 2, 3};
  const std::vector<float> frame = testing::RandomVector(20 * 20 * 3, 4);
  // Frame k runs member k % 3, so the expected outputs do not depend on timing.
  auto run = [&](std::vector<std::vector<float>>* outs) {
    auto f = Family::Create(models, o);
    ASSERT_TRUE(f.ok()) << f.status();
    for (int k = 0; k < kFrames; ++k) {
      auto r = (*f)->InvokeMember(k % 3, frame.data(), 20, 20, 3, 10);
      ASSERT_TRUE(r.ok()) << r.status();
      std::vector<float> out(10);
      ASSERT_TRUE((*f)->GetOutput(0, out.data(), 40).ok());
      outs->push_back(out);
    }
    ASSERT_TRUE((*f)->SetPolicy(FamilyPolicy::kDynamic).ok());
    for (int k = 0; k < kFrames; ++k) ASSERT_TRUE((*f)->Invoke(frame.data(), 20, 20, 3, k % 2 ? 0.5 : 50).ok());
  };
  std::vector<std::vector<float>> want;
  run(&want);
  ASSERT_EQ(want.size(), static_cast<size_t>(kFrames));
  std::vector<std::vector<std::vector<float>>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(run, &got[t]);
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(got[t], want) << "thread " << t;
}

}  // namespace
}  // namespace scalert
