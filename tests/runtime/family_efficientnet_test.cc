// Acceptance: an EfficientNet phi 0..3 family prepared on the native backend uses one arena, the
// largest member's, as reported through the C API (weights left zero: only the plan matters).
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/c_api.h"
#include "runtime/model_format.h"
#include "tools/scale/scaler.h"

namespace scalert {
namespace {

TEST(FamilyEfficientNet, Phi0To3ShareTheLargestMembersArena) {
  std::vector<scalert_model*> models;
  std::vector<int64_t> alone;
  scalert_options* opts = scalert_options_create();
  ASSERT_EQ(scalert_options_set_backend(opts, "native"), SCALERT_OK);
  for (int phi = 0; phi <= 3; ++phi) {
    scale::ScaleRequest req;
    req.family = "efficientnet";
    req.phi = phi;
    auto spec = scale::ResolveScaleRequest(req);
    ASSERT_TRUE(spec.ok()) << spec.status();
    scale::BuildOptions bo;
    bo.weights = false;
    auto built = scale::BuildScaledModel(*spec, bo);
    ASSERT_TRUE(built.ok()) << built.status();
    const std::string path = ::testing::TempDir() + "/family_effnet_phi" + std::to_string(phi) + ".srm";
    ASSERT_TRUE(WriteModelFile(built->graph, path).ok());
    scalert_model* m = nullptr;
    ASSERT_EQ(scalert_model_load_file(path.c_str(), &m), SCALERT_OK) << scalert_last_error();
    models.push_back(m);
    scalert_interpreter* it = nullptr;
    ASSERT_EQ(scalert_interpreter_create(m, opts, &it), SCALERT_OK) << scalert_last_error();
    alone.push_back(scalert_interpreter_arena_bytes(it));
    scalert_interpreter_free(it);
  }
  const double latency[] = {20, 40, 80, 140};  // a profile: no calibration runs needed here
  scalert_family_options* fo = scalert_family_options_create();
  ASSERT_EQ(scalert_family_options_set_profile(fo, latency, nullptr, 4), SCALERT_OK);
  scalert_family* f = nullptr;
  ASSERT_EQ(scalert_family_create(models.data(), 4, opts, fo, &f), SCALERT_OK) << scalert_last_error();
  int64_t sum = 0;
  for (int64_t a : alone) sum += a;
  for (size_t i = 1; i < alone.size(); ++i) EXPECT_GT(alone[i], alone[i - 1]) << "phi " << i;
  EXPECT_EQ(scalert_family_arena_bytes(f), alone.back());  // the largest member's arena, once
  EXPECT_LT(scalert_family_arena_bytes(f), sum);
  for (int i = 0; i < 4; ++i) {
    scalert_family_member info;
    ASSERT_EQ(scalert_family_member_info(f, i, &info), SCALERT_OK);
    EXPECT_EQ(info.own_arena_bytes, alone[i]);
  }
  std::printf("EfficientNet phi 0..3 alone: %lld %lld %lld %lld bytes (sum %lld); family: %lld bytes\n",
              static_cast<long long>(alone[0]), static_cast<long long>(alone[1]), static_cast<long long>(alone[2]),
              static_cast<long long>(alone[3]), static_cast<long long>(sum),
              static_cast<long long>(scalert_family_arena_bytes(f)));
  scalert_family_free(f);
  scalert_family_options_free(fo);
  scalert_options_free(opts);
  for (scalert_model* m : models) scalert_model_free(m);
}

}  // namespace
}  // namespace scalert
