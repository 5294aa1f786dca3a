// Graphs of MobileNetV2 / EfficientNet-style blocks for the fusion tests (mbconv_fusion_test.cc,
// fused_half_test.cc): expand 1x1 -> depthwise kxk [-> squeeze-and-excitation] -> project 1x1
// [+ residual], random weights.
#ifndef SCALERT_TESTS_NATIVE_MBCONV_BLOCKS_H_
#define SCALERT_TESTS_NATIVE_MBCONV_BLOCKS_H_

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/graph.h"
#include "runtime/graph_builder.h"
#include "tests/testing/test_models.h"

namespace scalert::testing {

struct BlockSpec {
  int32_t h, w, cin, expand, cout, kernel, stride;
  Activation act = Activation::kRelu6;
  int32_t blocks = 1;  // stacked blocks (the first with `stride`, the rest stride 1)
  bool residual = true;  // later blocks keep their width and add a residual; else they widen by 4
  bool se = false;       // squeeze-and-excitation after the depthwise (swish fc1, sigmoid gate)
  bool expand_layer = true;  // false: depthwise-separable (expand must equal cin)
  int32_t batch = 1;
};

inline int32_t BlockConstant(Graph* g, const std::string& name, Shape shape, uint32_t seed, float bound) {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return g->AddConstantF32(name, shape, RandomVector(static_cast<size_t>(n), seed, -bound, bound));
}

// MobileNetV2-style inverted residual blocks: expand 1x1 -> dw kxk -> project 1x1 (+ residual
// when the shapes allow).
inline Graph BlocksGraph(const BlockSpec& s) {
  Graph g;
  int32_t x = g.AddTensor("x", {s.batch, s.h, s.w, s.cin});
  g.inputs = {x};
  int32_t cin = s.cin, h = s.h, w = s.w;
  for (int32_t b = 0; b < s.blocks; ++b) {
    const std::string p = "b" + std::to_string(b) + ".";
    const int32_t stride = b == 0 ? s.stride : 1, cout = b == 0 ? s.cout : s.residual ? cin : cin + 4;
    const uint32_t seed = 100 * b;
    const int32_t c = s.expand_layer ? s.expand : cin;
    absl::StatusOr<int32_t> y = x;
    if (s.expand_layer)
      y = AddConv2D(&g, x, BlockConstant(&g, p + "e.w", {c, 1, 1, cin}, seed + 1, 0.5f),
                    BlockConstant(&g, p + "e.b", {c}, seed + 2, 0.1f), ConvParams(), s.act, p + "expand");
    ConvParams dw;
    dw.stride_h = dw.stride_w = stride;
    SamePadding(h, s.kernel, stride, 1, &dw.pad_top, &dw.pad_bottom);
    SamePadding(w, s.kernel, stride, 1, &dw.pad_left, &dw.pad_right);
    y = AddDepthwiseConv2D(&g, *y, BlockConstant(&g, p + "d.w", {1, s.kernel, s.kernel, c}, seed + 3, 0.4f),
                           BlockConstant(&g, p + "d.b", {c}, seed + 4, 0.1f), dw, s.act, p + "dw");
    if (s.se) {
      const int32_t squeeze = std::max(1, c / 4);
      Node pool;
      pool.type = OpType::kGlobalAveragePool;
      pool.name = p + "se.pool";
      pool.inputs = {*y};
      auto pooled = AddNode(&g, pool, p + "se.pool");
      auto s1 = AddConv2D(&g, *pooled, BlockConstant(&g, p + "s1.w", {squeeze, 1, 1, c}, seed + 6, 0.5f),
                          BlockConstant(&g, p + "s1.b", {squeeze}, seed + 7, 0.1f), ConvParams(), Activation::kSwish,
                          p + "se.fc1");
      auto s2 = AddConv2D(&g, *s1, BlockConstant(&g, p + "s2.w", {c, 1, 1, squeeze}, seed + 8, 0.5f),
                          BlockConstant(&g, p + "s2.b", {c}, seed + 9, 0.1f), ConvParams(), Activation::kSigmoid,
                          p + "se.fc2");
      y = AddBinary(&g, OpType::kMul, *y, *s2, Activation::kNone, p + "se.mul");
    }
    y = AddConv2D(&g, *y, BlockConstant(&g, p + "p.w", {cout, 1, 1, c}, seed + 5, 0.3f), -1, ConvParams(),
                  Activation::kNone, p + "project");
    EXPECT_TRUE(y.ok()) << y.status();
    const Shape& ys = g.tensors[*y].shape;
    if (ys == g.tensors[x].shape) y = AddBinary(&g, OpType::kAdd, *y, x, Activation::kNone, p + "add");
    x = *y;
    cin = cout;
    h = ys[1];
    w = ys[2];
  }
  g.outputs = {x};
  return g;
}

}  // namespace scalert::testing

#endif  // SCALERT_TESTS_NATIVE_MBCONV_BLOCKS_H_
