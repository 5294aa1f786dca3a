// Reading and writing the .srm file format (schema/scalert.fbs) to and from the graph IR.
#ifndef SCALERT_RUNTIME_MODEL_FORMAT_H_
#define SCALERT_RUNTIME_MODEL_FORMAT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/graph.h"
#include "runtime/validate.h"

namespace scalert {

// The newest schema version this runtime reads and writes; it reads every version from
// kOldestSchemaVersion on. Version 2 added bf16 and non-f32 activations.
inline constexpr uint32_t kSchemaVersion = 2;
inline constexpr uint32_t kOldestSchemaVersion = 1;

// The lowest schema version that can hold `g` (1 unless it has bf16 or non-f32 activations), so
// FP32 files stay readable by older runtimes.
uint32_t SchemaVersionNeeded(const Graph& g);

// Verifies the flatbuffer, translates it and validates the graph. Constant tensors point into
// `data`, which must outlive the graph. Never reads outside [data, data + size).
absl::StatusOr<Graph> ReadGraph(const uint8_t* data, size_t size, const LoadLimits& limits = {});

// Serializes a graph (constants 64-byte aligned). The graph is validated first.
absl::StatusOr<std::string> SerializeGraph(const Graph& g);

// Serializes without validating: for tests and fuzz corpora that need malformed files.
// A schema_version of 0 writes SchemaVersionNeeded(g).
std::string SerializeGraphUnchecked(const Graph& g, uint32_t schema_version = 0);

// Serializes and writes atomically: a failure leaves no file (or the old file) at `path`.
absl::Status WriteModelFile(const Graph& g, const std::string& path);

// Writes bytes to `path` through a temporary file and rename, so no partial file is left.
absl::Status WriteFileAtomically(const std::string& path, const void* data, size_t size);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_MODEL_FORMAT_H_
