// The malformed-model corpus: broken model files, each with the message that must reject it.
// Used by the loader tests and as seeds for the loader fuzzer.
#ifndef SCALERT_TESTS_TESTING_MALFORMED_CORPUS_H_
#define SCALERT_TESTS_TESTING_MALFORMED_CORPUS_H_

#include <functional>
#include <string>
#include <vector>

#include "runtime/validate.h"

namespace scalert::testing {

struct MalformedCase {
  std::string name;
  std::function<std::string()> make_bytes;
  std::string expected;  // substring of the error message
  LoadLimits limits = {};
};

std::vector<MalformedCase> MalformedCorpus();
// The valid model every mutated case starts from.
std::string ValidModelBytes();
// A valid INT8 model (tests/testing/test_models.h MakeInt8TestGraph), the base of the quantized cases.
std::string ValidInt8ModelBytes();

}  // namespace scalert::testing

#endif  // SCALERT_TESTS_TESTING_MALFORMED_CORPUS_H_
