// Writes the fuzz seed corpus into a directory: valid models of several sizes (FP32 and lowered:
// INT8, FP16, BF16) and every case of the malformed corpus. Usage: write_fuzz_seeds DIR
#include <cstdio>
#include <fstream>

#include "runtime/model_format.h"
#include "tests/testing/malformed_corpus.h"
#include "tests/testing/test_models.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: write_fuzz_seeds DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  int n = 0;
  auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
    ++n;
  };
  for (auto [h, w] : {std::pair{8, 8}, std::pair{17, 12}, std::pair{5, 9}})
    write("valid_" + std::to_string(h) + "x" + std::to_string(w) + ".srm",
          scalert::SerializeGraphUnchecked(scalert::testing::MakeMbconvTestGraph(h, w)));
  // Lowered models, so mutations explore the INT8 / FP16 / BF16 rules and kernels too.
  write("valid_int8.srm", scalert::SerializeGraphUnchecked(scalert::testing::MakeInt8TestGraph()));
  write("valid_int8_5x4.srm", scalert::SerializeGraphUnchecked(scalert::testing::MakeInt8TestGraph(5, 4, 3)));
  write("valid_f16.srm", scalert::SerializeGraphUnchecked(scalert::testing::MakeLowFloatTestGraph(scalert::DType::kF16, 6, 5)));
  write("valid_bf16.srm", scalert::SerializeGraphUnchecked(scalert::testing::MakeLowFloatTestGraph(scalert::DType::kBF16, 6, 5)));
  for (const auto& mc : scalert::testing::MalformedCorpus()) write(mc.name + ".srm", mc.make_bytes());
  std::printf("wrote %d seeds to %s\n", n, dir.c_str());
  return 0;
}
