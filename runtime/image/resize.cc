#include "runtime/image/resize.h"

#include <algorithm>

namespace scalert::image {

bool ParseFit(const std::string& name, Fit* fit) {
  if (name == "stretch") *fit = Fit::kStretch;
  else if (name == "crop") *fit = Fit::kCrop;
  else if (name == "letterbox") *fit = Fit::kLetterbox;
  else return false;
  return true;
}

const char* FitName(Fit fit) {
  switch (fit) {
    case Fit::kStretch: return "stretch";
    case Fit::kCrop: return "crop";
    case Fit::kLetterbox: return "letterbox";
  }
  return "?";
}

FitMap ComputeFit(int32_t src_w, int32_t src_h, int32_t dst_w, int32_t dst_h, Fit fit) {
  const double sx = static_cast<double>(dst_w) / src_w, sy = static_cast<double>(dst_h) / src_h;
  FitMap m;
  if (fit == Fit::kStretch) {
    m.x.scale = sx;
    m.y.scale = sy;
    return m;
  }
  const double s = fit == Fit::kCrop ? std::max(sx, sy) : std::min(sx, sy);
  m.x.scale = m.y.scale = s;
  // Center the scaled image: a negative offset cuts (crop), a positive one pads (letterbox).
  m.x.offset = (dst_w - src_w * s) / 2;
  m.y.offset = (dst_h - src_h * s) / 2;
  return m;
}

}  // namespace scalert::image
