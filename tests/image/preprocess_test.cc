// Frame preprocessing against a plain-loop reference that materializes each step (crop -> RGB
// image -> rotate -> resize -> normalize), for every pixel format, crops, rotations and fits.
#include "runtime/image/preprocess.h"

#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace scalert::image {
namespace {

struct Rgb {
  int w = 0, h = 0;
  std::vector<float> px;  // RGB floats
  float* at(int x, int y) { return &px[(static_cast<size_t>(y) * w + x) * 3]; }
};

// A frame of `format` holding a random image; `pad` extra bytes per row exercise the stride.
struct TestFrame {
  std::vector<uint8_t> bytes;
  Frame frame;
};

TestFrame MakeFrame(PixelFormat format, int w, int h, int pad, uint32_t seed) {
  std::mt19937 rng(seed);
  TestFrame t;
  const int bpp = BytesPerPixel(format);
  const int64_t stride = static_cast<int64_t>(w) * bpp + pad;
  const bool nv = format == PixelFormat::kNV12 || format == PixelFormat::kNV21;
  t.bytes.resize(static_cast<size_t>(stride * h + (nv ? stride * h / 2 : 0)));
  for (uint8_t& b : t.bytes) b = static_cast<uint8_t>(rng());
  t.frame.data = t.bytes.data();
  t.frame.width = w;
  t.frame.height = h;
  t.frame.stride = pad ? stride : 0;
  t.frame.format = format;
  return t;
}

// The reference reads pixels with its own per-format code (not ReadRgb).
void RefPixel(const TestFrame& t, int x, int y, float rgb[3]) {
  const Frame& f = t.frame;
  const int bpp = BytesPerPixel(f.format);
  const int64_t stride = f.stride ? f.stride : static_cast<int64_t>(f.width) * bpp;
  const uint8_t* p = t.bytes.data() + y * stride + static_cast<int64_t>(x) * bpp;
  switch (f.format) {
    case PixelFormat::kRGB: case PixelFormat::kRGBA: rgb[0] = p[0]; rgb[1] = p[1]; rgb[2] = p[2]; break;
    case PixelFormat::kBGR: case PixelFormat::kBGRA: rgb[0] = p[2]; rgb[1] = p[1]; rgb[2] = p[0]; break;
    case PixelFormat::kGray: rgb[0] = rgb[1] = rgb[2] = p[0]; break;
    default: {
      const uint8_t* uv = t.bytes.data() + stride * f.height + (y / 2) * stride + (x / 2) * 2;
      float Y = p[0], U = uv[0], V = uv[1];
      if (f.format == PixelFormat::kNV21) std::swap(U, V);
      const double c = 1.164383 * (Y - 16), d = U - 128, e = V - 128;
      const double v[3] = {c + 1.596027 * e, c - 0.391762 * d - 0.812968 * e, c + 2.017232 * d};
      for (int k = 0; k < 3; ++k) rgb[k] = static_cast<float>(std::min(255.0, std::max(0.0, v[k])));
    }
  }
}

std::vector<float> Reference(const TestFrame& t, Rect crop, int rotation, Fit fit, const InputSpec& s) {
  if (crop.width == 0) crop = {0, 0, t.frame.width, t.frame.height};
  Rgb c{crop.width, crop.height, std::vector<float>(static_cast<size_t>(crop.width) * crop.height * 3)};
  for (int y = 0; y < c.h; ++y)
    for (int x = 0; x < c.w; ++x) RefPixel(t, crop.x + x, crop.y + y, c.at(x, y));
  // Rotate clockwise by moving each source pixel to its place.
  Rgb r = c;
  if (rotation == 90 || rotation == 270) std::swap(r.w, r.h);
  for (int y = 0; y < c.h; ++y)
    for (int x = 0; x < c.w; ++x) {
      int u = x, v = y;
      if (rotation == 90) { u = c.h - 1 - y; v = x; }
      if (rotation == 180) { u = c.w - 1 - x; v = c.h - 1 - y; }
      if (rotation == 270) { u = y; v = c.w - 1 - x; }
      for (int k = 0; k < 3; ++k) r.at(u, v)[k] = c.at(x, y)[k];
    }
  // Fit: scale and placement of the rotated image in the output.
  double sx = static_cast<double>(s.width) / r.w, sy = static_cast<double>(s.height) / r.h;
  if (fit == Fit::kCrop) sx = sy = std::max(sx, sy);
  if (fit == Fit::kLetterbox) sx = sy = std::min(sx, sy);
  const double left = (s.width - r.w * sx) / 2, top = (s.height - r.h * sy) / 2;
  std::vector<float> out(static_cast<size_t>(s.height) * s.width * s.channels);
  for (int oy = 0; oy < s.height; ++oy)
    for (int ox = 0; ox < s.width; ++ox) {
      const double fx = (ox + 0.5 - left) / sx, fy = (oy + 0.5 - top) / sy;
      float rgb[3] = {0, 0, 0};
      const bool bar = fit == Fit::kLetterbox && (fx < 0 || fx > r.w || fy < 0 || fy > r.h);
      if (!bar) {
        const double px = std::clamp(fx - 0.5, 0.0, r.w - 1.0), py = std::clamp(fy - 0.5, 0.0, r.h - 1.0);
        const int x0 = static_cast<int>(px), y0 = static_cast<int>(py);
        const int x1 = std::min(x0 + 1, r.w - 1), y1 = std::min(y0 + 1, r.h - 1);
        const double ax = px - x0, ay = py - y0;
        for (int k = 0; k < 3; ++k)
          rgb[k] = static_cast<float>((1 - ay) * ((1 - ax) * r.at(x0, y0)[k] + ax * r.at(x1, y0)[k]) +
                                      ay * ((1 - ax) * r.at(x0, y1)[k] + ax * r.at(x1, y1)[k]));
      }
      for (int k = 0; k < s.channels; ++k) {
        const float pixel = s.channels == 1 ? 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2]
                                            : rgb[s.bgr ? 2 - k : k];
        const float v = bar ? 0.f : (pixel / 255.f - s.mean[k]) / s.std[k];
        out[s.nchw ? (static_cast<size_t>(k) * s.height + oy) * s.width + ox
                   : (static_cast<size_t>(oy) * s.width + ox) * s.channels + k] = v;
      }
    }
  return out;
}

