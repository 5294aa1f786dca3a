// The family object: one shared arena, members ordered cheapest first, each member's output
// equal to a standalone interpreter on the resized frame, calibration, policies through the
// object, the C API and clear errors for bad input.
#include "runtime/family.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/c_api.h"
#include "runtime/model_format.h"
#include "runtime/resize_bilinear.h"
#include "tests/testing/test_models.h"

namespace scalert {
namespace {

std::shared_ptr<const Model> Load(const Graph& g, const std::string& name) {
  const std::string path = ::testing::TempDir() + "/family_" + name + ".srm";
  EXPECT_TRUE(WriteModelFile(g, path).ok());
  auto m = Model::Load(path);
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *m : nullptr;
}

class FamilyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Same weights (same seed), three resolutions: a tiny compound-scaled ladder.
    for (int s : {16, 24, 32}) models_.push_back(Load(testing::MakeMbconvTestGraph(s, s, 3, 5), std::to_string(s)));
    frame_ = testing::RandomVector(20 * 28 * 3, 9);
  }
  FamilyOptions Profiled(const std::string& backend = "reference") {
    FamilyOptions o;
    o.interpreter.backend = backend;
    o.latency_ms = {1, 4, 9};
    return o;
  }
  std::vector<std::shared_ptr<const Model>> models_;
  std::vector<float> frame_;  // 20 x 28 x 3
};

bool Inside(const void* p, const uint8_t* base, int64_t bytes) {
  const uint8_t* q = static_cast<const uint8_t*>(p);
  return q >= base && q < base + bytes;
}

TEST_F(FamilyTest, MembersShareOneArenaSizedForTheLargest) {
  for (const std::string backend : {"reference", "native"}) {
    auto f = Family::Create(models_, Profiled(backend));
    ASSERT_TRUE(f.ok()) << f.status();
    int64_t largest = 0, sum = 0;
    for (size_t i = 0; i < models_.size(); ++i) {
      InterpreterOptions io;
      io.backend = backend;
      auto it = Interpreter::Create(models_[i], io);
      ASSERT_TRUE(it.ok()) << it.status();
      largest = std::max(largest, (*it)->executable().arena_bytes());
      sum += (*it)->executable().arena_bytes();
    }
    EXPECT_TRUE((*f)->shares_arena());
    EXPECT_EQ((*f)->arena_bytes(), largest) << backend;
    EXPECT_LT((*f)->arena_bytes(), sum) << backend;
    for (int m = 0; m < 3; ++m) {
      EXPECT_TRUE(Inside((*f)->executable(m).input_buffer(0), (*f)->shared_arena(), (*f)->arena_bytes())) << m;
      EXPECT_TRUE(Inside((*f)->executable(m).output_buffer(0), (*f)->shared_arena(), (*f)->arena_bytes())) << m;
    }
  }
}

TEST_F(FamilyTest, MembersAreOrderedCheapestFirstWithTheirProfile) {
  FamilyOptions o = Profiled();
  o.latency_ms = {9, 1, 4};  // in the order given: 32, 16, 24
  auto f = Family::Create({models_[2], models_[0], models_[1]}, o);
  ASSERT_TRUE(f.ok()) << f.status();
  for (int m = 0; m < 3; ++m) {
    EXPECT_EQ((*f)->member(m).input_h, 16 + 8 * m);
    EXPECT_EQ((*f)->member(m).latency_ms, std::vector<double>({1, 4, 9})[m]);
    if (m > 0) {
      EXPECT_GT((*f)->member(m).macs, (*f)->member(m - 1).macs);
      EXPECT_GT((*f)->member(m).accuracy, (*f)->member(m - 1).accuracy);
    }
  }
}

