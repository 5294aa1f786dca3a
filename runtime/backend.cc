#include "runtime/backend.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/backends/native/native_backend.h"
#include "runtime/backends/reference/reference_backend.h"
#ifdef SCALERT_WITH_XNNPACK
#include "runtime/backends/xnnpack/xnnpack_backend.h"
#endif

namespace scalert {

const char* FusionPolicyName(FusionPolicy p) {
  switch (p) {
    case FusionPolicy::kAuto: return "auto";
    case FusionPolicy::kOn: return "on";
    case FusionPolicy::kOff: return "off";
  }
  return "unknown";
}

bool ParseFusionPolicy(const std::string& s, FusionPolicy* out) {
  for (FusionPolicy p : {FusionPolicy::kAuto, FusionPolicy::kOn, FusionPolicy::kOff})
    if (s == FusionPolicyName(p)) {
      *out = p;
      return true;
    }
  return false;
}

std::vector<std::string> AvailableBackends() {
  std::vector<std::string> r = {"reference", "native"};
#ifdef SCALERT_WITH_XNNPACK
  r.push_back("xnnpack");
#endif
  return r;
}

absl::StatusOr<std::unique_ptr<Executable>> PrepareBackend(const std::string& name, const Graph& g,
                                                           const BackendOptions& options) {
  if (options.threads < 1)
    return absl::InvalidArgumentError(absl::StrCat("threads must be >= 1, found ", options.threads));
  if (name == "reference") return PrepareReference(g, options);
  if (name == "native") return PrepareNative(g, options);
#ifdef SCALERT_WITH_XNNPACK
  if (name == "xnnpack" && options.external_arena)
    return absl::UnimplementedError("the xnnpack backend plans its own activation memory; it cannot use an "
                                    "external arena (members on xnnpack do not share one)");
  if (name == "xnnpack") return PrepareXnnpack(g, options);
#endif
  return absl::InvalidArgumentError(absl::StrCat("unknown backend '", name, "'; available: ",
                                                 absl::StrJoin(AvailableBackends(), ", ")));
}

}  // namespace scalert
