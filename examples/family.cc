// family: load several members of a model family, time each on this device, and pick the
// largest (slowest) one that meets a latency budget. Usage: family BUDGET_MS A.srm B.srm ...
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "scalert/scalert.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: family BUDGET_MS MODEL.srm...\n");
    return 2;
  }
  const double budget_ms = std::atof(argv[1]);
  std::string best;
  double best_ms = -1;
  for (int a = 2; a < argc; ++a) {
    try {
      scalert::ModelHandle model = scalert::ModelHandle::FromFile(argv[a]);
      scalert::InterpreterHandle it(model);
      it.SetInput(0, std::vector<float>(it.input_info(0).bytes / sizeof(float), 0.5f));
      it.Invoke();  // warm-up: first runs pay for page faults and cold caches
      double ms = 1e30;
      for (int r = 0; r < 5; ++r) {  // the minimum of a few runs is the stable figure
        auto t0 = std::chrono::steady_clock::now();
        it.Invoke();
        ms = std::min(ms, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      }
      std::printf("%-40s %8.2f ms%s\n", argv[a], ms, ms <= budget_ms ? "" : "  (over budget)");
      if (ms <= budget_ms && ms > best_ms) {
        best = argv[a];
        best_ms = ms;
      }
    } catch (const scalert::Error& e) {
      std::fprintf(stderr, "family: %s\n", e.what());
      return 1;
    }
  }
  if (best.empty()) {
    std::printf("no model meets %.2f ms\n", budget_ms);
    return 3;
  }
  std::printf("pick: %s (%.2f ms <= %.2f ms)\n", best.c_str(), best_ms, budget_ms);
  return 0;
}