TEST_F(FamilyTest, EachMemberMatchesAnInterpreterOnTheResizedFrame) {
  auto f = Family::Create(models_, Profiled());
  ASSERT_TRUE(f.ok()) << f.status();
  std::vector<float> other = testing::RandomVector(frame_.size(), 10);
  for (int m = 0; m < 3; ++m) {
    const int s = 16 + 8 * m;
    std::vector<float> resized(static_cast<size_t>(s) * s * 3);
    ResizeBilinearNhwc(frame_.data(), 20, 28, 3, resized.data(), s, s);
    const std::vector<float> want = testing::RunGraph(models_[m]->graph(), resized);
    auto r = (*f)->InvokeMember(m, other.data(), 20, 28, 3, 100);
    ASSERT_TRUE(r.ok()) << r.status();
    std::vector<float> got_other(10), got(10);
    ASSERT_TRUE((*f)->GetOutput(0, got_other.data(), 40).ok());
    r = (*f)->InvokeMember(m, frame_.data(), 20, 28, 3, 100);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->member, m);
    EXPECT_EQ((*f)->last_member(), m);
    ASSERT_TRUE((*f)->GetOutput(0, got.data(), 40).ok());
    EXPECT_NE(got, got_other) << "the output must depend on the input";
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_TRUE(std::isfinite(got[i]));
      EXPECT_EQ(got[i], want[i]) << "member " << m << " logit " << i;
    }
    EXPECT_GT(r->run_ms, 0);
    EXPECT_NEAR(r->total_ms, r->run_ms + r->resize_ms, 1e-9);
    EXPECT_EQ(r->met_budget, r->total_ms <= 100);
  }
}

TEST_F(FamilyTest, PoliciesPickByBudget) {
  auto f = Family::Create(models_, Profiled());
  ASSERT_TRUE(f.ok()) << f.status();
  auto r = (*f)->Invoke(frame_.data(), 20, 28, 3, 6);  // margin 1 before any observation: 4 fits, 9 not
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->member, 1);
  EXPECT_FALSE(r->switched);
  EXPECT_DOUBLE_EQ(r->predicted_ms, 4);
  r = (*f)->Invoke(frame_.data(), 20, 28, 3, 1000);  // the learned margin is at most 4
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->member, 2);
  EXPECT_TRUE(r->switched);
  r = (*f)->Invoke(frame_.data(), 20, 28, 3, 0.1);  // nothing fits: the cheapest
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->member, 0);

  ASSERT_TRUE((*f)->SetPolicy(FamilyPolicy::kDynamic).ok());
  r = (*f)->Invoke(frame_.data(), 20, 28, 3, 1000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->member, 2);
  EXPECT_TRUE(r->switched);  // member 0 ran last, whatever the policy was
  r = (*f)->Invoke(frame_.data(), 20, 28, 3, 0.1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->member, 0);

  ASSERT_TRUE((*f)->SetPolicy(FamilyPolicy::kStatic, 1).ok());
  for (double budget : {0.1, 1000.0}) {
    r = (*f)->Invoke(frame_.data(), 20, 28, 3, budget);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->member, 1);
  }
  EXPECT_FALSE((*f)->SetPolicy(FamilyPolicy::kStatic, 3).ok());
}

TEST_F(FamilyTest, CalibrationMeasuresLatenciesAndSwitchCosts) {
  FamilyOptions o;
  o.interpreter.backend = "native";
  o.calibration_runs = 2;
  o.switch_runs = 1;
  auto f = Family::Create(models_, o);
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_EQ((*f)->switch_ms().size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_GT((*f)->member(i).latency_ms, 0);
    EXPECT_GT((*f)->member(i).cold_ms, 0);
    for (int j = 0; j < 3; ++j) {
      EXPECT_GE((*f)->switch_ms()[i][j], 0);
      if (i == j) {
        EXPECT_EQ((*f)->switch_ms()[i][j], 0);
      }
    }
  }
}

