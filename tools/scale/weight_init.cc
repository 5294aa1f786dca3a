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
  double Normal() {  // Box-Muller
    double u = 1.0 - Uniform(), v = Uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }

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

// Convolution without bias or activation, float accumulation; weights as [KH][KW][Cin][Cout]
// so the inner loop runs over output channels and vectorizes.
void Conv(const Value& x, const std::vector<float>& wt, int32_t kh, int32_t kw, int32_t cout, const ConvParams& p,
          Value* y) {
  y->n = x.n;
  y->h = static_cast<int32_t>(ConvOutputSize(x.h, p.pad_top, p.pad_bottom, kh, p.stride_h, 1));
  y->w = static_cast<int32_t>(ConvOutputSize(x.w, p.pad_left, p.pad_right, kw, p.stride_w, 1));
  y->c = cout;
  y->v.assign(static_cast<size_t>(y->pixels()) * cout, 0.f);
  for (int32_t n = 0; n < x.n; ++n)
    for (int32_t oy = 0; oy < y->h; ++oy)
      for (int32_t ox = 0; ox < y->w; ++ox) {
        float* acc = &y->v[((static_cast<size_t>(n) * y->h + oy) * y->w + ox) * cout];
        for (int32_t ky = 0; ky < kh; ++ky) {
          int32_t iy = oy * p.stride_h - p.pad_top + ky;
          if (iy < 0 || iy >= x.h) continue;
          for (int32_t kx = 0; kx < kw; ++kx) {
            int32_t ix = ox * p.stride_w - p.pad_left + kx;
            if (ix < 0 || ix >= x.w) continue;
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
void Depthwise(const Value& x, const std::vector<float>& w, int32_t kh, int32_t kw, const ConvParams& p, Value* y) {
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
          if (iy < 0 || iy >= x.h) continue;
          for (int32_t kx = 0; kx < kw; ++kx) {
            int32_t ix = ox * p.stride_w - p.pad_left + kx;
            if (ix < 0 || ix >= x.w) continue;
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

ChannelStats Stats(const Value& z) {
  ChannelStats s;
  s.mean.assign(z.c, 0.0);
  s.var.assign(z.c, 0.0);
  const int64_t count = z.pixels();
  for (int64_t i = 0; i < count; ++i)
    for (int32_t c = 0; c < z.c; ++c) s.mean[c] += z.v[i * z.c + c];
  for (double& m : s.mean) m /= static_cast<double>(count);
  for (int64_t i = 0; i < count; ++i)
    for (int32_t c = 0; c < z.c; ++c) {
      double d = z.v[i * z.c + c] - s.mean[c];
      s.var[c] += d * d;
    }
  for (double& v : s.var) v /= static_cast<double>(count);
  return s;
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
    x.n = o_.calibration_images;
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
  // Shrinks the input (keeping its aspect) until one image costs at most the MAC budget.
  void CalibrationSize(int32_t h, int32_t w, int32_t* ch, int32_t* cw) const {
    int64_t macs = 0;
    for (const Node& n : g_->nodes) macs += NodeMacs(*g_, n);
    double s = macs > o_.calibration_macs_per_image
                   ? std::sqrt(static_cast<double>(o_.calibration_macs_per_image) / static_cast<double>(macs))
                   : 1.0;
    *ch = std::min(h, std::max<int32_t>(32, static_cast<int32_t>(std::lround(h * s))));
    *cw = std::min(w, std::max<int32_t>(32, static_cast<int32_t>(std::lround(w * s))));
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

    // Raw weights ~ N(0, 1 / fan_in) in the stored layout; the normalization below sets the scale.
    int64_t count = 1;
    for (int32_t d : ws) count *= d;
    const int64_t fan_in = count / (n.type == OpType::kDepthwiseConv2D ? ws[3] : ws[0]);
    std::vector<float> w(static_cast<size_t>(count));
    const double std_dev = 1.0 / std::sqrt(static_cast<double>(fan_in));
    for (float& v : w) v = static_cast<float>(rng.Normal() * std_dev);

    // Pre-activations z of the calibration batch without bias.
    if (n.type == OpType::kDepthwiseConv2D) {
      if (n.conv.depth_multiplier != 1 || n.conv.dilation_h != 1 || n.conv.dilation_w != 1)
        return absl::UnimplementedError("depthwise multiplier and dilation must be 1");
      Depthwise(x, w, ws[1], ws[2], n.conv, y);
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
      Conv(flat, wt, kh, kw, cout, n.type == OpType::kFullyConnected ? ConvParams() : n.conv, y);
    }

    std::vector<double> scale(cout), shift(cout);
    if (rule == InitRule::kConvBatchNorm || rule == InitRule::kConvBatchNormResidual) {
      // Batch norm with the calibration statistics, folded: scale = gamma / sqrt(var + eps),
      // shift = beta - mean * scale. A residual branch gets a smaller gamma so that a stage of
      // many blocks does not grow its sum much.
      ChannelStats s = Stats(*y);
      double mean_var = 0;
      for (double v : s.var) mean_var += v;
      mean_var /= cout;
      const double eps = 1e-5 * mean_var + 1e-30;
      const bool residual = rule == InitRule::kConvBatchNormResidual;
      for (int32_t c = 0; c < cout; ++c) {
        double gamma = residual ? rng.Uniform(0.3, 0.6) : rng.Uniform(0.75, 1.25);
        double beta = residual ? rng.Uniform(-0.05, 0.05) : rng.Uniform(-0.25, 0.25);
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
      // Fully connected: centered on the calibration mean per output (what a trained bias does
      // for features that all images share), scaled so the centered outputs have RMS 1.
      ChannelStats s = Stats(*y);
      double centered = 0;
      for (double v : s.var) centered += v;
      centered = std::sqrt(centered / cout);
      const double floor = 1e-6 * Rms(y->v) + 1e-30;
      const double k = 1.0 / std::max(centered, floor);
      for (int32_t c = 0; c < cout; ++c) {
        scale[c] = k;
        shift[c] = rng.Uniform(-0.1, 0.1) - s.mean[c] * k;
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
};

}  // namespace

std::vector<float> CalibrationImages(int32_t count, int32_t h, int32_t w, int32_t c, uint64_t seed) {
  Rng rng(seed);
  const size_t image = static_cast<size_t>(h) * w * c;
  std::vector<float> v(image * count);
  for (int32_t i = 0; i < count; ++i) {
    float* im = &v[image * i];
    if (i % 2 == 0) {
      for (size_t k = 0; k < image; ++k) im[k] = static_cast<float>(rng.Uniform(-1.0, 1.0));
      continue;
    }
    // A smooth field: a few low-frequency waves shared by all channels plus per-channel ones,
    // scaled to the same spread as the uniform images.
    struct Wave { double fy, fx, phase, amp; };
    auto waves = [&](int k) {
      std::vector<Wave> r(k);
      for (Wave& q : r) q = {rng.Uniform(0.5, 6.0) / h, rng.Uniform(0.5, 6.0) / w, rng.Uniform(0, 6.2832), rng.Uniform(0.5, 1.0)};
      return r;
    };
    std::vector<Wave> shared = waves(4);
    for (int32_t ch = 0; ch < c; ++ch) {
      std::vector<Wave> own = waves(2);
      for (int32_t y = 0; y < h; ++y)
        for (int32_t x = 0; x < w; ++x) {
          double s = 0;
          for (const Wave& q : shared) s += q.amp * std::cos(6.2832 * (q.fy * y + q.fx * x) + q.phase);
          for (const Wave& q : own) s += q.amp * std::cos(6.2832 * (q.fy * y + q.fx * x) + q.phase);
          im[(static_cast<size_t>(y) * w + x) * c + ch] = static_cast<float>(0.3 * s);
        }
    }
  }
  return v;
}

absl::Status InitializeWeights(Graph* g, const std::vector<InitRule>& rules, const WeightInitOptions& options) {
  if (options.calibration_images < 1) return absl::InvalidArgumentError("weight init needs at least one calibration image");
  return Calibrator(g, rules, options).Run();
}

}  // namespace scalert::scale
