// Conformance: the ONNX backend test cases shipped by Debian's libonnx-testdata (node tests and
// pytorch-converted), each a model plus input/output TensorProtos, through import + reference
// backend. Every case whose ops are all supported runs; the rest, and cases using features the
// importer rejects (dtypes, ranks, attributes), are skipped with the reason. The test lists both,
// and checks that every supported op passed at least one case.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/onnx/onnx_test_util.h"
#include "tools/onnx/onnx_importer.h"
#include "tools/onnx/onnx_loader.h"

namespace scalert::onnx_test {
namespace {

namespace fs = std::filesystem;
using onnx_import::HostTensor;

#ifndef SCALERT_ONNX_TESTDATA
#define SCALERT_ONNX_TESTDATA "/usr/share/libonnx-testdata/data"
#endif

// ONNX's backend test runner defaults (onnx/backend/test/runner): |a - b| <= atol + rtol * |b|.
constexpr double kRtol = 1e-3, kAtol = 1e-7;

enum class Outcome { kPass, kSkip, kFail };
struct CaseResult {
  Outcome outcome;
  std::string detail;
  std::set<std::string> ops;
};

std::string Short(const absl::Status& s) {
  std::string m(s.message());
  // Drop the model path the importer puts first; the case name says it.
  const size_t colon = m.find(".onnx: ");
  return colon == std::string::npos ? m : m.substr(colon + 7);
}

std::vector<fs::path> Sorted(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> r;
  if (!fs::is_directory(dir)) return r;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind(prefix, 0) == 0) r.push_back(e.path());
  // input_10 after input_9: order by length, then name.
  std::sort(r.begin(), r.end(), [](const fs::path& a, const fs::path& b) {
    const std::string x = a.filename().string(), y = b.filename().string();
    return x.size() != y.size() ? x.size() < y.size() : x < y;
  });
  return r;
}

// Element-wise comparison with ONNX's tolerance; empty string when equal.
std::string Compare(const std::vector<float>& got, const HostTensor& want) {
  if (got.size() != static_cast<size_t>(want.num_elements()))
    return absl::StrCat("output has ", got.size(), " elements, expected ", want.num_elements());
  for (size_t i = 0; i < got.size(); ++i) {
    const double a = got[i], b = want.f[i];
    if (std::isnan(b) ? !std::isnan(a) : !(std::abs(a - b) <= kAtol + kRtol * std::abs(b)))
      return absl::StrCat("element ", i, ": got ", a, ", expected ", b);
  }
  return "";
}

CaseResult RunCase(const fs::path& dir) {
  CaseResult r{Outcome::kSkip, "", {}};
  const std::string model_path = (dir / "model.onnx").string();
  auto model = onnx_import::LoadOnnxModel(model_path);
  if (!model.ok()) return {Outcome::kFail, std::string(model.status().message()), {}};
  const auto supported = onnx_import::SupportedOnnxOps();
  for (const auto& n : model->graph().node()) {
    r.ops.insert(n.op_type());
    if (std::find(supported.begin(), supported.end(), n.op_type()) == supported.end())
      return {Outcome::kSkip, absl::StrCat("op ", n.op_type(), " unsupported"), r.ops};
  }
  std::set<std::string> initializers;
  for (const auto& t : model->graph().initializer()) initializers.insert(t.name());
  std::vector<std::string> input_names;
  for (const auto& in : model->graph().input()) {
    if (initializers.count(in.name())) continue;
    if (!in.type().has_tensor_type()) return {Outcome::kSkip, "a non-tensor input (sequence or optional)", r.ops};
    input_names.push_back(in.name());
  }

  const auto data_sets = Sorted(dir, "test_data_set_");
  if (data_sets.empty()) return {Outcome::kSkip, "no test data sets", r.ops};
  for (const fs::path& ds : data_sets) {
    std::vector<HostTensor> inputs, outputs;
    for (const fs::path& p : Sorted(ds, "input_")) {
      auto t = onnx_import::ReadTensorProtoFile(p.string());
      if (!t.ok()) return {Outcome::kSkip, absl::StrCat("input data: ", t.status().message()), r.ops};
      inputs.push_back(std::move(*t));
    }
    for (const fs::path& p : Sorted(ds, "output_")) {
      auto t = onnx_import::ReadTensorProtoFile(p.string());
      if (!t.ok()) return {Outcome::kSkip, absl::StrCat("output data: ", t.status().message()), r.ops};
      if (!t->is_float) return {Outcome::kSkip, "non-float32 output", r.ops};
      outputs.push_back(std::move(*t));
    }
    if (inputs.size() != input_names.size())
      return {Outcome::kSkip, absl::StrCat(inputs.size(), " input files for ", input_names.size(), " inputs"), r.ops};

    // Weights, shapes, axes and bounds arrive as graph inputs in node tests; the importer needs
    // them constant (and float32 run-time inputs), so when the import is refused, freeze every
    // input but the first to this data set's values and try again.
    auto imported = onnx_import::ImportOnnxModel(*model, model_path, dir.string());
    bool frozen = false;
    if (!imported.ok() && absl::IsUnimplemented(imported.status()) && input_names.size() > 1) {
      onnx_import::ImportOptions o;
      for (size_t i = 1; i < input_names.size(); ++i) o.frozen_inputs[input_names[i]] = inputs[i];
      imported = onnx_import::ImportOnnxModel(*model, model_path, dir.string(), o);
      frozen = true;
    }
    if (!imported.ok()) {
      const bool unsupported = absl::IsUnimplemented(imported.status());
      return {unsupported ? Outcome::kSkip : Outcome::kFail, Short(imported.status()), r.ops};
    }
    std::vector<std::vector<float>> feed;
    for (size_t i = 0; i < (frozen ? 1 : inputs.size()); ++i) {
      if (!inputs[i].is_float) return {Outcome::kSkip, "non-float32 input", r.ops};
      feed.push_back(inputs[i].f);
    }
    auto got = RunGraph(imported->graph, feed);
    if (!got.ok()) return {Outcome::kFail, absl::StrCat("run: ", got.status().message()), r.ops};
    if (got->size() != outputs.size())
      return {Outcome::kFail, absl::StrCat(got->size(), " outputs, expected ", outputs.size()), r.ops};
    for (size_t o = 0; o < outputs.size(); ++o) {
      const Shape& shape = imported->graph.tensors[imported->graph.outputs[o]].shape;
      Shape want = outputs[o].dims.empty() ? Shape{1} : Shape(outputs[o].dims.begin(), outputs[o].dims.end());
      if (shape != want)
        return {Outcome::kFail, absl::StrCat(ds.filename().string(), " output ", o, ": shape ", ShapeToString(shape),
                                             ", expected ", ShapeToString(want)), r.ops};
      std::string diff = Compare((*got)[o], outputs[o]);
      if (!diff.empty())
        return {Outcome::kFail, absl::StrCat(ds.filename().string(), " output ", o, ": ", diff), r.ops};
    }
    r.detail = absl::StrCat(data_sets.size(), " data set(s)", frozen ? ", inputs 1.. frozen as constants" : "");
  }
  r.outcome = Outcome::kPass;
  return r;
}

// Runs every case under data/<suite>, prints the lists, and returns the ops that passed somewhere.
std::set<std::string> RunSuite(const std::string& suite, int* passed) {
  const fs::path root = fs::path(SCALERT_ONNX_TESTDATA) / suite;
  std::set<std::string> covered;
  std::vector<std::string> ran, skipped;
  *passed = 0;
  for (const fs::path& dir : Sorted(root, "test_")) {
    if (!fs::exists(dir / "model.onnx")) continue;
    CaseResult c = RunCase(dir);
    const std::string name = suite + "/" + dir.filename().string();
    switch (c.outcome) {
      case Outcome::kPass:
        ++*passed;
        ran.push_back(absl::StrCat("  RUN   ", name, " (", c.detail, ")"));
        covered.insert(c.ops.begin(), c.ops.end());
        break;
      case Outcome::kSkip:
        skipped.push_back(absl::StrCat("  SKIP  ", name, ": ", c.detail));
        break;
      case Outcome::kFail:
        ran.push_back(absl::StrCat("  FAIL  ", name, ": ", c.detail));
        ADD_FAILURE() << name << ": " << c.detail;
        break;
    }
  }
  std::printf("%s: %zu cases run (%d passed), %zu skipped\n", suite.c_str(), ran.size(), *passed, skipped.size());
  for (const auto& s : ran) std::printf("%s\n", s.c_str());
  for (const auto& s : skipped) std::printf("%s\n", s.c_str());
  return covered;
}

TEST(OnnxConformance, NodeAndPytorchConvertedCasesPassOnReference) {
  ASSERT_TRUE(fs::is_directory(fs::path(SCALERT_ONNX_TESTDATA) / "node"))
      << SCALERT_ONNX_TESTDATA << " is missing (Debian package libonnx-testdata)";
  int node_passed = 0, torch_passed = 0;
  std::set<std::string> covered = RunSuite("node", &node_passed);
  std::set<std::string> more = RunSuite("pytorch-converted", &torch_passed);
  covered.insert(more.begin(), more.end());
  // Every supported op must have passed at least one case, so that a regression which makes the
  // importer reject (and the test skip) everything cannot pass unnoticed.
  // Constant's only node test (test_constant) has no run-time input, so nothing can run it;
  // onnx_importer_test covers Constant instead.
  const std::set<std::string> uncoverable = {"Constant"};
  for (const std::string& op : onnx_import::SupportedOnnxOps())
    if (!uncoverable.count(op)) {
      EXPECT_TRUE(covered.count(op)) << "no conformance case exercising " << op << " passed";
    }
}

}  // namespace
}  // namespace scalert::onnx_test
