// `scalert scale` end to end: the built binary (its path comes from CMake as SCALERT_BIN) writes
// files that `scalert inspect --json` reports correctly; bad parameters fail and write nothing.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "runtime/model.h"

namespace {

struct Result {
  int code = -1;
  std::string out;  // stdout and stderr
};

Result RunScalert(const std::string& args) {
  Result r;
  std::string cmd = std::string(SCALERT_BIN) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class ScaleCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/scale_cli_" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(ScaleCli, PresetWritesAFileThatInspectReports) {
  const std::string out = dir_ + "/b0.srm";
  Result r = RunScalert("scale --preset b0 --resolution 64 -o " + out);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("alpha*beta^2*gamma^2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("params (as trained):   5,288,548"), std::string::npos) << r.out;
  ASSERT_TRUE(std::filesystem::exists(out));
  Result j = RunScalert("inspect " + out + " --json");
  ASSERT_EQ(j.code, 0) << j.out;
  // Parameters do not depend on the resolution: B0's exact torchvision counts.
  EXPECT_NE(j.out.find("\"params_trained\": 5288548"), std::string::npos) << j.out;
  EXPECT_NE(j.out.find("\"params_stored\": 5267540"), std::string::npos) << j.out;
  EXPECT_NE(j.out.find("\"family\": \"efficientnet\""), std::string::npos) << j.out;
  EXPECT_NE(j.out.find("\"producer\": \"scalert scale\""), std::string::npos) << j.out;
  EXPECT_NE(j.out.find("\"input_h\": 64"), std::string::npos) << j.out;
}

TEST_F(ScaleCli, ReportJsonAndLabels) {
  const std::string labels = dir_ + "/labels.txt";
  std::ofstream(labels) << "red\ngreen\nblue\n";
  const std::string out = dir_ + "/v3.srm";
  Result r = RunScalert("scale --family mobilenet_v3_small --width 0.75 --resolution 96x128 --in-channels 4 --labels " +
                 labels + " --seed 5 --report --json -o " + out);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("\"cost_vs_base\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"num_labels\": 3"), std::string::npos) << r.out;
  auto m = scalert::Model::Load(out);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)->graph().metadata.labels, (std::vector<std::string>{"red", "green", "blue"}));
  EXPECT_EQ((*m)->graph().tensors[(*m)->graph().inputs[0]].shape, (scalert::Shape{1, 96, 128, 4}));
  Result t = RunScalert("scale --family mobilenet_v2 --rho 0.571 --width 0.5 --report");
  ASSERT_EQ(t.code, 0) << t.out;
  EXPECT_NE(t.out.find("features.1.conv.0"), std::string::npos) << t.out;  // the per-layer table
  EXPECT_NE(t.out.find("128x128"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("nothing written"), std::string::npos) << t.out;
}

TEST_F(ScaleCli, PhiRangeWritesEveryMemberAndSummaries) {
  Result r = RunScalert("scale --family mobilenet_v3_small --phi 0:2 --resolution 32 -o " + dir_ + "/sweep");
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* f : {"mobilenet_v3_small_phi0.srm", "mobilenet_v3_small_phi1.srm", "mobilenet_v3_small_phi2.srm",
                        "summary.md", "summary.csv"})
    EXPECT_TRUE(std::filesystem::exists(dir_ + "/sweep/" + f)) << f;
}

TEST_F(ScaleCli, BadParametersFailAndWriteNothing) {
  const std::string out = dir_ + "/bad.srm";
  const std::pair<const char*, const char*> bad[] = {
      {"--family efficientnet --phi -1", "--phi must be >= 0"},
      {"--family efficientnet --width 0", "--width must be a positive"},
      {"--family efficientnet --depth -2", "--depth must be a positive"},
      {"--family efficientnet --resolution 16", "outside"},
      {"--family efficientnet --resolution 1.5", "--rho"},
      {"--family resnet", "unknown family 'resnet'"},
      {"--preset b9", "unknown preset 'b9'"},
      {"--family mobilenet_v2 --preset b3", "belongs to family efficientnet"},
      {"--family efficientnet --alpha 1.3", "give --phi too"},
      {"--family efficientnet --phi 0:7:1", "--phi"},
      {"--family efficientnet --in-channels 0", "--in-channels"},
      {"--family efficientnet --labels /nonexistent/labels.txt", "cannot read labels"},
      {"--family efficientnet --bogus 1", "unknown flag"},
      {"", "--family"},
  };
  for (const auto& [args, message] : bad) {
    Result r = RunScalert(std::string("scale ") + args + " -o " + out);
    EXPECT_NE(r.code, 0) << args;
    EXPECT_NE(r.out.find(message), std::string::npos) << args << ": " << r.out;
    EXPECT_FALSE(std::filesystem::exists(out)) << args;
  }
  Result r = RunScalert("scale --family efficientnet --phi -1:3 -o " + dir_ + "/sweep");
  EXPECT_NE(r.code, 0);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/sweep"));
}

TEST_F(ScaleCli, Help) {
  Result r = RunScalert("scale --help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("--phi"), std::string::npos);
  EXPECT_NE(r.out.find("scalert scale --preset b0 -o b0.srm"), std::string::npos);
}

}  // namespace
