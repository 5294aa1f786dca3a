// Base networks of the user's own, in timm's block-string notation (`scalert scale --arch-def`).
//
// Text form: one stage per line, its blocks separated by spaces; `#` starts a comment; header
// lines set the rest (defaults in parentheses):
//   name NAME            the base's name in the model metadata (the file name without extension)
//   stem N               stem conv channels (32)
//   head N [fixed]       head 1x1 conv channels, scaled with the width (timm) unless `fixed`; 0: none;
//                        `head 4x`: four times the last stage's width (torchvision) (1280)
//   act A                default activation: relu, relu6, swish, hard_swish (swish)
//   classes N            classifier outputs (1000)
//   resolution N         default input side in pixels (224)
//   hidden N             a hidden fully connected layer before the logits, as MobileNetV3's (none)
//   se_base input|expanded   SE width from the block input (EfficientNet) or the expanded width,
//                        rounded to the divisor (MobileNetV3) (input)
//   se_act A, se_gate sigmoid|hard_sigmoid   SE activations (the default act, sigmoid)
// A block: TYPE_opt_opt..., TYPE one of
//   ds  depthwise kxk -> [SE] -> pointwise 1x1, residual   (torchvision's MBConv with expand 1)
//   dsa the same with an activated pointwise and no residual (MobileNetV1)
//   ir  inverted residual: expand 1x1 -> depthwise kxk -> [SE] -> project 1x1, residual
//   er  edge residual (fused MBConv): expand kxk -> [SE] -> project 1x1, residual
//   cn  conv kxk + activation
// and options r<repeats> (required), k<kernel> (odd), s<stride> (1, 2), e<expansion> (ir, er),
// c<channels> (required), se<ratio>, noskip, skip (cn), n<act>: nre relu, nr6 relu6, nsw swish,
// nhs hard_swish. Example: `ir_r2_k3_s2_e6_c24_se0.25`.
//
// JSON form: an object with the same header keys (numbers or strings) and "stages": an array
// with one entry per stage, each an array of block strings (or one block string).
#ifndef SCALERT_TOOLS_SCALE_BLOCK_STRING_H_
#define SCALERT_TOOLS_SCALE_BLOCK_STRING_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tools/scale/architectures.h"

namespace scalert::scale {

// Limits past which a table is refused as a mistake.
inline constexpr int32_t kMaxArchChannels = 65536;
inline constexpr int32_t kMaxArchRepeats = 64;

// One block string. The row's `stage` is left -1; without an n<act> option `act` is
// `default_act`. Errors name the option.
absl::StatusOr<BlockRow> ParseBlockString(const std::string& block, Activation default_act);

// The whole table in the text form; errors read "<source>:<line>: ...".
absl::StatusOr<Architecture> ParseArchDefText(const std::string& text, const std::string& source);
// The JSON form; errors read "<source>:<line>: ...".
absl::StatusOr<Architecture> ParseArchDefJson(const std::string& text, const std::string& source);
// Reads a file: JSON when its first non-blank character is '{', else the text form.
absl::StatusOr<std::shared_ptr<const Architecture>> LoadArchDef(const std::string& path);

// The block string of one row (the inverse of ParseBlockString; the activation is always given).
std::string FormatBlockString(const BlockRow& row);

}  // namespace scalert::scale

#endif  // SCALERT_TOOLS_SCALE_BLOCK_STRING_H_
