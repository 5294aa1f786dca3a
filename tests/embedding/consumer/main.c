/* Out-of-tree consumer: prints the library version and loads a model if one is given. */
#include <stdio.h>

#include <scalert/c_api.h>

int main(int argc, char** argv) {
  scalert_model* m = NULL;
  printf("scalert %s\n", scalert_version());
  if (argc > 1 && scalert_model_load_file(argv[1], &m) != SCALERT_OK) {
    fprintf(stderr, "consumer: %s\n", scalert_last_error());
    return 1;
  }
  scalert_model_free(m);
  return 0;
}
