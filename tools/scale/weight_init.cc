#include "tools/scale/weight_init.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "runtime/shape_inference.h"

namespace scalert::scale {
namespace {

// A small deterministic generator (splitmix64): same numbers on every platform and compiler,
// unlike std::normal_distribution.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }

 private:
  uint64_t state_;
};

uint64_t MixSeed(uint64_t seed, uint64_t stream) {
  Rng r(seed ^ (stream * 0xD1B54A32D192ED03ull + 0x8CB92BA72F3D8DD7ull));
  return r.Next();
}

// An activation of the calibration batch, NHWC (fully connected outputs are [N, 1, 1, C]).
struct Value {
  int32_t n = 0, h = 0, w = 0, c = 0;
  std::vector<float> v;
  int64_t pixels() const { return static_cast<int64_t>(n) * h * w; }
};

void SetConstant(Graph* g, int32_t index, const std::vector<float>& values) {
  auto bytes = std::make_shared<std::vector<uint8_t>>(values.size() * sizeof(float));
  if (!values.empty()) std::memcpy(bytes->data(), values.data(), bytes->size());
  Tensor& t = g->tensors[index];
  t.data = bytes->empty() ? reinterpret_cast<const uint8_t*>("") : bytes->data();
  t.data_bytes = bytes->size();
  t.owned = std::move(bytes);
}

// y[P][Cout] = x[P][Cin] * w[Cin][Cout]: the 1x1 convolutions that hold most of the MACs, in
// register tiles of 4 pixels x 8 channels.
void Pointwise(const float* x, int64_t pixels, int32_t cin, const float* w, int32_t cout, float* y) {
  constexpr int kP = 4, kC = 8;
  int64_t p = 0;
  for (; p + kP <= pixels; p += kP) {
    int32_t c = 0;
    for (; c + kC <= cout; c += kC) {
      float acc[kP][kC] = {};
      for (int32_t k = 0; k < cin; ++k) {
        const float* wr = w + static_cast<size_t>(k) * cout + c;
        for (int r = 0; r < kP; ++r) {
          const float xv = x[(p + r) * cin + k];
          for (int j = 0; j < kC; ++j) acc[r][j] += xv * wr[j];
        }
      }
      for (int r = 0; r < kP; ++r)
        for (int j = 0; j < kC; ++j) y[(p + r) * cout + c + j] = acc[r][j];
    }
    for (; c < cout; ++c)
      for (int r = 0; r < kP; ++r) {
        float acc = 0;
        for (int32_t k = 0; k < cin; ++k) acc += x[(p + r) * cin + k] * w[static_cast<size_t>(k) * cout + c];
        y[(p + r) * cout + c] = acc;
      }
  }
  for (; p < pixels; ++p)
    for (int32_t c = 0; c < cout; ++c) {
      float acc = 0;
      for (int32_t k = 0; k < cin; ++k) acc += x[p * cin + k] * w[static_cast<size_t>(k) * cout + c];
      y[p * cout + c] = acc;
    }
}

// Convolution without bias or activation, float accumulation; `wrap`: circular padding; weights as [KH][KW][Cin][Cout]
// so the inner loop runs over output channels and vectorizes.
void Conv(const Value& x, const std::vector<float>& wt, int32_t kh, int32_t kw, int32_t cout, const ConvParams& p,
          bool wrap, Value* y) {
  y->n = x.n;
  y->h = static_cast<int32_t>(ConvOutputSize(x.h, p.pad_top, p.pad_bottom, kh, p.stride_h, 1));
  y->w = static_cast<int32_t>(ConvOutputSize(x.w, p.pad_left, p.pad_right, kw, p.stride_w, 1));
  y->c = cout;
  y->v.assign(static_cast<size_t>(y->pixels()) * cout, 0.f);
  if (kh == 1 && kw == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_top == 0 && p.pad_left == 0) {
    Pointwise(x.v.data(), x.pixels(), x.c, wt.data(), cout, y->v.data());
    return;
  }
  for (int32_t n = 0; n < x.n; ++n)
    for (int32_t oy = 0; oy < y->h; ++oy)
      for (int32_t ox = 0; ox < y->w; ++ox) {
        float* acc = &y->v[((static_cast<size_t>(n) * y->h + oy) * y->w + ox) * cout];
        for (int32_t ky = 0; ky < kh; ++ky) {
          int32_t iy = oy * p.stride_h - p.pad_top + ky;
          if (wrap) iy = (iy + x.h) % x.h;
          else if (iy < 0 || iy >= x.h) continue;
          for (int32_t kx = 0; kx < kw; ++kx) {
            int32_t ix = ox * p.stride_w - p.pad_left + kx;
            if (wrap) ix = (ix + x.w) % x.w;
            else if (ix < 0 || ix >= x.w) continue;
            const float* xp = &x.v[((static_cast<size_t>(n) * x.h + iy) * x.w + ix) * x.c];
            const float* wp = &wt[(static_cast<size_t>(ky) * kw + kx) * x.c * cout];
            for (int32_t ic = 0; ic < x.c; ++ic) {
              const float xv = xp[ic];
              const float* wr = wp + static_cast<size_t>(ic) * cout;
              for (int32_t oc = 0; oc < cout; ++oc) acc[oc] += xv * wr[oc];
            }
          }
        }
      }
}

// Depthwise convolution (multiplier 1), weights [KH][KW][C] as stored.
void Depthwise(const Value& x, const std::vector<float>& w, int32_t kh, int32_t kw, const ConvParams& p, bool wrap,
               Value* y) {
  y->n = x.n;
  y->h = static_cast<int32_t>(ConvOutputSize(x.h, p.pad_top, p.pad_bottom, kh, p.stride_h, 1));
  y->w = static_cast<int32_t>(ConvOutputSize(x.w, p.pad_left, p.pad_right, kw, p.stride_w, 1));
  y->c = x.c;
  y->v.assign(static_cast<size_t>(y->pixels()) * x.c, 0.f);
  for (int32_t n = 0; n < x.n; ++n)
    for (int32_t oy = 0; oy < y->h; ++oy)
      for (int32_t ox = 0; ox < y->w; ++ox) {
        float* acc = &y->v[((static_cast<size_t>(n) * y->h + oy) * y->w + ox) * x.c];
        for (int32_t ky = 0; ky < kh; ++ky) {
          int32_t iy = oy * p.stride_h - p.pad_top + ky;
          if (wrap) iy = (iy + x.h) % x.h;
          else if (iy < 0 || iy >= x.h) continue;
          for (int32_t kx = 0; kx < kw; ++kx) {
            int32_t ix = ox * p.stride_w - p.pad_left + kx;
            if (wrap) ix = (ix + x.w) % x.w;
            else if (ix < 0 || ix >= x.w) continue;
            const float* xp = &x.v[((static_cast<size_t>(n) * x.h + iy) * x.w + ix) * x.c];
            const float* wp = &w[(static_cast<size_t>(ky) * kw + kx) * x.c];
            for (int32_t c = 0; c < x.c; ++c) acc[c] += xp[c] * wp[c];
          }
        }
      }
}

struct ChannelStats {
  std::vector<double> mean, var;
};

// Per-channel mean and variance over images [first, first + count) of the batch.
ChannelStats Stats(const Value& z, int32_t first, int32_t count) {
  ChannelStats s;
  s.mean.assign(z.c, 0.0);
  s.var.assign(z.c, 0.0);
  const int64_t per_image = static_cast<int64_t>(z.h) * z.w;
  const int64_t begin = first * per_image, end = (first + count) * per_image;
  const double total = static_cast<double>(end - begin);
  for (int64_t i = begin; i < end; ++i)
    for (int32_t c = 0; c < z.c; ++c) s.mean[c] += z.v[i * z.c + c];
  for (double& m : s.mean) m /= total;
  for (int64_t i = begin; i < end; ++i)
    for (int32_t c = 0; c < z.c; ++c) {
      double d = z.v[i * z.c + c] - s.mean[c];
      s.var[c] += d * d;
    }
  for (double& v : s.var) v /= total;
  return s;
}

// For each image in [first, first + count), the mean over channels and pixels of
// ((scale * z + shift - center) / spread)^2; then the median over the images. The median,
// because at the few pixels of deep layers one unusual image can weigh more than all others.
double MedianImageSpread(const Value& z, int32_t first, int32_t count, const std::vector<double>& scale,
                     const std::vector<double>& shift, const std::vector<double>& center,
                     const std::vector<double>& spread) {
  const int64_t per_image = static_cast<int64_t>(z.h) * z.w;
  std::vector<double> per_image_ms;
  for (int32_t img = first; img < first + count; ++img) {
    double sum = 0;
    for (int64_t i = img * per_image; i < (img + 1) * per_image; ++i)
      for (int32_t c = 0; c < z.c; ++c) {
        double d = (scale[c] * z.v[i * z.c + c] + shift[c] - center[c]) / spread[c];
        sum += d * d;
      }
    per_image_ms.push_back(sum / static_cast<double>(per_image * z.c));
  }
  std::sort(per_image_ms.begin(), per_image_ms.end());
  const size_t n = per_image_ms.size();
  return n % 2 ? per_image_ms[n / 2] : 0.5 * (per_image_ms[n / 2 - 1] + per_image_ms[n / 2]);
}

double Rms(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += static_cast<double>(x) * x;
  return v.empty() ? 0.0 : std::sqrt(s / static_cast<double>(v.size()));
}

// Per output channel: y = act(scale[c] * z + shift[c]).
void Affine(const std::vector<double>& scale, const std::vector<double>& shift, Activation act, Value* z) {
  const int64_t count = z->pixels();
  for (int64_t i = 0; i < count; ++i)
    for (int32_t c = 0; c < z->c; ++c) {
      float& v = z->v[i * z->c + c];
      v = ApplyActivation(static_cast<float>(scale[c] * v + shift[c]), act);
    }
}

class Calibrator {
 public:
  Calibrator(Graph* g, const std::vector<InitRule>& rules, const WeightInitOptions& o) : g_(g), rules_(rules), o_(o) {}

