// The kernel registry: (operation, dtype, ISA) -> function. Each ISA's directory registers what
// it implements; a lookup for level L returns the best kernel at L or below (IsaFallback), so a
// missing kernel degrades to a slower one instead of failing.
#ifndef SCALERT_KERNELS_REGISTRY_H_
#define SCALERT_KERNELS_REGISTRY_H_

#include <string>
#include <vector>

#include "kernels/isa.h"
#include "kernels/kernel_types.h"

namespace scalert::kernels {

enum class KernelOp { kGemm, kDwConv, kActivation, kAdd, kMul, kMulChannel, kGlobalAvgPool };
const char* KernelOpName(KernelOp op);

// Element types the native kernels are written for (mirrors runtime DType's float members).
enum class KernelDType { kF32, kF16 };
const char* KernelDTypeName(KernelDType t);

// The function type each operation's kernels have.
template <KernelOp op> struct KernelFn;
template <> struct KernelFn<KernelOp::kGemm> { using type = GemmF32Fn; };
template <> struct KernelFn<KernelOp::kDwConv> { using type = DwConvF32Fn; };
template <> struct KernelFn<KernelOp::kActivation> { using type = ActivationF32Fn; };
template <> struct KernelFn<KernelOp::kAdd> { using type = BinaryF32Fn; };
template <> struct KernelFn<KernelOp::kMul> { using type = BinaryF32Fn; };
template <> struct KernelFn<KernelOp::kMulChannel> { using type = MulChannelF32Fn; };
template <> struct KernelFn<KernelOp::kGlobalAvgPool> { using type = GlobalAvgPoolF32Fn; };

struct KernelEntry {
  KernelOp op;
  KernelDType dtype;
  Isa isa;
  std::string name;  // <op>_<dtype>_<isa>, e.g. "gemm_f32_avx2"
  void (*fn)();      // the KernelFn<op>::type, type-erased
};

template <KernelOp op>
struct Kernel {
  typename KernelFn<op>::type fn = nullptr;
  Isa isa = Isa::kPortable;
  std::string name;
  explicit operator bool() const { return fn != nullptr; }
};

class KernelRegistry {
 public:
  // Every kernel compiled into this binary (whether or not this CPU can run it).
  static const KernelRegistry& Global();

  template <KernelOp op>
  void Add(KernelDType dtype, Isa isa, const std::string& name, typename KernelFn<op>::type fn) {
    entries_.push_back({op, dtype, isa, name, reinterpret_cast<void (*)()>(fn)});
  }

  // The kernel for (op, dtype) at level `isa` or the nearest fallback; empty when none exists.
  // The caller makes sure the CPU supports `isa`.
  template <KernelOp op>
  Kernel<op> Find(KernelDType dtype, Isa isa) const {
    const KernelEntry* e = FindEntry(op, dtype, isa);
    Kernel<op> k;
    if (e) {
      k.fn = reinterpret_cast<typename KernelFn<op>::type>(e->fn);
      k.isa = e->isa;
      k.name = e->name;
    }
    return k;
  }

  const KernelEntry* FindEntry(KernelOp op, KernelDType dtype, Isa isa) const;
  const std::vector<KernelEntry>& entries() const { return entries_; }

 private:
  std::vector<KernelEntry> entries_;
};

// Registration hooks, one per ISA directory (called by KernelRegistry::Global()).
void RegisterPortableKernels(KernelRegistry* r);
#if defined(SCALERT_KERNELS_X86)
void RegisterAvx2Kernels(KernelRegistry* r);
#endif
#if defined(SCALERT_KERNELS_ARM)
void RegisterNeonKernels(KernelRegistry* r);
#endif

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_REGISTRY_H_
