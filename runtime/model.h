// A loaded, verified, validated model. Immutable and shareable across threads.
#ifndef SCALERT_RUNTIME_MODEL_H_
#define SCALERT_RUNTIME_MODEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/graph.h"
#include "runtime/validate.h"

namespace scalert {

class Model {
 public:
  // Maps the file read-only; constant weights are used in place from the mapping.
  static absl::StatusOr<std::shared_ptr<const Model>> Load(const std::string& path,
                                                           const LoadLimits& limits = {});
  // Copies the caller's bytes into aligned storage; the caller may free them afterwards.
  static absl::StatusOr<std::shared_ptr<const Model>> LoadFromMemory(const void* data, size_t size,
                                                                     const LoadLimits& limits = {},
                                                                     const std::string& name = "<memory>");
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const Graph& graph() const { return graph_; }
  const std::string& name() const { return name_; }
  size_t file_bytes() const { return size_; }

 private:
  Model() = default;
  static absl::StatusOr<std::shared_ptr<const Model>> Finish(std::shared_ptr<Model> m, const LoadLimits& limits);

  std::string name_;
  void* bytes_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
  Graph graph_;
};

}  // namespace scalert

#endif  // SCALERT_RUNTIME_MODEL_H_
