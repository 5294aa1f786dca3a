#include "runtime/weights.h"

#include <cstring>

#include "kernels/reference/float_formats.h"

namespace scalert {

std::vector<float> ConstantAsF32(const Tensor& t) {
  const int64_t n = t.num_elements();
  std::vector<float> out(static_cast<size_t>(n));
  switch (t.dtype) {
    case DType::kF32:
      std::memcpy(out.data(), t.data, n * sizeof(float));
      break;
    case DType::kF16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, t.data + 2 * i, 2);
        out[i] = ref::F16ToF32(h);
      }
      break;
    case DType::kBF16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, t.data + 2 * i, 2);
        out[i] = ref::Bf16ToF32(h);
      }
      break;
    case DType::kI8: {
      // Scale index of element i along `axis` (or 0 per tensor).
      int64_t inner = 1;
      int64_t channels = 1;
      if (t.quant.axis >= 0) {
        channels = t.shape[t.quant.axis];
        for (size_t d = t.quant.axis + 1; d < t.shape.size(); ++d) inner *= t.shape[d];
      }
      for (int64_t i = 0; i < n; ++i) {
        int64_t c = t.quant.axis >= 0 ? (i / inner) % channels : 0;
        int64_t zp = t.quant.zero_point.empty() ? 0 : t.quant.zero_point[c];
        out[i] = t.quant.scale[c] * static_cast<float>(static_cast<int8_t>(t.data[i]) - zp);
      }
      break;
    }
    case DType::kI32:
      for (int64_t i = 0; i < n; ++i) {
        int32_t v;
        std::memcpy(&v, t.data + 4 * i, 4);
        out[i] = static_cast<float>(v);
      }
      break;
  }
  return out;
}

}  // namespace scalert
