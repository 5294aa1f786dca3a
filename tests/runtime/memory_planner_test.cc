// The arena planner never lets two live tensors overlap: checked directly, and by running
// with freed regions poisoned (NaN) so any overlap would corrupt the output.
#include <cmath>

#include "gtest/gtest.h"
#include "runtime/interpreter.h"
#include "runtime/memory_planner.h"
#include "runtime/model_format.h"
#include "tests/testing/test_models.h"

namespace scalert {
namespace {

TEST(MemoryPlanner, NoLiveOverlapAndReuse) {
  for (auto [h, w] : {std::pair{17, 12}, std::pair{32, 32}, std::pair{9, 31}}) {
    Graph g = testing::MakeMbconvTestGraph(h, w);
    MemoryPlan p = PlanMemory(g);
    EXPECT_FALSE(PlanHasConflicts(g, p));
    int64_t sum = 0;
    for (size_t t = 0; t < g.tensors.size(); ++t) {
      if (g.tensors[t].is_constant()) {
        EXPECT_EQ(p.offset[t], -1);
        continue;
      }
      EXPECT_GE(p.offset[t], 0);
      EXPECT_EQ(p.offset[t] % 64, 0);
      EXPECT_LE(p.offset[t] + g.tensors[t].bytes(), p.arena_bytes);
      sum += g.tensors[t].bytes();
    }
    EXPECT_LT(p.arena_bytes, sum) << "the planner reused no memory";
  }
}

TEST(MemoryPlanner, ConflictCheckerCatchesOverlap) {
  Graph g = testing::MakeMbconvTestGraph();
  MemoryPlan p = PlanMemory(g);
  // Put the stem output on top of the graph input: both are live at step 0.
  p.offset[g.nodes[0].outputs[0]] = p.offset[g.inputs[0]];
  EXPECT_TRUE(PlanHasConflicts(g, p));
}

TEST(MemoryPlanner, PoisonedFreedRegionsDoNotChangeOutputs) {
  Graph g = testing::MakeMbconvTestGraph(23, 14);
  auto bytes = SerializeGraph(g);
  ASSERT_TRUE(bytes.ok());
  auto model = Model::LoadFromMemory(bytes->data(), bytes->size());
  ASSERT_TRUE(model.ok());
  auto input = testing::RandomVector(23 * 14 * 3, 5);
  std::vector<float> outputs[2];
  for (int poison = 0; poison < 2; ++poison) {
    InterpreterOptions o;
    o.poison_freed = poison == 1;
    auto it = Interpreter::Create(*model, o);
    ASSERT_TRUE(it.ok());
    ASSERT_TRUE((*it)->SetInput(0, input.data(), input.size() * 4).ok());
    for (int run = 0; run < 2; ++run) ASSERT_TRUE((*it)->Invoke().ok());  // second run sees poisoned arena
    outputs[poison].resize(10);
    ASSERT_TRUE((*it)->GetOutput(0, outputs[poison].data(), 40).ok());
  }
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(std::isfinite(outputs[1][i]));
    EXPECT_EQ(outputs[0][i], outputs[1][i]);
  }
}

}  // namespace
}  // namespace scalert
