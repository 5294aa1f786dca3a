// Models with several outputs through the C API (a backbone's feature maps): each output found by
// its name, read by that index, equal to the C++ interpreter's; unknown names are clear errors.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/c_api.h"
#include "runtime/interpreter.h"
#include "runtime/model_format.h"
#include "runtime/scalert.hpp"
#include "tests/testing/test_models.h"

namespace scalert {
namespace {

TEST(CApiOutputs, FindsEveryOutputByName) {
  Graph g = testing::MakeMbconvTestGraph(13, 10);
  const int32_t stem = g.nodes[0].outputs[0];  // an intermediate feature map as a second output
  g.tensors[stem].name = "C1";
  g.outputs.push_back(stem);
  const std::string logits = g.tensors[g.outputs[0]].name;
  const std::string path = ::testing::TempDir() + "/c_api_outputs.srm";
  ASSERT_TRUE(WriteModelFile(g, path).ok());

  scalert_model* m = nullptr;
  ASSERT_EQ(scalert_model_load_file(path.c_str(), &m), SCALERT_OK) << scalert_last_error();
  scalert_interpreter* it = nullptr;
  ASSERT_EQ(scalert_interpreter_create(m, nullptr, &it), SCALERT_OK) << scalert_last_error();
  ASSERT_EQ(scalert_interpreter_output_count(it), 2);
  int32_t index = -1;
  ASSERT_EQ(scalert_interpreter_output_index(it, "C1", &index), SCALERT_OK) << scalert_last_error();
  EXPECT_EQ(index, 1);
  ASSERT_EQ(scalert_interpreter_output_index(it, logits.c_str(), &index), SCALERT_OK);
  EXPECT_EQ(index, 0);

  index = 7;
  EXPECT_EQ(scalert_interpreter_output_index(it, "C9", &index), SCALERT_NOT_FOUND);
  EXPECT_EQ(index, 7) << "untouched on failure";
  EXPECT_NE(std::string(scalert_last_error()).find("no output named 'C9' (outputs: '" + logits + "', 'C1')"),
            std::string::npos)
      << scalert_last_error();
  EXPECT_EQ(scalert_interpreter_output_index(nullptr, "C1", &index), SCALERT_INVALID_ARGUMENT);
  EXPECT_EQ(scalert_interpreter_output_index(it, nullptr, &index), SCALERT_INVALID_ARGUMENT);
  EXPECT_EQ(scalert_interpreter_output_index(it, "C1", nullptr), SCALERT_INVALID_ARGUMENT);

  // Read the feature map by the index its name gave, and compare with the C++ interpreter.
  const std::vector<float> x = testing::RandomVector(13 * 10 * 3, 5);
  ASSERT_EQ(scalert_interpreter_set_input(it, 0, x.data(), x.size() * sizeof(float)), SCALERT_OK);
  ASSERT_EQ(scalert_interpreter_invoke(it), SCALERT_OK) << scalert_last_error();
  ASSERT_EQ(scalert_interpreter_output_index(it, "C1", &index), SCALERT_OK);
  scalert_tensor_info info;
  ASSERT_EQ(scalert_interpreter_output_info(it, index, &info), SCALERT_OK);
  EXPECT_STREQ(info.name, "C1");
  std::vector<float> feature(info.bytes / sizeof(float));
  ASSERT_EQ(scalert_interpreter_get_output(it, index, feature.data(), info.bytes), SCALERT_OK);
  auto cpp_model = Model::Load(path);
  ASSERT_TRUE(cpp_model.ok()) << cpp_model.status();
  auto cpp = Interpreter::Create(*cpp_model, InterpreterOptions());
  ASSERT_TRUE(cpp.ok()) << cpp.status();
  ASSERT_TRUE((*cpp)->SetInput(0, x.data(), x.size() * sizeof(float)).ok());
  ASSERT_TRUE((*cpp)->Invoke().ok());
  std::vector<float> want(feature.size());
  ASSERT_TRUE((*cpp)->GetOutput(1, want.data(), want.size() * sizeof(float)).ok());
  EXPECT_EQ(feature, want);
  scalert_interpreter_free(it);
  scalert_model_free(m);

  // The C++ wrapper.
  ModelHandle model = ModelHandle::FromFile(path);
  InterpreterHandle interp(model);
  EXPECT_EQ(interp.output_index("C1"), 1);
  EXPECT_THROW(interp.output_index("nope"), std::runtime_error);
}

}  // namespace
}  // namespace scalert
