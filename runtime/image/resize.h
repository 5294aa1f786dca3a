// Where each pixel of the model's input comes from: the aspect-ratio policy (stretch, center crop,
// letterbox) as a per-axis scale and offset, and rotation of the source in 90-degree steps.
#ifndef SCALERT_RUNTIME_IMAGE_RESIZE_H_
#define SCALERT_RUNTIME_IMAGE_RESIZE_H_

#include <cstdint>
#include <string>

namespace scalert::image {

enum class Fit {
  kStretch,    // scale each axis to the input size: the aspect ratio changes
  kCrop,       // scale to cover the input, keep the center: the edges are cut
  kLetterbox,  // scale to fit inside the input, center it: the bars are the mean color (0 after normalization)
};

bool ParseFit(const std::string& name, Fit* fit);  // "stretch", "crop", "letterbox"
const char* FitName(Fit fit);

// Maps an output pixel to continuous source coordinates (pixel i covers [i, i+1)) of an image of
// src_w x src_h: src = (out + 0.5 - offset) / scale. Bilinear sampling then reads at src - 0.5
// (half-pixel centers, as OpenCV's INTER_LINEAR and PyTorch's align_corners=False).
struct AxisMap {
  double scale = 1, offset = 0;
};
struct FitMap {
  AxisMap x, y;
};
FitMap ComputeFit(int32_t src_w, int32_t src_h, int32_t dst_w, int32_t dst_h, Fit fit);

// Rotation clockwise in degrees (0, 90, 180, 270): where pixel (u, v) of the rotated image lies in
// the unrotated w x h image.
inline void RotatedToSource(int32_t u, int32_t v, int32_t w, int32_t h, int rotation, int32_t* x, int32_t* y) {
  switch (rotation) {
    case 90: *x = v; *y = h - 1 - u; return;
    case 180: *x = w - 1 - u; *y = h - 1 - v; return;
    case 270: *x = w - 1 - v; *y = u; return;
    default: *x = u; *y = v; return;
  }
}

}  // namespace scalert::image

#endif  // SCALERT_RUNTIME_IMAGE_RESIZE_H_
