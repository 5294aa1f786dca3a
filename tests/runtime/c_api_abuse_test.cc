// Nothing an app passes through the C API aborts the process: NULL handles and pointers, wrong
// indices and sizes, absurd thread counts, bad frames, and failed allocations (a test hook in
// AlignedBuffer everywhere; a real address-space limit in a child process where no sanitizer
// owns the allocator) all come back as a status with a message.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/aligned_buffer.h"
#include "runtime/c_api.h"
#include "runtime/interpreter.h"
#include "runtime/model_format.h"
#include "runtime/scalert.hpp"
#include "tests/testing/test_models.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SCALERT_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SCALERT_SANITIZED 1
#endif
#endif

namespace scalert {
namespace {

class CApiAbuse : public ::testing::Test {
 protected:
  void SetUp() override {
    Graph g = testing::MakeMbconvTestGraph(13, 10);
    g.metadata.mean = {0.5f, 0.5f, 0.5f};
    g.metadata.std = {0.25f, 0.25f, 0.25f};
    path_ = ::testing::TempDir() + "/c_api_abuse.srm";
    ASSERT_TRUE(WriteModelFile(g, path_).ok());
    ASSERT_EQ(scalert_model_load_file(path_.c_str(), &model_), SCALERT_OK) << scalert_last_error();
  }
  void TearDown() override { scalert_model_free(model_); }

  // Expects `status` to be `code` with a message containing `text`.
  static void Expect(scalert_status status, scalert_status code, const std::string& text) {
    EXPECT_EQ(status, code) << scalert_last_error();
    EXPECT_NE(std::string(scalert_last_error()).find(text), std::string::npos)
        << "message '" << scalert_last_error() << "' lacks '" << text << "'";
  }

