// adaptive_cpp: a model family under a sawtooth time budget with the C++ wrapper. The budget
// ramps from the cheapest member's calibrated latency to past the largest one's and drops
// back, as when a UI thread's spare time comes and goes; the family's policy picks a member per
// frame. Usage: adaptive_cpp greedy|dp FRAMES MODEL.srm...
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "scalert/scalert.hpp"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: adaptive_cpp greedy|dp FRAMES MODEL.srm...\n");
    return 2;
  }
  const int frames = std::atoi(argv[2]);
  if (frames < 1) {
    std::fprintf(stderr, "adaptive_cpp: FRAMES must be a positive integer, got '%s'\n", argv[2]);
    return 2;
  }
  try {
    std::vector<scalert::ModelHandle> models;
    for (int a = 3; a < argc; ++a) models.push_back(scalert::ModelHandle::FromFile(argv[a]));
    scalert::FamilyOptions fo;
    fo.policy = argv[1];
    scalert::FamilyHandle family(models, scalert::Options{}, fo);
    const double lo = family.member(0).latency_ms, hi = family.member(family.size() - 1).latency_ms;
    std::printf("%d members, shared arena %lld bytes, latency %.3f .. %.3f ms\n", family.size(),
                static_cast<long long>(family.arena_bytes()), lo, hi);
    const int h = 200, w = 300;
    std::vector<float> frame(static_cast<size_t>(h) * w * 3);
    for (size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<float>(i % 97) / 48.5f - 1.0f;
    std::vector<int> runs(family.size(), 0);
    int misses = 0, switches = 0;
    for (int k = 0; k < frames; ++k) {
      const double phase = static_cast<double>(k % 10) / 9.0;  // a 10-frame sawtooth
      const double budget = 1.2 * (lo + phase * (hi - lo)) + 0.05;
      const scalert_family_result r = family.Invoke(frame, h, w, 3, budget);
      ++runs[r.member];
      misses += !r.met_budget;
      switches += r.switched;
    }
    std::vector<float> logits = family.GetOutput(0);
    size_t top = 0;
    for (size_t i = 1; i < logits.size(); ++i)
      if (logits[i] > logits[top]) top = i;
    std::printf("%d frames: %d missed, %d switches; runs per member:", frames, misses, switches);
    for (int r : runs) std::printf(" %d", r);
    std::printf("\nlast frame's top class: %zu\n", top);
  } catch (const scalert::Error& e) {
    std::fprintf(stderr, "adaptive_cpp: %s\n", e.what());
    return 1;
  }
  return 0;
}
