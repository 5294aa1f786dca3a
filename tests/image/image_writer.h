// Test images written with libjpeg and libpng themselves (synthetic patterns, nothing downloaded).
#ifndef SCALERT_TESTS_IMAGE_IMAGE_WRITER_H_
#define SCALERT_TESTS_IMAGE_IMAGE_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

namespace scalert::testing {

// A smooth color pattern (gradients and a checker of large squares): JPEG keeps it well.
std::vector<uint8_t> PatternRgb(int w, int h);

// channels 1 (gray) or 3; quality 100 with 4:4:4 sampling.
std::vector<uint8_t> EncodeJpeg(const std::vector<uint8_t>& pixels, int w, int h, int channels);
// channels 1 (gray), 2 (gray+alpha), 3 (RGB), 4 (RGBA); bit_depth 8 or 16 (16-bit samples
// big-endian, two bytes each, as PNG stores them).
std::vector<uint8_t> EncodePng(const std::vector<uint8_t>& samples, int w, int h, int channels, int bit_depth);

bool WriteFile(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace scalert::testing

#endif  // SCALERT_TESTS_IMAGE_IMAGE_WRITER_H_
