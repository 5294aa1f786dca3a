// Bad usage of `scalert bench` is caught before anything runs, with a message that says what
// is wrong; good usage expands into every model x backend x precision x threads candidate.
#include "tools/bench/options.h"

#include "gtest/gtest.h"
#include "runtime/backend.h"

namespace scalert::bench {
namespace {

std::string ErrorOf(const std::vector<std::string>& args) {
  auto o = ParseBenchOptions(args);
  return o.ok() ? "" : std::string(o.status().message());
}

TEST(BenchOptionsTest, NoModelIsAnError) {
  EXPECT_NE(ErrorOf({}).find("no model given"), std::string::npos);
  EXPECT_NE(ErrorOf({"--backend", "reference"}).find("no model given"), std::string::npos);
}

TEST(BenchOptionsTest, UnknownBackendListsTheAvailableOnes) {
  const std::string e = ErrorOf({"m.srm", "--backend", "reference,warp9"});
  EXPECT_NE(e.find("'warp9'"), std::string::npos) << e;
  EXPECT_NE(e.find("available: reference"), std::string::npos) << e;
}

TEST(BenchOptionsTest, NonPositiveIterationsAndTimesAreErrors) {
  EXPECT_NE(ErrorOf({"m.srm", "--min-iters", "0"}).find("--min-iters must be >= 1"), std::string::npos);
  EXPECT_NE(ErrorOf({"m.srm", "--min-iters", "-3"}).find("--min-iters"), std::string::npos);
  EXPECT_NE(ErrorOf({"m.srm", "--min-time", "0"}).find("--min-time must be > 0"), std::string::npos);
  EXPECT_NE(ErrorOf({"m.srm", "--min-time", "-1"}).find("--min-time"), std::string::npos);
  EXPECT_NE(ErrorOf({"m.srm", "--min-time", "nan"}).find("--min-time"), std::string::npos);
  EXPECT_NE(ErrorOf({"m.srm", "--warmup", "-1"}).find("--warmup must be >= 0"), std::string::npos);
  EXPECT_NE(ErrorOf({"m.srm", "--sustained", "0"}).find("--sustained must be > 0"), std::string::npos);
  EXPECT_NE(ErrorOf({"m.srm", "--min-iters", "ten"}).find("expects an integer"), std::string::npos);
  EXPECT_EQ(ErrorOf({"m.srm", "--warmup", "0"}), "");  // no warm-up is allowed
}

TEST(BenchOptionsTest, BadListsAndFlags) {
  EXPECT_NE(ErrorOf({"m.srm", "--threads", "0"}).find("--threads expects positive integers"), std::string::npos);
  EXPECT_NE(ErrorOf({"m.srm", "--threads", "1,x"}).find("'x'"), std::string::npos);
  EXPECT_NE(ErrorOf({"m.srm", "--precision", "fp64"}).find("unknown precision 'fp64'"), std::string::npos);
  EXPECT_NE(ErrorOf({"m.srm", "--frobnicate"}).find("unknown flag"), std::string::npos);
  EXPECT_NE(ErrorOf({"m.srm", "--family", "dir"}).find("not both"), std::string::npos);
  EXPECT_NE(ErrorOf({"--family", "dir", "--profile"}).find("cannot be combined"), std::string::npos);
}

TEST(BenchOptionsTest, MachineAloneNeedsNoModel) {
  auto o = ParseBenchOptions({"--machine", "--json"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_TRUE(o->machine);
  EXPECT_TRUE(o->models.empty());
}

TEST(BenchOptionsTest, DefaultsAreShortRuns) {
  auto o = ParseBenchOptions({"m.srm"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->settings.warmup, 3);
  EXPECT_EQ(o->settings.min_iters, 10);
  EXPECT_DOUBLE_EQ(o->settings.min_time_s, 1.0);
  EXPECT_EQ(o->threads, std::vector<int>{1});
  EXPECT_EQ(o->precisions, std::vector<Precision>{Precision::kF32});
  ASSERT_EQ(o->backends.size(), 1u);
}

TEST(BenchOptionsTest, AllExpandsToEveryCombinationModelMajor) {
  auto o = ParseBenchOptions({"a.srm", "b.srm", "--backend", "all", "--precision", "fp32,fp16", "--threads", "1,2,2"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->backends, AvailableBackends());
  EXPECT_EQ(o->threads, (std::vector<int>{1, 2}));  // duplicates dropped
  std::vector<CandidateSpec> c = ExpandCandidates(o->models, *o);
  ASSERT_EQ(c.size(), 2 * AvailableBackends().size() * 2 * 2);
  EXPECT_EQ(c.front().model, "a.srm");
  EXPECT_EQ(c.back().model, "b.srm");
  EXPECT_EQ(c[0].threads, 1);
  EXPECT_EQ(c[1].threads, 2);
  EXPECT_EQ(c[2].precision, Precision::kF16);
}

// --isa and --fusion multiply only the native candidates, so one interleaved run compares kernel
// levels and fusion policies; their labels name the variant.
TEST(BenchOptionsTest, IsaAndFusionAreNativeVariants) {
  auto o = ParseBenchOptions({"a.srm", "--backend", "native,reference", "--isa", "avx2,avx512", "--fusion", "off,on"});
  ASSERT_TRUE(o.ok()) << o.status();
  std::vector<CandidateSpec> c = ExpandCandidates(o->models, *o);
  ASSERT_EQ(c.size(), 2u * 2u + 1u);
  EXPECT_EQ(c[0].label(), "native[avx2,fusion=off]");
  EXPECT_EQ(c[3].label(), "native[avx512,fusion=on]");
  EXPECT_EQ(c[4].label(), "reference");
  EXPECT_NE(ErrorOf({"a.srm", "--isa", "sse9"}).find("unknown level 'sse9'"), std::string::npos);
  EXPECT_NE(ErrorOf({"a.srm", "--fusion", "maybe"}).find("unknown policy 'maybe'"), std::string::npos);
}

// Ratios: the baseline is the first model's xnnpack FP32 with the same threads when present.
CandidateResult Made(const std::string& model, const std::string& backend, Precision p, int threads, double median) {
  CandidateResult r;
  r.spec = {model, backend, p, threads, "", ""};
  r.effective_precision = p;
  r.stats.median = median;
  return r;
}

TEST(BenchRatiosTest, XnnpackFp32OfTheFirstModelWithTheSameThreads) {
  std::vector<CandidateResult> rs = {
      Made("a", "reference", Precision::kF32, 1, 40), Made("a", "xnnpack", Precision::kF32, 1, 10),
      Made("a", "xnnpack", Precision::kF32, 2, 5),    Made("b", "xnnpack", Precision::kF32, 1, 20),
      Made("b", "reference", Precision::kF32, 2, 50),
  };
  ComputeRatios(&rs);
  EXPECT_EQ(rs[0].baseline, 1);
  EXPECT_DOUBLE_EQ(rs[0].ratio_to_baseline, 4);
  EXPECT_DOUBLE_EQ(rs[1].ratio_to_baseline, 1);
  EXPECT_EQ(rs[2].baseline, 2);
  EXPECT_EQ(rs[3].baseline, 1);  // the second model against the first
  EXPECT_DOUBLE_EQ(rs[3].ratio_to_baseline, 2);
  EXPECT_EQ(rs[4].baseline, 2);
  EXPECT_DOUBLE_EQ(rs[4].ratio_to_baseline, 10);
}

TEST(BenchRatiosTest, WithoutXnnpackTheFirstCandidateAndSkippedOnesIgnored) {
  std::vector<CandidateResult> rs = {
      Made("a", "xnnpack", Precision::kF16, 1, 1),  // skipped below
      Made("a", "reference", Precision::kF32, 1, 8),
      Made("a", "xnnpack", Precision::kF16, 1, 2),  // FP16 is not the baseline
      Made("a", "reference", Precision::kF32, 4, 4),
  };
  rs[0].error = "refused";
  ComputeRatios(&rs);
  EXPECT_EQ(rs[0].baseline, -1);
  EXPECT_EQ(rs[1].baseline, 1);
  EXPECT_EQ(rs[2].baseline, 1);
  EXPECT_DOUBLE_EQ(rs[2].ratio_to_baseline, 0.25);
  EXPECT_EQ(rs[3].baseline, 3);
}

}  // namespace
}  // namespace scalert::bench
