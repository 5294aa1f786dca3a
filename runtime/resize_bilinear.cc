#include "runtime/resize_bilinear.h"

#include <algorithm>
#include <cstring>

namespace scalert {
namespace {

// Source index pair and weight of the second for destination coordinate `d`.
struct Tap {
  int32_t i0, i1;
  float w1;
};

Tap MakeTap(int32_t d, int32_t src, int32_t dst) {
  const float scale = static_cast<float>(src) / static_cast<float>(dst);
  const float x = std::max(0.f, (static_cast<float>(d) + 0.5f) * scale - 0.5f);
  const int32_t i0 = std::min(static_cast<int32_t>(x), src - 1);
  const int32_t i1 = std::min(i0 + 1, src - 1);
  return {i0, i1, x - static_cast<float>(i0)};
}

}  // namespace

void ResizeBilinearNhwc(const float* src, int32_t src_h, int32_t src_w, int32_t channels, float* dst, int32_t dst_h,
                        int32_t dst_w) {
  if (src_h == dst_h && src_w == dst_w) {
    std::memcpy(dst, src, sizeof(float) * static_cast<size_t>(src_h) * src_w * channels);
    return;
  }
  const size_t row = static_cast<size_t>(src_w) * channels;
  for (int32_t y = 0; y < dst_h; ++y) {
    const Tap ty = MakeTap(y, src_h, dst_h);
    const float* r0 = src + ty.i0 * row;
    const float* r1 = src + ty.i1 * row;
    float* out = dst + static_cast<size_t>(y) * dst_w * channels;
    for (int32_t x = 0; x < dst_w; ++x) {
      const Tap tx = MakeTap(x, src_w, dst_w);
      const float* a = r0 + static_cast<size_t>(tx.i0) * channels;
      const float* b = r0 + static_cast<size_t>(tx.i1) * channels;
      const float* c = r1 + static_cast<size_t>(tx.i0) * channels;
      const float* d = r1 + static_cast<size_t>(tx.i1) * channels;
      for (int32_t k = 0; k < channels; ++k) {
        const float top = a[k] + tx.w1 * (b[k] - a[k]);
        const float bottom = c[k] + tx.w1 * (d[k] - c[k]);
        out[static_cast<size_t>(x) * channels + k] = top + ty.w1 * (bottom - top);
      }
    }
  }
}

}  // namespace scalert
