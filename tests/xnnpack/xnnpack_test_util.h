// Helpers for the xnnpack backend tests: run a graph on a backend through the public
// Interpreter API (serialize -> load -> prepare), and the parity check against the reference.
#ifndef SCALERT_TESTS_XNNPACK_XNNPACK_TEST_UTIL_H_
#define SCALERT_TESTS_XNNPACK_XNNPACK_TEST_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/graph.h"
#include "runtime/interpreter.h"

namespace scalert::testing {

// An interpreter for `g` (serialized and loaded, so the model owns its data).
absl::StatusOr<std::unique_ptr<Interpreter>> MakeInterpreter(const Graph& g, const std::string& backend,
                                                             int threads = 1, Precision precision = Precision::kF32);

// Sets input 0, invokes, returns output `index` (fails the test on error).
std::vector<float> RunOnce(Interpreter& it, const std::vector<float>& input, size_t index = 0);

// Input 0 of `g` filled with uniform values in [-bound, bound) from `seed`.
std::vector<float> RandomInput(const Graph& g, uint32_t seed, float bound = 2.f);

// Checks that the reference output depends on the input (two inputs give different outputs),
// then that xnnpack with 1 and 2 threads matches the reference within `tolerance` relative
// (max |diff| / max |ref|), on every output. Inputs are uniform in [-input_bound, input_bound).
void ExpectXnnpackMatchesReference(const Graph& g, double tolerance = 1e-4, float input_bound = 2.f);

}  // namespace scalert::testing

#endif  // SCALERT_TESTS_XNNPACK_XNNPACK_TEST_UTIL_H_
