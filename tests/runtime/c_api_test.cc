// The C API end to end, and its answers to misuse: every error is a code plus a message.
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "runtime/c_api.h"
#include "runtime/interpreter.h"
#include "runtime/model_format.h"
#include "tests/testing/test_models.h"

extern "C" int scalert_test_run_from_c(const char* path, const char* backend, float* out, size_t out_count);

namespace scalert {
namespace {

class CApi : public ::testing::Test {
 protected:
  void SetUp() override {
    graph_ = testing::MakeMbconvTestGraph(13, 10);
    graph_.metadata.labels = {"l0", "l1"};
    graph_.metadata.mean = {0.5f, 0.5f, 0.5f};
    graph_.metadata.std = {0.25f, 0.25f, 0.25f};
    graph_.metadata.color_order = "RGB";
    path_ = ::testing::TempDir() + "/c_api_model.srm";
    ASSERT_TRUE(WriteModelFile(graph_, path_).ok());
  }
  Graph graph_;
  std::string path_;
};

TEST_F(CApi, LifeCycleMatchesTheCppInterpreter) {
  float from_c[10];
  ASSERT_EQ(scalert_test_run_from_c(path_.c_str(), "reference", from_c, 10), SCALERT_OK) << scalert_last_error();
  std::vector<float> input(13 * 10 * 3);
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<float>(i % 7) / 7.0f - 0.5f;
  auto want = testing::RunGraph(graph_, input);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(from_c[i], want[i]);
}

TEST_F(CApi, InfoMetadataAndMemoryLoading) {
  std::ifstream f(path_, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  scalert_model* m = nullptr;
  ASSERT_EQ(scalert_model_load_memory(bytes.data(), bytes.size(), &m), SCALERT_OK);
  bytes.assign(bytes.size(), '\0');  // the model keeps its own copy
  EXPECT_STREQ(scalert_model_metadata(m, "family"), "test");
  EXPECT_STREQ(scalert_model_metadata(m, "color_order"), "RGB");
  EXPECT_STREQ(scalert_model_metadata(m, "no-such-key"), "");
  float mean[4], std_[4];
  EXPECT_EQ(scalert_model_normalization(m, mean, std_, 4), 3);
  EXPECT_FLOAT_EQ(std_[2], 0.25f);
  EXPECT_EQ(scalert_model_label_count(m), 2);
  EXPECT_STREQ(scalert_model_label(m, 1), "l1");
  EXPECT_STREQ(scalert_model_label(m, 2), "");
  scalert_interpreter* it = nullptr;
  ASSERT_EQ(scalert_interpreter_create(m, nullptr, &it), SCALERT_OK);
  EXPECT_EQ(scalert_interpreter_input_count(it), 1);
  EXPECT_EQ(scalert_interpreter_output_count(it), 1);
  scalert_tensor_info info;
  ASSERT_EQ(scalert_interpreter_input_info(it, 0, &info), SCALERT_OK);
  EXPECT_STREQ(info.name, "input");
  EXPECT_EQ(info.rank, 4);
  EXPECT_EQ(info.dims[1], 13);
  EXPECT_EQ(info.dims[2], 10);
  EXPECT_EQ(info.bytes, 13u * 10 * 3 * 4);
  EXPECT_EQ(info.dtype, SCALERT_F32);
  ASSERT_EQ(scalert_interpreter_output_info(it, 0, &info), SCALERT_OK);
  EXPECT_EQ(info.bytes, 40u);
  EXPECT_GT(scalert_interpreter_arena_bytes(it), 0);
  scalert_interpreter_free(it);
  scalert_model_free(m);
  EXPECT_STREQ(scalert_version(), "0.1.0");
}

TEST_F(CApi, MisuseReturnsCodesAndMessages) {
  scalert_model* m = nullptr;
  EXPECT_EQ(scalert_model_load_file("/no/such/model.srm", &m), SCALERT_NOT_FOUND);
  EXPECT_EQ(m, nullptr);
  EXPECT_NE(std::strstr(scalert_last_error(), "/no/such/model.srm"), nullptr);
  EXPECT_EQ(scalert_model_load_file(nullptr, &m), SCALERT_INVALID_ARGUMENT);
  EXPECT_EQ(scalert_model_load_memory("garbage!", 8, &m), SCALERT_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(scalert_last_error(), "identifier"), nullptr) << scalert_last_error();

  // Null handles everywhere.
  float buf[10];
  scalert_tensor_info info;
  EXPECT_EQ(scalert_interpreter_create(nullptr, nullptr, nullptr), SCALERT_INVALID_ARGUMENT);
  scalert_interpreter* it = nullptr;
  EXPECT_EQ(scalert_interpreter_create(nullptr, nullptr, &it), SCALERT_INVALID_ARGUMENT);
  EXPECT_EQ(scalert_interpreter_invoke(nullptr), SCALERT_INVALID_ARGUMENT);
  EXPECT_EQ(scalert_interpreter_set_input(nullptr, 0, buf, 4), SCALERT_INVALID_ARGUMENT);
  EXPECT_EQ(scalert_interpreter_get_output(nullptr, 0, buf, 4), SCALERT_INVALID_ARGUMENT);
  EXPECT_EQ(scalert_interpreter_input_info(nullptr, 0, &info), SCALERT_INVALID_ARGUMENT);
  EXPECT_EQ(scalert_interpreter_input_count(nullptr), 0);
  scalert_model_free(nullptr);
  scalert_interpreter_free(nullptr);
  scalert_options_free(nullptr);
  EXPECT_EQ(scalert_options_set_threads(nullptr, 2), SCALERT_INVALID_ARGUMENT);

  ASSERT_EQ(scalert_model_load_file(path_.c_str(), &m), SCALERT_OK);
  scalert_options* o = scalert_options_create();
  EXPECT_EQ(scalert_options_set_threads(o, 0), SCALERT_INVALID_ARGUMENT);
  EXPECT_EQ(scalert_options_set_precision(o, "fp64"), SCALERT_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(scalert_last_error(), "fp64"), nullptr);
  EXPECT_EQ(scalert_options_set_max_isa(o, "sse9"), SCALERT_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(scalert_last_error(), "sse9"), nullptr);
  EXPECT_EQ(scalert_options_set_max_isa(o, "avx2"), SCALERT_OK);
  EXPECT_EQ(scalert_options_set_max_isa(o, nullptr), SCALERT_OK);
  EXPECT_EQ(scalert_options_set_fusion(o, "sometimes"), SCALERT_INVALID_ARGUMENT);
  EXPECT_EQ(scalert_options_set_fusion(o, nullptr), SCALERT_INVALID_ARGUMENT);
  EXPECT_EQ(scalert_options_set_fusion(o, "off"), SCALERT_OK);
  EXPECT_EQ(scalert_options_set_max_isa(nullptr, "avx2"), SCALERT_INVALID_ARGUMENT);
  // A failed Prepare returns no handle, and using that (null) handle is an error, not a crash.
  ASSERT_EQ(scalert_options_set_backend(o, "tpu"), SCALERT_OK);
  EXPECT_EQ(scalert_interpreter_create(m, o, &it), SCALERT_INVALID_ARGUMENT);
  EXPECT_EQ(it, nullptr);
  EXPECT_NE(std::strstr(scalert_last_error(), "tpu"), nullptr);
  EXPECT_EQ(scalert_interpreter_invoke(it), SCALERT_INVALID_ARGUMENT);

  ASSERT_EQ(scalert_options_set_backend(o, "reference"), SCALERT_OK);
  ASSERT_EQ(scalert_interpreter_create(m, o, &it), SCALERT_OK);
  EXPECT_EQ(scalert_interpreter_invoke(it), SCALERT_FAILED_PRECONDITION);
  EXPECT_NE(std::strstr(scalert_last_error(), "never set"), nullptr);
  EXPECT_EQ(scalert_interpreter_get_output(it, 0, buf, sizeof buf), SCALERT_FAILED_PRECONDITION);
  EXPECT_EQ(scalert_interpreter_set_input(it, 0, buf, 4), SCALERT_INVALID_ARGUMENT);  // wrong size
  EXPECT_EQ(scalert_interpreter_set_input(it, 0, nullptr, 13 * 10 * 3 * 4), SCALERT_INVALID_ARGUMENT);
  EXPECT_EQ(scalert_interpreter_set_input(it, 5, buf, 4), SCALERT_INVALID_ARGUMENT);
  EXPECT_EQ(scalert_interpreter_set_input(it, -1, buf, 4), SCALERT_INVALID_ARGUMENT);
  std::vector<float> in(13 * 10 * 3, 0.25f);
  ASSERT_EQ(scalert_interpreter_set_input(it, 0, in.data(), in.size() * 4), SCALERT_OK);
  ASSERT_EQ(scalert_interpreter_invoke(it), SCALERT_OK);
  EXPECT_EQ(scalert_interpreter_get_output(it, 0, buf, 8), SCALERT_INVALID_ARGUMENT);
  EXPECT_EQ(scalert_interpreter_get_output(it, 0, buf, sizeof buf), SCALERT_OK);
  EXPECT_EQ(scalert_interpreter_output_info(it, 1, &info), SCALERT_INVALID_ARGUMENT);
  EXPECT_EQ(scalert_interpreter_input_info(it, 0, nullptr), SCALERT_INVALID_ARGUMENT);
  scalert_interpreter_free(it);
  scalert_options_free(o);
  scalert_model_free(m);
}

TEST_F(CApi, LastErrorIsPerThread) {
  scalert_model* m = nullptr;
  EXPECT_NE(scalert_model_load_file("/missing/a.srm", &m), SCALERT_OK);
  std::string other;
  std::thread t([&] { other = scalert_last_error(); });
  t.join();
  EXPECT_EQ(other, "");
  EXPECT_NE(std::strstr(scalert_last_error(), "/missing/a.srm"), nullptr);
}

}  // namespace
}  // namespace scalert
