// INT8 1x1 convolution / fully connected as a GEMM on AVX512-VNNI: C[m, n] = requantize(
// sum_k (A[m, k] - a_zp) * B[n, k] + bias[n]), exactly the arithmetic of
// kernels/reference/quantized.h (Conv2DS8 with a 1x1 kernel), bit for bit.
// vpdpbusd multiplies unsigned by signed bytes, so A is read as A + 128 (a sign-bit flip) and
// the packed bias absorbs -(128 + a_zp) * sum_k B[n, k]. Not yet registered with the native
// backend (the kernel registry is being reworked); tested against the reference.
#ifndef SCALERT_KERNELS_X86_AVX512VNNI_GEMM_S8_H_
#define SCALERT_KERNELS_X86_AVX512VNNI_GEMM_S8_H_

#include <cstdint>
#include <vector>

#include "kernels/reference/quantized.h"

namespace scalert::kernels {

// Weights [n, k] packed in panels of 16 output channels x 4 k (K padded to 4, N to 16), with the
// per-channel bias and requantization factors the epilogue reads.
struct PackedGemmS8 {
  int32_t n = 0, k = 0, k4 = 0;          // k4: K rounded up to 4
  std::vector<int8_t> b;                 // [n/16][k4/4][16][4]
  std::vector<int32_t> bias;             // bias[n] - (128 + a_zp) * sum_k B[n, k]
  std::vector<float> m;                  // requantization factor per channel
};

PackedGemmS8 PackGemmS8(const int8_t* weights, const int32_t* bias, const float* m, int32_t n, int32_t k,
                        int32_t a_zero_point);

// Rows [m0, m1) of C; A rows have stride k, C rows stride n.
void GemmS8Avx512Vnni(const PackedGemmS8& p, const int8_t* a, int64_t m0, int64_t m1, ref::QParams out,
                      ref::Int8Bounds bounds, int8_t* c);

// Whether this CPU runs GemmS8Avx512Vnni (AVX512F/BW/VL and VNNI).
bool CpuHasAvx512Vnni();

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_X86_AVX512VNNI_GEMM_S8_H_
