// Native INT8 against the reference backend on a quantized graph: bit for bit (the native INT8
// kernels reproduce kernels/reference/quantized.h exactly), at every ISA level this CPU runs and
// 1, 2 and 3 threads (so results are also identical for any thread count), after checking that
// the reference output depends on the input.
#ifndef SCALERT_TESTS_NATIVE_INT8_PARITY_H_
#define SCALERT_TESTS_NATIVE_INT8_PARITY_H_

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/isa.h"
#include "runtime/backends/native/native_backend.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/dtype_rules.h"
#include "tests/testing/test_models.h"

namespace scalert::testing {

inline std::vector<float> RunOnce(Executable& e, const Graph& g, const std::vector<float>& x) {
  std::copy(x.begin(), x.end(), static_cast<float*>(e.input_buffer(0)));
  EXPECT_TRUE(e.Invoke().ok());
  const float* y = static_cast<const float*>(e.output_buffer(0));
  return std::vector<float>(y, y + g.tensors[g.outputs[0]].num_elements());
}

// `threads` defaults to 1, 2, 3; `levels` to every supported ISA level.
inline void ExpectNativeInt8MatchesReference(const Graph& g, std::vector<int> threads = {1, 2, 3},
                                             std::vector<kernels::Isa> levels = kernels::SupportedIsas()) {
  ASSERT_FALSE(g.nodes.empty());
  ASSERT_EQ(GraphPrecision(g), Precision::kI8);
  const size_t n = static_cast<size_t>(g.tensors[g.inputs[0]].num_elements());
  const std::vector<float> x = RandomVector(n, 5), x2 = RandomVector(n, 6);
  auto ref = PrepareReference(g, BackendOptions());
  ASSERT_TRUE(ref.ok()) << ref.status();
  const std::vector<float> want = RunOnce(**ref, g, x);
  ASSERT_NE(RunOnce(**ref, g, x2), want) << "the output does not depend on the input";
  for (float v : want) ASSERT_TRUE(std::isfinite(v));
  for (kernels::Isa isa : levels)
    for (int t : threads) {
      SCOPED_TRACE(::testing::Message() << kernels::IsaName(isa) << ", " << t << " threads");
      BackendOptions o;
      o.threads = t;
      auto e = PrepareNativeAtIsa(g, o, isa);
      ASSERT_TRUE(e.ok()) << e.status();
      EXPECT_EQ((*e)->effective_precision(), Precision::kI8);
      EXPECT_EQ(RunOnce(**e, g, x), want);
      EXPECT_EQ(RunOnce(**e, g, x2), RunOnce(**ref, g, x2));  // a second invoke, other input
    }
}

}  // namespace scalert::testing

#endif  // SCALERT_TESTS_NATIVE_INT8_PARITY_H_
