// Native INT8 on whole quantized models from the scaler and the quantizer: every family at small
// odd sizes (33x35, 65x49), and EfficientNet-B0 / MobileNetV2 at 224x224, bit for bit with the reference
// backend at every ISA level and 1-3 threads.
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/native/int8_parity.h"
#include "tests/testing/scaled_models.h"
#include "tools/quantize/calibration.h"
#include "tools/quantize/quantizer.h"
#include "tools/scale/architectures.h"
#include "tools/scale/scaler.h"

namespace scalert {
namespace {

Graph QuantizedScaled(const std::string& family, const std::string& preset, int32_t h, int32_t w) {
  const Graph g = testing::ScaledModel(family, preset, h, w);
  if (g.nodes.empty()) return Graph();
  quantize::QuantizeOptions o;
  o.mode = Precision::kI8;
  auto cal = quantize::RandomSamples(g, 4, 1);
  EXPECT_TRUE(cal.ok()) << cal.status();
  if (!cal.ok()) return Graph();
  o.calibration = *cal;
  auto q = quantize::Quantize(g, o);
  EXPECT_TRUE(q.ok()) << q.status();
  return q.ok() ? std::move(q->lowered) : Graph();
}

TEST(NativeInt8Models, EveryFamilyAtSmallAndOddSizes) {
  for (scale::Family f : scale::AllFamilies()) {
    const bool efficientnet = f == scale::Family::kEfficientNet;
    const bool lite = f == scale::Family::kEfficientNetLite;
    const std::string family = efficientnet || lite ? "" : scale::FamilyName(f);
    const std::string preset = efficientnet ? "b0" : lite ? "lite0" : "";
    // (The scaler takes 32 to 4096 pixels a side: 7x9 is the test graph's, int8_models_test.cc.)
    for (auto [h, w] : {std::pair{33, 35}, std::pair{65, 49}}) {
      SCOPED_TRACE(::testing::Message() << scale::FamilyName(f) << " " << h << "x" << w);
      testing::ExpectNativeInt8MatchesReference(QuantizedScaled(family, preset, h, w));
    }
  }
}

TEST(NativeInt8Models, EfficientNetB0AndMobileNetV2At224) {
  for (auto [family, preset] : {std::pair{"", "b0"}, std::pair{"mobilenet_v2", ""}}) {
    SCOPED_TRACE(::testing::Message() << family << preset);
    testing::ExpectNativeInt8MatchesReference(QuantizedScaled(family, preset, 224, 224));
  }
}

}  // namespace
}  // namespace scalert
