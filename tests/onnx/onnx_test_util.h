// Helpers for the importer tests: build small ONNX models in code and run imported graphs.
#ifndef SCALERT_TESTS_ONNX_ONNX_TEST_UTIL_H_
#define SCALERT_TESTS_ONNX_ONNX_TEST_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"
#include "runtime/graph.h"

namespace scalert::onnx_test {

// Runs `g` on `backend` with one buffer per graph input (in g.inputs order); returns every output.
absl::StatusOr<std::vector<std::vector<float>>> RunGraph(const Graph& g, const std::vector<std::vector<float>>& inputs,
                                                         const std::string& backend = "reference");

// A model under construction (default domain, given opset).
class ModelBuilder {
 public:
  explicit ModelBuilder(int64_t opset = 13);
  // A float32 input; a negative dimension is symbolic (named "dim<k>", "batch" for axis 0).
  ModelBuilder& Input(const std::string& name, const std::vector<int64_t>& dims);
  ModelBuilder& Output(const std::string& name);
  ModelBuilder& Initializer(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& v);
  ModelBuilder& IntInitializer(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int64_t>& v);
  // Adds a node; attributes follow with the Attr* calls on the returned proto.
  onnx::NodeProto* Node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "");
  onnx::ModelProto& proto() { return m_; }
  const onnx::ModelProto& proto() const { return m_; }

 private:
  onnx::ModelProto m_;
};

void AttrInt(onnx::NodeProto* n, const std::string& name, int64_t v);
void AttrFloat(onnx::NodeProto* n, const std::string& name, float v);
void AttrInts(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v);
void AttrString(onnx::NodeProto* n, const std::string& name, const std::string& v);

// Deterministic values in [lo, hi).
std::vector<float> Random(size_t n, uint32_t seed, float lo = -1.f, float hi = 1.f);

}  // namespace scalert::onnx_test

#endif  // SCALERT_TESTS_ONNX_ONNX_TEST_UTIL_H_
