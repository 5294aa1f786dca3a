// Frame -> model input in one pass: crop, rotate, resize (bilinear, by the fit policy), convert
// the color order and normalize as the model's metadata says, written straight into the input
// tensor. Nothing is allocated, so an app can call it for every camera frame.
#ifndef SCALERT_RUNTIME_IMAGE_PREPROCESS_H_
#define SCALERT_RUNTIME_IMAGE_PREPROCESS_H_

#include "absl/status/statusor.h"
#include "runtime/graph.h"
#include "runtime/image/frame.h"
#include "runtime/image/resize.h"

namespace scalert::image {

// What an image input of a model expects, from its shape and metadata.
struct InputSpec {
  int32_t height = 0, width = 0;
  int32_t channels = 3;       // 3 (color) or 1 (gray: luma 0.299 R + 0.587 G + 0.114 B)
  bool nchw = false;          // metadata input_layout "NCHW"; NHWC otherwise
  bool bgr = false;           // metadata color_order "BGR"; RGB otherwise
  float mean[3] = {0, 0, 0};  // per input channel, in the model's channel order:
  float std[3] = {1, 1, 1};   // value = (pixel / 255 - mean) / std
};

// Accepts an f32 input of shape [1, H, W, C] (NHWC) or [1, C, H, W] (NCHW) with C 1 or 3; mean and
// std may be absent (0 and 1), one value for all channels, or one per channel.
absl::StatusOr<InputSpec> InputSpecFor(const Tensor& input, const ModelMetadata& metadata);

struct PreprocessOptions {
  Rect crop;               // in frame pixels, before rotation; empty = whole frame
  int rotation = 0;        // clockwise degrees: 0, 90, 180 or 270
  Fit fit = Fit::kStretch;
};

// Writes spec.height * spec.width * spec.channels floats to `out`.
absl::Status Preprocess(const Frame& frame, const PreprocessOptions& options, const InputSpec& spec, float* out);

}  // namespace scalert::image

#endif  // SCALERT_RUNTIME_IMAGE_PREPROCESS_H_
