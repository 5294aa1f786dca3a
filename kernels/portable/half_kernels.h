// Portable kernels for 16-bit float activations (FP16, BF16 storage; FP32 arithmetic): the
// fallback on every CPU, and the array conversions. Plain C++ over FP32 panels.
#ifndef SCALERT_KERNELS_PORTABLE_HALF_KERNELS_H_
#define SCALERT_KERNELS_PORTABLE_HALF_KERNELS_H_

#include <cstdint>

#include "kernels/kernel_types_half.h"

namespace scalert::kernels {

void gemm_f16s_portable(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end);
void gemm_bf16s_portable(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end);
void dwconv_f16s_portable(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end);
void dwconv_bf16s_portable(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end);
void mul_channel_f16s_portable(int64_t pixels, int32_t channels, const uint16_t* x, const float* s, uint16_t* y,
                               Activation act);
void mul_channel_bf16s_portable(int64_t pixels, int32_t channels, const uint16_t* x, const float* s, uint16_t* y,
                                Activation act);
void global_avg_pool_f16s_portable(int64_t pixels, int32_t channels, const uint16_t* x, uint16_t* y, int32_t c_begin,
                                   int32_t c_end);
void global_avg_pool_bf16s_portable(int64_t pixels, int32_t channels, const uint16_t* x, uint16_t* y, int32_t c_begin,
                                    int32_t c_end);
void add_f16s_portable(int64_t n, const uint16_t* a, const uint16_t* b, uint16_t* y, Activation act);
void add_bf16s_portable(int64_t n, const uint16_t* a, const uint16_t* b, uint16_t* y, Activation act);
void f16_to_f32_portable(int64_t n, const uint16_t* x, float* y);
void f32_to_f16_portable(int64_t n, const float* x, uint16_t* y);
void bf16_to_f32_portable(int64_t n, const uint16_t* x, float* y);
void f32_to_bf16_portable(int64_t n, const float* x, uint16_t* y);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_PORTABLE_HALF_KERNELS_H_
