// Invoke allocates no memory: operator new is counted across Invoke calls on every backend.
// (C-level malloc inside third-party libraries is not counted; see the note in the README.)
#include <atomic>
#include <cstdlib>
#include <new>

#include "gtest/gtest.h"
#include "runtime/family.h"
#include "runtime/interpreter.h"
#include "runtime/model_format.h"
#include "tests/testing/test_models.h"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace scalert {
namespace {

TEST(InvokeAllocation, NoAllocationOnAnyBackend) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizer runtimes replace operator new";
#endif
  Graph g = testing::MakeMbconvTestGraph(19, 14);
  auto bytes = SerializeGraph(g);
  ASSERT_TRUE(bytes.ok());
  auto model = Model::LoadFromMemory(bytes->data(), bytes->size());
  ASSERT_TRUE(model.ok());
  auto input = testing::RandomVector(19 * 14 * 3, 3);
  for (const std::string& backend : AvailableBackends()) {
    for (int threads : {1, 2}) {
      SCOPED_TRACE(backend + " threads=" + std::to_string(threads));
      InterpreterOptions o;
      o.backend = backend;
      o.threads = threads;
      auto it = Interpreter::Create(*model, o);
      ASSERT_TRUE(it.ok()) << it.status();
      ASSERT_TRUE((*it)->SetInput(0, input.data(), input.size() * 4).ok());
      ASSERT_TRUE((*it)->Invoke().ok());  // the first run may touch lazily created state
      g_allocations = 0;
      g_counting = true;
      for (int i = 0; i < 5; ++i) ASSERT_TRUE((*it)->Invoke().ok());
      g_counting = false;
      EXPECT_EQ(g_allocations.load(), 0);
    }
  }
}

// A family's Invoke (policy, resize, member run) allocates nothing either, whichever policy and
// however the members alternate.
TEST(InvokeAllocation, FamilyInvokeUnderEveryPolicy) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizer runtimes replace operator new";
#endif
  std::vector<std::shared_ptr<const Model>> models;
  for (int s : {12, 20}) {
    auto bytes = SerializeGraph(testing::MakeMbconvTestGraph(s, s));
    ASSERT_TRUE(bytes.ok());
    auto m = Model::LoadFromMemory(bytes->data(), bytes->size());
    ASSERT_TRUE(m.ok());
    models.push_back(*m);
  }
  FamilyOptions o;
  o.latency_ms = {1, 2};
  o.switch_ms = {{0, 0.5}, {0.5, 0}};
  o.total_budget_fraction = 0.8;
  auto f = Family::Create(models, o);
  ASSERT_TRUE(f.ok()) << f.status();
  const auto frame = testing::RandomVector(30 * 40 * 3, 5);
  for (FamilyPolicy p : {FamilyPolicy::kGreedy, FamilyPolicy::kDynamic, FamilyPolicy::kStatic}) {
    SCOPED_TRACE(FamilyPolicyName(p));
    ASSERT_TRUE((*f)->SetPolicy(p, 1).ok());
    ASSERT_TRUE((*f)->Invoke(frame.data(), 30, 40, 3, 10).ok());
    g_allocations = 0;
    g_counting = true;
    for (int i = 0; i < 20; ++i) ASSERT_TRUE((*f)->Invoke(frame.data(), 30, 40, 3, i % 3 ? 100 : 0.01).ok());
    g_counting = false;
    EXPECT_EQ(g_allocations.load(), 0);
  }
}

// A camera frame goes straight into the input: set_input_image allocates nothing per call.
TEST(InvokeAllocation, SetInputImageAllocatesNothing) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizer runtimes replace operator new";
#endif
  Graph g = testing::MakeMbconvTestGraph(19, 14);
  g.metadata.mean = {0.5f, 0.4f, 0.3f};
  g.metadata.std = {0.2f, 0.2f, 0.2f};
  auto bytes = SerializeGraph(g);
  ASSERT_TRUE(bytes.ok());
  auto model = Model::LoadFromMemory(bytes->data(), bytes->size());
  ASSERT_TRUE(model.ok());
  auto it = Interpreter::Create(*model);
  ASSERT_TRUE(it.ok()) << it.status();
  std::vector<uint8_t> nv12(64 * 48 * 3 / 2, 90);
  image::Frame f;
  f.data = nv12.data();
  f.width = 64;
  f.height = 48;
  f.format = image::PixelFormat::kNV12;
  image::PreprocessOptions o;
  o.rotation = 90;
  o.fit = image::Fit::kLetterbox;
  o.crop = {2, 2, 40, 30};
  ASSERT_TRUE((*it)->SetInputImage(0, f, o).ok());
  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE((*it)->SetInputImage(0, f, o).ok());
  g_counting = false;
  EXPECT_EQ(g_allocations.load(), 0);
}

// The counter works: an allocation while counting is seen.
TEST(InvokeAllocation, CounterSeesAllocations) {
  g_allocations = 0;
  g_counting = true;
  auto* p = new std::vector<int>(100);
  g_counting = false;
  delete p;
  EXPECT_GE(g_allocations.load(), 1);
}

}  // namespace
}  // namespace scalert
