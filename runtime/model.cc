#include "runtime/model.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "runtime/model_format.h"

namespace scalert {

Model::~Model() {
  if (mapped_) munmap(bytes_, size_);
  else std::free(bytes_);
}

absl::StatusOr<std::shared_ptr<const Model>> Model::Finish(std::shared_ptr<Model> m,
                                                           const LoadLimits& limits) {
  auto graph = ReadGraph(static_cast<const uint8_t*>(m->bytes_), m->size_, limits);
  if (!graph.ok())
    return absl::Status(graph.status().code(), absl::StrCat(m->name_, ": ", graph.status().message()));
  m->graph_ = std::move(graph).value();
  return std::shared_ptr<const Model>(std::move(m));
}

absl::StatusOr<std::shared_ptr<const Model>> Model::Load(const std::string& path, const LoadLimits& limits) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  }
  std::shared_ptr<Model> m(new Model());
  m->name_ = path;
  m->size_ = static_cast<size_t>(st.st_size);
  if (m->size_ == 0) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": file is empty"));
  }
  void* p = mmap(nullptr, m->size_, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return absl::InternalError(absl::StrCat(path, ": mmap failed: ", std::strerror(errno)));
  m->bytes_ = p;
  m->mapped_ = true;
  return Finish(std::move(m), limits);
}

absl::StatusOr<std::shared_ptr<const Model>> Model::LoadFromMemory(const void* data, size_t size,
                                                                   const LoadLimits& limits,
                                                                   const std::string& name) {
  if (data == nullptr || size == 0) return absl::InvalidArgumentError(absl::StrCat(name, ": empty buffer"));
  std::shared_ptr<Model> m(new Model());
  m->name_ = name;
  m->size_ = size;
  m->bytes_ = std::aligned_alloc(64, (size + 63) / 64 * 64);
  if (!m->bytes_) return absl::ResourceExhaustedError(absl::StrCat(name, ": out of memory"));
  std::memcpy(m->bytes_, data, size);
  return Finish(std::move(m), limits);
}

}  // namespace scalert
