// The accuracy proxy: the fit recovers a known curve, the published defaults are sane, and the
// user's CSV is parsed strictly with errors that name the line.
#include "tools/search/accuracy_proxy.h"

#include <cmath>

#include "gtest/gtest.h"

namespace scalert::search {
namespace {

TEST(AccuracyCurveTest, RecoversAKnownCurve) {
  const AccuracyCurve truth{85, 60, 0.5, 0, ""};
  std::vector<AccuracyPoint> pts;
  for (double f : {50.0, 100.0, 300.0, 1000.0, 4000.0, 20000.0}) pts.push_back({f, Accuracy(truth, f), "t"});
  auto c = FitAccuracyCurve(pts);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_NEAR(c->p, 0.5, 0.02);
  EXPECT_NEAR(c->a0, 85, 0.5);
  EXPECT_LT(c->rms, 0.05);
  EXPECT_FALSE(FitAccuracyCurve({{100, 70, ""}}).ok());
  EXPECT_FALSE(FitAccuracyCurve({{100, 70, ""}, {-5, 60, ""}}).ok());
}

TEST(AccuracyCurveTest, PublishedCurvesRiseWithFlopsAndFitTheirPoints) {
  for (const char* family : {"efficientnet", "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small"}) {
    auto pts = PublishedPoints(family);
    ASSERT_TRUE(pts.ok()) << family;
    auto c = FitAccuracyCurve(*pts);
    ASSERT_TRUE(c.ok()) << family;
    EXPECT_LT(c->rms, 1.5) << family;
    EXPECT_LT(Accuracy(*c, 100), Accuracy(*c, 400)) << family;
    EXPECT_LT(Accuracy(*c, 400), Accuracy(*c, 3000)) << family;
    EXPECT_GT(Accuracy(*c, 300), 55) << family;
    EXPECT_LT(Accuracy(*c, 300), 90) << family;
  }
  auto b0 = FitAccuracyCurve(*PublishedPoints("efficientnet"));
  EXPECT_NEAR(Accuracy(*b0, 390), 77.1, 1.0);
  auto none = PublishedPoints("efficientnet_lite");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(std::string(none.status().message()).find("--accuracy-csv"), std::string::npos);
}

TEST(AccuracyCsvTest, ParsesAndNamesBadLines) {
  auto ok = ParseAccuracyCsv("mmacs,top1\n# measured on our data\n100, 61.5\n400,70\n\n", "mine.csv");
  ASSERT_TRUE(ok.ok()) << ok.status();
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[0].mmacs, 100);
  EXPECT_EQ((*ok)[1].top1, 70);
  auto bad = ParseAccuracyCsv("100,61\n200,x\n", "mine.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("mine.csv line 2"), std::string::npos) << bad.status();
  EXPECT_FALSE(ParseAccuracyCsv("100,61\n200,101\n", "m").ok());
  EXPECT_FALSE(ParseAccuracyCsv("0,61\n200,70\n", "m").ok());
  EXPECT_FALSE(ParseAccuracyCsv("100,61\n", "m").ok());
  EXPECT_FALSE(ParseAccuracyCsv("", "m").ok());
  EXPECT_FALSE(ParseAccuracyCsv("100,nan\n200,70\n", "m").ok());
}

}  // namespace
}  // namespace scalert::search