InputSpec Spec(int h, int w, int c, bool nchw, bool bgr) {
  InputSpec s;
  s.height = h;
  s.width = w;
  s.channels = c;
  s.nchw = nchw;
  s.bgr = bgr;
  const float mean[3] = {0.485f, 0.456f, 0.406f}, std[3] = {0.229f, 0.224f, 0.225f};
  for (int k = 0; k < 3; ++k) {
    s.mean[k] = mean[k];
    s.std[k] = std[k];
  }
  return s;
}

void ExpectNear(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_TRUE(std::isfinite(got[i])) << what << " at " << i;
    worst = std::max(worst, static_cast<double>(std::fabs(got[i] - want[i])));
  }
  EXPECT_LT(worst, 2e-4) << what;  // a few float roundings of values up to ~2.6 in magnitude
}

const PixelFormat kFormats[] = {PixelFormat::kRGB,  PixelFormat::kRGBA, PixelFormat::kBGR, PixelFormat::kBGRA,
                                PixelFormat::kNV12, PixelFormat::kNV21, PixelFormat::kGray};

TEST(Preprocess, EveryFormatCropRotationAndFitMatchesThePlainLoop) {
  const Rect crops[] = {{0, 0, 0, 0}, {3, 5, 17, 9}, {1, 0, 1, 1}};
  int cases = 0;
  for (PixelFormat format : kFormats)
    for (const Rect& crop : crops)
      for (int rotation : {0, 90, 180, 270})
        for (Fit fit : {Fit::kStretch, Fit::kCrop, Fit::kLetterbox})
          for (int layout = 0; layout < 2; ++layout) {
            const TestFrame t = MakeFrame(format, 26, 20, layout ? 5 : 0, 7 + cases);
            const InputSpec spec = Spec(13, 11, 3, layout == 1, layout == 1);
            PreprocessOptions o;
            o.crop = crop;
            o.rotation = rotation;
            o.fit = fit;
            std::vector<float> got(13 * 11 * 3, -99.f);
            ASSERT_TRUE(Preprocess(t.frame, o, spec, got.data()).ok());
            ExpectNear(got, Reference(t, crop, rotation, fit, spec),
                       std::string(PixelFormatName(format)) + " crop " + std::to_string(crop.width) + " rot " +
                           std::to_string(rotation) + " " + FitName(fit));
            ++cases;
          }
  EXPECT_EQ(cases, 7 * 3 * 4 * 3 * 2);
}

