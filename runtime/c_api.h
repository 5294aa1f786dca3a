/* ScaleRT C API: load a model, run it, read the results. C99; stable ABI (opaque handles).
 *
 * Life cycle: scalert_model_load_file -> scalert_interpreter_create -> (scalert_interpreter_set_input
 * -> scalert_interpreter_invoke -> scalert_interpreter_get_output)* -> scalert_interpreter_free ->
 * scalert_model_free. A model may be shared by interpreters on several threads; an interpreter is
 * used by one thread at a time. Every call that can fail returns a scalert_status; on failure
 * scalert_last_error() describes it (per thread). */
#ifndef SCALERT_C_API_H_
#define SCALERT_C_API_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SCALERT_BUILDING_LIBRARY)
#define SCALERT_API __attribute__((visibility("default")))
#else
#define SCALERT_API
#endif

typedef enum {
  SCALERT_OK = 0,
  SCALERT_INVALID_ARGUMENT = 1,  /* bad parameter, wrong buffer size, malformed model */
  SCALERT_NOT_FOUND = 2,         /* missing file */
  SCALERT_UNSUPPORTED = 3,       /* operator/backend/precision not available here */
  SCALERT_FAILED_PRECONDITION = 4, /* e.g. invoke before every input was set */
  SCALERT_RESOURCE_EXHAUSTED = 5,  /* a load limit or out of memory */
  SCALERT_INTERNAL = 6
} scalert_status;

typedef enum { SCALERT_F32 = 0, SCALERT_F16 = 1, SCALERT_I8 = 2, SCALERT_I32 = 3 } scalert_dtype;

typedef struct scalert_model scalert_model;
typedef struct scalert_options scalert_options;
typedef struct scalert_interpreter scalert_interpreter;

#define SCALERT_MAX_RANK 8
typedef struct {
  const char* name;     /* valid while the model lives */
  scalert_dtype dtype;
  int32_t rank;
  int32_t dims[SCALERT_MAX_RANK];
  size_t bytes;         /* exact size set_input/get_output expect */
} scalert_tensor_info;

/* Library version, e.g. "0.1.0". */
SCALERT_API const char* scalert_version(void);
/* Message of the last failed call on this thread ("" if none). */
SCALERT_API const char* scalert_last_error(void);

/* Loads and validates a model file (memory-mapped). *out is NULL on failure. */
SCALERT_API scalert_status scalert_model_load_file(const char* path, scalert_model** out);
/* Loads a model from memory; the bytes are copied, so the caller may free them afterwards. */
SCALERT_API scalert_status scalert_model_load_memory(const void* data, size_t size, scalert_model** out);
/* Frees a model (NULL is ignored). Free interpreters first. */
SCALERT_API void scalert_model_free(scalert_model* model);
/* Model metadata: "family", "base_config", "source", "input_layout", "color_order", "producer".
 * Returns "" for an unknown key or a NULL model. */
SCALERT_API const char* scalert_model_metadata(const scalert_model* model, const char* key);
/* Per-channel input normalization (x/255 - mean) / std; returns the channel count written (<= max). */
SCALERT_API int32_t scalert_model_normalization(const scalert_model* model, float* mean, float* std, int32_t max);
/* Number of class labels stored in the model, and label i ("" if out of range). */
SCALERT_API int32_t scalert_model_label_count(const scalert_model* model);
SCALERT_API const char* scalert_model_label(const scalert_model* model, int32_t index);

/* Interpreter options: defaults are backend "native", 1 thread, precision "fp32". Free with
 * scalert_options_free (NULL is ignored); an interpreter keeps its own copy. */
SCALERT_API scalert_options* scalert_options_create(void);
SCALERT_API void scalert_options_free(scalert_options* options);
/* Threads for one interpreter, 1..256. */
SCALERT_API scalert_status scalert_options_set_threads(scalert_options* options, int32_t threads);
/* "reference", "native" or "xnnpack" (when built with it). Checked when the interpreter is created. */
SCALERT_API scalert_status scalert_options_set_backend(scalert_options* options, const char* backend);
/* "fp32", "fp16" or "int8". */
SCALERT_API scalert_status scalert_options_set_precision(scalert_options* options, const char* precision);
/* Native backend: highest kernel level, "portable", "avx2", "avx512" or "neon" (a level the CPU
 * lacks falls back to the best it has); "" or NULL removes the cap. */
SCALERT_API scalert_status scalert_options_set_max_isa(scalert_options* options, const char* isa);
/* Native backend: MBConv fusion, "auto" (default: a cost model decides per block), "on" or "off". */
SCALERT_API scalert_status scalert_options_set_fusion(scalert_options* options, const char* policy);

/* Prepares the model on a backend (options may be NULL for defaults). *out is NULL on failure. */
SCALERT_API scalert_status scalert_interpreter_create(const scalert_model* model, const scalert_options* options,
                                                      scalert_interpreter** out);
/* Frees an interpreter (NULL is ignored); its model stays loaded. */
SCALERT_API void scalert_interpreter_free(scalert_interpreter* interpreter);
/* Number of model inputs / outputs (0 for NULL). */
SCALERT_API int32_t scalert_interpreter_input_count(const scalert_interpreter* interpreter);
SCALERT_API int32_t scalert_interpreter_output_count(const scalert_interpreter* interpreter);
/* Name, dtype, shape and byte size of input / output `index`; the name lives as long as the model. */
SCALERT_API scalert_status scalert_interpreter_input_info(const scalert_interpreter* interpreter, int32_t index,
                                                          scalert_tensor_info* info);
SCALERT_API scalert_status scalert_interpreter_output_info(const scalert_interpreter* interpreter, int32_t index,
                                                           scalert_tensor_info* info);
/* Copies input `index`; `bytes` must equal the input's size. */
SCALERT_API scalert_status scalert_interpreter_set_input(scalert_interpreter* interpreter, int32_t index,
                                                         const void* data, size_t bytes);
/* Runs the model; every input must have been set at least once. */
SCALERT_API scalert_status scalert_interpreter_invoke(scalert_interpreter* interpreter);
/* Copies output `index` after an invoke; `bytes` must equal the output's size. */
SCALERT_API scalert_status scalert_interpreter_get_output(const scalert_interpreter* interpreter, int32_t index,
                                                          void* data, size_t bytes);
/* Peak activation memory the interpreter planned, in bytes (0 for NULL). */
SCALERT_API int64_t scalert_interpreter_arena_bytes(const scalert_interpreter* interpreter);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* SCALERT_C_API_H_ */
