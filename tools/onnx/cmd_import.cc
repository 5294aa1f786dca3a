// scalert import MODEL.onnx -o MODEL.srm: convert an ONNX model (NCHW in, logits out).
#include <cstdio>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "runtime/model_format.h"
#include "tools/app_metadata.h"
#include "tools/args.h"
#include "tools/command.h"
#include "tools/json.h"
#include "tools/model_summary.h"
#include "tools/onnx/onnx_importer.h"
#include "tools/progress.h"

namespace scalert::tools {
namespace {

const std::vector<FlagSpec> kFlags = [] {
  std::vector<FlagSpec> f = {
    {"o", true, "output model file (.srm); same as --output", "OUT.srm"},
    {"output", true, "output model file (.srm)", "OUT.srm"},
    {"batch", true, "batch size for the input (default: the file's, a symbolic batch becomes 1)", "N"},
    {"input-shape", true, "override H and W of the NCHW image input (fully convolutional nets)", "HxW"},
    {"json", false, "print the import summary as JSON"},
  };
  for (FlagSpec& s : AppMetadataFlags()) f.push_back(s);
  return f;
}();

int Fail(const std::string& msg, int code = 1) {
  std::fprintf(stderr, "scalert import: %s\n", msg.c_str());
  return code;
}

bool ParseHxW(const std::string& s, int32_t* h, int32_t* w) {
  const size_t x = s.find('x');
  if (x == std::string::npos) return false;
  char* end = nullptr;
  long hv = std::strtol(s.c_str(), &end, 10);
  if (end != s.c_str() + x) return false;
  long wv = std::strtol(s.c_str() + x + 1, &end, 10);
  if (*end != '\0' || hv < 1 || wv < 1 || hv > (1 << 16) || wv > (1 << 16)) return false;
  *h = static_cast<int32_t>(hv);
  *w = static_cast<int32_t>(wv);
  return true;
}

int Import(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, kFlags);
  if (!args.ok()) return Fail(std::string(args.status().message()), 2);
  const std::string out = args->has("output") ? args->get("output") : args->get("o");
  if (args->has("help") || args->positional().size() != 1 || out.empty()) {
    std::fprintf(args->has("help") ? stdout : stderr, "%s",
                 Usage("import", "MODEL.onnx -o OUT.srm [flags]",
                       "Converts an ONNX model (e.g. a torchvision or timm export) to a ScaleRT model that\n"
                       "takes the same NCHW input and gives the same outputs. Batch norm folds into the\n"
                       "convolution before it and activations fuse into the op before them. Unsupported ops\n"
                       "or attributes are errors naming the node; no output file is written then.",
                       kFlags).c_str());
    return args->has("help") ? 0 : 2;
  }
  onnx_import::ImportOptions o;
  auto batch = args->get_int("batch", 0);
  if (!batch.ok()) return Fail(std::string(batch.status().message()), 2);
  if (*batch < 0 || *batch > (1 << 16)) return Fail("--batch must be in [1, 65536]", 2);
  o.batch = static_cast<int32_t>(*batch);
  if (args->has("input-shape") && !ParseHxW(args->get("input-shape"), &o.input_h, &o.input_w))
    return Fail("--input-shape expects HxW with positive integers, e.g. 224x224, got '" + args->get("input-shape") + "'", 2);

  // Large exports (hundreds of MB) take a while to parse: say so on a terminal.
  Progress progress("import", 0, !args->has("json"));
  std::error_code size_error;
  const uintmax_t onnx_bytes = std::filesystem::file_size(args->positional()[0], size_error);
  if (!size_error && onnx_bytes >= (uintmax_t{16} << 20))
    progress.Message(absl::StrCat("parsing and converting ", args->positional()[0], " (", onnx_bytes >> 20, " MiB)"));
  auto imported = onnx_import::ImportOnnxFile(args->positional()[0], o);
  progress.Finish();
  if (!imported.ok()) return Fail(std::string(imported.status().message()));
  Graph& g = imported->graph;
  // Labels and normalization an app needs; channels of the NCHW image input when there is one.
  const Shape& in_shape = g.tensors[g.inputs[0]].shape;
  absl::Status meta = ApplyAppMetadataFlags(*args, in_shape.size() == 4 ? in_shape[1] : 0, &g.metadata);
  if (!meta.ok()) return Fail(std::string(meta.message()), 2);
  if (!size_error && onnx_bytes >= (uintmax_t{16} << 20)) progress.Message("writing " + out);
  absl::Status s = WriteModelFile(g, out);
  progress.Finish();
  if (!s.ok()) return Fail(std::string(s.message()));

  ModelTotals t = ComputeTotals(g);
  if (args->has("json")) {
    std::printf("%s\n", JsonObject()
                            .Str("output", out)
                            .Int("onnx_nodes", imported->onnx_nodes)
                            .Int("ops", t.num_ops)
                            .Int("folded_batch_norms", imported->folded_batch_norms)
                            .Int("fused_activations", imported->fused_activations)
                            .Int("params_trained", t.params_trained)
                            .Int("params_stored", t.params_stored)
                            .Int("macs", t.macs)
                            .str().c_str());
    return 0;
  }
  std::printf("wrote %s: %d ONNX nodes -> %lld ops (%d batch norms folded, %d activations fused)\n", out.c_str(),
              imported->onnx_nodes, static_cast<long long>(t.num_ops), imported->folded_batch_norms,
              imported->fused_activations);
  std::printf("%s", FormatTotals(g, t).c_str());
  return 0;
}

}  // namespace

SCALERT_REGISTER_COMMAND("import", "convert an ONNX model to a ScaleRT model", Import);

}  // namespace scalert::tools
