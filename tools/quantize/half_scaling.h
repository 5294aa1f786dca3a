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

// A fused swish or hard swish whose calibrated input stays under this is in its linear regime:
// x sigmoid(x) = x/2 (1 + x/2 + ...) and x (x+3)/6 = x/2 (1 + x/3), so x/2 to within FP16's
// half-ulp (2^-12). Such a layer may lower as x/2 at a scale.
inline constexpr float kHalfLinearSwish = 1.f / 2048;

struct HalfScaling {
  std::vector<int> exponent;  // per tensor: stored FP16 = real * 2^exponent
  std::vector<bool> halved;   // per tensor: its producer's swish / hard swish lowers as x/2
};

// Per tensor of g (the FP32 graph being lowered), the exponent of its FP16 form. `ranges` are
// the calibrated ranges of g's tensors, `pre_activation[t]` that of t's value before its
// producer's fused activation (may be empty: then no swish is linear). Tensors that must hold
// real values stay 0: what a sigmoid, softmax or any other non-linear operator reads or writes
// (a swish in its linear regime excepted), the gate of an SE multiply (its other operand and
// output share an exponent), and anything without a calibration range. Only tensors under
// kHalfUnscaledFloor are scaled up, so a scaled relu6 output lowers with relu: its clamp at 6 is
// then at least 384x beyond what calibration saw. Tensors joined by an Add, a pool, a reshape or
// a transpose share one exponent.
HalfScaling HalfExponents(const Graph& g, const std::vector<Precision>& precision, const Ranges& ranges,
                          const Ranges& pre_activation);

}  // namespace scalert::quantize

#endif  // SCALERT_TOOLS_QUANTIZE_HALF_SCALING_H_
