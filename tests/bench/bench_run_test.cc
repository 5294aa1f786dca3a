// The runner, the --json shape and family mode on tiny models written to a temp dir. Nothing
// here asserts speed: only that every number is produced, consistent and shaped as documented.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "runtime/backend.h"
#include "runtime/model_format.h"
#include "tests/bench/mini_json.h"
#include "tests/testing/test_models.h"
#include "tools/bench/family.h"
#include "tools/bench/report.h"
#include "tools/bench/runner.h"

namespace scalert::bench {
namespace {

namespace fs = std::filesystem;
using testing::JsonReader;
using testing::JsonValue;

// A fresh directory per test.
std::string TempDir(const std::string& name) {
  fs::path p = fs::path(::testing::TempDir()) / ("scalert_bench_" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

std::string WriteTinyModel(const std::string& dir, const std::string& file, int32_t h, int32_t w, float phi) {
  Graph g = testing::MakeMbconvTestGraph(h, w, 3, 7);
  g.metadata.phi = phi;
  g.metadata.family = "tiny";
  const std::string path = (fs::path(dir) / file).string();
  absl::Status s = WriteModelFile(g, path);
  EXPECT_TRUE(s.ok()) << s;
  return path;
}

std::string ReadAll(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Short enough for CI: two timed runs or a millisecond, whichever is longer.
RunSettings Quick() {
  RunSettings s;
  s.warmup = 1;
  s.min_iters = 2;
  s.min_time_s = 0.001;
  return s;
}

TEST(BenchRunTest, EveryCandidateGetsEveryNumber) {
  const std::string dir = TempDir("run");
  const std::string a = WriteTinyModel(dir, "a.srm", 16, 12, 0), b = WriteTinyModel(dir, "b.srm", 24, 20, 1);
  std::vector<CandidateSpec> specs;
  for (const std::string& m : {a, b})
    for (const std::string& backend : AvailableBackends()) specs.push_back({m, backend, Precision::kF32, 1, "", ""});
  int progress_calls = 0;
  auto results = RunCandidates(specs, Quick(), [&](const std::string&) { ++progress_calls; });
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_GT(progress_calls, 0);
  ComputeRatios(&*results);
  ASSERT_EQ(results->size(), specs.size());
  for (const CandidateResult& r : *results) {
    ASSERT_EQ(r.error, "") << CandidateLabel(r);
    EXPECT_GE(r.stats.count, 2u);
    EXPECT_EQ(r.samples_ms.size(), r.stats.count);
    EXPECT_EQ(r.sample_end_s.size(), r.stats.count);
    EXPECT_LE(r.stats.min, r.stats.median);
    EXPECT_LE(r.stats.median, r.stats.p90);
    EXPECT_LE(r.stats.p90, r.stats.p99);
    EXPECT_GT(r.stats.min, 0);
    EXPECT_GT(r.first_run_ms, 0);
    EXPECT_GT(r.load_ms, 0);
    EXPECT_GT(r.prepare_ms, 0);
    EXPECT_GT(r.peak_rss_bytes, 0);
    EXPECT_GE(r.baseline, 0);
    EXPECT_GT(r.ratio_to_baseline, 0);
  }
  // The planned arena grows with the resolution on the reference backend.
  EXPECT_GT((*results)[AvailableBackends().size()].arena_bytes, (*results)[0].arena_bytes);
}

TEST(BenchRunTest, JsonHasExactlyTheDocumentedShape) {
  const std::string dir = TempDir("json");
  const std::string a = WriteTinyModel(dir, "a.srm", 16, 12, 0);
  RunSettings s = Quick();
  s.profile = true;
  auto results = RunCandidates({{a, "reference", Precision::kF32, 1, "", ""}, {a, "reference", Precision::kF16, 1, "", ""}}, s);
  ASSERT_TRUE(results.ok()) << results.status();
  ComputeRatios(&*results);
  ReportInput in;
  in.machine = DetectMachine();
  in.settings = s;
  in.results = *results;
  JsonValue doc;
  const std::string text = JsonReport(in);
  ASSERT_TRUE(JsonReader::Parse(text, &doc)) << text;
  ASSERT_EQ(doc.type, JsonValue::kObject);
  const std::vector<std::string> keys = doc.keys();
  ASSERT_GE(keys.size(), 2u);
  EXPECT_EQ(keys[0], "machine");
  EXPECT_EQ(keys[1], "results");
  const JsonValue* machine = doc.get("machine");
  ASSERT_NE(machine->get("cpu"), nullptr);
  EXPECT_FALSE(machine->get("cpu")->string.empty());
  EXPECT_GE(machine->get("logical_cores")->number, 1);
  EXPECT_EQ(machine->get("isa")->type, JsonValue::kArray);
  const JsonValue* rs = doc.get("results");
  ASSERT_EQ(rs->array.size(), 2u);
  for (const JsonValue& r : rs->array) {
    EXPECT_EQ(r.keys(), ResultKeys());
    EXPECT_EQ(r.get("model")->string, a);
    EXPECT_EQ(r.get("backend")->string, "reference");
    EXPECT_EQ(r.get("threads")->number, 1);
    for (const char* k : {"median_ms", "mean_ms", "min_ms", "p90_ms", "p99_ms", "first_run_ms", "load_ms",
                          "prepare_ms", "peak_arena_bytes", "peak_rss_bytes", "ratio_to_baseline"}) {
      ASSERT_EQ(r.get(k)->type, JsonValue::kNumber) << k;
      EXPECT_GT(r.get(k)->number, 0) << k;
    }
  }
  // The reference backend computes in FP32 whatever is asked: "precision" says what ran and a
  // note says that FP16 was asked for.
  EXPECT_EQ(rs->array[1].get("precision")->string, "fp32");
  bool noted = false;
  for (const JsonValue& n : doc.get("notes")->array) noted = noted || n.string.find("asked for fp16") != std::string::npos;
  EXPECT_TRUE(noted);
  // --profile: one entry per result with one row per operator of the graph.
  const JsonValue* prof = doc.get("profiles");
  ASSERT_NE(prof, nullptr);
  ASSERT_EQ(prof->array.size(), 2u);
  const size_t ops = testing::MakeMbconvTestGraph(16, 12, 3, 7).nodes.size();
  ASSERT_EQ(prof->array[0].get("ops")->array.size(), ops);
  double macs = 0;
  for (const JsonValue& op : prof->array[0].get("ops")->array) macs += op.get("macs")->number;
  EXPECT_GT(macs, 0);
}

TEST(BenchRunTest, MissingModelIsAnErrorNamingIt) {
  auto r = RunCandidates({{"/nonexistent/model.srm", "reference", Precision::kF32, 1, "", ""}}, Quick());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/nonexistent/model.srm"), std::string::npos) << r.status();
}

TEST(BenchRunTest, RefusedCandidateIsSkippedWithItsReason) {
  const std::string dir = TempDir("refused");
  const std::string a = WriteTinyModel(dir, "a.srm", 16, 12, 0);
  // Zero threads is refused by every backend's Prepare: the candidate carries the error.
  auto results = RunCandidates({{a, "reference", Precision::kF32, 1, "", ""}, {a, "reference", Precision::kF32, 0, "", ""}}, Quick());
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[0].error, "");
  EXPECT_NE((*results)[1].error.find("threads"), std::string::npos) << (*results)[1].error;
  EXPECT_EQ((*results)[1].stats.count, 0u);
}

TEST(BenchRunTest, SustainedRunsForTheGivenTime) {
  const std::string dir = TempDir("sustained");
  const std::string a = WriteTinyModel(dir, "a.srm", 16, 12, 0);
  RunSettings s = Quick();
  s.sustained_s = 0.3;
  auto results = RunCandidates({{a, "reference", Precision::kF32, 1, "", ""}}, s);
  ASSERT_TRUE(results.ok()) << results.status();
  const CandidateResult& r = (*results)[0];
  ASSERT_GT(r.stats.count, 0u);
  // Rounds start until 0.3 s have passed; a round of this tiny model is far below 50 ms.
  EXPECT_GT(r.sample_end_s.back(), 0.25);
  EXPECT_LT(r.sample_end_s.front(), 0.05);
  SustainedSeries ss = Sustained(r.samples_ms, r.sample_end_s);
  EXPECT_EQ(ss.per_second_median_ms.size(), 1u);
  EXPECT_GT(ss.first10_median_ms, 0);
}

TEST(BenchFamilyTest, TwoMembersGiveMarkdownCsvJsonAndSvg) {
  const std::string dir = TempDir("family");
  // Written in reverse order: the scan sorts by phi.
  WriteTinyModel(dir, "m1.srm", 24, 20, 1);
  WriteTinyModel(dir, "m0.srm", 16, 12, 0);
  auto members = ScanFamily(dir);
  ASSERT_TRUE(members.ok()) << members.status();
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].file, "m0.srm");
  EXPECT_EQ((*members)[1].input_h, 24);
  EXPECT_LT((*members)[0].macs, (*members)[1].macs);

  BenchOptions o;
  o.backends = AvailableBackends();
  o.precisions = {Precision::kF32};
  o.threads = {1};
  o.settings = Quick();
  std::vector<std::string> lines;
  auto rep = RunFamily(*members, o, DetectMachine(), [&](const std::string& l) { lines.push_back(l); });
  ASSERT_TRUE(rep.ok()) << rep.status();
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("[2/2]"), std::string::npos) << lines.back();

