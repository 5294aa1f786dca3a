// The example apps run on a real model file and fail cleanly on bad input; the shared
// library exports only the C API.
#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "runtime/model_format.h"
#include "tests/testing/test_models.h"

namespace scalert {
namespace {

struct Result {
  int exit_code;
  std::string out;
};

Result RunCommand(const std::string& cmd) {
  Result r{-1, ""};
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  std::array<char, 512> buf;
  while (fgets(buf.data(), buf.size(), p)) r.out += buf.data();
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

class Examples : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir();
    Graph g = testing::MakeMbconvTestGraph(17, 12);
    for (int i = 0; i < 10; ++i) g.metadata.labels.push_back("class" + std::to_string(i));
    g.metadata.mean = {0.485f, 0.456f, 0.406f};
    g.metadata.std = {0.229f, 0.224f, 0.225f};
    g.metadata.input_layout = "NHWC";
    model_ = dir_ + "/example.srm";
    ASSERT_TRUE(WriteModelFile(g, model_).ok());
    Graph bigger = testing::MakeMbconvTestGraph(64, 48);
    bigger_ = dir_ + "/example_big.srm";
    ASSERT_TRUE(WriteModelFile(bigger, bigger_).ok());
    image_ = dir_ + "/image.ppm";
    std::ofstream f(image_, std::ios::binary);
    f << "P6\n40 30\n255\n";
    for (int i = 0; i < 40 * 30 * 3; ++i) f.put(static_cast<char>((i * 37) % 256));
  }
  std::string dir_, model_, bigger_, image_;
};

TEST_F(Examples, ClassifyPrintsTopFiveWithLabels) {
  Result r = RunCommand(std::string(CLASSIFY_BIN) + " " + model_ + " " + image_);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  int lines = 0;
  for (char c : r.out) lines += c == '\n';
  EXPECT_EQ(lines, 5) << r.out;
  EXPECT_NE(r.out.find("class"), std::string::npos) << r.out;
}

TEST_F(Examples, ClassifyBadInputsFailCleanly) {
  Result missing = RunCommand(std::string(CLASSIFY_BIN) + " " + dir_ + "/missing.srm " + image_);
  EXPECT_EQ(missing.exit_code, 1) << missing.out;
  EXPECT_NE(missing.out.find("missing.srm"), std::string::npos) << missing.out;
  Result not_image = RunCommand(std::string(CLASSIFY_BIN) + " " + model_ + " " + model_);
  EXPECT_EQ(not_image.exit_code, 1) << not_image.out;
  EXPECT_NE(not_image.out.find("not a binary PPM"), std::string::npos) << not_image.out;
  std::string truncated = dir_ + "/truncated.ppm";
  std::ofstream(truncated, std::ios::binary) << "P6\n40 30\n255\nabc";
  Result t = RunCommand(std::string(CLASSIFY_BIN) + " " + model_ + " " + truncated);
  EXPECT_EQ(t.exit_code, 1) << t.out;
  EXPECT_NE(t.out.find("truncated"), std::string::npos) << t.out;
  Result usage = RunCommand(CLASSIFY_BIN);
  EXPECT_EQ(usage.exit_code, 2);
}

TEST_F(Examples, FamilyPicksWithinBudget) {
  Result generous = RunCommand(std::string(FAMILY_BIN) + " 100000 " + model_ + " " + bigger_);
  ASSERT_EQ(generous.exit_code, 0) << generous.out;
  EXPECT_NE(generous.out.find("pick: " + bigger_), std::string::npos) << generous.out;
  Result impossible = RunCommand(std::string(FAMILY_BIN) + " 0 " + model_);
  EXPECT_EQ(impossible.exit_code, 3) << impossible.out;
  Result missing = RunCommand(std::string(FAMILY_BIN) + " 10 " + dir_ + "/nope.srm");
  EXPECT_EQ(missing.exit_code, 1) << missing.out;
  EXPECT_NE(missing.out.find("nope.srm"), std::string::npos) << missing.out;
}

int CountOf(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

TEST_F(Examples, AdaptiveCRunsTheFamilyPerBudget) {
  // A generous budget runs the larger member, an impossible one the smaller.
  Result r = RunCommand(std::string(ADAPTIVE_C_BIN) + " greedy 100000,0,100000 " + model_ + " " + bigger_);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("member 1: " + bigger_ + " 64x48"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("shared arena: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("frame 0: budget 100000.000 ms -> member 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("frame 1: budget 0.000 ms -> member 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 frames, 1 missed"), std::string::npos) << r.out;
  Result dp = RunCommand(std::string(ADAPTIVE_C_BIN) + " dp 100000,100000 " + model_ + " " + bigger_);
  ASSERT_EQ(dp.exit_code, 0) << dp.out;
  EXPECT_EQ(CountOf(dp.out, "-> member 1"), 2) << dp.out;
  Result bad_policy = RunCommand(std::string(ADAPTIVE_C_BIN) + " fastest 10 " + model_);
  EXPECT_EQ(bad_policy.exit_code, 1) << bad_policy.out;
  EXPECT_NE(bad_policy.out.find("fastest"), std::string::npos) << bad_policy.out;
  Result missing = RunCommand(std::string(ADAPTIVE_C_BIN) + " greedy 10 " + dir_ + "/nope.srm");
  EXPECT_EQ(missing.exit_code, 1) << missing.out;
  EXPECT_NE(missing.out.find("nope.srm"), std::string::npos) << missing.out;
  EXPECT_EQ(RunCommand(std::string(ADAPTIVE_C_BIN) + " greedy 1x " + model_).exit_code, 2);
}

TEST_F(Examples, AdaptiveCppRunsASawtooth) {
  Result r = RunCommand(std::string(ADAPTIVE_CPP_BIN) + " dp 20 " + model_ + " " + bigger_);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("2 members, shared arena "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("20 frames: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("last frame's top class: "), std::string::npos) << r.out;
  Result mixed = RunCommand(std::string(ADAPTIVE_CPP_BIN) + " greedy 5 " + model_ + " " + image_);
  EXPECT_EQ(mixed.exit_code, 1) << mixed.out;
  EXPECT_NE(mixed.out.find("image.ppm"), std::string::npos) << mixed.out;
  EXPECT_EQ(RunCommand(std::string(ADAPTIVE_CPP_BIN) + " greedy 0 " + model_).exit_code, 2);
}

TEST(SharedLibrary, ExportsOnlyTheCApi) {
  Result r = RunCommand(std::string(NM_BIN) + " -D --defined-only " + SHARED_LIB);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  int exported = 0;
  size_t start = 0;
  while (start < r.out.size()) {
    size_t end = r.out.find('\n', start);
    if (end == std::string::npos) end = r.out.size();
    std::string line = r.out.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    std::string symbol = line.substr(line.rfind(' ') + 1);
    EXPECT_EQ(symbol.rfind("scalert_", 0), 0u) << "unexpected exported symbol " << symbol;
    ++exported;
  }
  EXPECT_GE(exported, 20);
}

}  // namespace
}  // namespace scalert
