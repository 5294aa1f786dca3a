/* adaptive: run a model family under a changing time budget with the C API. The family picks,
 * for each frame, the member that fits the frame's budget (policy "greedy" or "dp"), resizes the
 * frame to that member's resolution and runs it.
 * Usage: adaptive POLICY BUDGET_MS[,BUDGET_MS...] MODEL.srm...   (one frame per budget) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scalert/c_api.h"

#define MAX_MEMBERS 16
#define FRAME_H 240
#define FRAME_W 320

static int fail(const char* what) {
  fprintf(stderr, "adaptive: %s: %s\n", what, scalert_last_error());
  return 1;
}

int main(int argc, char** argv) {
  scalert_model* models[MAX_MEMBERS];
  int count = 0, i, status = 0;
  scalert_family_options* fo;
  scalert_family* family = NULL;
  static float frame[FRAME_H * FRAME_W * 3];
  char* budgets;
  char* token;
  int frame_index = 0, misses = 0;
  if (argc < 4 || argc - 3 > MAX_MEMBERS) {
    fprintf(stderr, "usage: adaptive greedy|dp BUDGET_MS[,BUDGET_MS...] MODEL.srm... (at most %d)\n", MAX_MEMBERS);
    return 2;
  }
  for (i = 3; i < argc; ++i) {
    if (scalert_model_load_file(argv[i], &models[count]) != SCALERT_OK) {
      status = fail(argv[i]);
      goto done;
    }
    ++count;
  }
  fo = scalert_family_options_create();
  if (scalert_family_options_set_policy(fo, argv[1], 0) != SCALERT_OK ||
      scalert_family_options_set_calibration(fo, 3, 1) != SCALERT_OK) {
    scalert_family_options_free(fo);
    status = fail("options");
    goto done;
  }
  /* NULL interpreter options: the native backend on one thread. */
  if (scalert_family_create((const scalert_model* const*)models, count, NULL, fo, &family) != SCALERT_OK) {
    scalert_family_options_free(fo);
    status = fail("family");
    goto done;
  }
  scalert_family_options_free(fo);
  for (i = 0; i < scalert_family_member_count(family); ++i) {
    scalert_family_member m;
    scalert_family_member_info(family, i, &m);
    printf("member %d: %s %dx%d, %.3f ms, accuracy proxy %.1f\n", i, m.name, m.input_h, m.input_w, m.latency_ms,
           m.accuracy);
  }
  printf("shared arena: %lld bytes\n", (long long)scalert_family_arena_bytes(family));
  /* A synthetic camera frame (a gradient), already normalized; any size works. */
  for (i = 0; i < FRAME_H * FRAME_W * 3; ++i) frame[i] = (float)(i % 255) / 127.5f - 1.0f;
  budgets = argv[2];
  for (token = strtok(budgets, ","); token; token = strtok(NULL, ","), ++frame_index) {
    scalert_family_result r;
    char* end;
    double budget = strtod(token, &end);
    if (*end != '\0') {
      fprintf(stderr, "adaptive: '%s' is not a budget in ms\n", token);
      status = 2;
      goto done;
    }
    if (scalert_family_invoke(family, frame, FRAME_H, FRAME_W, 3, budget, &r) != SCALERT_OK) {
      status = fail("invoke");
      goto done;
    }
    misses += !r.met_budget;
    printf("frame %d: budget %.3f ms -> member %d, %.3f ms%s%s\n", frame_index, budget, r.member, r.total_ms,
           r.switched ? " (switched)" : "", r.met_budget ? "" : " MISSED");
  }
  printf("%d frames, %d missed\n", frame_index, misses);
done:
  scalert_family_free(family);
  for (i = 0; i < count; ++i) scalert_model_free(models[i]);
  return status;
}
