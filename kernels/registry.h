// The kernel registry: (operation, dtype, ISA) -> kernel. An entry carries the kernel function
// (typed by KernelTraits<op, dtype>), its register tile (TileShape) and the packing function
// that lays weights out for that tile, so a backend asks the registry for a kernel and packs
// with what it gets: it never assumes a dtype, a vector width or a tile. Each ISA's directory
// registers what it implements; a lookup at level L returns the best kernel at L or below
// (IsaFallback), so a missing kernel degrades to a slower one instead of failing.
#ifndef SCALERT_KERNELS_REGISTRY_H_
#define SCALERT_KERNELS_REGISTRY_H_

#include <string>
#include <vector>

#include "kernels/isa.h"
#include "kernels/kernel_types.h"
#include "kernels/kernel_types_s8.h"
#include "kernels/kernel_types_half.h"
#include "kernels/packing.h"

namespace scalert::kernels {

enum class KernelOp { kGemm, kDwConv, kActivation, kAdd, kMul, kMulChannel, kGlobalAvgPool, kQuantize, kDequantize,
                      kInterleave3, kGemmOffsets };
const char* KernelOpName(KernelOp op);

// Element types kernels are written for: activations x weights as the kernel reads them.
// kS8: int8 activations and weights with int32 accumulation and requantization (issue 17).
// kF32Bf16W: FP32 activations and sums with BF16 weights (a BF16 file's classifier).
enum class KernelDType { kF32, kF16, kBF16, kS8, kF32Bf16W };
const char* KernelDTypeName(KernelDType t);

// The function type of (op, dtype) kernels and of the packing function their weights need
// (NoPacking for ops without weights). Only combinations declared here can be registered.
using NoPacking = void (*)();
template <KernelOp op, KernelDType dtype> struct KernelTraits;
template <> struct KernelTraits<KernelOp::kGemm, KernelDType::kF32> {
  using Fn = GemmF32Fn;
  using PackFn = PackedGemm (*)(const float* w, const float* bias, int32_t n, int32_t k, const TileShape& tile);
};
template <> struct KernelTraits<KernelOp::kDwConv, KernelDType::kF32> {
  using Fn = DwConvF32Fn;
  using PackFn = PackedDwConv (*)(const float* w, const float* bias, int32_t channels, int32_t taps,
                                  const TileShape& tile);
};
template <> struct KernelTraits<KernelOp::kActivation, KernelDType::kF32> { using Fn = ActivationF32Fn; using PackFn = NoPacking; };
template <> struct KernelTraits<KernelOp::kAdd, KernelDType::kF32> { using Fn = BinaryF32Fn; using PackFn = NoPacking; };
template <> struct KernelTraits<KernelOp::kMul, KernelDType::kF32> { using Fn = BinaryF32Fn; using PackFn = NoPacking; };
template <> struct KernelTraits<KernelOp::kMulChannel, KernelDType::kF32> { using Fn = MulChannelF32Fn; using PackFn = NoPacking; };
template <> struct KernelTraits<KernelOp::kGlobalAvgPool, KernelDType::kF32> { using Fn = GlobalAvgPoolF32Fn; using PackFn = NoPacking; };
// The GEMM with A read through GemmArgs::a_offsets (x86 only: callers fall back to patches and kGemm).
template <> struct KernelTraits<KernelOp::kGemmOffsets, KernelDType::kF32> {
  using Fn = GemmF32Fn;
  using PackFn = PackedGemm (*)(const float* w, const float* bias, int32_t n, int32_t k, const TileShape& tile);
};
// Three planes to interleaved pixels: the NCHW -> NHWC transpose of an RGB input.
template <> struct KernelTraits<KernelOp::kInterleave3, KernelDType::kF32> { using Fn = Interleave3F32Fn; using PackFn = NoPacking; };
// The FP32 GEMM's arguments; packed_b holds BF16 weights as the packing lays them out.
template <> struct KernelTraits<KernelOp::kGemm, KernelDType::kF32Bf16W> {
  using Fn = GemmF32Fn;
  using PackFn = KernelTraits<KernelOp::kGemm, KernelDType::kF32>::PackFn;
};
// INT8 (kernel_types_s8.h): the packing folds the input zero point into the bias, so it takes it.
template <> struct KernelTraits<KernelOp::kGemm, KernelDType::kS8> { using Fn = GemmS8Fn; using PackFn = PackGemmS8Fn; };
template <> struct KernelTraits<KernelOp::kDwConv, KernelDType::kS8> { using Fn = DwConvS8Fn; using PackFn = PackDwConvS8Fn; };
template <> struct KernelTraits<KernelOp::kActivation, KernelDType::kS8> { using Fn = LookupS8Fn; using PackFn = NoPacking; };
template <> struct KernelTraits<KernelOp::kAdd, KernelDType::kS8> { using Fn = AddS8Fn; using PackFn = NoPacking; };
template <> struct KernelTraits<KernelOp::kMulChannel, KernelDType::kS8> { using Fn = MulChannelS8Fn; using PackFn = NoPacking; };
template <> struct KernelTraits<KernelOp::kGlobalAvgPool, KernelDType::kS8> { using Fn = GlobalAvgPoolS8Fn; using PackFn = NoPacking; };
template <> struct KernelTraits<KernelOp::kQuantize, KernelDType::kS8> { using Fn = QuantizeS8Fn; using PackFn = NoPacking; };
template <> struct KernelTraits<KernelOp::kDequantize, KernelDType::kS8> { using Fn = DequantizeS8Fn; using PackFn = NoPacking; };
template <> struct KernelTraits<KernelOp::kInterleave3, KernelDType::kS8> { using Fn = Interleave3S8Fn; using PackFn = NoPacking; };

// 16-bit float activations (kernel_types_half.h): the same function types for FP16 and BF16;
// the packing function takes FP32 weights and lays them out as the kernel reads them.
template <> struct KernelTraits<KernelOp::kGemm, KernelDType::kF16> {
  using Fn = GemmHalfFn;
  using PackFn = KernelTraits<KernelOp::kGemm, KernelDType::kF32>::PackFn;
};
template <> struct KernelTraits<KernelOp::kGemm, KernelDType::kBF16> {
  using Fn = GemmHalfFn;
  using PackFn = KernelTraits<KernelOp::kGemm, KernelDType::kF32>::PackFn;
};
template <> struct KernelTraits<KernelOp::kDwConv, KernelDType::kF16> {
  using Fn = DwConvHalfFn;
  using PackFn = KernelTraits<KernelOp::kDwConv, KernelDType::kF32>::PackFn;
};
template <> struct KernelTraits<KernelOp::kDwConv, KernelDType::kBF16> {
  using Fn = DwConvHalfFn;
  using PackFn = KernelTraits<KernelOp::kDwConv, KernelDType::kF32>::PackFn;
};
template <> struct KernelTraits<KernelOp::kInterleave3, KernelDType::kF16> { using Fn = Interleave3HalfFn; using PackFn = NoPacking; };
template <> struct KernelTraits<KernelOp::kInterleave3, KernelDType::kBF16> { using Fn = Interleave3HalfFn; using PackFn = NoPacking; };

struct KernelEntry {
  KernelOp op;
  KernelDType dtype;
  Isa isa;
  std::string name;  // <op>_<dtype>[_<tile>]_<isa>, e.g. "gemm_f32_12x32_avx512"
  TileShape tile;
  void (*fn)();      // KernelTraits<op, dtype>::Fn, type-erased
  void (*pack)();    // KernelTraits<op, dtype>::PackFn, type-erased (null without weights)
};

// A looked-up kernel, typed.
template <KernelOp op, KernelDType dtype = KernelDType::kF32>
struct Kernel {
  typename KernelTraits<op, dtype>::Fn fn = nullptr;
  typename KernelTraits<op, dtype>::PackFn pack = nullptr;
  TileShape tile;
  Isa isa = Isa::kPortable;
  std::string name;
  explicit operator bool() const { return fn != nullptr; }
};

template <KernelOp op, KernelDType dtype>
Kernel<op, dtype> KernelFromEntry(const KernelEntry& e) {
  Kernel<op, dtype> k;
  k.fn = reinterpret_cast<typename KernelTraits<op, dtype>::Fn>(e.fn);
  k.pack = reinterpret_cast<typename KernelTraits<op, dtype>::PackFn>(e.pack);
  k.tile = e.tile;
  k.isa = e.isa;
  k.name = e.name;
  return k;
}

class KernelRegistry {
 public:
  // Every kernel compiled into this binary (whether or not this CPU can run it).
  static const KernelRegistry& Global();

