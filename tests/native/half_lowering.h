// For the FP16 / BF16 tests (half_models_test.cc, fused_half_test.cc): a graph lowered by the
// quantizer (`scalert quantize --mode fp16|bf16`, calibrated on the reference backend) and one
// run of an executable with an FP32 input and output.
#ifndef SCALERT_TESTS_NATIVE_HALF_LOWERING_H_
#define SCALERT_TESTS_NATIVE_HALF_LOWERING_H_

#include <algorithm>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/backend.h"
#include "runtime/graph.h"
#include "tools/quantize/quantizer.h"

namespace scalert::testing {

inline Graph Lowered(const Graph& g, Precision p) {
  quantize::QuantizeOptions o;
  o.mode = p;
  o.fp32_backend = "reference";
  auto r = quantize::Quantize(g, o);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? std::move(r->lowered) : Graph();
}

inline std::vector<float> RunWith(Executable& e, const Graph& g, const std::vector<float>& x) {
  std::copy(x.begin(), x.end(), static_cast<float*>(e.input_buffer(0)));
  EXPECT_TRUE(e.Invoke().ok());
  const float* y = static_cast<const float*>(e.output_buffer(0));
  return std::vector<float>(y, y + g.tensors[g.outputs[0]].num_elements());
}

}  // namespace scalert::testing

#endif  // SCALERT_TESTS_NATIVE_HALF_LOWERING_H_