  absl::Status Run() {
    if (rules_.size() != g_->nodes.size())
      return absl::InternalError(
          absl::StrCat("weight init: ", rules_.size(), " rules for ", g_->nodes.size(), " operators"));
    if (g_->inputs.size() != 1) return absl::InvalidArgumentError("weight init: the graph must have one input");
    values_.assign(g_->tensors.size(), Value());
    std::vector<size_t> last_use(g_->tensors.size(), 0);
    for (size_t i = 0; i < g_->nodes.size(); ++i)
      for (int32_t t : g_->nodes[i].inputs)
        if (t >= 0) last_use[t] = i;

    const Tensor& in = g_->tensors[g_->inputs[0]];
    Value& x = values_[g_->inputs[0]];
    CalibrationSize(in.shape[1], in.shape[2], &x.h, &x.w);
    // The deepest maps (1/32 of the input) must still give enough samples per channel, or
    // the statistics fit the calibration images only and new inputs drift from layer to layer:
    // small inputs get more images (their cost per image is small too).
    const int64_t deep_pixels = static_cast<int64_t>((x.h + 31) / 32) * ((x.w + 31) / 32);
    const int64_t wanted = (o_.deep_samples + deep_pixels - 1) / deep_pixels;
    images_ = std::max<int32_t>(o_.calibration_images, static_cast<int32_t>(std::min<int64_t>(wanted, o_.max_images)));
    x.n = images_;
    x.c = in.shape[3];
    x.v = CalibrationImages(x.n, x.h, x.w, x.c, MixSeed(o_.seed, 0xCA11B));

    for (size_t i = 0; i < g_->nodes.size(); ++i) {
      absl::Status s = RunNode(i);
      if (!s.ok()) return absl::Status(s.code(), absl::StrCat("weight init: ", g_->NodeLabel(i), ": ", s.message()));
      for (int32_t t : g_->nodes[i].inputs)
        if (t >= 0 && last_use[t] == i) values_[t] = Value();
    }
    return absl::OkStatus();
  }