  template <KernelOp op, KernelDType dtype>
  void Add(Isa isa, const std::string& name, const TileShape& tile, typename KernelTraits<op, dtype>::Fn fn,
           typename KernelTraits<op, dtype>::PackFn pack = nullptr) {
    entries_.push_back({op, dtype, isa, name, tile, reinterpret_cast<void (*)()>(fn),
                        reinterpret_cast<void (*)()>(pack)});
  }

  // The kernel for (op, dtype) at level `isa` or the nearest fallback; empty when none exists.
  // The caller makes sure the CPU supports `isa`.
  template <KernelOp op, KernelDType dtype = KernelDType::kF32>
  Kernel<op, dtype> Find(Isa isa) const {
    const KernelEntry* e = FindEntry(op, dtype, isa);
    return e ? KernelFromEntry<op, dtype>(*e) : Kernel<op, dtype>();
  }

  const KernelEntry* FindEntry(KernelOp op, KernelDType dtype, Isa isa) const;
  const std::vector<KernelEntry>& entries() const { return entries_; }

 private:
  std::vector<KernelEntry> entries_;
};

// Registration hooks, one per ISA directory (called by KernelRegistry::Global()).
void RegisterPortableKernels(KernelRegistry* r);
void RegisterPortableHalfKernels(KernelRegistry* r);  // FP16 / BF16 storage
#if defined(SCALERT_KERNELS_X86)
void RegisterAvx2Kernels(KernelRegistry* r);
void RegisterAvx512Kernels(KernelRegistry* r);
void RegisterAvx512VnniKernels(KernelRegistry* r);
void RegisterAvx512VbmiKernels(KernelRegistry* r);
void RegisterAvx2HalfKernels(KernelRegistry* r);
void RegisterAvx512HalfKernels(KernelRegistry* r);
void RegisterAvx512Bf16Kernels(KernelRegistry* r);
void RegisterAvx512Fp16Kernels(KernelRegistry* r);
void RegisterAmxKernels(KernelRegistry* r);
#endif
#if defined(SCALERT_KERNELS_ARM)
void RegisterNeonKernels(KernelRegistry* r);
void RegisterNeonHalfKernels(KernelRegistry* r);
void RegisterNeonDotKernels(KernelRegistry* r);
void RegisterNeonFhmKernels(KernelRegistry* r);
void RegisterNeonI8mmKernels(KernelRegistry* r);
#endif

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_REGISTRY_H_
