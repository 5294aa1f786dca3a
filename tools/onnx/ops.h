// The op converters: each turns the current ONNX node of an ImportContext into graph ops (or
// folds it into what is already there) and defines its outputs.
#ifndef SCALERT_TOOLS_ONNX_OPS_H_
#define SCALERT_TOOLS_ONNX_OPS_H_

#include "absl/status/status.h"
#include "tools/onnx/import_context.h"

namespace scalert::onnx_import {

using Converter = absl::Status (*)(ImportContext& ctx);

// ops_conv.cc
absl::Status ConvertConv(ImportContext& ctx);
absl::Status ConvertBatchNormalization(ImportContext& ctx);
// ops_elementwise.cc
absl::Status ConvertRelu(ImportContext& ctx);
absl::Status ConvertClip(ImportContext& ctx);
absl::Status ConvertSigmoid(ImportContext& ctx);
absl::Status ConvertHardSigmoid(ImportContext& ctx);
absl::Status ConvertHardSwish(ImportContext& ctx);
absl::Status ConvertAdd(ImportContext& ctx);
absl::Status ConvertMul(ImportContext& ctx);
absl::Status ConvertSoftmax(ImportContext& ctx);
absl::Status ConvertIdentity(ImportContext& ctx);  // Identity and Dropout
// ops_shape.cc
absl::Status ConvertConstant(ImportContext& ctx);
absl::Status ConvertFlatten(ImportContext& ctx);
absl::Status ConvertReshape(ImportContext& ctx);
absl::Status ConvertSqueeze(ImportContext& ctx);
absl::Status ConvertUnsqueeze(ImportContext& ctx);
absl::Status ConvertGlobalAveragePool(ImportContext& ctx);
absl::Status ConvertReduceMean(ImportContext& ctx);
// ops_linear.cc
absl::Status ConvertGemm(ImportContext& ctx);
absl::Status ConvertMatMul(ImportContext& ctx);

}  // namespace scalert::onnx_import

#endif  // SCALERT_TOOLS_ONNX_OPS_H_
