// Budget traces and their replay on a tiny family: generated shapes, the trace file format, the
// summary and the dominance check on synthetic frames, the report files, and the CLI's
// errors. Nothing here asserts speed.
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "runtime/model_format.h"
#include "tests/bench/mini_json.h"
#include "tests/testing/test_models.h"
#include "tools/bench/budget_trace.h"
#include "tools/bench/replay.h"

namespace scalert::bench {
namespace {

namespace fs = std::filesystem;

std::string TempDir(const std::string& name) {
  fs::path p = fs::path(::testing::TempDir()) / ("scalert_replay_" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

std::string ReadAll(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(BudgetTrace, SawtoothRampsFromLowToHighAndDrops) {
  auto t = GenerateTrace("sawtooth", 40, 10, 100, 1);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->budgets.size(), 40u);
  EXPECT_DOUBLE_EQ(t->budgets[0], 10);
  EXPECT_DOUBLE_EQ(t->budgets[9], 100);  // period: a quarter of the frames
  EXPECT_DOUBLE_EQ(t->budgets[10], 10);
  for (int k = 1; k < 10; ++k) EXPECT_GT(t->budgets[k], t->budgets[k - 1]);
}

TEST(BudgetTrace, ThrottlingFallsFromHighToTheFloor) {
  auto t = GenerateTrace("throttling", 100, 10, 110, 3);
  ASSERT_TRUE(t.ok());
  for (int k = 0; k < 20; ++k) EXPECT_NEAR(t->budgets[k], 110, 110 * 0.05 + 1e-9) << k;
  for (int k = 80; k < 100; ++k) EXPECT_NEAR(t->budgets[k], 30, 30 * 0.05 + 0.5) << k;
  EXPECT_LT(t->budgets[40], t->budgets[20]);
}

TEST(BudgetTrace, SteadyJittersAroundTheGeometricMeanReproducibly) {
  auto a = GenerateTrace("steady", 50, 10, 40, 5);
  auto b = GenerateTrace("steady", 50, 10, 40, 5);
  auto c = GenerateTrace("steady", 50, 10, 40, 6);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->budgets, b->budgets);
  EXPECT_NE(a->budgets, c->budgets);
  for (double v : a->budgets) EXPECT_NEAR(v, 20, 20 * 0.03 + 1e-9);
}

TEST(BudgetTrace, BadGeneratorArgumentsAreErrors) {
  EXPECT_FALSE(GenerateTrace("zigzag", 10, 1, 2, 0).ok());
  EXPECT_FALSE(GenerateTrace("steady", 0, 1, 2, 0).ok());
  EXPECT_FALSE(GenerateTrace("steady", 10, 0, 2, 0).ok());
  EXPECT_FALSE(GenerateTrace("steady", 10, 3, 2, 0).ok());
  EXPECT_FALSE(GenerateTrace("steady", 10, 1, std::nan(""), 0).ok());
}

TEST(BudgetTrace, FileHasOneBudgetPerLineWithComments) {
  const std::string dir = TempDir("file");
  const std::string good = dir + "/ui_thread.txt";
  std::ofstream(good) << "# budgets in ms\n16.6\n\n  8.3  \n33\n";
  auto t = ReadTraceFile(good);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->name, "ui_thread");
  EXPECT_EQ(t->budgets, (std::vector<double>{16.6, 8.3, 33}));
  for (const char* bad : {"16\nfast\n", "16\n-1\n", "16\nnan\n", "16\n0\n", "16\n16 17\n"}) {
    std::ofstream(dir + "/bad.txt") << bad;
    auto b = ReadTraceFile(dir + "/bad.txt");
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_NE(b.status().message().find("bad.txt:2:"), std::string::npos) << b.status();
  }
  std::ofstream(dir + "/empty.txt") << "# nothing\n";
  EXPECT_FALSE(ReadTraceFile(dir + "/empty.txt").ok());
  EXPECT_EQ(ReadTraceFile(dir + "/missing.txt").status().code(), absl::StatusCode::kNotFound);
}

ReplayMode Mode(const std::string& name, bool policy, std::vector<int> members, std::vector<bool> met) {
  ReplayMode m;
  m.name = name;
  m.is_policy = policy;
  for (size_t k = 0; k < members.size(); ++k)
    m.frames.push_back({members[k], 10, 5, static_cast<bool>(met[k]), k > 0 && members[k] != members[k - 1]});
  return m;
}

TEST(Replay, SummaryAndDominanceOnSyntheticFrames) {
  const std::vector<double> accuracy = {70, 80, 90};
  std::vector<ReplayMode> modes = {
      Mode("greedy", true, {0, 1, 2, 1}, {true, true, false, true}),
      Mode("static a", false, {0, 0, 0, 0}, {true, true, true, true}),
      Mode("static b", false, {1, 1, 1, 1}, {true, false, true, false}),
      Mode("static c", false, {2, 2, 2, 2}, {false, false, false, true}),
  };
  for (ReplayMode& m : modes) SummarizeMode(accuracy, &m);
  EXPECT_EQ(modes[0].misses, 1);
  EXPECT_EQ(modes[0].switches, 3);
  EXPECT_DOUBLE_EQ(modes[0].mean_accuracy, 80);
  EXPECT_DOUBLE_EQ(modes[0].mean_ms, 5);
  // 80 (policy) vs a: 70, 0 misses -> policy more accurate: fine; b: 80, not more accurate,
  // 2 misses > 1: fine; c: 90 > 80 and 3 misses > 1: fine.
  Dominance d = CheckDominance(modes[0], modes);
  EXPECT_TRUE(d.holds) << (d.violations.empty() ? "" : d.violations[0]);
  // A policy with 3 misses at 80: no better than b (80, 2 misses) and missing as often as the
  // more accurate c.
  ReplayMode bad = Mode("dp", true, {0, 1, 2, 1}, {false, false, false, true});
  SummarizeMode(accuracy, &bad);
  d = CheckDominance(bad, modes);
  EXPECT_FALSE(d.holds);
  ASSERT_EQ(d.violations.size(), 2u);
  EXPECT_NE(d.violations[0].find("static b misses fewer"), std::string::npos) << d.violations[0];
  EXPECT_NE(d.violations[1].find("static c is more accurate"), std::string::npos) << d.violations[1];
  // One that is no more accurate than a member that misses less does not either.
  ReplayMode timid = Mode("dp", true, {0, 0, 0, 0}, {true, true, true, false});
  SummarizeMode(accuracy, &timid);
  d = CheckDominance(timid, modes);
  EXPECT_FALSE(d.holds);
  EXPECT_NE(d.violations[0].find("static a"), std::string::npos) << d.violations[0];
}

TEST(Replay, TinyFamilyWritesTableJsonCsvAndOneSvgPerTrace) {
  const std::string dir = TempDir("family");
  for (auto [file, size, phi] : {std::tuple{"m0.srm", 16, 0.f}, {"m1.srm", 28, 1.f}}) {
    Graph g = testing::MakeMbconvTestGraph(size, size, 3, 7);
    g.metadata.phi = phi;
    g.metadata.family = "tiny";
    ASSERT_TRUE(WriteModelFile(g, dir + "/" + file).ok());
  }
  const std::string trace = dir + "/mine.txt";
  std::ofstream(trace) << "1000\n0.001\n1000\n";
  auto members = ScanFamily(dir);
  ASSERT_TRUE(members.ok()) << members.status();
  BenchOptions o;
  o.backends = {"native"};
  o.precisions = {Precision::kF32};
  o.threads = {1};
  o.settings.min_iters = 2;
  o.frames = 12;
  o.budget_traces = {"sawtooth", trace};
  auto rep = RunReplay(*members, o, DetectMachine(), nullptr);
  ASSERT_TRUE(rep.ok()) << rep.status();
  ASSERT_EQ(rep->traces.size(), 2u);
  EXPECT_TRUE(rep->shares_arena);
  EXPECT_EQ(rep->arena_bytes, std::max(rep->info[0].own_arena_bytes, rep->info[1].own_arena_bytes));
  for (const ReplayTraceResult& t : rep->traces) {
    ASSERT_EQ(t.modes.size(), 4u);  // greedy, dp, static φ0, static φ1
    EXPECT_EQ(t.modes[2].name, "static φ0");
    EXPECT_EQ(t.dominance.size(), 2u);
    for (const ReplayMode& m : t.modes) EXPECT_EQ(m.frames.size(), t.trace.budgets.size());
  }
  // The file trace: a generous budget runs the larger member, an impossible one the smaller.
  const ReplayMode& greedy = rep->traces[1].modes[0];
  EXPECT_EQ(greedy.frames[0].member, 1);
  EXPECT_EQ(greedy.frames[1].member, 0);
  EXPECT_FALSE(greedy.frames[1].met);
  EXPECT_EQ(rep->traces[1].modes[3].misses, 1);

  const std::string out = dir + "/out";
  auto written = WriteReplayFiles(*rep, out);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->size(), 5u);
  const std::string md = ReadAll(out + "/bench_replay.md");
  EXPECT_NE(md.find("### Trace `sawtooth`: 12 frames"), std::string::npos) << md;
  EXPECT_NE(md.find("| static φ1 |"), std::string::npos) << md;
  EXPECT_NE(md.find("- greedy: "), std::string::npos) << md;
  const std::string csv = ReadAll(out + "/bench_replay.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 4 * (12 + 3)) << csv;
  testing::JsonValue doc;
  ASSERT_TRUE(testing::JsonReader::Parse(ReadAll(out + "/bench_replay.json"), &doc));
  EXPECT_EQ(doc.keys(), (std::vector<std::string>{"machine", "backend", "threads", "horizon", "arena_bytes",
                                                  "shares_arena", "members", "switch_ms", "traces"}));
  ASSERT_EQ(doc.get("traces")->array.size(), 2u);
  EXPECT_EQ(doc.get("traces")->array[1].get("name")->string, "mine");
  EXPECT_EQ(doc.get("traces")->array[0].get("modes")->array[0].get("member")->array.size(), 12u);
  const std::string svg = ReadAll(out + "/bench_replay_mine.svg");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("missed"), std::string::npos);  // frame 1 of the file trace
}

struct Outcome {
  int exit_code = -1;
  std::string out;
};

Outcome RunCli(const std::string& args) {
  Outcome o;
  FILE* p = popen((std::string(SCALERT_CLI) + " bench " + args + " 2>&1").c_str(), "r");
  if (!p) return o;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) o.out.append(buf, n);
  const int status = pclose(p);
  if (WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
  return o;
}

TEST(ReplayCli, BadUsageFailsCleanlyAndWritesNothing) {
  const std::string dir = TempDir("cli");
  ASSERT_TRUE(WriteModelFile(testing::MakeMbconvTestGraph(16, 16, 3, 7), dir + "/m0.srm").ok());
  Outcome no_family = RunCli("--budget-trace sawtooth");
  EXPECT_EQ(no_family.exit_code, 2) << no_family.out;
  EXPECT_NE(no_family.out.find("--family"), std::string::npos) << no_family.out;
  Outcome two = RunCli("--family " + dir + " --budget-trace steady --threads 1,2");
  EXPECT_EQ(two.exit_code, 2) << two.out;
  Outcome frames = RunCli("--family " + dir + " --budget-trace steady --frames 0");
  EXPECT_EQ(frames.exit_code, 2) << frames.out;
  std::ofstream(dir + "/bad.txt") << "10\nsoon\n";
  Outcome bad = RunCli("--family " + dir + " --budget-trace " + dir + "/bad.txt -o " + dir + "/out");
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_NE(bad.out.find("bad.txt:2:"), std::string::npos) << bad.out;
  EXPECT_FALSE(fs::exists(dir + "/out/bench_replay.md"));
  Outcome ok = RunCli("--family " + dir + " --budget-trace steady --frames 3 --min-iters 2 --json -o " + dir + "/out");
  ASSERT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_TRUE(fs::exists(dir + "/out/bench_replay_steady.svg"));
  Outcome help = RunCli("--help");
  for (const char* flag : {"--budget-trace", "--frames", "--horizon"}) EXPECT_NE(help.out.find(flag), std::string::npos);
}

}  // namespace
}  // namespace scalert::bench
