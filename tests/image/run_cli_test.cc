// `scalert run --image` end to end on an EfficientNet-B0 from `scalert scale`: JPEG and PNG
// written by the test give the same logits as the .npy path fed the same preprocessed pixels;
// damaged and unusual images give a clear message or a documented conversion.
#include <sys/stat.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <string>

#include "gtest/gtest.h"
#include "runtime/image/preprocess.h"
#include "tests/image/image_writer.h"
#include "tools/npy.h"

namespace scalert {
namespace {

struct Result {
  int exit_code;
  std::string out;
};

Result Scalert(const std::string& args) {
  Result r{-1, ""};
  FILE* p = popen((std::string(SCALERT_BIN) + " " + args + " 2>&1").c_str(), "r");
  if (!p) return r;
  std::array<char, 512> buf;
  while (fgets(buf.data(), buf.size(), p)) r.out += buf.data();
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

class RunImage : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(::testing::TempDir() + "/run_image_test");
    mkdir(dir_->c_str(), 0755);
    std::string labels;
    for (int i = 0; i < 1000; ++i) labels += "class" + std::to_string(i) + "\n";
    ASSERT_TRUE(testing::WriteFile(*dir_ + "/labels.txt", std::vector<uint8_t>(labels.begin(), labels.end())));
    Result r = Scalert("scale --preset b0 --labels " + *dir_ + "/labels.txt -o " + *dir_ + "/b0.srm");
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string Path(const std::string& name) { return *dir_ + "/" + name; }
  static std::string Model() { return Path("b0.srm"); }
  static std::string* dir_;
};
std::string* RunImage::dir_ = nullptr;

double MaxRelativeError(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0, scale = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i])) return INFINITY;
    worst = std::max(worst, static_cast<double>(std::fabs(a[i] - b[i])));
    scale = std::max(scale, static_cast<double>(std::fabs(b[i])));
  }
  return scale > 0 ? worst / scale : worst;
}

