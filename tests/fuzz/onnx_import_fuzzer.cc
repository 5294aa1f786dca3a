// libFuzzer target: bytes -> ONNX ModelProto parse -> import -> validate -> serialize ->
// load -> Prepare on the reference backend. Any crash, leak or out-of-bounds access is a bug.
#include <cstddef>
#include <cstdint>

#include "runtime/interpreter.h"
#include "runtime/model_format.h"
#include "tools/onnx/onnx_importer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  onnx::ModelProto proto;
  if (!proto.ParseFromArray(data, static_cast<int>(size))) return 0;
  // External data is never read from a fuzz input: the base directory does not exist.
  auto imported = scalert::onnx_import::ImportOnnxModel(proto, "fuzz.onnx", "/nonexistent-fuzz-dir");
  if (!imported.ok()) return 0;
  auto bytes = scalert::SerializeGraph(imported->graph);
  if (!bytes.ok()) return 0;
  scalert::LoadLimits limits;
  limits.max_total_activation_bytes = 64 << 20;
  limits.max_tensor_bytes = 64 << 20;
  auto model = scalert::Model::LoadFromMemory(bytes->data(), bytes->size(), limits, "fuzz");
  if (!model.ok()) return 0;
  scalert::InterpreterOptions reference;
  reference.backend = "reference";
  auto it = scalert::Interpreter::Create(*model, reference);
  (void)it;
  return 0;
}
