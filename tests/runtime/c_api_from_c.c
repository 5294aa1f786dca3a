/* Compiled as C99: proves the public header is valid C and drives the C API from C. */
#include <stdio.h>
#include <stdlib.h>

#include "runtime/c_api.h"

/* Loads `path`, runs it on a constant input, writes the first output into `out`; returns 0 on
 * success or the failing status. */
int scalert_test_run_from_c(const char* path, const char* backend, float* out, size_t out_count) {
  scalert_model* model = NULL;
  scalert_interpreter* it = NULL;
  scalert_options* opts = scalert_options_create();
  scalert_tensor_info info;
  float* input = NULL;
  size_t i;
  int rc = scalert_model_load_file(path, &model);
  if (rc != SCALERT_OK) goto done;
  if ((rc = scalert_options_set_backend(opts, backend)) != SCALERT_OK) goto done;
  if ((rc = scalert_interpreter_create(model, opts, &it)) != SCALERT_OK) goto done;
  if ((rc = scalert_interpreter_input_info(it, 0, &info)) != SCALERT_OK) goto done;
  input = (float*)malloc(info.bytes);
  for (i = 0; i < info.bytes / sizeof(float); ++i) input[i] = (float)(i % 7) / 7.0f - 0.5f;
  if ((rc = scalert_interpreter_set_input(it, 0, input, info.bytes)) != SCALERT_OK) goto done;
  if ((rc = scalert_interpreter_invoke(it)) != SCALERT_OK) goto done;
  rc = scalert_interpreter_get_output(it, 0, out, out_count * sizeof(float));
done:
  free(input);
  scalert_interpreter_free(it);
  scalert_options_free(opts);
  scalert_model_free(model);
  return rc;
}
