// Models the scaler produces, on the xnnpack backend against the reference backend (FP32, 1e-4
// relative, 1 and 2 threads): EfficientNet-B0, MobileNetV2, MobileNetV3-Large and non-square
// inputs. Reduced resolutions keep the reference runs fast; the layer structure is the full one.
// Inputs are uniform in [-1, 1), the distribution the scaler calibrates its weights on: with
// twice that range, SE gates saturate and B0's logits move by up to 40% for a 1-ulp change of
// the input (measured on the reference alone), so no two float implementations could agree.
#include <cstdio>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "tests/testing/scaled_models.h"
#include "tests/testing/test_models.h"
#include "tests/xnnpack/xnnpack_test_util.h"
#include "tools/scale/scaler.h"

namespace scalert::testing {
namespace {

constexpr float kInputBound = 1.f;

TEST(XnnpackScaledModelsTest, EfficientNetB0) {
  Graph g = ScaledModel("", "b0", 96, 96);  // at 64x64 (a 2x2 last feature map) B0 is ill-conditioned
  ASSERT_FALSE(g.nodes.empty());
  ExpectXnnpackMatchesReference(g, 1e-4, kInputBound);
}

TEST(XnnpackScaledModelsTest, MobileNetV2) {
  Graph g = ScaledModel("mobilenet_v2", "", 64, 64);
  ASSERT_FALSE(g.nodes.empty());
  ExpectXnnpackMatchesReference(g, 1e-4, kInputBound);
}

TEST(XnnpackScaledModelsTest, MobileNetV3Large) {
  Graph g = ScaledModel("mobilenet_v3_large", "", 64, 64);
  ASSERT_FALSE(g.nodes.empty());
  ExpectXnnpackMatchesReference(g, 1e-4, kInputBound);
}

TEST(XnnpackScaledModelsTest, NonSquareInputs) {
  Graph g = ScaledModel("", "b0", 112, 80);
  ASSERT_FALSE(g.nodes.empty());
  ExpectXnnpackMatchesReference(g, 1e-4, kInputBound);
  g = ScaledModel("mobilenet_v3_large", "", 48, 80);
  ASSERT_FALSE(g.nodes.empty());
  ExpectXnnpackMatchesReference(g, 1e-4, kInputBound);
}

// FP16 where this XNNPACK takes the graph: MobileNetV2 and V3 (hard-swish and hard-sigmoid are
// lowered to FP16-capable nodes); EfficientNet needs sigmoid, which it cannot run in FP16.
TEST(XnnpackScaledModelsTest, Fp16OnMobileNetsFp32FallbackOnEfficientNet) {
  struct Case {
    Graph g;
    Precision expect;
  } cases[] = {{ScaledModel("mobilenet_v2", "", 64, 64), Precision::kF16},
               {ScaledModel("mobilenet_v3_large", "", 64, 64), Precision::kF16},
               {ScaledModel("", "b0", 96, 96), Precision::kF32}};
  for (Case& c : cases) {
    ASSERT_FALSE(c.g.nodes.empty());
    auto it = MakeInterpreter(c.g, "xnnpack", 2, Precision::kF16);
    ASSERT_TRUE(it.ok()) << it.status();
    EXPECT_EQ((*it)->executable().effective_precision(), c.expect) << c.g.metadata.family << ": "
                                                                   << (*it)->executable().op_descriptions()[0];
    auto ref = MakeInterpreter(c.g, "reference");
    ASSERT_TRUE(ref.ok()) << ref.status();
    std::vector<float> x = RandomInput(c.g, 3, kInputBound);
    std::vector<float> want = RunOnce(**ref, x), got = RunOnce(**it, x);
    // FP16 (11-bit mantissa) through ~50 layers of randomly initialized weights, which amplify
    // FP32 rounding about 100x (1e-5 at the logits): a few percent. A bound that still catches
    // a wrong lowering (errors of order 1).
    const double err = RelativeError(got, want);
    std::printf("%s %dx%d: fp16 requested, ran %s, relative error vs reference %.3g\n", c.g.metadata.family.c_str(),
                c.g.metadata.input_h, c.g.metadata.input_w,
                PrecisionName((*it)->executable().effective_precision()), err);
    EXPECT_LE(err, c.expect == Precision::kF16 ? 0.15 : 1e-4) << c.g.metadata.family;
  }
}

}  // namespace
}  // namespace scalert::testing