 private:
  // The model's own input size when one image fits the MAC budget. Otherwise a smaller size
  // (keeping the aspect, a multiple of 32 so every stride-2 map stays whole, at least 96) with
  // circular padding: a periodic image has no border, so its statistics are those of the
  // interior of a large image, which is what a large input mostly is. (With zero padding, the
  // deep maps of a small image are nearly all border and their statistics would mis-scale the
  // full-size model.)
  void CalibrationSize(int32_t h, int32_t w, int32_t* ch, int32_t* cw) {
    int64_t macs = 0;
    for (const Node& n : g_->nodes) macs += NodeMacs(*g_, n);
    *ch = h;
    *cw = w;
    wrap_ = false;
    if (macs <= o_.calibration_macs_per_image) return;
    const double s = std::sqrt(static_cast<double>(o_.calibration_macs_per_image) / static_cast<double>(macs));
    auto shrink = [&](int32_t v) { return std::max<int32_t>(96, static_cast<int32_t>(std::lround(v * s / 32.0)) * 32); };
    if (shrink(h) >= h || shrink(w) >= w) return;
    *ch = shrink(h);
    *cw = shrink(w);
    wrap_ = true;
  }

  absl::Status RunNode(size_t index) {
    const Node& n = g_->nodes[index];
    Value& y = values_[n.outputs[0]];
    auto input = [&](size_t k) -> const Value& { return values_[n.inputs[k]]; };
    switch (n.type) {
      case OpType::kConv2D:
      case OpType::kDepthwiseConv2D:
      case OpType::kFullyConnected:
        return RunWeighted(index, &y);
      case OpType::kGlobalAveragePool: {
        const Value& x = input(0);
        y.n = x.n;
        y.h = y.w = 1;
        y.c = x.c;
        y.v.assign(static_cast<size_t>(x.n) * x.c, 0.f);
        const int64_t hw = static_cast<int64_t>(x.h) * x.w;
        for (int32_t b = 0; b < x.n; ++b)
          for (int32_t c = 0; c < x.c; ++c) {
            double s = 0;
            for (int64_t p = 0; p < hw; ++p) s += x.v[(b * hw + p) * x.c + c];
            y.v[static_cast<size_t>(b) * x.c + c] = static_cast<float>(s / static_cast<double>(hw));
          }
        return absl::OkStatus();
      }
      case OpType::kAdd:
      case OpType::kMul: {
        const Value* a = &input(0);
        const Value* b = &input(1);
        if (b->pixels() > a->pixels()) std::swap(a, b);
        if (a->c != b->c || a->n != b->n || (b->pixels() != a->pixels() && (b->h != 1 || b->w != 1)))
          return absl::UnimplementedError("only same-shape or per-channel [N,1,1,C] broadcasts are supported");
        y = *a;
        const int64_t per_image = static_cast<int64_t>(a->h) * a->w;
        const bool same = b->pixels() == a->pixels();
        for (int64_t p = 0; p < a->pixels(); ++p) {
          const float* bp = &b->v[(same ? p : p / per_image) * b->c];
          float* yp = &y.v[p * y.c];
          for (int32_t c = 0; c < y.c; ++c)
            yp[c] = ApplyActivation(n.type == OpType::kAdd ? yp[c] + bp[c] : yp[c] * bp[c], n.activation);
        }
        return absl::OkStatus();
      }
      default:
        return absl::UnimplementedError(absl::StrCat("operator type ", OpTypeName(n.type), " is not supported"));
    }
  }

