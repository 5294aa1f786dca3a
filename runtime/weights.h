// Constant tensors as FP32, whatever their stored dtype (f32, f16, bf16, per-tensor/per-channel i8).
#ifndef SCALERT_RUNTIME_WEIGHTS_H_
#define SCALERT_RUNTIME_WEIGHTS_H_

#include <vector>

#include "runtime/graph.h"

namespace scalert {

std::vector<float> ConstantAsF32(const Tensor& t);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_WEIGHTS_H_
