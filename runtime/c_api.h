/* ScaleRT C API: load a model, run it, read the results. C99; stable ABI (opaque handles).
 *
 * Life cycle: scalert_model_load_file -> scalert_interpreter_create -> (scalert_interpreter_set_input
 * -> scalert_interpreter_invoke -> scalert_interpreter_get_output)* -> scalert_interpreter_free ->
 * scalert_model_free. A model may be shared by interpreters on several threads; an interpreter is
 * used by one thread at a time. Every call that can fail returns a scalert_status; on failure
 * scalert_last_error() describes it (per thread).
 *
 * No call aborts the process or lets a C++ exception escape: a failed allocation (model, arena,
 * packed weights) is SCALERT_RESOURCE_EXHAUSTED, as is a thread the OS will not start; NULL
 * handles and pointers, out-of-range indices and wrong sizes are SCALERT_INVALID_ARGUMENT. */
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

typedef enum { SCALERT_F32 = 0, SCALERT_F16 = 1, SCALERT_I8 = 2, SCALERT_I32 = 3, SCALERT_BF16 = 4 } scalert_dtype;

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
/* Threads for one interpreter, 1..SCALERT_MAX_THREADS (more is an error, not an attempt). */
#define SCALERT_MAX_THREADS 256
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
/* Index of the output named `name` (e.g. "logits", or "C3" of a backbone from `scalert scale --outputs`),
 * for scalert_interpreter_get_output / _output_info. SCALERT_NOT_FOUND when no output has that name. */
SCALERT_API scalert_status scalert_interpreter_output_index(const scalert_interpreter* interpreter, const char* name,
                                                            int32_t* index);
/* Camera frames and decoded images (scalert_interpreter_set_input_image). NV12/NV21: a Y plane
 * then interleaved chroma (U,V for NV12, V,U for NV21) at half resolution; even width and height;
 * YUV is BT.601 limited range. */
typedef enum {
  SCALERT_PIXEL_RGB = 0, SCALERT_PIXEL_RGBA = 1, SCALERT_PIXEL_BGR = 2, SCALERT_PIXEL_BGRA = 3,
  SCALERT_PIXEL_NV12 = 4, SCALERT_PIXEL_NV21 = 5, SCALERT_PIXEL_GRAY = 6
} scalert_pixel_format;

typedef struct {
  const void* data;             /* first row (the Y plane for NV12/NV21) */
  int32_t width, height;        /* pixels, 1..32768 */
  int64_t stride;               /* bytes from one row to the next; 0 = tightly packed */
  int32_t format;               /* a scalert_pixel_format (an int: any value an app passes is checked) */
  const void* uv;               /* NV12/NV21 chroma plane; NULL = right after the Y plane */
  int64_t uv_stride;            /* 0 = stride */
} scalert_image;

/* How the (cropped, rotated) image is fitted to the model's input size. */
typedef enum {
  SCALERT_FIT_STRETCH = 0,   /* scale each axis: the aspect ratio changes */
  SCALERT_FIT_CROP = 1,      /* cover the input and keep the center */
  SCALERT_FIT_LETTERBOX = 2  /* fit inside, centered; bars are the mean color (0 after normalization) */
} scalert_fit;

typedef struct {
  int32_t x, y, width, height;  /* in image pixels before rotation; all 0 = the whole image */
} scalert_rect;

/* Sets input `index` (f32, [1,H,W,C] or [1,C,H,W] per the "input_layout" metadata, C = 1 or 3)
 * from an image: crop (NULL = whole image), rotate clockwise by `rotation_degrees` (0, 90, 180,
 * 270), fit to H x W with bilinear sampling (half-pixel centers), convert to the model's color
 * order ("color_order": RGB or BGR; 1 channel = luma) and normalize with the model's mean/std:
 * (v / 255 - mean) / std. Writes straight into the input memory: nothing is allocated. */
SCALERT_API scalert_status scalert_interpreter_set_input_image(scalert_interpreter* interpreter, int32_t index,
                                                               const scalert_image* image, const scalert_rect* crop,
                                                               int32_t rotation_degrees, int32_t fit /* scalert_fit */);

/* Peak activation memory the interpreter planned, in bytes (0 for NULL). */
SCALERT_API int64_t scalert_interpreter_arena_bytes(const scalert_interpreter* interpreter);

/* ---- Model families: one object runs the member that fits each frame's time budget ----------
 * Members (e.g. a `scalert scale --phi 0:3 -o DIR` sweep) are prepared once and share one
 * activation arena sized for the largest (they run one at a time). Each member's expected
 * latency comes from a short calibration at creation (or from a device profile), and so do the
 * switch costs between members (the first run after a switch, cold caches included).
 * scalert_family_invoke takes one float32 NHWC frame at any resolution, picks a member by the
 * policy, resizes the frame to its resolution (bilinear) and runs it.
 * Thread safety: a family is used by one thread at a time; give each thread its own (the
 * models may be shared). */
