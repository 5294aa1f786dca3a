#include "runtime/image/preprocess.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace scalert::image {
namespace {

// Bilinear taps along one axis for output coordinate `o`: the two source indices and the weight
// of the second; `inside` is false where letterbox bars are.
struct Taps {
  int32_t i0, i1;
  float w1;
  bool inside;
};

Taps AxisTaps(int32_t o, const AxisMap& m, int32_t size) {
  const double src = (o + 0.5 - m.offset) / m.scale;
  Taps t;
  t.inside = src >= 0 && src <= size;
  const double p = std::min(std::max(src - 0.5, 0.0), static_cast<double>(size - 1));
  t.i0 = static_cast<int32_t>(p);
  t.i1 = std::min(t.i0 + 1, size - 1);
  t.w1 = static_cast<float>(p - t.i0);
  return t;
}

}  // namespace

absl::StatusOr<InputSpec> InputSpecFor(const Tensor& input, const ModelMetadata& md) {
  InputSpec s;
  s.nchw = md.input_layout == "NCHW";
  s.bgr = md.color_order == "BGR";
  if (input.dtype != DType::kF32)
    return absl::InvalidArgumentError(absl::StrCat("image input needs an f32 input tensor; '", input.name, "' is ",
                                                   DTypeName(input.dtype)));
  const Shape& d = input.shape;
  if (d.size() != 4 || d[0] != 1)
    return absl::InvalidArgumentError(absl::StrCat("image input needs a [1, H, W, C] or [1, C, H, W] input; '",
                                                   input.name, "' is ", ShapeToString(d)));
  s.height = s.nchw ? d[2] : d[1];
  s.width = s.nchw ? d[3] : d[2];
  s.channels = s.nchw ? d[1] : d[3];
  if (s.channels != 1 && s.channels != 3)
    return absl::InvalidArgumentError(absl::StrCat("image input needs 1 or 3 channels; '", input.name, "' ",
                                                   ShapeToString(d), " (", md.input_layout.empty() ? "NHWC" : md.input_layout,
                                                   ") has ", s.channels));
  for (const auto* v : {&md.mean, &md.std})
    if (!v->empty() && v->size() != 1 && static_cast<int32_t>(v->size()) != s.channels)
      return absl::InvalidArgumentError(absl::StrCat("model metadata has ", v->size(), " normalization values for ",
                                                     s.channels, " input channels"));
  for (int k = 0; k < s.channels; ++k) {
    if (!md.mean.empty()) s.mean[k] = md.mean[md.mean.size() == 1 ? 0 : k];
    if (!md.std.empty()) s.std[k] = md.std[md.std.size() == 1 ? 0 : k];
    if (!(s.std[k] > 0) || !std::isfinite(s.std[k]) || !std::isfinite(s.mean[k]))
      return absl::InvalidArgumentError(absl::StrCat("model metadata std[", k, "] = ", s.std[k], ", mean[", k, "] = ",
                                                     s.mean[k], ": std must be positive and both finite"));
  }
  return s;
}

absl::Status Preprocess(const Frame& frame, const PreprocessOptions& o, const InputSpec& spec, float* out) {
  if (out == nullptr) return absl::InvalidArgumentError("output is null");
  if (o.rotation != 0 && o.rotation != 90 && o.rotation != 180 && o.rotation != 270)
    return absl::InvalidArgumentError(absl::StrCat("rotation must be 0, 90, 180 or 270 degrees, got ", o.rotation));
  if (o.fit != Fit::kStretch && o.fit != Fit::kCrop && o.fit != Fit::kLetterbox)
    return absl::InvalidArgumentError(absl::StrCat("unknown fit ", static_cast<int>(o.fit)));
  Rect c;
  if (absl::Status s = ValidateFrame(frame, o.crop, &c); !s.ok()) return s;
  const bool turned = o.rotation == 90 || o.rotation == 270;
  const int32_t rw = turned ? c.height : c.width, rh = turned ? c.width : c.height;
  const FitMap map = ComputeFit(rw, rh, spec.width, spec.height, o.fit);
  const int32_t H = spec.height, W = spec.width, C = spec.channels;
  float scale[3], bias[3];  // value = pixel * scale + bias
  for (int k = 0; k < C; ++k) {
    scale[k] = 1.f / (255.f * spec.std[k]);
    bias[k] = -spec.mean[k] / spec.std[k];
  }
  auto texel = [&](int32_t u, int32_t v, float rgb[3]) {
    int32_t x, y;
    RotatedToSource(u, v, c.width, c.height, o.rotation, &x, &y);
    ReadRgb(frame, c.x + x, c.y + y, rgb);
  };
  for (int32_t oy = 0; oy < H; ++oy) {
    const Taps ty = AxisTaps(oy, map.y, rh);
    for (int32_t ox = 0; ox < W; ++ox) {
      const Taps tx = AxisTaps(ox, map.x, rw);
      float rgb[3] = {0, 0, 0};
      const bool bar = o.fit == Fit::kLetterbox && !(tx.inside && ty.inside);
      if (!bar) {
        float p00[3] = {0, 0, 0}, p10[3] = {0, 0, 0}, p01[3] = {0, 0, 0}, p11[3] = {0, 0, 0};
        texel(tx.i0, ty.i0, p00);
        texel(tx.i1, ty.i0, p10);
        texel(tx.i0, ty.i1, p01);
        texel(tx.i1, ty.i1, p11);
        for (int k = 0; k < 3; ++k) {
          const float top = p00[k] + tx.w1 * (p10[k] - p00[k]);
          const float bottom = p01[k] + tx.w1 * (p11[k] - p01[k]);
          rgb[k] = top + ty.w1 * (bottom - top);
        }
      }
      for (int k = 0; k < C; ++k) {
        float v;
        if (bar) v = 0.f;
        else if (C == 1) v = (0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2]) * scale[0] + bias[0];
        else v = rgb[spec.bgr ? 2 - k : k] * scale[k] + bias[k];
        out[spec.nchw ? (static_cast<int64_t>(k) * H + oy) * W + ox : (static_cast<int64_t>(oy) * W + ox) * C + k] = v;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace scalert::image
