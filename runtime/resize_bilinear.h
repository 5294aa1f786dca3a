// Bilinear resize of a float NHWC image (batch 1), for feeding one source frame to family
// members of different resolutions. Half-pixel centers (OpenCV's INTER_LINEAR and
// torchvision's antialias=False convention); no allocation.
// TODO(issue 19): move onto runtime/image/ preprocessing once it lands.
#ifndef SCALERT_RUNTIME_RESIZE_BILINEAR_H_
#define SCALERT_RUNTIME_RESIZE_BILINEAR_H_

#include <cstdint>

namespace scalert {

// Writes dst [dst_h, dst_w, channels] from src [src_h, src_w, channels]. Equal sizes copy.
void ResizeBilinearNhwc(const float* src, int32_t src_h, int32_t src_w, int32_t channels, float* dst, int32_t dst_h,
                        int32_t dst_w);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_RESIZE_BILINEAR_H_
