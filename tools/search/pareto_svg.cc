#include "tools/search/pareto_svg.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace scalert::search {
namespace {

std::string Escape(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '<') r += "&lt;";
    else if (c == '>') r += "&gt;";
    else if (c == '&') r += "&amp;";
    else if (c == '"') r += "&quot;";
    else r += c;
  }
  return r;
}

// About five round tick values covering [lo, hi].
std::vector<double> Ticks(double lo, double hi) {
  const double span = std::max(hi - lo, 1e-9);
  const double raw = span / 5, mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double step = raw / mag < 2 ? 2 * mag : raw / mag < 5 ? 5 * mag : 10 * mag;
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) t.push_back(v);
  return t;
}

}  // namespace

std::string ParetoSvg(const ChartInput& in) {
  const double W = 760, H = 480, left = 70, right = 20, top = 40, bottom = 55;
  double x0 = 0, x1 = 1, y0 = 100, y1 = 0;
  for (const Scored& c : in.candidates) {
    x1 = std::max(x1, c.latency_ms);
    y0 = std::min(y0, c.accuracy);
    y1 = std::max(y1, c.accuracy);
  }
  for (double b : in.budgets_ms) x1 = std::max(x1, b);
  x1 *= 1.05;
  if (y1 <= y0) y1 = y0 + 1;
  const double pad = (y1 - y0) * 0.05;
  y0 -= pad, y1 += pad;
  auto X = [&](double v) { return left + (v - x0) / (x1 - x0) * (W - left - right); };
  auto Y = [&](double v) { return H - bottom - (v - y0) / (y1 - y0) * (H - top - bottom); };
  std::string s = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
      W, H, W, H);
  absl::StrAppend(&s, absl::StrFormat("<text x=\"%.0f\" y=\"22\" font-size=\"14\">%s</text>\n", left, Escape(in.title)));
  for (double t : Ticks(x0, x1))
    absl::StrAppend(&s, absl::StrFormat("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n",
                                        X(t), Y(y0), X(t), Y(y1), X(t), H - bottom + 16, t));
  for (double t : Ticks(y0, y1))
    absl::StrAppend(&s, absl::StrFormat("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
                                        X(x0), Y(t), X(x1), Y(t), left - 6, Y(t) + 4, t));
  absl::StrAppend(&s, absl::StrFormat("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
                                      "stroke=\"#444\"/>\n",
                                      left, top, W - left - right, H - top - bottom));
  absl::StrAppend(&s, absl::StrFormat("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">predicted latency (ms)</text>\n",
                                      (left + W - right) / 2, H - 14));
  absl::StrAppend(&s, absl::StrFormat("<text transform=\"translate(18 %.1f) rotate(-90)\" text-anchor=\"middle\">"
                                      "accuracy proxy (top-1 %%)</text>\n",
                                      (top + H - bottom) / 2));
  for (size_t i = 0; i < in.budgets_ms.size(); ++i) {
    const double b = in.budgets_ms[i];
    absl::StrAppend(&s, absl::StrFormat("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#c00\" "
                                        "stroke-dasharray=\"5 4\"/><text x=\"%.1f\" y=\"%.1f\" fill=\"#c00\">"
                                        "budget %g ms</text>\n",
                                        X(b), Y(y0), X(b), Y(y1), X(b) + 4, top + 14 + 14.0 * i, b));
  }
  for (const Scored& c : in.candidates)
    absl::StrAppend(&s, absl::StrFormat("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"#bbb\"/>\n", X(c.latency_ms),
                                        Y(c.accuracy)));
  if (!in.front.empty()) {
    std::string pts;
    for (size_t i : in.front)
      absl::StrAppend(&pts, absl::StrFormat("%.1f,%.1f ", X(in.candidates[i].latency_ms), Y(in.candidates[i].accuracy)));
    absl::StrAppend(&s, "<polyline fill=\"none\" stroke=\"#1f6fb4\" stroke-width=\"2\" points=\"", pts, "\"/>\n");
    for (size_t i : in.front)
      absl::StrAppend(&s, absl::StrFormat("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"#1f6fb4\"/>\n",
                                          X(in.candidates[i].latency_ms), Y(in.candidates[i].accuracy)));
  }
  for (int64_t chosen : in.chosen) {
    if (chosen < 0 || static_cast<size_t>(chosen) >= in.candidates.size()) continue;
    const Scored& c = in.candidates[static_cast<size_t>(chosen)];
    absl::StrAppend(&s, absl::StrFormat("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"none\" stroke=\"#c00\" "
                                        "stroke-width=\"2\"/><text x=\"%.1f\" y=\"%.1f\" fill=\"#c00\">chosen</text>\n",
                                        X(c.latency_ms), Y(c.accuracy), X(c.latency_ms) + 9, Y(c.accuracy) + 16));
  }
  absl::StrAppend(&s, absl::StrFormat("<text x=\"%.1f\" y=\"%.1f\" fill=\"#1f6fb4\">Pareto front</text>"
                                      "<text x=\"%.1f\" y=\"%.1f\" fill=\"#888\">all candidates</text>\n",
                                      W - right - 190, H - bottom - 26, W - right - 190, H - bottom - 10));
  s += "</svg>\n";
  return s;
}

}  // namespace scalert::search