  const std::string out = (fs::path(dir) / "out").string();
  auto written = WriteFamilyFiles(*rep, out);
  ASSERT_TRUE(written.ok()) << written.status();
  ASSERT_EQ(written->size(), 4u);

  const std::string md = ReadAll(out + "/bench_family.md");
  EXPECT_NE(md.find("| φ | model | resolution | params | MACs |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 1 | m1.srm | 24x20 |"), std::string::npos) << md;

  const std::string csv = ReadAll(out + "/bench_family.csv");
  size_t rows = 0;
  for (char c : csv) rows += c == '\n';
  EXPECT_EQ(rows, 1 + 2 * AvailableBackends().size()) << csv;
  EXPECT_EQ(csv.rfind("phi,model,input_h,input_w,params_trained", 0), 0u);

  JsonValue doc;
  ASSERT_TRUE(JsonReader::Parse(ReadAll(out + "/bench_family.json"), &doc));
  EXPECT_EQ(doc.keys()[0], "machine");
  EXPECT_EQ(doc.get("results")->array.size(), 2 * AvailableBackends().size());
  for (const JsonValue& r : doc.get("results")->array) EXPECT_EQ(r.keys(), ResultKeys());
  ASSERT_EQ(doc.get("members")->array.size(), 2u);
  EXPECT_EQ(doc.get("members")->array[1].get("phi")->number, 1);

  const std::string svg = ReadAll(out + "/bench_family.svg");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("<polyline"), std::string::npos);
  EXPECT_NE(svg.find("φ1"), std::string::npos);
}

TEST(BenchFamilyTest, EmptyOrMissingDirectoryIsAnError) {
  auto missing = ScanFamily("/nonexistent/family");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("not a directory"), std::string::npos);
  auto empty = ScanFamily(TempDir("empty"));
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("no .srm model files"), std::string::npos);
}

}  // namespace
}  // namespace scalert::bench
