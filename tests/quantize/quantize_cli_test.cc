// `scalert quantize` end to end: the built binary (SCALERT_BIN) writes lowered files that load
// and run on the reference backend, prints the report, writes the auto-mixed policy beside the
// model; a failure writes nothing.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "runtime/dtype_rules.h"
#include "runtime/interpreter.h"
#include "runtime/model_format.h"
#include "tests/testing/test_models.h"

namespace scalert {
namespace {

struct Result {
  int code = -1;
  std::string out;  // stdout and stderr
};

Result RunScalert(const std::string& args) {
  Result r;
  FILE* p = popen((std::string(SCALERT_BIN) + " " + args + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class QuantizeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/quantize_cli_" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    model_ = dir_ + "/m.srm";
    ASSERT_TRUE(WriteModelFile(testing::MakeMbconvTestGraph(), model_).ok());
  }
  std::string dir_, model_;
};

TEST_F(QuantizeCli, EveryModeWritesAModelThatRunsOnTheReference) {
  for (const char* mode : {"int8", "fp16", "bf16"}) {
    const std::string out = dir_ + "/" + mode + ".srm";
    Result r = RunScalert("quantize " + model_ + " -o " + out + " --mode " + mode + " --calibration-random 4");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("whole model vs fp32"), std::string::npos) << r.out;
    auto m = Model::Load(out);
    ASSERT_TRUE(m.ok()) << m.status();
    Precision want;
    ASSERT_TRUE(ParsePrecision(mode, &want));
    EXPECT_EQ(GraphPrecision((*m)->graph()), want);
    InterpreterOptions o;
    o.backend = "reference";
    auto it = Interpreter::Create(*m, o);
    ASSERT_TRUE(it.ok()) << it.status();
    EXPECT_TRUE((*it)->Invoke().ok());
    // Native runs every lowered file: INT8 (int8_steps.cc), FP16 and BF16 (half_steps.cc).
    Result native = RunScalert("run " + out + " --backend native");
    EXPECT_EQ(native.code, 0) << native.out;
  }
}

TEST_F(QuantizeCli, ReportJsonAndCalibrationFolder) {
  // A folder of .npy inputs: three calibrate, the fourth is held out.
  std::filesystem::create_directories(dir_ + "/cal");
  for (int i = 0; i < 4; ++i) {
    const std::vector<float> x = testing::RandomVector(17 * 12 * 3, 10 + i);
    std::ofstream f(dir_ + "/cal/x" + std::to_string(i) + ".npy", std::ios::binary);
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 17, 12, 3), }";
    header.append(64 - (10 + header.size() + 1) % 64, ' ');
    header += '\n';
    const uint16_t len = static_cast<uint16_t>(header.size());
    f << "\x93NUMPY" << '\x01' << '\x00';
    f.write(reinterpret_cast<const char*>(&len), 2);
    f << header;
    f.write(reinterpret_cast<const char*>(x.data()), x.size() * 4);
  }
  Result r = RunScalert("quantize " + model_ + " -o " + dir_ + "/q.srm --mode int8 --calibration " + dir_ + "/cal --report --json");
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* key : {"\"fidelity\"", "\"snr_db\"", "\"layers\"", "\"calibration_inputs\": 3", "\"holdout_inputs\": 1",
                          "\"top1_agreement\"", "\"weight_bytes\""})
    EXPECT_NE(r.out.find(key), std::string::npos) << key << " in " << r.out;
}

// A binary PPM whose pixels are a pattern times `gain`.
void WritePpm(const std::string& path, int w, int h, double gain) {
  std::string bytes = "P6\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n";
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) bytes += static_cast<char>(static_cast<int>(((x * 5 + y * 11 + c * 60) % 256) * gain));
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST_F(QuantizeCli, CalibratesFromAFolderOfImages) {
  // The same pictures bright and dark: the activation ranges, so the files, must differ.
  for (const char* name : {"bright", "dark"}) {
    std::filesystem::create_directories(dir_ + "/" + name);
    for (int i = 0; i < 4; ++i)
      WritePpm(dir_ + "/" + name + "/img" + std::to_string(i) + ".ppm", 30 + 7 * i, 20 + 3 * i,
               name[0] == 'b' ? 1.0 : 0.2);
  }
  std::ofstream(dir_ + "/bright/labels.txt") << "skipped";
  for (const char* name : {"bright", "dark"}) {
    Result r = RunScalert("quantize " + model_ + " -o " + dir_ + "/" + name + ".srm --mode int8 --fit crop --calibration " +
                          dir_ + "/" + name + " --json");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("\"calibration_inputs\": 3"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"holdout_inputs\": 1"), std::string::npos) << r.out;
    auto m = Model::Load(dir_ + "/" + name + ".srm");
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ(GraphPrecision((*m)->graph()), Precision::kI8);
  }
  EXPECT_NE(ReadBytes(dir_ + "/bright.srm"), ReadBytes(dir_ + "/dark.srm"));
  // A broken image names itself and nothing is written; --fit must be a policy and needs images.
  std::ofstream(dir_ + "/dark/img9.ppm", std::ios::binary) << "P6 4 4 255\nabc";
  for (const std::string& args : {"--calibration " + dir_ + "/dark", "--fit sideways --calibration " + dir_ + "/bright",
                                  std::string("--fit crop --calibration-random 4")}) {
    Result r = RunScalert("quantize " + model_ + " -o " + dir_ + "/never.srm --mode int8 " + args);
    EXPECT_NE(r.code, 0) << args;
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/never.srm")) << args;
    if (args.find("dark") != std::string::npos) {
      EXPECT_NE(r.out.find("img9.ppm"), std::string::npos) << r.out;
    }
  }
}

TEST_F(QuantizeCli, AutoMixedWritesThePolicyBesideTheModel) {
  Result r = RunScalert("quantize " + model_ + " -o " + dir_ + "/mixed.srm --mode mixed --auto-mixed --min-snr 45 --calibration-random 4");
  ASSERT_EQ(r.code, 0) << r.out;
  ASSERT_TRUE(std::filesystem::exists(dir_ + "/mixed.policy")) << r.out;
  Result again = RunScalert("quantize " + model_ + " -o " + dir_ + "/again.srm --mode mixed --policy " + dir_ + "/mixed.policy --calibration-random 4");
  ASSERT_EQ(again.code, 0) << again.out;
}

TEST_F(QuantizeCli, FailuresWriteNothing) {
  const std::string out = dir_ + "/never.srm";
  for (const std::string& args : {model_ + " -o " + out + " --mode int4",
                                  model_ + " -o " + out + " --mode int8 --calibration " + dir_ + "/missing",
                                  model_ + " -o " + out + " --mode mixed",
                                  model_ + " -o " + out + " --mode int8 --percentile 10",
                                  dir_ + "/missing.srm -o " + out + " --mode fp16"}) {
    Result r = RunScalert("quantize " + args);
    EXPECT_NE(r.code, 0) << args;
    EXPECT_FALSE(r.out.empty());
    EXPECT_FALSE(std::filesystem::exists(out)) << args;
  }
  Result help = RunScalert("quantize --help");
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("--auto-mixed"), std::string::npos);
}

}  // namespace
}  // namespace scalert
