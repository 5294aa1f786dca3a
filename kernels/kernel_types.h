// Arguments and function types of the native FP32 kernels. Every ISA implements the same
// signatures over packed layouts parametrised by its tile (kernels/packing.h); the registry pairs
// each kernel with its packing, so the backend picks an entry and nothing else changes. Other
// dtypes get their own argument structs and function types (registry.h: KernelTraits). Kernels compute a sub-range of their output so callers can split work across
// threads; they never allocate.
#ifndef SCALERT_KERNELS_KERNEL_TYPES_H_
#define SCALERT_KERNELS_KERNEL_TYPES_H_

#include <cstdint>

#include "kernels/activation.h"
#include "kernels/reference/conv.h"

namespace scalert::kernels {

// C[m, n] = act(A[m, k] * B[k, n] + bias[n]) [+ R[m, n]]; B and bias packed by PackGemmWeights.
// Serves 1x1 convolutions (A = NHWC pixels), fully connected layers and im2col convolutions.
struct GemmArgs {
  const float* a = nullptr;
  int64_t lda = 0;            // floats between rows of A
  const float* packed_b = nullptr;
  const float* bias = nullptr;  // packed, padded to the panel width; zeros when the op has none
  float* c = nullptr;
  int64_t ldc = 0;
  int32_t k = 0, n = 0;
  Activation act = Activation::kNone;
  // Optional residual added after the activation (an inverted-residual block's skip connection).
  const float* residual = nullptr;
  int64_t ldr = 0;  // floats between rows of the residual
  // Optional bytes [prefetch, prefetch + prefetch_bytes) to bring into cache while computing: the
  // weights of a later memory-bound step (runtime/backends/native/weight_prefetch.h). Only a
  // hint: kernels may ignore it, and results never depend on it. The x86 kernels spread it over
  // their register tiles, a cache line per k-step.
  const char* prefetch = nullptr;
  int64_t prefetch_bytes = 0;
  // B was last read a whole run ago (a whole-step GEMM), so it comes from L3 or memory: without
  // a prefetch range, the x86 kernels touch the next panel of B while a panel runs, the same way.
  // Only a hint, like the range.
  bool cold_weights = false;
  // KernelOp::kGemmOffsets kernels only (the others ignore it): A element (m, kk) is
  // a[m * lda + a_offsets[kk]], k offsets (a convolution's taps read where the input lies).
  const int64_t* a_offsets = nullptr;
};
// Computes rows [m_begin, m_end) and columns [n_begin, n_end) of C; n_begin is a multiple of the
// kernel's panel width (TileShape::nr), n_end is a multiple of it or n.
using GemmF32Fn = void (*)(const GemmArgs& args, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end);

// Depthwise convolution with depth multiplier 1, NHWC; weights and bias packed by
// PackDwConvWeights. `zero` holds at least RoundUp(in_c, channel_tile) zeros: padding taps
// read it instead of branching.
struct DwConvArgs {
  ref::ConvGeometry geo;
  const float* input = nullptr;
  const float* packed = nullptr;
  const float* zero = nullptr;
  float* output = nullptr;
  Activation act = Activation::kNone;
  // Optional, for fused callers that keep rows in a ring buffer: input row iy of image n starts
  // at input_rows[n * in_h + iy] (only rows the requested output rows read must be valid).
  const float* const* input_rows = nullptr;
  // Output row r is written at output + (r - output_row_origin) * stride, stride =
  // output_row_stride, or out_w * out_c when 0 (a fused caller's column chunk of wider rows).
  int32_t output_row_origin = 0;
  int64_t output_row_stride = 0;
};
// Computes output rows [row_begin, row_end) counted over batch * out_h.
using DwConvF32Fn = void (*)(const DwConvArgs& args, int32_t row_begin, int32_t row_end);

// y[i] = act(x[i]) over n elements (in place allowed).
using ActivationF32Fn = void (*)(int64_t n, const float* x, float* y, Activation act);
// y[i] = act(a[i] op b[i]) (Add, Mul of equal shapes; in place allowed).
using BinaryF32Fn = void (*)(int64_t n, const float* a, const float* b, float* y, Activation act);
// y[p, c] = act(x[p, c] * s[c]) for p < pixels: the squeeze-and-excitation scale.
using MulChannelF32Fn = void (*)(int64_t pixels, int32_t channels, const float* x, const float* s, float* y,
                                 Activation act);
// y[c] = mean over p < pixels of x[p, c], for channels [c_begin, c_end).
using GlobalAvgPoolF32Fn = void (*)(int64_t pixels, int32_t channels, const float* x, float* y, int32_t c_begin,
                                    int32_t c_end);
// y[3 * p + c] = x[c * plane_stride + p] for p < pixels, c < 3: three planes (an NCHW RGB image's
// rows) to interleaved pixels (ref::Interleave3).
using Interleave3F32Fn = void (*)(int64_t pixels, const float* x, int64_t plane_stride, float* y);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_KERNEL_TYPES_H_
