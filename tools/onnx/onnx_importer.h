// ONNX -> ScaleRT graph. The imported graph takes the ONNX inputs as they are (NCHW images) and
// gives the ONNX outputs; layout conversion (NCHW <-> NHWC) happens inside the graph. Batch norm
// folds into the convolution before it and activations fuse into the op that feeds them, so an
// imported torchvision network has the same op graph as the one `scalert scale` builds.
#ifndef SCALERT_TOOLS_ONNX_ONNX_IMPORTER_H_
#define SCALERT_TOOLS_ONNX_ONNX_IMPORTER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"
#include "runtime/graph.h"
#include "tools/onnx/onnx_loader.h"

namespace scalert::onnx_import {

struct ImportOptions {
  int32_t batch = 0;                 // > 0: fixes the batch dimension; 0: a symbolic batch becomes 1
  int32_t input_h = 0, input_w = 0;  // > 0: overrides H and W of rank-4 (image) inputs
  // Graph inputs to treat as constants (the ONNX node tests pass weights as inputs).
  std::map<std::string, HostTensor> frozen_inputs;
};

struct ImportedModel {
  Graph graph;
  int32_t folded_batch_norms = 0;
  int32_t fused_activations = 0;  // activation ops folded into the op before them
  int32_t onnx_nodes = 0;         // nodes in the ONNX graph, for the import summary
};

// Imports `path`. Errors are Unimplemented for what the importer does not support (naming the
// node, its op and the attribute or input) and InvalidArgument / NotFound for bad files.
absl::StatusOr<ImportedModel> ImportOnnxFile(const std::string& path, const ImportOptions& options = {});

// Imports a parsed model; `source_name` goes into messages and metadata, external data is read
// from `base_dir`.
absl::StatusOr<ImportedModel> ImportOnnxModel(const onnx::ModelProto& model, const std::string& source_name,
                                              const std::string& base_dir, const ImportOptions& options = {});

// The ONNX op types the importer converts (default domain).
std::vector<std::string> SupportedOnnxOps();

}  // namespace scalert::onnx_import

#endif  // SCALERT_TOOLS_ONNX_ONNX_IMPORTER_H_