typedef struct scalert_family scalert_family;
typedef struct scalert_family_options scalert_family_options;

typedef struct {
  const char* name;        /* the model's name (its path when loaded from a file); valid while the family lives */
  int32_t input_h, input_w, input_c;
  int64_t macs;
  double accuracy;         /* the policies' accuracy proxy (EfficientNet top-1 vs MACs unless given) */
  double latency_ms;       /* expected warm latency */
  double cold_ms;          /* the first run after preparing (0 when not calibrated) */
  int64_t own_arena_bytes; /* what this member alone would plan */
} scalert_family_member;

typedef struct {
  int32_t member;          /* index of the member that ran (0 = cheapest) */
  double budget_ms;
  double predicted_ms;     /* the policy's expectation (latency x learned margin + switch cost) */
  double run_ms;           /* the member's inference */
  double resize_ms;        /* resizing the frame to the member's input */
  double total_ms;         /* resize + run: compared with the budget */
  int32_t switched;        /* 1 when a different member ran on the previous frame */
  int32_t met_budget;      /* 1 when total_ms <= budget_ms */
} scalert_family_result;

/* Family options; defaults: policy "greedy", horizon 8, no total cap, 3 calibration runs, 2
 * switch samples. Free with scalert_family_options_free (NULL is ignored). */
SCALERT_API scalert_family_options* scalert_family_options_create(void);
SCALERT_API void scalert_family_options_free(scalert_family_options* options);
/* "greedy" (largest member whose latency x a margin learned from observed latencies fits the
 * budget), "dp" (dynamic programming over a horizon of frames with switch costs) or "static"
 * (always member `static_member`, for comparisons). */
SCALERT_API scalert_status scalert_family_options_set_policy(scalert_family_options* options, const char* policy,
                                                             int32_t static_member);
/* "dp": frames planned ahead (1..64), and a cap on the time the horizon spends running as a
 * fraction of its summed budgets (a time/energy budget; 0 = none). */
SCALERT_API scalert_status scalert_family_options_set_horizon(scalert_family_options* options, int32_t frames,
                                                              double total_budget_fraction);
/* Calibration at creation: timed warm runs per member, samples per member pair for switch costs. */
SCALERT_API scalert_status scalert_family_options_set_calibration(scalert_family_options* options, int32_t runs,
                                                                  int32_t switch_runs);
/* A device profile instead of calibration: expected latency per member, in the order the models
 * are given to scalert_family_create; `switch_ms` (count x count, row = from) may be NULL. */
SCALERT_API scalert_status scalert_family_options_set_profile(scalert_family_options* options, const double* latency_ms,
                                                              const double* switch_ms, int32_t count);

/* Prepares `count` compatible models (one float32 NHWC input with the same channels, the same
 * outputs) on the backend in `options` (NULL: defaults) and calibrates them. Members are
 * ordered by MACs, cheapest first. The models may be freed afterwards. *out is NULL on failure. */
SCALERT_API scalert_status scalert_family_create(const scalert_model* const* models, int32_t count,
                                                 const scalert_options* options,
                                                 const scalert_family_options* family_options, scalert_family** out);
/* Frees a family (NULL is ignored). */
SCALERT_API void scalert_family_free(scalert_family* family);
/* Number of members (0 for NULL) and member `index`'s description. */
SCALERT_API int32_t scalert_family_member_count(const scalert_family* family);
SCALERT_API scalert_status scalert_family_member_info(const scalert_family* family, int32_t index,
                                                      scalert_family_member* info);
/* Activation memory of the whole family: the one shared arena (the largest member's plan); on
 * the xnnpack backend, which plans its own memory, members do not share and this is the sum. */
SCALERT_API int64_t scalert_family_arena_bytes(const scalert_family* family);
/* Changes the policy (as in scalert_family_options_set_policy) and forgets what was learned. */
SCALERT_API scalert_status scalert_family_set_policy(scalert_family* family, const char* policy, int32_t static_member);
/* Runs the member the policy picks for `budget_ms` on a float32 NHWC frame [height, width,
 * channels] (any size; resized to the member's); `result` (may be NULL) says what ran. */
SCALERT_API scalert_status scalert_family_invoke(scalert_family* family, const float* frame, int32_t height,
                                                 int32_t width, int32_t channels, double budget_ms,
                                                 scalert_family_result* result);
/* Output `index` of the member that ran last: its info, and a copy (`bytes` must match). */
SCALERT_API scalert_status scalert_family_output_info(const scalert_family* family, int32_t index,
                                                      scalert_tensor_info* info);
SCALERT_API scalert_status scalert_family_get_output(const scalert_family* family, int32_t index, void* data,
                                                     size_t bytes);
/* ---- end of model families ---------------------------------------------------------------- */

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* SCALERT_C_API_H_ */
