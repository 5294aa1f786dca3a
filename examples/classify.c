/* classify: load a ScaleRT model, read a PPM (P6) image, resize and normalize it as the model's
 * metadata says, run it and print the top-5 classes. Usage: classify MODEL.srm IMAGE.ppm */
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
  scalert_tensor_info in, out;
  float mean[3] = {0, 0, 0}, std[3] = {1, 1, 1}, *x = NULL, *y = NULL;
  unsigned char* img = NULL;
  int w, h, i, k, rc = 1;
  if (argc != 3) { fprintf(stderr, "usage: classify MODEL.srm IMAGE.ppm\n"); return 2; }
  if (scalert_model_load_file(argv[1], &model) != SCALERT_OK ||
      scalert_interpreter_create(model, NULL, &it) != SCALERT_OK ||
      scalert_interpreter_input_info(it, 0, &in) != SCALERT_OK ||
      scalert_interpreter_output_info(it, 0, &out) != SCALERT_OK) {
    fprintf(stderr, "classify: %s\n", scalert_last_error());
    goto done;
  }
  if (!(img = read_ppm(argv[2], &w, &h))) goto done;
  {
    int nchw = strcmp(scalert_model_metadata(model, "input_layout"), "NCHW") == 0;
    int H = nchw ? in.dims[2] : in.dims[1], W = nchw ? in.dims[3] : in.dims[2], C = nchw ? in.dims[1] : in.dims[3];
    if (in.rank != 4 || C != 3) { fprintf(stderr, "classify: model input is not an RGB image\n"); goto done; }
    scalert_model_normalization(model, mean, std, 3);
    x = malloc(in.bytes);
    for (i = 0; i < H * W; ++i) {  /* nearest-neighbour resize, then (v/255 - mean) / std */
      int sy = (i / W) * h / H, sx = (i % W) * w / W;
      for (k = 0; k < 3; ++k) {
        float v = (img[((size_t)sy * w + sx) * 3 + k] / 255.0f - mean[k]) / std[k];
        x[nchw ? (size_t)k * H * W + i : (size_t)i * 3 + k] = v;
      }
    }
  }
  y = malloc(out.bytes);
  if (scalert_interpreter_set_input(it, 0, x, in.bytes) != SCALERT_OK || scalert_interpreter_invoke(it) != SCALERT_OK ||
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
  free(img); free(x); free(y);
  scalert_interpreter_free(it);
  scalert_model_free(model);
  return rc;
}
