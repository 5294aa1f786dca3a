// libFuzzer target: bytes -> Model (Verifier + validation) -> Prepare -> Invoke on the
// reference backend. Any crash, leak, hang or out-of-bounds read is a bug.
#include <cstddef>
#include <cstdint>

#include "runtime/interpreter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  scalert::LoadLimits limits;  // small caps keep each execution fast
  limits.max_total_activation_bytes = 64 << 20;
  limits.max_tensor_bytes = 64 << 20;
  auto model = scalert::Model::LoadFromMemory(data, size, limits, "fuzz");
  if (!model.ok()) return 0;
  scalert::InterpreterOptions reference;
  reference.backend = "reference";
  auto it = scalert::Interpreter::Create(*model, reference);
  if (!it.ok()) return 0;
  int64_t macs = 0;
  for (const auto& n : (*model)->graph().nodes) macs += scalert::NodeMacs((*model)->graph(), n);
  if (macs < (int64_t{50} << 20)) (void)(*it)->Invoke();  // skip only what would be slow
  return 0;
}
