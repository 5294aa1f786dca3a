// Writes the fuzz seed corpus into a directory: valid models of several sizes and every case of
// the malformed corpus. Usage: write_fuzz_seeds DIR
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
  for (const auto& mc : scalert::testing::MalformedCorpus()) write(mc.name + ".srm", mc.make_bytes());
  std::printf("wrote %d seeds to %s\n", n, dir.c_str());
  return 0;
}
