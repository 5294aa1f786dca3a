// The malformed-model corpus (tests/testing/malformed_corpus.h): every broken file is rejected
// with a specific message naming the file, never a crash.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/model.h"
#include "runtime/model_format.h"
#include "tests/testing/malformed_corpus.h"

namespace scalert {
namespace {

TEST(MalformedModels, CorpusHasAtLeastTwentyCases) { EXPECT_GE(testing::MalformedCorpus().size(), 20u); }

TEST(MalformedModels, ValidBaseModelLoads) {
  std::string s = testing::ValidModelBytes();
  auto m = Model::LoadFromMemory(s.data(), s.size());
  EXPECT_TRUE(m.ok()) << m.status();
}

TEST(MalformedModels, EachCaseIsRejectedWithASpecificMessage) {
  for (const testing::MalformedCase& mc : testing::MalformedCorpus()) {
    SCOPED_TRACE(mc.name);
    std::string bytes = mc.make_bytes();
    auto m = bytes.empty() ? Model::LoadFromMemory(nullptr, 0, mc.limits, mc.name)
                           : Model::LoadFromMemory(bytes.data(), bytes.size(), mc.limits, mc.name);
    ASSERT_FALSE(m.ok()) << mc.name << " was accepted";
    std::string msg(m.status().message());
    EXPECT_NE(msg.find(mc.expected), std::string::npos) << "message: " << msg;
    EXPECT_NE(msg.find(mc.name), std::string::npos) << "message does not name the file: " << msg;
  }
}

// Every byte-level truncation of a valid file is rejected or loads; never crashes (run under
// ASan in CI, this is the cheap deterministic cousin of the fuzzer).
TEST(MalformedModels, EveryTruncationIsHandled) {
  std::string s = testing::ValidModelBytes();
  for (size_t len = 0; len < s.size(); len += 1 + len / 64) {
    auto m = Model::LoadFromMemory(s.data(), len);
    EXPECT_FALSE(m.ok()) << "truncated to " << len;
  }
}

}  // namespace
}  // namespace scalert