TEST(Preprocess, UpscalesGrayModelAndTinyImages) {
  const TestFrame t = MakeFrame(PixelFormat::kRGB, 1, 1, 0, 3);
  const InputSpec spec = Spec(8, 8, 1, false, false);
  std::vector<float> got(64);
  ASSERT_TRUE(Preprocess(t.frame, {}, spec, got.data()).ok());
  ExpectNear(got, Reference(t, {}, 0, Fit::kStretch, spec), "1x1 to gray 8x8");
  for (float v : got) EXPECT_EQ(v, got[0]);  // one pixel: a constant image
}

TEST(Preprocess, OutputDependsOnTheInput) {
  TestFrame a = MakeFrame(PixelFormat::kRGB, 16, 16, 0, 1), b = MakeFrame(PixelFormat::kRGB, 16, 16, 0, 2);
  const InputSpec spec = Spec(8, 8, 3, false, false);
  std::vector<float> ya(192), yb(192);
  ASSERT_TRUE(Preprocess(a.frame, {}, spec, ya.data()).ok());
  ASSERT_TRUE(Preprocess(b.frame, {}, spec, yb.data()).ok());
  EXPECT_NE(ya, yb);
}

TEST(Preprocess, BadFramesAndOptionsAreErrors) {
  TestFrame t = MakeFrame(PixelFormat::kRGB, 16, 10, 0, 1);
  const InputSpec spec = Spec(8, 8, 3, false, false);
  std::vector<float> out(192);
  auto expect_error = [&](Frame f, PreprocessOptions o, const std::string& text) {
    absl::Status s = Preprocess(f, o, spec, out.data());
    EXPECT_FALSE(s.ok()) << text;
    EXPECT_NE(s.message().find(text), std::string::npos) << s.message();
  };
  Frame f = t.frame;
  f.data = nullptr;
  expect_error(f, {}, "null");
  f = t.frame;
  f.width = 0;
  expect_error(f, {}, "outside 1x1");
  f = t.frame;
  f.stride = 40;
  expect_error(f, {}, "stride 40 is smaller");
  f = t.frame;
  f.format = static_cast<PixelFormat>(99);
  expect_error(f, {}, "unknown pixel format");
  f = t.frame;
  f.format = PixelFormat::kNV12;
  f.width = 15;
  expect_error(f, {}, "even width");
  PreprocessOptions o;
  o.rotation = 45;
  expect_error(t.frame, o, "rotation");
  o = {};
  o.crop = {10, 0, 7, 5};
  expect_error(t.frame, o, "does not lie inside");
  o.crop = {0, 0, -3, 5};
  expect_error(t.frame, o, "crop");
  EXPECT_FALSE(Preprocess(t.frame, {}, spec, nullptr).ok());
}

TEST(Preprocess, InputSpecFollowsShapeAndMetadata) {
  Tensor in;
  in.name = "x";
  in.dtype = DType::kF32;
  in.shape = {1, 3, 20, 30};
  ModelMetadata md;
  md.input_layout = "NCHW";
  md.color_order = "BGR";
  md.mean = {0.5f};
  md.std = {0.25f, 0.5f, 1.f};
  auto s = InputSpecFor(in, md);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->height, 20);
  EXPECT_EQ(s->width, 30);
  EXPECT_TRUE(s->nchw && s->bgr);
  EXPECT_EQ(s->mean[2], 0.5f);
  EXPECT_EQ(s->std[1], 0.5f);
  md.std = {0.f};
  EXPECT_FALSE(InputSpecFor(in, md).ok());
  md.std = {};
  in.shape = {2, 3, 20, 30};
  EXPECT_FALSE(InputSpecFor(in, md).ok());
  in.shape = {1, 4, 20, 30};
  EXPECT_FALSE(InputSpecFor(in, md).ok());
  in.shape = {1, 3, 20, 30};
  in.dtype = DType::kI8;
  EXPECT_FALSE(InputSpecFor(in, md).ok());
}

}  // namespace
}  // namespace scalert::image
