// Camera frames and decoded images as apps hold them: packed RGB/BGR(A), NV12/NV21 (Y plane +
// interleaved chroma) or 8-bit gray, with a row stride. Reading a pixel gives RGB in [0, 255].
#ifndef SCALERT_RUNTIME_IMAGE_FRAME_H_
#define SCALERT_RUNTIME_IMAGE_FRAME_H_

#include <cstdint>

#include "absl/status/status.h"

namespace scalert::image {

enum class PixelFormat { kRGB, kRGBA, kBGR, kBGRA, kNV12, kNV21, kGray };

const char* PixelFormatName(PixelFormat f);
// Bytes per pixel of a packed format; 1 for the Y plane of NV12/NV21 and for gray.
int BytesPerPixel(PixelFormat f);

struct Frame {
  const uint8_t* data = nullptr;  // first row (the Y plane for NV12/NV21)
  int32_t width = 0, height = 0;
  int64_t stride = 0;             // bytes from one row to the next; 0 = tightly packed
  PixelFormat format = PixelFormat::kRGB;
  // NV12/NV21 only (even width and height): the chroma plane, w/2 interleaved U,V (NV12) or V,U
  // (NV21) pairs per row, h/2 rows. nullptr = directly after the Y plane (data + stride * height), as cameras deliver it.
  const uint8_t* uv = nullptr;
  int64_t uv_stride = 0;          // 0 = same as stride
};

// A rectangle in frame pixels; width or height 0 means the whole frame.
struct Rect {
  int32_t x = 0, y = 0, width = 0, height = 0;
};

// Checks the frame (pointers, sizes up to kMaxSide, strides) and that the crop lies inside it;
// returns the effective crop (the whole frame for an empty rectangle) in *crop_out.
inline constexpr int32_t kMaxSide = 1 << 15;
absl::Status ValidateFrame(const Frame& frame, const Rect& crop, Rect* crop_out);

// BT.601 limited-range YUV -> RGB, as Android and most camera pipelines produce NV12/NV21.
// The result is not rounded to 8 bits.
inline void YuvToRgb(float y, float u, float v, float rgb[3]) {
  const float c = 1.164383f * (y - 16.f), d = u - 128.f, e = v - 128.f;
  const float r = c + 1.596027f * e, g = c - 0.391762f * d - 0.812968f * e, b = c + 2.017232f * d;
  rgb[0] = r < 0.f ? 0.f : (r > 255.f ? 255.f : r);
  rgb[1] = g < 0.f ? 0.f : (g > 255.f ? 255.f : g);
  rgb[2] = b < 0.f ? 0.f : (b > 255.f ? 255.f : b);
}

// Pixel (x, y) of a validated frame as RGB in [0, 255]; gray gives R = G = B.
inline void ReadRgb(const Frame& f, int32_t x, int32_t y, float rgb[3]) {
  const int64_t stride = f.stride > 0 ? f.stride : static_cast<int64_t>(f.width) * BytesPerPixel(f.format);
  const uint8_t* row = f.data + y * stride;
  switch (f.format) {
    case PixelFormat::kRGB: case PixelFormat::kRGBA: {
      const uint8_t* p = row + static_cast<int64_t>(x) * BytesPerPixel(f.format);
      rgb[0] = p[0]; rgb[1] = p[1]; rgb[2] = p[2];
      return;
    }
    case PixelFormat::kBGR: case PixelFormat::kBGRA: {
      const uint8_t* p = row + static_cast<int64_t>(x) * BytesPerPixel(f.format);
      rgb[0] = p[2]; rgb[1] = p[1]; rgb[2] = p[0];
      return;
    }
    case PixelFormat::kGray:
      rgb[0] = rgb[1] = rgb[2] = row[x];
      return;
    case PixelFormat::kNV12: case PixelFormat::kNV21: {
      const uint8_t* uv = f.uv ? f.uv : f.data + stride * f.height;
      const int64_t uv_stride = f.uv_stride > 0 ? f.uv_stride : stride;
      const uint8_t* c = uv + (y / 2) * uv_stride + (x / 2) * 2;
      const bool nv12 = f.format == PixelFormat::kNV12;
      YuvToRgb(row[x], nv12 ? c[0] : c[1], nv12 ? c[1] : c[0], rgb);
      return;
    }
  }
}

}  // namespace scalert::image

#endif  // SCALERT_RUNTIME_IMAGE_FRAME_H_
