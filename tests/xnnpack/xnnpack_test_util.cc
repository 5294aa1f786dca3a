#include "tests/xnnpack/xnnpack_test_util.h"

#include "gtest/gtest.h"
#include "runtime/model_format.h"
#include "tests/testing/test_models.h"

namespace scalert::testing {

absl::StatusOr<std::unique_ptr<Interpreter>> MakeInterpreter(const Graph& g, const std::string& backend, int threads,
                                                             Precision precision) {
  auto bytes = SerializeGraph(g);
  if (!bytes.ok()) return bytes.status();
  auto model = Model::LoadFromMemory(bytes->data(), bytes->size());
  if (!model.ok()) return model.status();
  InterpreterOptions o;
  o.backend = backend;
  o.threads = threads;
  o.precision = precision;
  return Interpreter::Create(*model, o);
}

std::vector<float> RunOnce(Interpreter& it, const std::vector<float>& input, size_t index) {
  EXPECT_TRUE(it.SetInput(0, input.data(), input.size() * sizeof(float)).ok());
  absl::Status s = it.Invoke();
  EXPECT_TRUE(s.ok()) << s;
  std::vector<float> y(static_cast<size_t>(it.output(index).num_elements()));
  EXPECT_TRUE(it.GetOutput(index, y.data(), y.size() * sizeof(float)).ok());
  return y;
}

std::vector<float> RandomInput(const Graph& g, uint32_t seed, float bound) {
  return RandomVector(static_cast<size_t>(g.tensors[g.inputs[0]].num_elements()), seed, -bound, bound);
}

void ExpectXnnpackMatchesReference(const Graph& g, double tolerance, float input_bound) {
  auto ref = MakeInterpreter(g, "reference");
  ASSERT_TRUE(ref.ok()) << ref.status();
  const std::vector<float> x1 = RandomInput(g, 11, input_bound), x2 = RandomInput(g, 12, input_bound);
  for (size_t o = 0; o < g.outputs.size(); ++o) {
    // A parity test on an output that ignores the input could not fail.
    const std::vector<float> r1 = RunOnce(**ref, x1, o), r2 = RunOnce(**ref, x2, o);
    ASSERT_GT(RelativeError(r1, r2), 1e-3) << "output " << o << " does not depend on the input";
    for (int threads : {1, 2}) {
      auto xnn = MakeInterpreter(g, "xnnpack", threads);
      ASSERT_TRUE(xnn.ok()) << xnn.status();
      EXPECT_EQ((*xnn)->executable().effective_precision(), Precision::kF32);
      // Twice each, to check that a prepared runtime can be invoked again with new data.
      EXPECT_LE(RelativeError(RunOnce(**xnn, x1, o), r1), tolerance) << "output " << o << ", " << threads << " thread(s)";
      EXPECT_LE(RelativeError(RunOnce(**xnn, x2, o), r2), tolerance) << "output " << o << ", " << threads << " thread(s)";
    }
  }
}

}  // namespace scalert::testing