TEST_F(RunImage, JpegAndPngGiveTheSameLogitsAsTheNpyPath) {
  const std::vector<uint8_t> pattern = testing::PatternRgb(300, 200);
  ASSERT_TRUE(testing::WriteFile(Path("p.png"), testing::EncodePng(pattern, 300, 200, 3, 8)));
  ASSERT_TRUE(testing::WriteFile(Path("p.jpg"), testing::EncodeJpeg(pattern, 300, 200, 3)));
  std::vector<std::vector<float>> logits;
  for (const std::string name : {"p.png", "p.jpg"}) {
    const std::string in = Path(name + ".in.npy"), y_image = Path(name + ".y.npy"), y_npy = Path(name + ".y2.npy");
    Result r = Scalert("run " + Model() + " --image " + Path(name) + " --save-input " + in + " --output " + y_image);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    r = Scalert("run " + Model() + " --input " + in + " --output " + y_npy);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    auto a = tools::ReadNpy(y_image), b = tools::ReadNpy(y_npy);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_LE(MaxRelativeError(a->data, b->data), 1e-6) << name;
    logits.push_back(a->data);
  }
  // The PNG is lossless: its input tensor is the pattern preprocessed directly.
  auto saved = tools::ReadNpy(Path("p.png.in.npy"));
  ASSERT_TRUE(saved.ok());
  image::Frame f;
  f.data = pattern.data();
  f.width = 300;
  f.height = 200;
  image::InputSpec spec;
  spec.height = spec.width = 224;
  const float mean[3] = {0.485f, 0.456f, 0.406f}, std[3] = {0.229f, 0.224f, 0.225f};
  for (int k = 0; k < 3; ++k) spec.mean[k] = mean[k], spec.std[k] = std[k];
  std::vector<float> want(224 * 224 * 3);
  ASSERT_TRUE(image::Preprocess(f, {}, spec, want.data()).ok());
  EXPECT_EQ(saved->shape, (Shape{1, 224, 224, 3}));
  EXPECT_LE(MaxRelativeError(saved->data, want), 1e-6);
  // The logits depend on the image: JPEG is close to PNG, a different image is not.
  std::vector<uint8_t> other = pattern;
  for (uint8_t& v : other) v = static_cast<uint8_t>(255 - v);
  ASSERT_TRUE(testing::WriteFile(Path("other.png"), testing::EncodePng(other, 300, 200, 3, 8)));
  Result r = Scalert("run " + Model() + " --image " + Path("other.png") + " --output " + Path("other.npy"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto y_other = tools::ReadNpy(Path("other.npy"));
  ASSERT_TRUE(y_other.ok());
  EXPECT_GT(MaxRelativeError(y_other->data, logits[0]), 1e-3);
  EXPECT_LT(MaxRelativeError(logits[1], logits[0]), MaxRelativeError(y_other->data, logits[0]));
}

TEST_F(RunImage, FolderWithJsonTopKAndFits) {
  const std::string folder = Path("folder");
  mkdir(folder.c_str(), 0755);
  ASSERT_TRUE(testing::WriteFile(folder + "/a.png", testing::EncodePng(testing::PatternRgb(64, 40), 64, 40, 3, 8)));
  ASSERT_TRUE(testing::WriteFile(folder + "/b.JPG", testing::EncodeJpeg(testing::PatternRgb(40, 64), 40, 64, 3)));
  ASSERT_TRUE(testing::WriteFile(folder + "/notes.txt", {'h', 'i'}));
  for (const std::string fit : {"stretch", "crop", "letterbox"}) {
    Result r = Scalert("run " + Model() + " --image " + folder + " --top 3 --json --fit " + fit);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("\"fit\": \"" + fit + "\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("a.png"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("b.JPG"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("notes.txt"), std::string::npos) << r.out;
    size_t labels = 0;
    for (size_t p = r.out.find("\"label\""); p != std::string::npos; p = r.out.find("\"label\"", p + 1)) ++labels;
    EXPECT_EQ(labels, 6u) << r.out;  // 2 images x top 3
  }
  // Several images as arguments; text output names each.
  Result r = Scalert("run " + Model() + " --image " + folder + "/a.png " + folder + "/b.JPG --top 2");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("a.png (64x40, stretch)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("b.JPG (40x64, stretch)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  class"), std::string::npos) << "labels from the model: " << r.out;
}

TEST_F(RunImage, UnusualImagesAreConvertedOrRefusedClearly) {
  const std::vector<uint8_t> jpg = testing::EncodeJpeg(testing::PatternRgb(64, 64), 64, 64, 3);
  ASSERT_TRUE(testing::WriteFile(Path("cut.jpg"), std::vector<uint8_t>(jpg.begin(), jpg.begin() + jpg.size() / 2)));
  std::vector<uint8_t> png = testing::EncodePng(testing::PatternRgb(16, 16), 16, 16, 3, 8);
  png[8 + 8 + 13] ^= 0x5A;
  ASSERT_TRUE(testing::WriteFile(Path("crc.png"), png));
  ASSERT_TRUE(testing::WriteFile(Path("text.png"), {'n', 'o', 't', ' ', 'p', 'n', 'g'}));
  struct Case {
    std::string file, message;
  };
  for (const Case& c : {Case{"cut.jpg", "truncated"}, Case{"crc.png", "CRC"}, Case{"text.png", "not a JPEG, PNG"},
                        Case{"missing.png", "cannot open"}}) {
    Result r = Scalert("run " + Model() + " --image " + Path(c.file) + " --output " + Path(c.file + ".npy"));
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find(c.file), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << r.out;
    struct stat st;
    EXPECT_NE(stat(Path(c.file + ".npy").c_str(), &st), 0) << "no output after a failure";
  }
  // Documented conversions: 1x1, 16-bit, grayscale, alpha.
  ASSERT_TRUE(testing::WriteFile(Path("one.png"), testing::EncodePng({9, 99, 199}, 1, 1, 3, 8)));
  std::vector<uint8_t> deep(8 * 8 * 3 * 2);
  for (size_t i = 0; i < deep.size(); ++i) deep[i] = static_cast<uint8_t>(i * 7);
  ASSERT_TRUE(testing::WriteFile(Path("deep.png"), testing::EncodePng(deep, 8, 8, 3, 16)));
  std::vector<uint8_t> gray(32 * 32);
  for (size_t i = 0; i < gray.size(); ++i) gray[i] = static_cast<uint8_t>(i);
  ASSERT_TRUE(testing::WriteFile(Path("gray.jpg"), testing::EncodeJpeg(gray, 32, 32, 1)));
  ASSERT_TRUE(testing::WriteFile(Path("gray.png"), testing::EncodePng(gray, 32, 32, 1, 8)));
  std::vector<uint8_t> rgba(4 * 4 * 4, 128);
  ASSERT_TRUE(testing::WriteFile(Path("rgba.png"), testing::EncodePng(rgba, 4, 4, 4, 8)));
  for (const std::string f : {"one.png", "deep.png", "gray.jpg", "gray.png", "rgba.png"}) {
    Result r = Scalert("run " + Model() + " --image " + Path(f) + " --json");
    EXPECT_EQ(r.exit_code, 0) << f << ": " << r.out;
    EXPECT_NE(r.out.find("\"top\""), std::string::npos) << r.out;
  }
}

TEST_F(RunImage, BadFlagsAreErrors) {
  EXPECT_EQ(Scalert("run " + Model() + " --image " + Path("p.png") + " --fit squash").exit_code, 2);
  EXPECT_EQ(Scalert("run " + Model() + " --image " + Path("p.png") + " --top 0").exit_code, 2);
  Result both = Scalert("run " + Model() + " --image x.png --input x.npy");
  EXPECT_EQ(both.exit_code, 2) << both.out;
  const std::string empty = Path("empty_folder");
  mkdir(empty.c_str(), 0755);
  Result r = Scalert("run " + Model() + " --image " + empty);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("no .jpg"), std::string::npos) << r.out;
  r = Scalert("run " + Model() + " --threads 100000");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("threads must be in [1, 256]"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace scalert
