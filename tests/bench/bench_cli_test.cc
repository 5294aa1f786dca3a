// `scalert bench` as a user runs it: bad usage exits non-zero with a clear message (no crash),
// and a real run prints JSON of the documented shape.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "runtime/model_format.h"
#include "tests/bench/mini_json.h"
#include "tests/testing/test_models.h"
#include "tools/bench/report.h"

namespace scalert::bench {
namespace {

struct Outcome {
  int exit_code = -1;  // -1: killed by a signal
  std::string out;     // stdout and stderr together
};

Outcome RunCli(const std::string& args) {
  Outcome o;
  const std::string cmd = std::string(SCALERT_CLI) + " bench " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return o;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) o.out.append(buf, n);
  int status = pclose(p);
  if (WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
  return o;
}

TEST(BenchCliTest, NoModel) {
  Outcome o = RunCli("");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.out.find("no model given"), std::string::npos) << o.out;
}

TEST(BenchCliTest, MissingModelFile) {
  Outcome o = RunCli("/nonexistent/b0.srm --min-time 0.01");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.out.find("/nonexistent/b0.srm: cannot open"), std::string::npos) << o.out;
}

TEST(BenchCliTest, UnknownBackend) {
  Outcome o = RunCli("m.srm --backend tpu");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.out.find("backend 'tpu' is not available"), std::string::npos) << o.out;
}

TEST(BenchCliTest, ZeroIterationsAndTime) {
  Outcome iters = RunCli("m.srm --min-iters 0");
  EXPECT_EQ(iters.exit_code, 2);
  EXPECT_NE(iters.out.find("--min-iters must be >= 1"), std::string::npos) << iters.out;
  Outcome time = RunCli("m.srm --min-time -2");
  EXPECT_EQ(time.exit_code, 2);
  EXPECT_NE(time.out.find("--min-time must be > 0"), std::string::npos) << time.out;
}

TEST(BenchCliTest, HelpDescribesTheFlags) {
  Outcome o = RunCli("--help");
  EXPECT_EQ(o.exit_code, 0);
  for (const char* flag : {"--backend", "--precision", "--threads", "--min-iters", "--min-time", "--profile",
                           "--sustained", "--machine", "--family", "--json"})
    EXPECT_NE(o.out.find(flag), std::string::npos) << flag;
}

TEST(BenchCliTest, JsonRunOnATinyModel) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(::testing::TempDir()) / "scalert_bench_cli";
  fs::create_directories(dir);
  const std::string model = (dir / "tiny.srm").string();
  ASSERT_TRUE(WriteModelFile(testing::MakeMbconvTestGraph(16, 12, 3, 3), model).ok());
  // stderr is merged: skipped-candidate lines would break the parse, and none are expected.
  Outcome o = RunCli(model + " --backend reference --threads 1 --warmup 1 --min-iters 2 --min-time 0.001 --json");
  ASSERT_EQ(o.exit_code, 0) << o.out;
  testing::JsonValue doc;
  ASSERT_TRUE(testing::JsonReader::Parse(o.out, &doc)) << o.out;
  ASSERT_EQ(doc.get("results")->array.size(), 1u);
  EXPECT_EQ(doc.get("results")->array[0].keys(), ResultKeys());
  EXPECT_EQ(doc.get("results")->array[0].get("ratio_to_baseline")->number, 1);
}

}  // namespace
}  // namespace scalert::bench
