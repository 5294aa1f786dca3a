#include "runtime/image/frame.h"

#include "absl/strings/str_cat.h"

namespace scalert::image {

const char* PixelFormatName(PixelFormat f) {
  switch (f) {
    case PixelFormat::kRGB: return "RGB";
    case PixelFormat::kRGBA: return "RGBA";
    case PixelFormat::kBGR: return "BGR";
    case PixelFormat::kBGRA: return "BGRA";
    case PixelFormat::kNV12: return "NV12";
    case PixelFormat::kNV21: return "NV21";
    case PixelFormat::kGray: return "GRAY";
  }
  return "?";
}

int BytesPerPixel(PixelFormat f) {
  switch (f) {
    case PixelFormat::kRGB: case PixelFormat::kBGR: return 3;
    case PixelFormat::kRGBA: case PixelFormat::kBGRA: return 4;
    default: return 1;
  }
}

absl::Status ValidateFrame(const Frame& f, const Rect& crop, Rect* crop_out) {
  switch (f.format) {
    case PixelFormat::kRGB: case PixelFormat::kRGBA: case PixelFormat::kBGR: case PixelFormat::kBGRA:
    case PixelFormat::kNV12: case PixelFormat::kNV21: case PixelFormat::kGray: break;
    default: return absl::InvalidArgumentError(absl::StrCat("unknown pixel format ", static_cast<int>(f.format)));
  }
  if (f.data == nullptr) return absl::InvalidArgumentError("image data is null");
  if (f.width < 1 || f.height < 1 || f.width > kMaxSide || f.height > kMaxSide)
    return absl::InvalidArgumentError(absl::StrCat("image size ", f.width, "x", f.height, " is outside 1x1 .. ",
                                                   kMaxSide, "x", kMaxSide));
  const int64_t row_bytes = static_cast<int64_t>(f.width) * BytesPerPixel(f.format);
  if (f.stride != 0 && f.stride < row_bytes)
    return absl::InvalidArgumentError(absl::StrCat("row stride ", f.stride, " is smaller than a ", PixelFormatName(f.format),
                                                   " row of ", f.width, " pixels (", row_bytes, " bytes)"));
  if (f.format == PixelFormat::kNV12 || f.format == PixelFormat::kNV21) {
    if (f.width % 2 != 0 || f.height % 2 != 0)
      return absl::InvalidArgumentError(absl::StrCat(PixelFormatName(f.format), " frames need an even width and height, got ",
                                                     f.width, "x", f.height));
    if (f.uv_stride != 0 && f.uv_stride < f.width)
      return absl::InvalidArgumentError(absl::StrCat("chroma stride ", f.uv_stride, " is smaller than a chroma row of ",
                                                     f.width, " bytes"));
  }
  Rect c = crop;
  if (c.width == 0 || c.height == 0) {
    if (c.x != 0 || c.y != 0 || c.width != c.height)
      return absl::InvalidArgumentError("a crop rectangle needs a positive width and height (or all zeros for none)");
    c = Rect{0, 0, f.width, f.height};
  }
  if (c.x < 0 || c.y < 0 || c.width < 1 || c.height < 1 || c.x > f.width - c.width || c.y > f.height - c.height)
    return absl::InvalidArgumentError(absl::StrCat("crop ", c.width, "x", c.height, " at (", c.x, ", ", c.y,
                                                   ") does not lie inside the ", f.width, "x", f.height, " image"));
  *crop_out = c;
  return absl::OkStatus();
}

}  // namespace scalert::image
