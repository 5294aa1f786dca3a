// For the FP16 / BF16 tests (half_models_test.cc, fused_half_test.cc): a graph lowered by the
// quantizer (`scalert quantize --mode fp16|bf16`, calibrated on the reference backend) and one
// run of an executable with an FP32 input and output; for the fused-block tests of every
// precision (fused_half_test.cc, fused_s8_test.cc), native and reference executables.
#ifndef SCALERT_TESTS_NATIVE_HALF_LOWERING_H_
#define SCALERT_TESTS_NATIVE_HALF_LOWERING_H_

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/isa.h"
#include "runtime/backend.h"
#include "runtime/backends/native/native_backend.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/graph.h"
#include "tools/quantize/quantizer.h"

namespace scalert::testing {

inline Graph Lowered(const Graph& g, Precision p) {
  quantize::QuantizeOptions o;
  o.mode = p;
  o.fp32_backend = "reference";
  auto r = quantize::Quantize(g, o);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? std::move(r->lowered) : Graph();
}

// How far a level's 16-bit arithmetic may go beyond the FP32-sum kernels, as a multiple of the
// bounds the tests put in units of the file's own error (reference on the lowered file against
// FP32): 1 where sums are FP32 (storage kernels, vdpbf16ps, FMLAL). The avx512fp16 FP16 kernels
// sum blocks of up to 16 products in FP16 (kernels/x86/avx512fp16/gemm_f16.cc): each layer adds
// the roundings of its partial sums to the one of its output. Measured on these tests' models
// (small, odd and 224 sizes) and fused blocks: at most 2.25 times the FP32-sum bounds; 3 leaves
// room for other random weights, not for a wrong tap or k (those miss by far more).
inline bool SumsInF16(kernels::Isa isa, Precision p) {
  return p == Precision::kF16 && kernels::IsaIncludes(isa, kernels::Isa::kAvx512Fp16);
}
inline double HalfSumFactor(kernels::Isa isa, Precision p) { return SumsInF16(isa, p) ? 3.0 : 1.0; }

inline std::vector<float> RunWith(Executable& e, const Graph& g, const std::vector<float>& x) {
  std::copy(x.begin(), x.end(), static_cast<float*>(e.input_buffer(0)));
  EXPECT_TRUE(e.Invoke().ok());
  const float* y = static_cast<const float*>(e.output_buffer(0));
  return std::vector<float>(y, y + g.tensors[g.outputs[0]].num_elements());
}

// Native at level `isa` with `fusion` forced, an L2 of `l2` bytes (0: the CPU's) and fused FP32
// bands in chunks of `chunk_cols` columns (0: as L1d decides); freed tensors are poisoned, so a
// fused step that read a dead tensor would see garbage.
inline std::unique_ptr<Executable> NativeWithFusion(const Graph& g, kernels::Isa isa, int threads,
                                                    FusionPolicy fusion, int64_t l2 = 0, int32_t chunk_cols = 0) {
  BackendOptions o;
  o.threads = threads;
  o.poison_freed = true;
  NativeOptions no;
  no.max_isa = isa;
  no.fusion = fusion;
  no.l2_bytes = l2;
  no.fused_chunk_cols = chunk_cols;
  auto e = PrepareNativeWith(g, o, no);
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? std::move(e).value() : nullptr;
}

inline std::vector<float> RunReference(const Graph& g, const std::vector<float>& x) {
  auto e = PrepareReference(g, BackendOptions());
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? RunWith(**e, g, x) : std::vector<float>();
}

}  // namespace scalert::testing

#endif  // SCALERT_TESTS_NATIVE_HALF_LOWERING_H_
