// Activation functions, shared by every kernel and by the graph IR.
#ifndef SCALERT_KERNELS_ACTIVATION_H_
#define SCALERT_KERNELS_ACTIVATION_H_

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace scalert {

enum class Activation : uint8_t {
  kNone = 0, kRelu, kRelu6, kSigmoid, kHardSigmoid, kSwish, kHardSwish
};
inline constexpr int kNumActivations = 7;

// The reference definition of each activation. HardSigmoid here is PyTorch's (x/6 + 1/2).
inline float ApplyActivation(float x, Activation a) {
  switch (a) {
    case Activation::kNone: return x;
    case Activation::kRelu: return std::max(x, 0.f);
    case Activation::kRelu6: return std::min(std::max(x, 0.f), 6.f);
    case Activation::kSigmoid: return 1.f / (1.f + std::exp(-x));
    case Activation::kHardSigmoid: return std::min(std::max(x / 6.f + 0.5f, 0.f), 1.f);
    case Activation::kSwish: return x / (1.f + std::exp(-x));
    case Activation::kHardSwish: return x * std::min(std::max(x + 3.f, 0.f), 6.f) / 6.f;
  }
  return x;
}

}  // namespace scalert

#endif  // SCALERT_KERNELS_ACTIVATION_H_
