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
  EXPECT_EQ(j.out.find("backend_arena_bytes"), std::string::npos) << "no backend asked: no plan arena";
  // The native plan's arena: fused blocks never hold their expanded tensors whole.
  auto field = [](const std::string& json, const std::string& key) {
    const size_t at = json.find("\"" + key + "\": ");
    return at == std::string::npos ? int64_t{-1} : std::stoll(json.substr(at + key.size() + 4));
  };
  for (const char* fusion : {"off", "on"}) {
    Result n = RunScalert("inspect " + out + " --json --backend native --fusion " + fusion);
    ASSERT_EQ(n.code, 0) << n.out;
    const int64_t peak = field(n.out, "peak_activation_bytes"), arena = field(n.out, "backend_arena_bytes");
    ASSERT_GT(peak, 0) << n.out;
    if (std::string(fusion) == "off") EXPECT_EQ(arena, peak) << n.out;
    else EXPECT_LT(arena, peak) << n.out;  // half at 224 (tests/native/fused_models_test.cc)
  }
  EXPECT_EQ(RunScalert("inspect " + out + " --backend native --fusion sometimes").code, 2);
  EXPECT_EQ(RunScalert("inspect " + out + " --fusion on").code, 2);  // fusion is a native-backend option
  EXPECT_EQ(RunScalert("inspect " + out + " --backend reference --fusion on").code, 2);
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

// A base of the user's: built, inspected and run; a 200-band version; malformed tables write nothing.
TEST_F(ScaleCli, ArchDefBuildsRunsAndRefusesMalformedTables) {
  const std::string table = dir_ + "/tiny_net.txt";
  std::ofstream(table) << "# a small NAS result\nstem 16\nhead 320\nact relu6\nds_r1_k3_s1_c16\n"
                          "ir_r2_k3_s2_e6_c24_se0.25 ir_r1_k5_s1_e3_c24_nsw\nir_r2_k5_s2_e6_c40\n"
                          "er_r1_k3_s2_e4_c64\nir_r1_k3_s2_e6_c96_se0.25\n";
  const std::string out = dir_ + "/tiny.srm";
  Result r = RunScalert("scale --arch-def " + table + " --phi 1 --resolution 64 -o " + out);
  ASSERT_EQ(r.code, 0) << r.out;
  Result j = RunScalert("inspect --json " + out);
  ASSERT_EQ(j.code, 0) << j.out;
  EXPECT_NE(j.out.find("\"family\": \"custom\", \"base_config\": \"tiny_net\""), std::string::npos) << j.out;
  EXPECT_NE(j.out.find("\"shape\": [1, 1000]"), std::string::npos) << j.out;
  Result run = RunScalert("run " + out);
  EXPECT_EQ(run.code, 0) << run.out;

  const std::string bands = dir_ + "/bands.srm";
  r = RunScalert("scale --arch-def " + table + " --in-channels 200 --resolution 64 -o " + bands);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("input  'input' [1,64,64,200]"), std::string::npos) << r.out;
  run = RunScalert("run " + bands);
  EXPECT_EQ(run.code, 0) << run.out;

  const std::pair<const char*, const char*> bad[] = {
      {"xx_r1_k3_s1_c16", "bad.txt:4: block 'xx_r1_k3_s1_c16': unknown block type 'xx'"},
      {"ir_k3_s2_e6_c24", "bad.txt:4: block 'ir_k3_s2_e6_c24': missing repeat count 'r<n>'"},
      {"ir_r1_k3_s2_e6_c-24", "bad.txt:4: block 'ir_r1_k3_s2_e6_c-24': c (output channels): -24 is outside"},
      {"ir_r1_k3_s2_e6_c1000000000", "bad.txt:4: block 'ir_r1_k3_s2_e6_c1000000000': c (output channels): 1000000000"},
  };
  const std::string bad_out = dir_ + "/bad.srm";
  for (const auto& [block, message] : bad) {
    std::ofstream(dir_ + "/bad.txt") << "stem 32\n# line 2\nds_r1_k3_s1_c16\n" << block << "\n";
    r = RunScalert("scale --arch-def " + dir_ + "/bad.txt -o " + bad_out);
    EXPECT_EQ(r.code, 2) << block;
    EXPECT_NE(r.out.find(message), std::string::npos) << r.out;
    EXPECT_FALSE(std::filesystem::exists(bad_out)) << block;
    r = RunScalert("scale --arch-def " + dir_ + "/bad.txt --phi 0:2 -o " + dir_ + "/bad_sweep");
    EXPECT_NE(r.code, 0) << block;
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/bad_sweep")) << block;
  }
  r = RunScalert("scale --arch-def " + dir_ + "/missing.txt -o " + bad_out);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("cannot read architecture file"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(bad_out));
}

// A backbone: its outputs are listed with their strides and `run --output DIR` writes each.
TEST_F(ScaleCli, BackboneOutputsInspectAndRun) {
  const std::string out = dir_ + "/b0_backbone.srm";
  Result r = RunScalert("scale --preset b0 --resolution 64 --outputs C3,C4,C5 -o " + out);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("output C4: end of stage 5, stride 16, 112 channels"), std::string::npos) << r.out;
  Result i = RunScalert("inspect " + out);
  ASSERT_EQ(i.code, 0) << i.out;
  EXPECT_NE(i.out.find("output 'C3' [1,8,8,40] f32, stride 8\noutput 'C4' [1,4,4,112] f32, stride 16\n"
                       "output 'C5' [1,2,2,320] f32, stride 32\n"),
            std::string::npos)
      << i.out;
  Result j = RunScalert("inspect --json " + out);
  EXPECT_NE(j.out.find("{\"name\": \"C5\", \"shape\": [1, 2, 2, 320], \"stride\": 32}"), std::string::npos) << j.out;

  const std::string features = dir_ + "/features";
  Result run = RunScalert("run " + out + " --output " + features);
  ASSERT_EQ(run.code, 0) << run.out;
  // .npy header (128 bytes for these shapes) + float32 data.
  EXPECT_EQ(std::filesystem::file_size(features + "/C3.npy"), 128u + 8 * 8 * 40 * 4);
  EXPECT_EQ(std::filesystem::file_size(features + "/C5.npy"), 128u + 2 * 2 * 320 * 4);
  run = RunScalert("run " + out + " --output " + dir_ + "/one.npy");
  EXPECT_NE(run.code, 0);
  EXPECT_NE(run.out.find("the model has 3 outputs: give --output a directory"), std::string::npos) << run.out;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/one.npy"));

  r = RunScalert("scale --preset b0 --outputs C6 -o " + dir_ + "/c6.srm");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("no stage ends at stride 64"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/c6.srm"));
}

TEST_F(ScaleCli, Help) {
  Result r = RunScalert("scale --help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("--phi"), std::string::npos);
  EXPECT_NE(r.out.find("scalert scale --preset b0 -o b0.srm"), std::string::npos);
}

}  // namespace
