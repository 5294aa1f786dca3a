/* classify: load a ScaleRT model, read a PPM (P6) image, hand it to the runtime as an RGB frame
 * (scalert_interpreter_set_input_image resizes with a center crop, converts the color order and
 * normalizes as the model's metadata says), run it and print the top-5 classes.
 * Usage: classify MODEL.srm IMAGE.ppm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scalert/c_api.h"

static unsigned char* read_ppm(const char* path, int* w, int* h) {
  FILE* f = fopen(path, "rb");
  unsigned char* pixels = NULL;
  int maxval = 0;
  if (!f) { fprintf(stderr, "classify: %s: cannot open\n", path); return NULL; }
  if (fscanf(f, "P6 %d %d %d", w, h, &maxval) != 3 || fgetc(f) == EOF || maxval != 255 ||
      *w <= 0 || *h <= 0 || *w > 16384 || *h > 16384) {
    fprintf(stderr, "classify: %s: not a binary PPM (P6, maxval 255) image\n", path);
  } else if ((pixels = malloc((size_t)*w * *h * 3)) && fread(pixels, 3, (size_t)*w * *h, f) != (size_t)*w * *h) {
    fprintf(stderr, "classify: %s: truncated image data\n", path);
    free(pixels);
    pixels = NULL;
  }
  fclose(f);
  return pixels;
}

int main(int argc, char** argv) {
  scalert_model* model = NULL;
  scalert_interpreter* it = NULL;
  scalert_tensor_info out;
  scalert_image frame;
  float* y = NULL;
  unsigned char* img = NULL;
  int w, h, i, k, rc = 1;
  if (argc != 3) { fprintf(stderr, "usage: classify MODEL.srm IMAGE.ppm\n"); return 2; }
  if (scalert_model_load_file(argv[1], &model) != SCALERT_OK ||
      scalert_interpreter_create(model, NULL, &it) != SCALERT_OK ||
      scalert_interpreter_output_info(it, 0, &out) != SCALERT_OK) {
    fprintf(stderr, "classify: %s\n", scalert_last_error());
    goto done;
  }
  if (!(img = read_ppm(argv[2], &w, &h))) goto done;
  memset(&frame, 0, sizeof frame);
  frame.data = img;
  frame.width = w;
  frame.height = h;
  frame.format = SCALERT_PIXEL_RGB;  /* stride 0: rows tightly packed */
  if (!(y = malloc(out.bytes))) { fprintf(stderr, "classify: out of memory\n"); goto done; }
  if (scalert_interpreter_set_input_image(it, 0, &frame, NULL, 0, SCALERT_FIT_CROP) != SCALERT_OK ||
      scalert_interpreter_invoke(it) != SCALERT_OK ||
      scalert_interpreter_get_output(it, 0, y, out.bytes) != SCALERT_OK) {
    fprintf(stderr, "classify: %s\n", scalert_last_error());
    goto done;
  }
  for (k = 0; k < 5 && k < (int)(out.bytes / sizeof(float)); ++k) {  /* top-5 by repeated max */
    int best = 0, n = (int)(out.bytes / sizeof(float));
    for (i = 1; i < n; ++i) if (y[i] > y[best]) best = i;
    printf("%d %-20s %.4f\n", best, scalert_model_label(model, best), y[best]);
    y[best] = -1e30f;
  }
  rc = 0;
done:
  free(img); free(y);
  scalert_interpreter_free(it);
  scalert_model_free(model);
  return rc;
}
