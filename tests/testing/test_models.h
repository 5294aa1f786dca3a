// Small graphs built in code for tests: deterministic weights, every op the format has.
#ifndef SCALERT_TESTS_TESTING_TEST_MODELS_H_
#define SCALERT_TESTS_TESTING_TEST_MODELS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/graph.h"

namespace scalert::testing {

// Uniform values in [lo, hi) from a seed.
std::vector<float> RandomVector(size_t n, uint32_t seed, float lo = -1.f, float hi = 1.f);
// Uniform int8 values in [lo, 127] from a seed (lo = -127 for symmetric weights).
std::vector<int8_t> RandomInt8(size_t n, uint32_t seed, int lo = -128);

// A small MBConv-style network: stem conv (stride 2) -> expand 1x1 -> depthwise 3x3 -> SE
// (pool, FC-like 1x1 convs, sigmoid, broadcast mul) -> project 1x1 -> residual add -> pool ->
// fully connected -> softmax. Input [1, h, w, c]; non-square sizes welcome.
Graph MakeMbconvTestGraph(int32_t h = 17, int32_t w = 12, int32_t c = 3, uint32_t seed = 1);

// A small INT8 network written by hand (no quantizer): f32 input -> Quantize -> i8 stem conv
// (stride 2, relu6) -> depthwise 3x3 -> swish (table) -> SE-like mul by a sigmoid of the pool ->
// residual add -> pool -> fully connected -> Dequantize -> f32 logits [1, 10]. Every i8 layer of
// the format in use, per-channel weights, non-zero activation zero points.
Graph MakeInt8TestGraph(int32_t h = 9, int32_t w = 7, uint32_t seed = 1);

// f32 input [batch, h, w, c] -> Quantize -> one i8 Conv2D (kernel x kernel, stride, SAME padding,
// relu6, per-channel weights) -> Dequantize: the INT8 general convolution (patches + GEMM) alone.
Graph MakeInt8ConvTestGraph(int32_t batch, int32_t h, int32_t w, int32_t c, int32_t out_c, int32_t kernel,
                            int32_t stride, uint32_t seed = 1);

// The MBConv test graph with every inner activation stored as `dtype` (f16 or bf16) and
// Quantize/Dequantize at the f32 input and output; weights stay f32.
Graph MakeLowFloatTestGraph(DType dtype, int32_t h = 17, int32_t w = 12);

// Runs a graph on a backend and returns output 0 (fails the test on error).
std::vector<float> RunGraph(const Graph& g, const std::vector<float>& input, const std::string& backend = "reference",
                            int threads = 1);

// max |a - b| / max |b|: the relative error used by parity tests. Infinite when the sizes differ
// or either side holds a NaN or Inf, so no parity check can pass on a broken output.
double RelativeError(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace scalert::testing

#endif  // SCALERT_TESTS_TESTING_TEST_MODELS_H_
