#include "tools/scale/sweep.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "runtime/model_format.h"
#include "runtime/status_macros.h"
#include "tools/model_summary.h"

namespace scalert::scale {

std::string SweepFileName(const ScaleSpec& spec) {
  // A custom base is named by its file; a preset's name does not name the base then.
  const std::string base = spec.family == Family::kCustom && spec.network.custom ? spec.network.custom->base_config
                                                                                 : FamilyName(spec.family);
  return absl::StrCat(base, "_phi", absl::StrFormat("%g", spec.phi), ".srm");
}

SweepRow MakeSweepRow(const ScaledModel& m, const CostComparison& cost) {
  SweepRow r;
  r.file = SweepFileName(m.spec);
  r.spec = m.spec;
  tools::ModelTotals t = tools::ComputeTotals(m.graph);
  r.params_trained = t.params_trained;
  r.params_stored = t.params_stored;
  r.macs = t.macs;
  r.weight_bytes = t.weight_bytes;
  r.peak_activation_bytes = t.peak_activation_bytes;
  r.input_h = m.spec.network.input_h;
  r.input_w = m.spec.network.input_w;
  r.cost = cost;
  return r;
}

std::string SweepMarkdown(const std::vector<SweepRow>& rows) {
  std::string s;
  if (!rows.empty()) {
    const ScaleSpec& f = rows[0].spec;
    absl::StrAppend(&s, absl::StrFormat("# %s sweep: alpha=%g beta=%g gamma=%g, alpha*beta^2*gamma^2 = %.4f\n\n",
                                        FamilyName(f.family), f.coefficients.alpha, f.coefficients.beta,
                                        f.coefficients.gamma, FlopsGrowthPerPhi(f.coefficients)));
  }
  s += "| phi | file | depth | width | input | params (trained) | params (stored) | MACs | weight MiB | "
       "peak act. MiB | cost vs phi=0 | law d*w^2*r^2 | predicted |\n";
  s += "|---:|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const SweepRow& r : rows)
    absl::StrAppend(&s, absl::StrFormat("| %g | %s | %.3f | %.3f | %dx%d | %s | %s | %s | %.2f | %.2f | %.3f | %.3f | %.3f |\n",
                                        r.spec.phi, r.file, r.spec.exact.depth, r.spec.exact.width, r.input_h,
                                        r.input_w, tools::WithCommas(r.params_trained),
                                        tools::WithCommas(r.params_stored), tools::WithCommas(r.macs),
                                        r.weight_bytes / 1048576.0, r.peak_activation_bytes / 1048576.0,
                                        r.cost.counted, r.cost.ideal, r.cost.predicted));
  return s;
}

std::string SweepCsv(const std::vector<SweepRow>& rows) {
  std::string s =
      "phi,file,family,depth_multiplier,width_multiplier,input_h,input_w,params_trained,params_stored,macs,"
      "weight_bytes,peak_activation_bytes,cost_vs_base,law_d_w2_r2,predicted_flops_factor\n";
  for (const SweepRow& r : rows)
    absl::StrAppend(&s, absl::StrFormat("%g,%s,%s,%.6g,%.6g,%d,%d,%d,%d,%d,%d,%d,%.6g,%.6g,%.6g\n", r.spec.phi, r.file,
                                        FamilyName(r.spec.family), r.spec.exact.depth, r.spec.exact.width, r.input_h,
                                        r.input_w, r.params_trained, r.params_stored, r.macs, r.weight_bytes,
                                        r.peak_activation_bytes, r.cost.counted, r.cost.ideal, r.cost.predicted));
  return s;
}

absl::StatusOr<std::vector<SweepRow>> RunSweep(const ScaleRequest& request, const std::vector<double>& phis,
                                               const std::string& dir,
                                               const std::function<void(const SweepRow&)>& progress) {
  std::vector<ScaleSpec> specs;
  for (double phi : phis) {
    ScaleRequest r = request;
    r.phi = phi;
    auto spec = ResolveScaleRequest(r);
    if (!spec.ok())
      return absl::Status(spec.status().code(), absl::StrCat("phi ", phi, ": ", spec.status().message()));
    specs.push_back(*std::move(spec));
  }
  // Check the sizes of all members before writing any file.
  for (const ScaleSpec& s : specs) {
    BuildOptions o;
    o.weights = o.allocate = false;
    auto m = BuildScaledModel(s, o);
    if (!m.ok()) return absl::Status(m.status().code(), absl::StrCat("phi ", s.phi, ": ", m.status().message()));
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir))
    return absl::InvalidArgumentError(absl::StrCat("cannot create output directory '", dir, "': ",
                                                   ec ? ec.message() : "a file of that name exists"));
  std::vector<SweepRow> rows;
  for (const ScaleSpec& s : specs) {
    ASSIGN_OR_RETURN(ScaledModel m, BuildScaledModel(s));
    ASSIGN_OR_RETURN(CostComparison cost, CompareWithBase(m));
    SweepRow row = MakeSweepRow(m, cost);
    RETURN_IF_ERROR(WriteModelFile(m.graph, (std::filesystem::path(dir) / row.file).string()));
    rows.push_back(row);
    if (progress) progress(row);
  }
  const std::string md = SweepMarkdown(rows), csv = SweepCsv(rows);
  RETURN_IF_ERROR(WriteFileAtomically((std::filesystem::path(dir) / "summary.md").string(), md.data(), md.size()));
  RETURN_IF_ERROR(WriteFileAtomically((std::filesystem::path(dir) / "summary.csv").string(), csv.data(), csv.size()));
  return rows;
}

}  // namespace scalert::scale
