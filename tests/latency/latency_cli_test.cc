// The commands as a user runs them, with no timing asserted: bad usage and stale or mismatched
// profiles are refused with a clear message and a non-zero exit, and nothing is written.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "runtime/model_format.h"
#include "tools/latency/device_profile.h"
#include "tools/latency/latency_model.h"
#include "tools/latency/native_steps.h"
#include "tools/scale/network_builder.h"

namespace scalert::latency {
namespace {

struct Outcome {
  int exit_code = -1;
  std::string out;
};

Outcome RunCli(const std::string& args) {
  Outcome o;
  const std::string cmd = std::string(SCALERT_CLI) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return o;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) o.out.append(buf, n);
  const int status = pclose(p);
  if (WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
  return o;
}

class LatencyCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("scalert_latency_cli_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    // A small model and a 2-thread profile of its own steps (synthetic times).
    scale::NetworkConfig c;
    c.family = scale::Family::kMobileNetV2;
    c.width = 0.35;
    c.input_h = c.input_w = 64;
    auto plan = scale::PlanNetwork(c);
    ASSERT_TRUE(plan.ok());
    auto net = scale::BuildNetwork(*plan);
    ASSERT_TRUE(net.ok());
    scale::AllocateWeights(&net->graph);
    model_ = (dir_ / "m.srm").string();
    ASSERT_TRUE(WriteModelFile(net->graph, model_).ok());
    auto m = ModelFromGraph(net->graph, "m");
    ASSERT_TRUE(m.ok());
    auto plan2 = DescribeNativePlan(*m, 2, Precision::kF32, false);
    ASSERT_TRUE(plan2.ok());
    auto groups = GroupSteps(net->graph, plan2->labels, plan2->empty);
    ASSERT_TRUE(groups.ok());
    DeviceProfile p;
    p.device.cpu = "Test CPU";
    p.device.arch = "x86_64";
    p.device.isa = LabelIsa(plan2->labels[0]);
    DeviceSetting s;
    s.threads = 2;
    for (const StepGroup& g : *groups) s.samples.push_back({g.kernel, g.klass, 1, g.flops, g.bytes, 0.01, 0.02, "m"});
    p.settings.push_back(s);
    profile_ = (dir_ / "device.json").string();
    std::ofstream(profile_) << DeviceProfileJson(p);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string model_, profile_;
};

TEST_F(LatencyCliTest, PredictsWithAMatchingSetting) {
  Outcome o = RunCli("inspect " + model_ + " --predict " + profile_ + " --threads 2 --json");
  ASSERT_EQ(o.exit_code, 0) << o.out;
  EXPECT_NE(o.out.find("\"predicted_ms\""), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("\"flop_proportional_ms\""), std::string::npos) << o.out;
  o = RunCli("inspect " + model_ + " --predict " + profile_ + " --threads 2");
  ASSERT_EQ(o.exit_code, 0) << o.out;
  EXPECT_NE(o.out.find("FLOP-prop"), std::string::npos) << o.out;
}

TEST_F(LatencyCliTest, ATwoThreadProfileIsRefusedForOneThread) {
  for (const std::string& cmd :
       {"inspect " + model_ + " --predict " + profile_ + " --threads 1",
        "search --family mobilenet_v2 --device " + profile_ + " --threads 1 --latency-budget 5"}) {
    Outcome o = RunCli(cmd);
    EXPECT_EQ(o.exit_code, 1) << cmd << "\n" << o.out;
    EXPECT_NE(o.out.find("no setting for 1 thread(s) at fp32 (it has: 2 thread(s) fp32)"), std::string::npos)
        << o.out;
  }
}

TEST_F(LatencyCliTest, BadProfilesAndUsage) {
  const std::string bad = (dir_ / "bad.json").string();
  std::ofstream(bad) << "{\"format\": \"scalert-device-profile\", \"version\": 1, \"device\": {\"cpu\": 1}}";
  Outcome o = RunCli("inspect " + model_ + " --predict " + bad);
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.out.find("device.cpu: expected a string"), std::string::npos) << o.out;
  o = RunCli("search --family mobilenet_v2 --device " + profile_);
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.out.find("--latency-budget"), std::string::npos) << o.out;
  o = RunCli("search --family mobilenet_v9 --device " + profile_ + " --latency-budget 5");
  EXPECT_NE(o.exit_code, 0);
  o = RunCli("search --family efficientnet --device " + profile_ + " --latency-budget -3");
  EXPECT_EQ(o.exit_code, 2);
  const std::string out = (dir_ / "never.json").string();
  o = RunCli("profile-device -o " + out + " --threads 0");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.out.find("--threads"), std::string::npos) << o.out;
  o = RunCli("profile-device -o " + out + " --precision fp64");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_EQ(RunCli("profile-device --help").exit_code, 0);
  EXPECT_EQ(RunCli("search --help").exit_code, 0);
}

}  // namespace
}  // namespace scalert::latency