  absl::Status RunWeighted(size_t index, Value* y) {
    const Node& n = g_->nodes[index];
    const InitRule rule = rules_[index];
    if (rule == InitRule::kNone) return absl::InternalError("a weighted operator has no init rule");
    if (n.inputs.size() < 3 || n.inputs[2] < 0) return absl::InternalError("the scaler gives every layer a bias");
    const Value& x = values_[n.inputs[0]];
    const Shape ws = g_->tensors[n.inputs[1]].shape;
    const int32_t cout = n.type == OpType::kDepthwiseConv2D ? ws[3] : ws[0];
    Rng rng(MixSeed(o_.seed, index + 1));

    // Raw weights uniform with variance 1 / fan_in (He-uniform, cheap to draw) in the stored
    // layout; the normalization below sets the final scale.
    int64_t count = 1;
    for (int32_t d : ws) count *= d;
    const int64_t fan_in = count / (n.type == OpType::kDepthwiseConv2D ? ws[3] : ws[0]);
    std::vector<float> w(static_cast<size_t>(count));
    const double bound = std::sqrt(3.0 / static_cast<double>(fan_in));
    for (float& v : w) v = static_cast<float>(rng.Uniform(-bound, bound));

    // Pre-activations z of the calibration batch without bias.
    if (n.type == OpType::kDepthwiseConv2D) {
      if (n.conv.depth_multiplier != 1 || n.conv.dilation_h != 1 || n.conv.dilation_w != 1)
        return absl::UnimplementedError("depthwise multiplier and dilation must be 1");
      Depthwise(x, w, ws[1], ws[2], n.conv, wrap_, y);
    } else {
      const int32_t kh = n.type == OpType::kFullyConnected ? 1 : ws[1];
      const int32_t kw = n.type == OpType::kFullyConnected ? 1 : ws[2];
      const int32_t cin = static_cast<int32_t>(fan_in / (static_cast<int64_t>(kh) * kw));
      if (n.type == OpType::kConv2D && (n.conv.dilation_h != 1 || n.conv.dilation_w != 1))
        return absl::UnimplementedError("dilation must be 1");
      std::vector<float> wt(w.size());  // [Cout][KH][KW][Cin] -> [KH][KW][Cin][Cout]
      for (int32_t oc = 0; oc < cout; ++oc)
        for (int64_t k = 0; k < fan_in; ++k) wt[static_cast<size_t>(k * cout + oc)] = w[static_cast<size_t>(oc * fan_in + k)];
      Value flat = x;  // a fully connected layer sees each image as one pixel
      if (n.type == OpType::kFullyConnected) {
        flat.h = flat.w = 1;
        flat.c = cin;
      }
      Conv(flat, wt, kh, kw, cout, n.type == OpType::kFullyConnected ? ConvParams() : n.conv, wrap_, y);
    }

    const int32_t images = images_;
    std::vector<double> scale(cout), shift(cout), center(cout), spread(cout, 1.0);
    if (rule == InitRule::kConvBatchNorm || rule == InitRule::kConvBatchNormResidual) {
      // Batch norm with the calibration statistics, folded: scale = gamma / sqrt(var + eps),
      // shift = beta - mean * scale. A residual branch gets a smaller gamma so that a stage of
      // many blocks does not grow its sum much.
      ChannelStats s = Stats(*y, 0, images);
      double mean_var = 0;
      for (double v : s.var) mean_var += v;
      mean_var /= cout;
      const double eps = 1e-5 * mean_var + 1e-30;
      const bool residual = rule == InitRule::kConvBatchNormResidual;
      for (int32_t c = 0; c < cout; ++c) {
        const double gamma = residual ? rng.Uniform(0.3, 0.6) : rng.Uniform(0.75, 1.25);
        const double beta = residual ? rng.Uniform(-0.05, 0.05) : rng.Uniform(-0.25, 0.25);
        scale[c] = gamma / std::sqrt(s.var[c] + eps);
        shift[c] = beta - s.mean[c] * scale[c];
      }
    } else if (rule == InitRule::kSqueeze || rule == InitRule::kExcite) {
      // No batch norm in SE: one scale for the layer so pre-activations have a fixed RMS
      // across channels (the gate's input spans its useful range), small random biases.
      const double target = rule == InitRule::kSqueeze ? 1.0 : (n.activation == Activation::kHardSigmoid ? 3.0 : 1.5);
      const double rms = Rms(y->v);
      const double k = rms > 0 ? target / rms : 1.0;
      for (int32_t c = 0; c < cout; ++c) {
        scale[c] = k;
        shift[c] = rng.Uniform(-0.1, 0.1);
      }
    } else {
      // Fully connected: centered per output on the median over every calibration image (what
      // a trained bias does for the features all images share; each image is one sample here,
      // so all are used, and the median because one unusual image must not move the center
      // away from the typical ones), scaled so the median image's outputs have RMS 1.
      std::vector<double> median(cout), column(images);
      for (int32_t c = 0; c < cout; ++c) {
        for (int32_t i = 0; i < images; ++i) column[i] = y->v[static_cast<size_t>(i) * cout + c];
        std::sort(column.begin(), column.end());
        median[c] = images % 2 ? column[images / 2] : 0.5 * (column[images / 2 - 1] + column[images / 2]);
        center[c] = 0;  // no random class bias: it would add spread across classes only
        scale[c] = 1;
        shift[c] = -median[c];
      }
      const double rho = MedianImageSpread(*y, 0, images, scale, shift, center, spread);
      const double k = 1.0 / std::sqrt(std::max(rho, 1e-12 * Rms(y->v) * Rms(y->v) + 1e-30));
      for (int32_t c = 0; c < cout; ++c) {
        scale[c] = k;
        shift[c] = -median[c] * k;
      }
    }

    // Fold the per-channel scale into the weights, the shift into the bias.
    for (int64_t i = 0; i < count; ++i) {
      int32_t c = n.type == OpType::kDepthwiseConv2D ? static_cast<int32_t>(i % cout) : static_cast<int32_t>(i / fan_in);
      w[static_cast<size_t>(i)] = static_cast<float>(w[static_cast<size_t>(i)] * scale[c]);
    }
    std::vector<float> bias(cout);
    for (int32_t c = 0; c < cout; ++c) bias[c] = static_cast<float>(shift[c]);
    for (int32_t c = 0; c < cout; ++c)
      if (!std::isfinite(bias[c]) || !std::isfinite(scale[c]))
        return absl::InternalError(absl::StrCat("non-finite folded parameters for output channel ", c));
    SetConstant(g_, n.inputs[1], w);
    SetConstant(g_, n.inputs[2], bias);
    Affine(scale, shift, n.activation, y);
    return absl::OkStatus();
  }

  Graph* g_;
  const std::vector<InitRule>& rules_;
  WeightInitOptions o_;
  std::vector<Value> values_;
  bool wrap_ = false;  // circular padding (see CalibrationSize)
  int32_t images_ = 0;  // calibration batch size
};

}  // namespace

std::vector<float> CalibrationImages(int32_t count, int32_t h, int32_t w, int32_t c, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(static_cast<size_t>(count) * h * w * c);
  for (float& x : v) x = static_cast<float>(rng.Uniform(-1.0, 1.0));
  return v;
}

absl::Status InitializeWeights(Graph* g, const std::vector<InitRule>& rules, const WeightInitOptions& options) {
  if (options.calibration_images < 1 || options.max_images < 1)
    return absl::InvalidArgumentError("weight init needs at least one calibration image");
  return Calibrator(g, rules, options).Run();
}

}  // namespace scalert::scale
