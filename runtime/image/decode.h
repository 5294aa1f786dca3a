// Image files to 8-bit RGB: JPEG (libjpeg-turbo), PNG (libpng) and binary PPM/PGM (P6/P5).
// Conversions, all documented in the README: grayscale becomes R = G = B; alpha is dropped (not
// composited); 16-bit PNG is scaled to 8 bits (rounded); palette and low-bit-depth PNG are
// expanded. Corrupt, truncated or CMYK files are errors that name the file, never a crash.
// JPEG and PNG are optional at build time (SCALERT_WITH_IMAGE_DECODE); PPM is always there.
#ifndef SCALERT_RUNTIME_IMAGE_DECODE_H_
#define SCALERT_RUNTIME_IMAGE_DECODE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/image/frame.h"

namespace scalert::image {

// Largest image decoded: kMaxSide per side (frame.h) and this many pixels (192 MiB of RGB).
inline constexpr int64_t kMaxDecodedPixels = int64_t{1} << 26;

struct Image {
  int32_t width = 0, height = 0;
  std::vector<uint8_t> rgb;  // height rows of width RGB triples, no padding
  Frame frame() const {
    Frame f;
    f.data = rgb.data();
    f.width = width;
    f.height = height;
    f.format = PixelFormat::kRGB;
    return f;
  }
};

// `name` is used in messages only.
absl::StatusOr<Image> DecodeImage(const void* data, size_t size, const std::string& name);
absl::StatusOr<Image> ReadImageFile(const std::string& path);

// True for .jpg, .jpeg, .png, .ppm, .pgm (any case): what a folder of images is filtered by.
bool HasImageExtension(const std::string& path);
// Whether this build decodes JPEG and PNG.
bool JpegPngSupported();

}  // namespace scalert::image

#endif  // SCALERT_RUNTIME_IMAGE_DECODE_H_
