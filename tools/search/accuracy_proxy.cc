#include "tools/search/accuracy_proxy.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace scalert::search {

double Accuracy(const AccuracyCurve& c, double mmacs) {
  return mmacs > 0 ? c.a0 - c.k * std::pow(mmacs, -c.p) : 0;
}

absl::StatusOr<AccuracyCurve> FitAccuracyCurve(const std::vector<AccuracyPoint>& points) {
  std::vector<AccuracyPoint> use;
  for (const AccuracyPoint& p : points)
    if (p.mmacs > 0 && std::isfinite(p.mmacs) && std::isfinite(p.top1)) use.push_back(p);
  if (use.size() < 2) return absl::InvalidArgumentError("the accuracy curve needs at least two points with FLOPs > 0");
  AccuracyCurve best;
  double best_sq = -1;
  for (int i = 0; i <= 300; ++i) {
    const double p = 0.02 * std::pow(150.0, i / 300.0);  // 0.02 .. 3
    // A = a0 - k x with x = F^-p: ordinary least squares in (a0, k).
    double n = 0, sx = 0, sxx = 0, sy = 0, sxy = 0;
    for (const AccuracyPoint& q : use) {
      const double x = std::pow(q.mmacs, -p);
      n += 1, sx += x, sxx += x * x, sy += q.top1, sxy += x * q.top1;
    }
    const double det = n * sxx - sx * sx;
    if (!(std::abs(det) > 1e-300)) continue;
    double slope = (n * sxy - sx * sy) / det;  // of A against x: -k
    double k = std::max(0.0, -slope);
    double a0 = (sy + k * sx) / n;
    double sq = 0;
    for (const AccuracyPoint& q : use) {
      const double r = a0 - k * std::pow(q.mmacs, -p) - q.top1;
      sq += r * r;
    }
    if (best_sq < 0 || sq < best_sq) best_sq = sq, best = {a0, k, p, std::sqrt(sq / n), ""};
  }
  if (best_sq < 0) return absl::InvalidArgumentError("the accuracy curve fit failed (points all at one FLOP count?)");
  best.source = use.front().source;
  return best;
}

absl::StatusOr<std::vector<AccuracyPoint>> PublishedPoints(const std::string& family) {
  // EfficientNet B0-B7, ImageNet top-1 vs FLOPs: Tan & Le, "EfficientNet: Rethinking Model
  // Scaling for Convolutional Neural Networks", ICML 2019, Table 2.
  if (family == "efficientnet") {
    const char* s = "Tan & Le 2019 (EfficientNet), Table 2";
    return std::vector<AccuracyPoint>{{390, 77.1, s},  {700, 79.1, s},   {1000, 80.1, s},  {1800, 81.6, s},
                                      {4200, 82.9, s}, {9900, 83.6, s},  {19000, 84.0, s}, {37000, 84.3, s}};
  }
  // MobileNetV2, ImageNet top-1 vs multiply-adds: Sandler et al., "MobileNetV2: Inverted
  // Residuals and Linear Bottlenecks", CVPR 2018, Table 4 (1.0 and 1.4 at 224: 300M 72.0,
  // 585M 74.7); the other width x resolution points are the authors' released checkpoints
  // (tensorflow/models research/slim/nets/mobilenet README), the grid behind the paper's Figure 5.
  if (family == "mobilenet_v2") {
    const char* s = "Sandler et al. 2018 (MobileNetV2), Table 4 + released checkpoints";
    return std::vector<AccuracyPoint>{{300, 72.0, s}, {585, 74.7, s}, {209, 69.8, s}, {97, 65.4, s},
                                      {59, 60.3, s},  {221, 70.7, s}, {99, 65.3, s},  {56, 60.3, s}};
  }
  // MobileNetV3 Large and Small at multipliers 1.0 and 0.75: Howard et al., "Searching for
  // MobileNetV3", ICCV 2019, Table 3 (one curve for both sizes: two points each are too few).
  if (family == "mobilenet_v3_large" || family == "mobilenet_v3_small") {
    const char* s = "Howard et al. 2019 (MobileNetV3), Table 3";
    return std::vector<AccuracyPoint>{{219, 75.2, s}, {155, 73.3, s}, {56, 67.4, s}, {44, 65.4, s}};
  }
  return absl::InvalidArgumentError(absl::StrCat("no published accuracy points for family '", family,
                                                 "': give your own with --accuracy-csv FILE (lines 'mmacs,top1')"));
}

absl::StatusOr<std::vector<AccuracyPoint>> ParseAccuracyCsv(const std::string& text, const std::string& name) {
  std::vector<AccuracyPoint> points;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  auto number = [](const std::string& s, double* v) {
    size_t a = s.find_first_not_of(" \t\r"), b = s.find_last_not_of(" \t\r");
    if (a == std::string::npos) return false;
    const std::string t = s.substr(a, b - a + 1);
    char* end = nullptr;
    errno = 0;
    *v = std::strtod(t.c_str(), &end);
    return *end == '\0' && errno == 0 && std::isfinite(*v);
  };
  while (std::getline(in, line)) {
    ++n;
    if (n > 100000) return absl::InvalidArgumentError(absl::StrCat(name, ": more than 100000 lines"));
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[line.find_first_not_of(" \t")] == '#') continue;
    const size_t comma = line.find(',');
    double f = 0, a = 0;
    if (comma == std::string::npos || !number(line.substr(0, comma), &f) || !number(line.substr(comma + 1), &a)) {
      if (points.empty() && n == 1) continue;  // a header
      return absl::InvalidArgumentError(
          absl::StrCat(name, " line ", n, ": expected 'mmacs,top1' (two numbers), found '", line, "'"));
    }
    if (!(f > 0)) return absl::InvalidArgumentError(absl::StrCat(name, " line ", n, ": mmacs must be > 0, found ", f));
    if (!(a >= 0 && a <= 100))
      return absl::InvalidArgumentError(absl::StrCat(name, " line ", n, ": top1 must be a percentage, found ", a));
    points.push_back({f, a, name});
  }
  if (points.size() < 2) return absl::InvalidArgumentError(absl::StrCat(name, ": needs at least two points"));
  return points;
}

}  // namespace scalert::search