TEST_F(FamilyTest, BadInputIsAClearError) {
  EXPECT_FALSE(Family::Create({}, Profiled()).ok());
  EXPECT_FALSE(Family::Create({models_[0], nullptr}, Profiled()).ok());
  auto gray = Load(testing::MakeMbconvTestGraph(16, 16, 1, 5), "gray");
  auto mixed = Family::Create({models_[0], gray}, FamilyOptions{});
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(std::string(mixed.status().message()).find("channels"), std::string::npos) << mixed.status();
  FamilyOptions o = Profiled();
  o.latency_ms = {1, 2};
  EXPECT_FALSE(Family::Create(models_, o).ok());
  o = Profiled();
  o.latency_ms[1] = std::nan("");
  EXPECT_FALSE(Family::Create(models_, o).ok());
  o = Profiled();
  o.horizon = 0;
  EXPECT_FALSE(Family::Create(models_, o).ok());
  o = Profiled();
  o.interpreter.backend = "no-such-backend";
  EXPECT_FALSE(Family::Create(models_, o).ok());

  auto f = Family::Create(models_, Profiled());
  ASSERT_TRUE(f.ok()) << f.status();
  std::vector<float> out(10);
  EXPECT_EQ((*f)->GetOutput(0, out.data(), 40).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE((*f)->Invoke(nullptr, 20, 28, 3, 10).ok());
  EXPECT_FALSE((*f)->Invoke(frame_.data(), 20, 28, 1, 10).ok());
  EXPECT_FALSE((*f)->Invoke(frame_.data(), 0, 28, 3, 10).ok());
  EXPECT_FALSE((*f)->Invoke(frame_.data(), 20, 28, 3, std::nan("")).ok());
  EXPECT_FALSE((*f)->Invoke(frame_.data(), 20, 28, 3, -1).ok());
  EXPECT_FALSE((*f)->InvokeMember(3, frame_.data(), 20, 28, 3, 10).ok());
  ASSERT_TRUE((*f)->Invoke(frame_.data(), 20, 28, 3, 10).ok());
  EXPECT_FALSE((*f)->GetOutput(0, out.data(), 36).ok());
  EXPECT_FALSE((*f)->GetOutput(1, out.data(), 40).ok());
  EXPECT_TRUE((*f)->GetOutput(0, out.data(), 40).ok());
}

TEST(ExternalArena, TooSmallOrMisalignedIsRefused) {
  Graph g = testing::MakeMbconvTestGraph(16, 16);
  alignas(64) static uint8_t small[128];
  BackendOptions o;
  o.external_arena = small;
  o.external_arena_bytes = sizeof small;
  auto e = PrepareBackend("reference", g, o);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(std::string(e.status().message()).find("external arena"), std::string::npos) << e.status();
#ifdef SCALERT_WITH_XNNPACK
  auto x = PrepareBackend("xnnpack", g, o);
  ASSERT_FALSE(x.ok());
  EXPECT_NE(std::string(x.status().message()).find("xnnpack"), std::string::npos) << x.status();
#endif
}

#ifdef SCALERT_WITH_XNNPACK
TEST_F(FamilyTest, OnXnnpackMembersKeepTheirOwnMemory) {
  auto f = Family::Create(models_, Profiled("xnnpack"));
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_FALSE((*f)->shares_arena());
  int64_t sum = 0;
  for (int m = 0; m < 3; ++m) sum += (*f)->member(m).own_arena_bytes;
  EXPECT_EQ((*f)->arena_bytes(), sum);
  auto r = (*f)->Invoke(frame_.data(), 20, 28, 3, 1000);
  ASSERT_TRUE(r.ok()) << r.status();
}
#endif

TEST_F(FamilyTest, CApiRunsTheFamily) {
  std::vector<scalert_model*> handles(3, nullptr);
  for (int s = 0; s < 3; ++s) {
    const std::string path = ::testing::TempDir() + "/family_" + std::to_string(16 + 8 * s) + ".srm";
    ASSERT_EQ(scalert_model_load_file(path.c_str(), &handles[s]), SCALERT_OK) << scalert_last_error();
  }
  scalert_options* opts = scalert_options_create();
  ASSERT_EQ(scalert_options_set_backend(opts, "native"), SCALERT_OK);
  scalert_family_options* fo = scalert_family_options_create();
  EXPECT_EQ(scalert_family_options_set_policy(fo, "fastest", 0), SCALERT_INVALID_ARGUMENT);
  EXPECT_NE(std::string(scalert_last_error()).find("fastest"), std::string::npos);
  ASSERT_EQ(scalert_family_options_set_policy(fo, "dp", 0), SCALERT_OK);
  EXPECT_EQ(scalert_family_options_set_horizon(fo, 0, 0), SCALERT_INVALID_ARGUMENT);
  ASSERT_EQ(scalert_family_options_set_horizon(fo, 4, 0), SCALERT_OK);
  const double latency[] = {1, 4, 9};
  const double switches[] = {0, 1, 1, 1, 0, 1, 1, 1, 0};
  ASSERT_EQ(scalert_family_options_set_profile(fo, latency, switches, 3), SCALERT_OK);
  scalert_family* f = nullptr;
  EXPECT_EQ(scalert_family_create(handles.data(), 0, opts, fo, &f), SCALERT_INVALID_ARGUMENT);
  EXPECT_EQ(f, nullptr);
  ASSERT_EQ(scalert_family_create(handles.data(), 3, opts, fo, &f), SCALERT_OK) << scalert_last_error();
  for (scalert_model* m : handles) scalert_model_free(m);  // the family keeps its models
  scalert_options_free(opts);
  scalert_family_options_free(fo);

  ASSERT_EQ(scalert_family_member_count(f), 3);
  int64_t largest = 0;
  for (int i = 0; i < 3; ++i) {
    scalert_family_member info;
    ASSERT_EQ(scalert_family_member_info(f, i, &info), SCALERT_OK);
    EXPECT_EQ(info.input_h, 16 + 8 * i);
    EXPECT_EQ(info.latency_ms, latency[i]);
    EXPECT_NE(std::string(info.name).find(std::to_string(16 + 8 * i)), std::string::npos);
    largest = std::max(largest, info.own_arena_bytes);
  }
  EXPECT_EQ(scalert_family_arena_bytes(f), largest);
  scalert_family_member info;
  EXPECT_EQ(scalert_family_member_info(f, 3, &info), SCALERT_INVALID_ARGUMENT);

  float out[10];
  EXPECT_EQ(scalert_family_get_output(f, 0, out, sizeof out), SCALERT_FAILED_PRECONDITION);
  scalert_family_result r;
  EXPECT_EQ(scalert_family_invoke(f, frame_.data(), 20, 28, 2, 10, &r), SCALERT_INVALID_ARGUMENT);
  ASSERT_EQ(scalert_family_invoke(f, frame_.data(), 20, 28, 3, 1000, &r), SCALERT_OK) << scalert_last_error();
  EXPECT_EQ(r.member, 2);
  scalert_tensor_info oi;
  ASSERT_EQ(scalert_family_output_info(f, 0, &oi), SCALERT_OK);
  EXPECT_EQ(oi.bytes, sizeof out);
  ASSERT_EQ(scalert_family_get_output(f, 0, out, sizeof out), SCALERT_OK);
  for (float v : out) EXPECT_TRUE(std::isfinite(v));
  ASSERT_EQ(scalert_family_set_policy(f, "static", 0), SCALERT_OK);
  ASSERT_EQ(scalert_family_invoke(f, frame_.data(), 20, 28, 3, 1000, nullptr), SCALERT_OK);
  EXPECT_EQ(scalert_family_set_policy(f, "static", 7), SCALERT_INVALID_ARGUMENT);
  scalert_family_free(f);
  scalert_family_free(nullptr);
  EXPECT_EQ(scalert_family_member_count(nullptr), 0);
  EXPECT_EQ(scalert_family_arena_bytes(nullptr), 0);
  EXPECT_EQ(scalert_family_invoke(nullptr, frame_.data(), 20, 28, 3, 10, &r), SCALERT_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace scalert
