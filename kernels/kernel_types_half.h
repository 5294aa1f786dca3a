// Arguments and function types of the native kernels for 16-bit float activations (FP16, BF16):
// activations are stored in 16 bits, arithmetic is FP32 (or BF16 / FP16 products with FP32
// accumulation, AVX512-BF16 and FMLAL), and every value is rounded once, to nearest even, when it
// is stored: the reference backend's rule (kernels/reference/float_formats.h), so a kernel differs
// from it only by the order of its FP32 sums. The exception is avx512fp16, whose FP16 kernels sum
// blocks of up to 16 products in FP16 before adding them in FP32 (kernels/x86/avx512fp16/gemm_f16.cc).
// Weights are packed by the function the registry pairs with the kernel (FP32 panels, BF16
// k-pairs for vdpbf16ps, FP16 panels for the FP16-arithmetic kernels).
#ifndef SCALERT_KERNELS_KERNEL_TYPES_HALF_H_
#define SCALERT_KERNELS_KERNEL_TYPES_HALF_H_

#include <cstdint>

#include "kernels/activation.h"
#include "kernels/reference/conv.h"

namespace scalert::kernels {

// C[m, n] = act(A[m, k] * B[k, n] + bias[n]) [+ R[m, n]] with A, C and R 16-bit (the kernel's
// dtype); B and bias as the kernel's packing function laid them out (PackedGemm).
struct GemmHalfArgs {
  const uint16_t* a = nullptr;
  int64_t lda = 0;               // elements between rows of A
  const float* packed_b = nullptr;  // PackedGemm::b (FP32 panels or BF16 pairs, per kernel)
  const float* bias = nullptr;      // FP32, padded to the panel width
  uint16_t* c = nullptr;
  int64_t ldc = 0;
  int32_t k = 0, n = 0;
  Activation act = Activation::kNone;
  const uint16_t* residual = nullptr;
  int64_t ldr = 0;
};
// Rows [m_begin, m_end), columns [n_begin, n_end) as GemmF32Fn.
using GemmHalfFn = void (*)(const GemmHalfArgs& args, int64_t m_begin, int64_t m_end, int32_t n_begin,
                            int32_t n_end);

// y[3 * p + c] = x[c * plane_stride + p] for p < pixels, c < 3 (ref::Interleave3) on 16-bit
// values (FP16 or BF16: bits move unchanged): a quantized NCHW RGB input to NHWC.
using Interleave3HalfFn = void (*)(int64_t pixels, const uint16_t* x, int64_t plane_stride, uint16_t* y);

// Depthwise convolution (depth multiplier 1, NHWC) on 16-bit activations; weights and bias FP32,
// packed by PackDwConvWeights. `zero` holds at least RoundUp(in_c, channel_tile) 16-bit zeros.
struct DwConvHalfArgs {
  ref::ConvGeometry geo;
  const uint16_t* input = nullptr;
  const float* packed = nullptr;
  const uint16_t* zero = nullptr;
  uint16_t* output = nullptr;
  Activation act = Activation::kNone;
};
using DwConvHalfFn = void (*)(const DwConvHalfArgs& args, int32_t row_begin, int32_t row_end);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_KERNEL_TYPES_HALF_H_
