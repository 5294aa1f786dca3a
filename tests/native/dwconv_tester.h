// Builder-style tester for depthwise kernels:
//   DwConvTester().channels(17).input(9, 7).kernel(5).stride(2).padding(2).Test(kernel);
// compares against the reference DepthwiseConv2D with a tolerance scaled by sum |x * w|, and
// calls the kernel on bands of output rows the way the backend splits work across threads;
// row_gap(g) writes output rows g floats apart beyond their width (DwConvArgs::output_row_stride,
// a fused block's column chunk) and checks the gaps stay untouched.
#ifndef SCALERT_TESTS_NATIVE_DWCONV_TESTER_H_
#define SCALERT_TESTS_NATIVE_DWCONV_TESTER_H_

#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/packing.h"
#include "kernels/reference/conv.h"
#include "kernels/registry.h"
#include "tests/testing/test_models.h"

namespace scalert::kernels::testing {

class DwConvTester {
 public:
  DwConvTester& channels(int32_t v) { c_ = v; return *this; }
  DwConvTester& batch(int32_t v) { batch_ = v; return *this; }
  DwConvTester& input(int32_t h, int32_t w) { h_ = h; w_ = w; return *this; }
  DwConvTester& kernel(int32_t k) { kh_ = kw_ = k; return *this; }
  DwConvTester& kernel(int32_t kh, int32_t kw) { kh_ = kh; kw_ = kw; return *this; }
  DwConvTester& stride(int32_t s) { sh_ = sw_ = s; return *this; }
  DwConvTester& dilation(int32_t d) { dh_ = dw_ = d; return *this; }
  DwConvTester& padding(int32_t p) { pt_ = pb_ = pl_ = pr_ = p; return *this; }
  DwConvTester& padding(int32_t top, int32_t left, int32_t bottom, int32_t right) {
    pt_ = top; pl_ = left; pb_ = bottom; pr_ = right;
    return *this;
  }
  DwConvTester& bias(bool v) { bias_ = v; return *this; }
  DwConvTester& activation(Activation v) { act_ = v; return *this; }
  DwConvTester& row_bands(int v) { row_bands_ = v; return *this; }
  DwConvTester& row_gap(int32_t v) { row_gap_ = v; return *this; }

  ref::ConvGeometry Geometry() const {
    ref::ConvGeometry g;
    g.batch = batch_; g.in_h = h_; g.in_w = w_; g.in_c = c_; g.out_c = c_;
    g.kernel_h = kh_; g.kernel_w = kw_;
    g.stride_h = sh_; g.stride_w = sw_; g.dilation_h = dh_; g.dilation_w = dw_;
    g.pad_top = pt_; g.pad_left = pl_;
    g.out_h = (h_ + pt_ + pb_ - dh_ * (kh_ - 1) - 1) / sh_ + 1;
    g.out_w = (w_ + pl_ + pr_ - dw_ * (kw_ - 1) - 1) / sw_ + 1;
    return g;
  }

  void Test(const Kernel<KernelOp::kDwConv>& kernel) const {
    const ref::ConvGeometry g = Geometry();
    SCOPED_TRACE(::testing::Message() << kernel.name << " c=" << c_ << " in=" << h_ << "x" << w_ << " k=" << kh_
                                      << "x" << kw_ << " s=" << sh_ << " pad=" << pt_ << "," << pl_ << ","
                                      << pb_ << "," << pr_ << " act=" << static_cast<int>(act_) << " gap=" << row_gap_);
    ASSERT_GT(g.out_h, 0);
    ASSERT_GT(g.out_w, 0);
    const int32_t taps = kh_ * kw_;
    const std::vector<float> x = scalert::testing::RandomVector(static_cast<size_t>(batch_) * h_ * w_ * c_, 4);
    const std::vector<float> w = scalert::testing::RandomVector(static_cast<size_t>(taps) * c_, 5);
    const std::vector<float> b = scalert::testing::RandomVector(static_cast<size_t>(c_), 6);
    std::vector<float> x_abs(x.size()), w_abs(w.size()), b_abs(b.size());
    for (size_t i = 0; i < x.size(); ++i) x_abs[i] = std::abs(x[i]);
    for (size_t i = 0; i < w.size(); ++i) w_abs[i] = std::abs(w[i]);
    for (size_t i = 0; i < b.size(); ++i) b_abs[i] = std::abs(b[i]);
    const size_t out_size = static_cast<size_t>(batch_) * g.out_h * g.out_w * c_;
    std::vector<float> want(out_size), magnitude(out_size);
    ref::DepthwiseConv2D(g, x.data(), w.data(), bias_ ? b.data() : nullptr, want.data(), act_);
    ref::DepthwiseConv2D(g, x_abs.data(), w_abs.data(), bias_ ? b_abs.data() : nullptr, magnitude.data(),
                         Activation::kNone);

    PackedDwConv packed = kernel.pack(w.data(), bias_ ? b.data() : nullptr, c_, taps, kernel.tile);
    AlignedBuffer zero(static_cast<size_t>(RoundUp(c_, kernel.tile.channel_tile)));
    const int64_t row = int64_t{g.out_w} * c_, stride = row + row_gap_;
    std::vector<float> y(static_cast<size_t>(batch_) * g.out_h * stride, std::nanf(""));
    DwConvArgs args;
    args.geo = g;
    args.input = x.data();
    args.packed = packed.data.data();
    args.zero = zero.data();
    args.output = y.data();
    args.act = act_;
    if (row_gap_ > 0) args.output_row_stride = stride;
    const int32_t rows = batch_ * g.out_h, step = (rows + row_bands_ - 1) / row_bands_;
    for (int32_t r0 = 0; r0 < rows; r0 += step) kernel.fn(args, r0, std::min(rows, r0 + step));
    for (size_t i = 0; i < out_size; ++i) {
      const size_t at = i / row * stride + i % row;  // fails on NaN: every element is written
      ASSERT_NEAR(y[at], want[i], 4e-6 * magnitude[i] + 1e-6) << "at element " << i << " (channel " << i % c_ << ")";
    }
    for (size_t at = 0; at < y.size(); ++at)
      if (static_cast<int64_t>(at % stride) >= row) {
        ASSERT_TRUE(std::isnan(y[at])) << "a gap written at " << at;
      }
  }

 private:
  int32_t c_ = 8, batch_ = 1, h_ = 5, w_ = 5, kh_ = 3, kw_ = 3, sh_ = 1, sw_ = 1, dh_ = 1, dw_ = 1;
  int32_t pt_ = 1, pb_ = 1, pl_ = 1, pr_ = 1;
  bool bias_ = true;
  Activation act_ = Activation::kNone;
  int row_bands_ = 1;
  int32_t row_gap_ = 0;
};

}  // namespace scalert::kernels::testing

#endif  // SCALERT_TESTS_NATIVE_DWCONV_TESTER_H_
