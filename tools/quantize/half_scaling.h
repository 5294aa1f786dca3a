// FP16 range scaling: a power-of-two exponent per FP16 activation, so tensors far below FP16's
// normal range (a random-weight MobileNetV2's late blocks hold values near 1e-6 and logits near
// 1e-9, under FP16's smallest subnormal 6e-8) keep their 11 significant bits.
//
// An FP16 tensor with exponent e stores real * 2^e. The lowering folds the exponents into the
// layers' constants (weights * 2^(e_out - e_in), biases * 2^e_out, clamp bounds * 2^e) and multiplies
// by 2^-e / 2^e in FP32 where an FP16 tensor meets another precision, so the lowered graph computes
// the same function with the existing operators: no new IR, every backend runs it. Powers of two
// are exact in FP16 and FP32, so a tensor whose exponent is 0 lowers exactly as before.
#ifndef SCALERT_TOOLS_QUANTIZE_HALF_SCALING_H_
#define SCALERT_TOOLS_QUANTIZE_HALF_SCALING_H_

#include <vector>

#include "runtime/graph.h"
#include "tools/quantize/calibration.h"

namespace scalert::quantize {

// Calibrated magnitudes at or above this keep exponent 0 (FP16 holds them as they are).
inline constexpr float kHalfUnscaledFloor = 1.f / 64;
// A scaled tensor's calibrated magnitude is brought into [kHalfTarget / 2, kHalfTarget).
inline constexpr float kHalfTarget = 16.f;

// Per tensor of g (the FP32 graph being lowered), the exponent of its FP16 form. Tensors that
// must hold real values stay 0: what a non-linear operator (sigmoid, swish, hard swish, softmax,
// an SE multiply) reads or writes, and anything without a calibration range. Only tensors under
// kHalfUnscaledFloor are scaled up, so a scaled relu6 output lowers with relu: its clamp at 6 is
// then at least 384x beyond what calibration saw. Tensors joined by an Add, a pool, a reshape or
// a transpose share one exponent.
std::vector<int> HalfExponents(const Graph& g, const std::vector<Precision>& precision, const Ranges& ranges);

}  // namespace scalert::quantize

#endif  // SCALERT_TOOLS_QUANTIZE_HALF_SCALING_H_
