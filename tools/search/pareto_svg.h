// The search's chart: every candidate's predicted latency against its accuracy proxy, the
// Pareto front as a line, the chosen model and the latency budget marked. Plain SVG text.
#ifndef SCALERT_TOOLS_SEARCH_PARETO_SVG_H_
#define SCALERT_TOOLS_SEARCH_PARETO_SVG_H_

#include <string>
#include <vector>

#include "tools/search/search_space.h"

namespace scalert::search {

struct ChartInput {
  std::string title;
  std::vector<Scored> candidates;
  std::vector<size_t> front;  // indices, by latency
  std::vector<int64_t> chosen;  // one per budget (-1: none)
  std::vector<double> budgets_ms;
};

std::string ParetoSvg(const ChartInput& in);

}  // namespace scalert::search

#endif  // SCALERT_TOOLS_SEARCH_PARETO_SVG_H_