  std::string path_;
  scalert_model* model_ = nullptr;
};

TEST_F(CApiAbuse, NullPointersEverywhere) {
  scalert_interpreter* it = nullptr;
  scalert_tensor_info info;
  float buf[4];
  Expect(scalert_model_load_file(nullptr, nullptr), SCALERT_INVALID_ARGUMENT, "NULL");
  Expect(scalert_model_load_file(path_.c_str(), nullptr), SCALERT_INVALID_ARGUMENT, "NULL");
  Expect(scalert_model_load_memory(nullptr, 10, nullptr), SCALERT_INVALID_ARGUMENT, "NULL");
  Expect(scalert_interpreter_create(nullptr, nullptr, &it), SCALERT_INVALID_ARGUMENT, "model is NULL");
  Expect(scalert_interpreter_create(model_, nullptr, nullptr), SCALERT_INVALID_ARGUMENT, "out is NULL");
  Expect(scalert_options_set_threads(nullptr, 1), SCALERT_INVALID_ARGUMENT, "NULL");
  Expect(scalert_options_set_backend(nullptr, "native"), SCALERT_INVALID_ARGUMENT, "NULL");
  Expect(scalert_options_set_precision(nullptr, nullptr), SCALERT_INVALID_ARGUMENT, "NULL");
  Expect(scalert_interpreter_input_info(nullptr, 0, &info), SCALERT_INVALID_ARGUMENT, "NULL");
  Expect(scalert_interpreter_output_info(nullptr, 0, &info), SCALERT_INVALID_ARGUMENT, "NULL");
  Expect(scalert_interpreter_set_input(nullptr, 0, buf, 4), SCALERT_INVALID_ARGUMENT, "NULL");
  Expect(scalert_interpreter_set_input_image(nullptr, 0, nullptr, nullptr, 0, SCALERT_FIT_STRETCH),
         SCALERT_INVALID_ARGUMENT, "NULL");
  Expect(scalert_interpreter_invoke(nullptr), SCALERT_INVALID_ARGUMENT, "NULL");
  Expect(scalert_interpreter_get_output(nullptr, 0, buf, 4), SCALERT_INVALID_ARGUMENT, "NULL");
  EXPECT_EQ(scalert_interpreter_input_count(nullptr), 0);
  EXPECT_EQ(scalert_interpreter_arena_bytes(nullptr), 0);
  EXPECT_STREQ(scalert_model_metadata(nullptr, "family"), "");
  EXPECT_STREQ(scalert_model_metadata(model_, nullptr), "");
  EXPECT_EQ(scalert_model_normalization(model_, nullptr, nullptr, 3), 3);
  scalert_interpreter_free(nullptr);
  scalert_model_free(nullptr);
  scalert_options_free(nullptr);

  ASSERT_EQ(scalert_interpreter_create(model_, nullptr, &it), SCALERT_OK);
  Expect(scalert_interpreter_input_info(it, 0, nullptr), SCALERT_INVALID_ARGUMENT, "info is NULL");
  Expect(scalert_interpreter_set_input(it, 0, nullptr, 13 * 10 * 3 * 4), SCALERT_INVALID_ARGUMENT, "null");
  Expect(scalert_interpreter_set_input_image(it, 0, nullptr, nullptr, 0, SCALERT_FIT_STRETCH), SCALERT_INVALID_ARGUMENT,
         "image is NULL");
  scalert_image img = {};
  img.width = img.height = 4;
  Expect(scalert_interpreter_set_input_image(it, 0, &img, nullptr, 0, SCALERT_FIT_STRETCH), SCALERT_INVALID_ARGUMENT,
         "image data is null");
  Expect(scalert_interpreter_get_output(it, 0, nullptr, 40), SCALERT_FAILED_PRECONDITION, "before a successful invoke");
  scalert_interpreter_free(it);
}

TEST_F(CApiAbuse, WrongIndicesSizesAndOrder) {
  scalert_interpreter* it = nullptr;
  ASSERT_EQ(scalert_interpreter_create(model_, nullptr, &it), SCALERT_OK);
  std::vector<float> in(13 * 10 * 3, 0.1f), out(10);
  scalert_tensor_info info;
  Expect(scalert_interpreter_input_info(it, -1, &info), SCALERT_INVALID_ARGUMENT, "out of range");
  Expect(scalert_interpreter_output_info(it, 7, &info), SCALERT_INVALID_ARGUMENT, "out of range");
  Expect(scalert_interpreter_set_input(it, INT32_MIN, in.data(), in.size() * 4), SCALERT_INVALID_ARGUMENT, "out of range");
  Expect(scalert_interpreter_set_input(it, 3, in.data(), in.size() * 4), SCALERT_INVALID_ARGUMENT, "out of range");
  Expect(scalert_interpreter_invoke(it), SCALERT_FAILED_PRECONDITION, "never set");
  Expect(scalert_interpreter_set_input(it, 0, in.data(), in.size() * 4 - 1), SCALERT_INVALID_ARGUMENT, "expects");
  Expect(scalert_interpreter_set_input(it, 0, in.data(), SIZE_MAX), SCALERT_INVALID_ARGUMENT, "expects");
  ASSERT_EQ(scalert_interpreter_set_input(it, 0, in.data(), in.size() * 4), SCALERT_OK);
  ASSERT_EQ(scalert_interpreter_invoke(it), SCALERT_OK);
  Expect(scalert_interpreter_get_output(it, 0, out.data(), 3), SCALERT_INVALID_ARGUMENT, "");
  Expect(scalert_interpreter_get_output(it, -2, out.data(), 40), SCALERT_INVALID_ARGUMENT, "out of range");
  EXPECT_EQ(scalert_interpreter_get_output(it, 0, out.data(), 40), SCALERT_OK);
  scalert_interpreter_free(it);
}

TEST_F(CApiAbuse, ThreadCountsAreBounded) {
  scalert_options* o = scalert_options_create();
  ASSERT_NE(o, nullptr);
  for (int32_t t : {0, -1, SCALERT_MAX_THREADS + 1, 100000, INT32_MAX, INT32_MIN})
    Expect(scalert_options_set_threads(o, t), SCALERT_INVALID_ARGUMENT, "threads must be in [1, 256]");
  EXPECT_EQ(scalert_options_set_threads(o, SCALERT_MAX_THREADS), SCALERT_OK);
  scalert_options_free(o);
  // The C++ interpreter checks too (the CLI and the Python package go through it).
  auto model = Model::Load(path_);
  ASSERT_TRUE(model.ok());
  InterpreterOptions io;
  io.threads = 100000;
  auto it = Interpreter::Create(*model, io);
  ASSERT_FALSE(it.ok());
  EXPECT_NE(it.status().message().find("threads must be in [1, 256], got 100000"), std::string::npos)
      << it.status();
}

TEST_F(CApiAbuse, BadFramesAreErrors) {
  scalert_interpreter* it = nullptr;
  ASSERT_EQ(scalert_interpreter_create(model_, nullptr, &it), SCALERT_OK);
  std::vector<uint8_t> pixels(32 * 24 * 4, 77);
  scalert_image img = {pixels.data(), 32, 24, 0, SCALERT_PIXEL_RGBA, nullptr, 0};
  scalert_rect outside = {20, 0, 16, 8};
  Expect(scalert_interpreter_set_input_image(it, 0, &img, &outside, 0, SCALERT_FIT_CROP), SCALERT_INVALID_ARGUMENT,
         "does not lie inside");
  Expect(scalert_interpreter_set_input_image(it, 0, &img, nullptr, 45, SCALERT_FIT_CROP), SCALERT_INVALID_ARGUMENT,
         "rotation");
  Expect(scalert_interpreter_set_input_image(it, 0, &img, nullptr, 0, 9),
         SCALERT_INVALID_ARGUMENT, "unknown fit");
  Expect(scalert_interpreter_set_input_image(it, 1, &img, nullptr, 0, SCALERT_FIT_CROP), SCALERT_INVALID_ARGUMENT,
         "out of range");
  scalert_image bad = img;
  bad.format = 42;
  Expect(scalert_interpreter_set_input_image(it, 0, &bad, nullptr, 0, SCALERT_FIT_CROP), SCALERT_INVALID_ARGUMENT,
         "unknown pixel format");
  bad = img;
  bad.stride = 10;
  Expect(scalert_interpreter_set_input_image(it, 0, &bad, nullptr, 0, SCALERT_FIT_CROP), SCALERT_INVALID_ARGUMENT,
         "stride");
  bad = img;
  bad.width = INT32_MAX;
  Expect(scalert_interpreter_set_input_image(it, 0, &bad, nullptr, 0, SCALERT_FIT_CROP), SCALERT_INVALID_ARGUMENT,
         "outside 1x1");
  Expect(scalert_interpreter_invoke(it), SCALERT_FAILED_PRECONDITION, "never set");  // failures set nothing
  scalert_rect crop = {4, 2, 20, 20};
  ASSERT_EQ(scalert_interpreter_set_input_image(it, 0, &img, &crop, 270, SCALERT_FIT_LETTERBOX), SCALERT_OK)
      << scalert_last_error();
  EXPECT_EQ(scalert_interpreter_invoke(it), SCALERT_OK);
  scalert_interpreter_free(it);
}

TEST_F(CApiAbuse, CppWrapperSetsImagesAndThrowsMessages) {
  auto m = ModelHandle::FromFile(path_);
  InterpreterHandle it(m);
  std::vector<uint8_t> gray(9 * 7, 200);
  scalert_image img = {gray.data(), 9, 7, 0, SCALERT_PIXEL_GRAY, nullptr, 0};
  it.SetInputImage(0, img);
  it.Invoke();
  EXPECT_EQ(it.GetOutput(0).size(), 10u);
  try {
    it.SetInputImage(0, img, nullptr, 33);
    FAIL() << "rotation 33 was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), SCALERT_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("rotation"), std::string::npos) << e.what();
  }
}

// A packing allocation that fails (AlignedBuffer's hook) is RESOURCE_EXHAUSTED, under ASan too.
TEST_F(CApiAbuse, FailedPackingAllocationIsAnError) {
  scalert_options* o = scalert_options_create();
  ASSERT_EQ(scalert_options_set_backend(o, "native"), SCALERT_OK);
  kernels::g_fail_aligned_allocations_above = 64;
  scalert_interpreter* it = nullptr;
  Expect(scalert_interpreter_create(model_, o, &it), SCALERT_RESOURCE_EXHAUSTED, "out of memory");
  EXPECT_EQ(it, nullptr);
  kernels::g_fail_aligned_allocations_above = 0;
  ASSERT_EQ(scalert_interpreter_create(model_, o, &it), SCALERT_OK) << scalert_last_error();
  scalert_interpreter_free(it);
  scalert_options_free(o);
}

#if !defined(SCALERT_SANITIZED) && !defined(SCALERT_UNDER_EMULATOR)
// Runs `body` in a child process whose address space is limited to `extra_bytes` beyond what it
// uses now; the child's exit code is body's result (a crash shows as a signal).
int InLimitedChild(size_t extra_bytes, int (*body)(const char*), const char* arg) {
  fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    size_t vm_kib = 0;
    if (FILE* f = fopen("/proc/self/status", "r")) {
      char line[256];
      while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmSize: %zu kB", &vm_kib) == 1) break;
      fclose(f);
    }
    rlimit lim{vm_kib * 1024 + extra_bytes, vm_kib * 1024 + extra_bytes};
    if (setrlimit(RLIMIT_AS, &lim) != 0) _exit(90);
    _exit(body(arg));
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// 0 = the expected error came back; 1 = success (the limit was not reached); 2 = another error.
int CreateExpectingExhaustion(const char* args) {
  const std::string a(args);
  const std::string path = a.substr(a.find(' ') + 1);
  const int threads = std::stoi(a.substr(0, a.find(' ')));
  scalert_model* m = nullptr;
  if (scalert_model_load_file(path.c_str(), &m) != SCALERT_OK) return 3;
  scalert_options* o = scalert_options_create();
  scalert_options_set_threads(o, threads);
  scalert_interpreter* it = nullptr;
  const scalert_status s = scalert_interpreter_create(m, o, &it);
  std::fprintf(stderr, "child: status %d: %s\n", s, scalert_last_error());
  return s == SCALERT_OK ? 1 : s == SCALERT_RESOURCE_EXHAUSTED ? 0 : 2;
}
#endif

TEST_F(CApiAbuse, RealOutOfMemoryAndThreadLimitsAreErrors) {
#if defined(SCALERT_SANITIZED)
  GTEST_SKIP() << "the sanitizer owns the allocator and reserves terabytes of address space; the hook test covers this";
#elif defined(SCALERT_UNDER_EMULATOR)
  GTEST_SKIP() << "under qemu-user RLIMIT_AS limits the emulator's host address space, and guest allocations and "
                  "thread stacks may land in space it reserved at start (seen: 200 threads start, or a 640x640 "
                  "arena fits, depending on the run); the hook test covers the error path";
#else
  // A 640x640 input: the arena alone needs tens of MB, the limit leaves 8 MB.
  Graph big = testing::MakeMbconvTestGraph(640, 640);
  const std::string big_path = ::testing::TempDir() + "/c_api_abuse_big.srm";
  ASSERT_TRUE(WriteModelFile(big, big_path).ok());
  const std::string one = "1 " + big_path;
  EXPECT_EQ(InLimitedChild(size_t{8} << 20, CreateExpectingExhaustion, one.c_str()), 0);
  // 200 threads need 200 stacks (8 MB each by default): the OS refuses some of them.
  const std::string many = "200 " + path_;
  EXPECT_EQ(InLimitedChild(size_t{64} << 20, CreateExpectingExhaustion, many.c_str()), 0);
#endif
}

}  // namespace
}  // namespace scalert
