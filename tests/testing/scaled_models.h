// Whole models from the scaler for tests: `preset` (e.g. "b0", "lite0") or a `family` at an h x w
// input, seed 7, 100 classes (fewer classifier weights; the classifier is still an FC). Reports a
// test failure and returns an empty graph when the scaler refuses. Tests that include this link
// scalert_scaler.
#ifndef SCALERT_TESTS_TESTING_SCALED_MODELS_H_
#define SCALERT_TESTS_TESTING_SCALED_MODELS_H_

#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "runtime/graph.h"
#include "tools/scale/scaler.h"

namespace scalert::testing {

inline Graph ScaledModel(const std::string& family, const std::string& preset, int32_t h, int32_t w) {
  scale::ScaleRequest r;
  r.family = family;
  r.preset = preset;
  r.resolution = std::make_pair(h, w);
  r.seed = 7;
  r.num_classes = 100;
  auto spec = scale::ResolveScaleRequest(r);
  EXPECT_TRUE(spec.ok()) << spec.status();
  if (!spec.ok()) return Graph();
  auto m = scale::BuildScaledModel(*spec, scale::BuildOptions());
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? std::move(m->graph) : Graph();
}

}  // namespace scalert::testing

#endif  // SCALERT_TESTS_TESTING_SCALED_MODELS_H_
