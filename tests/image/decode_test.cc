// Decoding: JPEG and PNG written by the test with libjpeg/libpng, PPM/PGM, and every documented
// conversion (gray, alpha, 16-bit, 1x1) or clear error (truncated, bad CRC, not an image).
#include "runtime/image/decode.h"

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#if SCALERT_TEST_WRITERS
#include "tests/image/image_writer.h"
#endif

namespace scalert::image {
namespace {

void ExpectError(const absl::StatusOr<Image>& r, const std::string& text) {
  ASSERT_FALSE(r.ok()) << "expected an error mentioning '" << text << "'";
  EXPECT_NE(r.status().message().find(text), std::string::npos) << r.status().message();
}

TEST(Decode, PpmAndPgm) {
  std::string ppm = "P6\n# a comment\n2 1\n255\n";
  ppm += std::string("\x01\x02\x03\xff\x80\x00", 6);
  auto img = DecodeImage(ppm.data(), ppm.size(), "a.ppm");
  ASSERT_TRUE(img.ok()) << img.status();
  EXPECT_EQ(img->width, 2);
  EXPECT_EQ(img->height, 1);
  EXPECT_EQ(img->rgb, (std::vector<uint8_t>{1, 2, 3, 255, 128, 0}));
  std::string pgm = "P5 1 1 15\n";
  pgm += '\x0f';
  img = DecodeImage(pgm.data(), pgm.size(), "a.pgm");
  ASSERT_TRUE(img.ok()) << img.status();
  EXPECT_EQ(img->rgb, (std::vector<uint8_t>{255, 255, 255}));  // maxval 15 scaled, gray to RGB
  std::string truncated = "P6 4 4 255\nabc";
  ExpectError(DecodeImage(truncated.data(), truncated.size(), "t.ppm"), "truncated");
  std::string deep = "P6 1 1 65535\n123456";
  ExpectError(DecodeImage(deep.data(), deep.size(), "d.ppm"), "16-bit");
  std::string huge = "P6 100000 100000 255\n";
  ExpectError(DecodeImage(huge.data(), huge.size(), "h.ppm"), "outside");
}

TEST(Decode, NotAnImage) {
  std::string text = "hello, world";
  ExpectError(DecodeImage(text.data(), text.size(), "x.txt"), "x.txt: not a JPEG, PNG or binary PPM");
  ExpectError(DecodeImage(text.data(), 0, "e"), "empty");
  ExpectError(ReadImageFile("/nonexistent/x.png"), "cannot open");
  EXPECT_TRUE(HasImageExtension("a/B.JPG"));
  EXPECT_TRUE(HasImageExtension("b.png"));
  EXPECT_FALSE(HasImageExtension("c.npy"));
  EXPECT_FALSE(HasImageExtension("noext"));
}

#if SCALERT_TEST_WRITERS
using testing::EncodeJpeg;
using testing::EncodePng;
using testing::PatternRgb;

TEST(Decode, PngIsExact) {
  const std::vector<uint8_t> rgb = PatternRgb(37, 23);
  const std::vector<uint8_t> png = EncodePng(rgb, 37, 23, 3, 8);
  auto img = DecodeImage(png.data(), png.size(), "p.png");
  ASSERT_TRUE(img.ok()) << img.status();
  EXPECT_EQ(img->width, 37);
  EXPECT_EQ(img->height, 23);
  EXPECT_EQ(img->rgb, rgb);
}

TEST(Decode, JpegIsCloseToThePattern) {
  const std::vector<uint8_t> rgb = PatternRgb(64, 48);
  const std::vector<uint8_t> jpg = EncodeJpeg(rgb, 64, 48, 3);
  auto img = DecodeImage(jpg.data(), jpg.size(), "p.jpg");
  ASSERT_TRUE(img.ok()) << img.status();
  ASSERT_EQ(img->rgb.size(), rgb.size());
  int worst = 0;
  double sum = 0;
  for (size_t i = 0; i < rgb.size(); ++i) {
    worst = std::max(worst, std::abs(img->rgb[i] - rgb[i]));
    sum += std::abs(img->rgb[i] - rgb[i]);
  }
  EXPECT_LE(sum / rgb.size(), 2.0);  // quality 100, 4:4:4: YCbCr rounding and DCT quantization only
  EXPECT_LE(worst, 32);              // at the checker's hard edges
}

TEST(Decode, GrayscaleBecomesEqualChannels) {
  std::vector<uint8_t> gray(20 * 10);
  for (size_t i = 0; i < gray.size(); ++i) gray[i] = static_cast<uint8_t>(i);
  for (const auto& bytes : {EncodePng(gray, 20, 10, 1, 8), EncodeJpeg(gray, 20, 10, 1)}) {
    auto img = DecodeImage(bytes.data(), bytes.size(), "g");
    ASSERT_TRUE(img.ok()) << img.status();
    for (size_t i = 0; i < gray.size(); ++i) {
      EXPECT_EQ(img->rgb[i * 3], img->rgb[i * 3 + 1]);
      EXPECT_EQ(img->rgb[i * 3], img->rgb[i * 3 + 2]);
      EXPECT_NEAR(img->rgb[i * 3], gray[i], 2);
    }
  }
}

TEST(Decode, AlphaIsDroppedAnd16BitIsScaled) {
  std::vector<uint8_t> rgba = {10, 20, 30, 0, 40, 50, 60, 255};
  auto bytes = EncodePng(rgba, 2, 1, 4, 8);
  auto img = DecodeImage(bytes.data(), bytes.size(), "a.png");
  ASSERT_TRUE(img.ok()) << img.status();
  EXPECT_EQ(img->rgb, (std::vector<uint8_t>{10, 20, 30, 40, 50, 60}));  // not composited
  std::vector<uint8_t> gray_alpha = {90, 7};
  bytes = EncodePng(gray_alpha, 1, 1, 2, 8);
  img = DecodeImage(bytes.data(), bytes.size(), "ga.png");
  ASSERT_TRUE(img.ok()) << img.status();
  EXPECT_EQ(img->rgb, (std::vector<uint8_t>{90, 90, 90}));
  // 16-bit samples v * 257 scale back to exactly v; 0x8080 rounds to 0x80.
  std::vector<uint8_t> deep = {0x12, 0x12, 0xFF, 0xFF, 0x80, 0x80, 0x00, 0x00, 0x01, 0x01, 0xAB, 0xAB};
  bytes = EncodePng(deep, 2, 1, 3, 16);
  img = DecodeImage(bytes.data(), bytes.size(), "d.png");
  ASSERT_TRUE(img.ok()) << img.status();
  EXPECT_EQ(img->rgb, (std::vector<uint8_t>{0x12, 0xFF, 0x80, 0x00, 0x01, 0xAB}));
}

TEST(Decode, OnePixel) {
  std::vector<uint8_t> px = {200, 100, 50};
  for (const auto& bytes : {EncodePng(px, 1, 1, 3, 8), EncodeJpeg(px, 1, 1, 3)}) {
    auto img = DecodeImage(bytes.data(), bytes.size(), "one");
    ASSERT_TRUE(img.ok()) << img.status();
    EXPECT_EQ(img->width, 1);
    EXPECT_EQ(img->height, 1);
    EXPECT_NEAR(img->rgb[0], 200, 3);
  }
}

TEST(Decode, TruncatedJpegIsAnError) {
  const std::vector<uint8_t> jpg = EncodeJpeg(PatternRgb(64, 64), 64, 64, 3);
  for (size_t keep : {jpg.size() / 2, size_t{200}, size_t{20}, size_t{4}}) {
    auto r = DecodeImage(jpg.data(), keep, "cut.jpg");
    ASSERT_FALSE(r.ok()) << keep;
    EXPECT_NE(r.status().message().find("cut.jpg: bad JPEG"), std::string::npos) << r.status().message();
  }
  ExpectError(DecodeImage(jpg.data(), jpg.size() / 2, "cut.jpg"), "truncated");
}

TEST(Decode, PngWithBadCrcOrTruncationIsAnError) {
  std::vector<uint8_t> png = EncodePng(PatternRgb(16, 16), 16, 16, 3, 8);
  std::vector<uint8_t> bad = png;
  bad[8 + 8 + 13] ^= 0x5A;  // IHDR's CRC: signature, length+type, 13 data bytes, then the CRC
  ExpectError(DecodeImage(bad.data(), bad.size(), "crc.png"), "CRC");
  ExpectError(DecodeImage(png.data(), png.size() - 30, "cut.png"), "cut.png: bad PNG");
}

TEST(Decode, ReadsFiles) {
  const std::string path = ::testing::TempDir() + "/decode_test.png";
  ASSERT_TRUE(testing::WriteFile(path, EncodePng(PatternRgb(5, 4), 5, 4, 3, 8)));
  auto img = ReadImageFile(path);
  ASSERT_TRUE(img.ok()) << img.status();
  EXPECT_EQ(img->rgb, PatternRgb(5, 4));
}
#else
TEST(Decode, JpegAndPngAreRefusedClearlyWhenNotBuilt) {
  EXPECT_FALSE(JpegPngSupported());
  const uint8_t jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 0};
  ExpectError(DecodeImage(jpeg, sizeof jpeg, "a.jpg"), "built without JPEG/PNG");
}
#endif

}  // namespace
}  // namespace scalert::image
