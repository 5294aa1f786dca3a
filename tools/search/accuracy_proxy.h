// The accuracy proxy the search maximizes: top-1 as a function of FLOPs, A(F) = A0 - k * F^-p
// (F in millions of multiply-adds, as the papers count "FLOPs"), fitted to published
// accuracy-vs-FLOPs points of each family or to the user's own measured points (a small CSV).
#ifndef SCALERT_TOOLS_SEARCH_ACCURACY_PROXY_H_
#define SCALERT_TOOLS_SEARCH_ACCURACY_PROXY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace scalert::search {

struct AccuracyPoint {
  double mmacs = 0;  // millions of multiply-adds
  double top1 = 0;   // percent
  std::string source;
};

struct AccuracyCurve {
  double a0 = 0, k = 0, p = 0;
  double rms = 0;  // of the fit, in accuracy points
  std::string source;
};

// A(F) in percent.
double Accuracy(const AccuracyCurve& c, double mmacs);

// Least squares over a grid of exponents p (for each, linear in A0 and k >= 0). Needs at least
// two points with positive FLOPs.
absl::StatusOr<AccuracyCurve> FitAccuracyCurve(const std::vector<AccuracyPoint>& points);

// The published ImageNet points for a family (efficientnet, mobilenet_v2, mobilenet_v3_large,
// mobilenet_v3_small); an error for families without defaults (give a CSV).
absl::StatusOr<std::vector<AccuracyPoint>> PublishedPoints(const std::string& family);

// "mmacs,top1" per line (a header line and '#' comments allowed). Errors name the line.
absl::StatusOr<std::vector<AccuracyPoint>> ParseAccuracyCsv(const std::string& text, const std::string& name);

}  // namespace scalert::search

#endif  // SCALERT_TOOLS_SEARCH_ACCURACY_PROXY_H_
