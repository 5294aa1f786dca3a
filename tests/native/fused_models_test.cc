// Fused MBConv blocks on whole models from the scaler: every family at small and odd input
// sizes against the reference backend (1e-4 relative, 1 to 4 threads, every ISA level this CPU
// runs, fusion forced on and the kAuto cost model), and the memory the fused plan saves at 224.
// (The scaler makes nothing below 32x32: 7x9 maps are covered block by block in mbconv_fusion_test.)
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/isa.h"
#include "runtime/backends/native/native_backend.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/passes/mbconv_fusion.h"
#include "tests/native/kernel_list.h"
#include "tests/testing/scaled_models.h"
#include "tests/testing/test_models.h"
#include "tools/scale/architectures.h"
#include "tools/scale/scaler.h"

namespace scalert {
namespace {

using testing::RandomVector;
using testing::RelativeError;

std::vector<float> Run(Executable& e, const Graph& g, const std::vector<float>& x) {
  std::copy(x.begin(), x.end(), static_cast<float*>(e.input_buffer(0)));
  EXPECT_TRUE(e.Invoke().ok());
  const float* y = static_cast<const float*>(e.output_buffer(0));
  return std::vector<float>(y, y + g.tensors[g.outputs[0]].num_elements());
}

std::unique_ptr<Executable> PrepareFused(const Graph& g, kernels::Isa isa, int threads, FusionPolicy fusion) {
  BackendOptions o;
  o.threads = threads;
  NativeOptions no;
  no.max_isa = isa;
  no.fusion = fusion;
  auto e = PrepareNativeWith(g, o, no);
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? std::move(e).value() : nullptr;
}

void ExpectFusedModelMatches(const Graph& g) {
  ASSERT_FALSE(g.nodes.empty());
  const std::vector<float> x = RandomVector(static_cast<size_t>(g.tensors[g.inputs[0]].num_elements()), 5);
  const std::vector<float> x2 = RandomVector(x.size(), 6);
  auto ref = PrepareReference(g, BackendOptions());
  ASSERT_TRUE(ref.ok()) << ref.status();
  const std::vector<float> want = Run(**ref, g, x);
  ASSERT_GT(RelativeError(Run(**ref, g, x2), want), 1e-3) << "output does not depend on the input";
  for (kernels::Isa isa : kernels::testing::Fp32KernelLevels())
    for (int threads : {1, 2, 3, 4})
      for (FusionPolicy fusion : {FusionPolicy::kOn, FusionPolicy::kAuto}) {
        SCOPED_TRACE(::testing::Message() << kernels::IsaName(isa) << ", " << threads << " threads, "
                                          << FusionPolicyName(fusion));
        auto e = PrepareFused(g, isa, threads, fusion);
        ASSERT_TRUE(e);
        EXPECT_LE(RelativeError(Run(*e, g, x), want), 1e-4);
      }
}

TEST(FusedModels, EveryFamilyAtSmallAndOddSizes) {
  for (scale::Family f : scale::AllFamilies()) {
    // EfficientNets are asked for by preset; B0 below 96x96 is ill-conditioned
    // (tests/xnnpack/xnnpack_scaled_models_test.cc).
    const bool efficientnet = f == scale::Family::kEfficientNet;
    const bool lite = f == scale::Family::kEfficientNetLite;
    const std::string family = efficientnet || lite ? "" : scale::FamilyName(f);
    const std::string preset = efficientnet ? "b0" : lite ? "lite0" : "";
    for (auto [h, w] : {efficientnet ? std::pair{96, 96} : std::pair{64, 64},
                        efficientnet ? std::pair{97, 83} : lite ? std::pair{65, 49} : std::pair{33, 41}}) {
      SCOPED_TRACE(::testing::Message() << scale::FamilyName(f) << " " << h << "x" << w);
      ExpectFusedModelMatches(testing::ScaledModel(family, preset, h, w));
    }
  }
}

TEST(FusedModels, EfficientNetLiteAtAnOddSize) { ExpectFusedModelMatches(testing::ScaledModel("", "lite0", 65, 49)); }

// Every tensor a node reads exists by then: a graph input, a constant or an earlier node's output.
// (MobileNetV1's separable pairs once shared their 1x1 between two blocks, leaving a fused node
// reading a tensor nothing wrote.)
TEST(FusedModels, RewrittenGraphsReadOnlyWrittenTensors) {
  for (scale::Family f : scale::AllFamilies()) {
    const bool efficientnet = f == scale::Family::kEfficientNet, lite = f == scale::Family::kEfficientNetLite;
    const std::string family = efficientnet || lite ? "" : scale::FamilyName(f);
    const Graph g = testing::ScaledModel(family, efficientnet ? "b0" : lite ? "lite0" : "", 64, 64);
    ASSERT_FALSE(g.nodes.empty());
    const FusedGraph fused = FuseMbconvBlocks(g, [](const Graph&, const MbconvBlock&) { return true; });
    EXPECT_GT(fused.fused_blocks, 0) << scale::FamilyName(f);
    std::vector<bool> written(g.tensors.size(), false);
    for (int32_t t : g.inputs) written[t] = true;
    for (const Node& n : fused.graph.nodes) {
      for (int32_t t : n.inputs)
        EXPECT_TRUE(t < 0 || written[t] || g.tensors[t].is_constant())
            << scale::FamilyName(f) << ": " << n.name << " reads " << g.TensorLabel(t) << " before it is written";
      for (int32_t t : n.outputs) written[t] = true;
    }
  }
}

TEST(FusedModels, FusedPlanNeedsAtMostHalfTheActivationMemory) {
  for (auto [family, preset] : {std::pair{"", "b0"}, std::pair{"mobilenet_v2", ""}}) {
    const Graph g = testing::ScaledModel(family, preset, 224, 224);
    ASSERT_FALSE(g.nodes.empty());
    for (int threads : {1, 2}) {
      SCOPED_TRACE(::testing::Message() << family << preset << ", " << threads << " threads");
      auto off = PrepareFused(g, kernels::DetectedIsa(), threads, FusionPolicy::kOff);
      auto on = PrepareFused(g, kernels::DetectedIsa(), threads, FusionPolicy::kOn);
      ASSERT_TRUE(off && on);
      EXPECT_LE(2 * on->arena_bytes(), off->arena_bytes()) << on->arena_bytes() << " vs " << off->arena_bytes();
    }
  }
}

}  // namespace
}  // namespace scalert
