#include "api/assess_api.h"

#include "util/encoding.h"
#include "util/strings.h"

namespace csbridge::api {
namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  for (std::string_view s : util::split(path, '/')) {
    if (!s.empty()) out.push_back(s);
  }
  return out;
}

std::string_view url_path(std::string_view url) {
  size_t scheme = url.find("://");
  size_t start = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  if (start == std::string_view::npos) return "/";
  std::string_view path = url.substr(start);
  return path.substr(0, path.find_first_of("?#"));
}

Result<ApiAssessment> assess_spec(const ApiOptions& options, const model::Model& model) {
  CSB_ASSIGN_OR_RETURN(Spec spec, load_spec(options.spec));
  ApiAssessment a;
  a.spec_file = options.spec;
  a.version = spec.version;
  a.swagger2 = spec.swagger2;
  a.readiness = check_spec(spec);
  a.coverage = entity_coverage(spec, model);
  pii::Detector detector;
  for (const std::string& path : options.payloads) {
    CSB_ASSIGN_OR_RETURN(PayloadAssessment p, assess_payload_file(spec, path, detector));
    a.payloads.push_back(std::move(p));
  }
  if (!options.probe_url.empty()) {
    ProbeOptions probe;
    probe.url = options.probe_url;
    probe.requests = options.probe_requests;
    std::vector<Operation> ops = operations(spec);
    if (const Operation* op = operation_for_url(ops, options.probe_url)) {
      a.probe_operation = op->label();
      probe.pagination = pagination_of(spec, *op);
    }
    CSB_ASSIGN_OR_RETURN(ProbeResult r, probe_endpoint(probe));
    a.probe = std::move(r);
  }
  return a;
}

}  // namespace

const Operation* operation_for_url(const std::vector<Operation>& ops, std::string_view url) {
  std::vector<std::string_view> have = segments(url_path(url));
  const Operation* best = nullptr;
  size_t best_literals = 0;
  for (const Operation& op : ops) {
    if (op.method != "GET") continue;
    std::vector<std::string_view> want = segments(op.path);
    if (want.empty() || want.size() > have.size()) continue;
    size_t literals = 0;
    bool match = true;
    for (size_t i = 0; i < want.size() && match; ++i) {
      std::string_view w = want[i], h = have[have.size() - want.size() + i];
      if (w.starts_with("{")) continue;
      match = w == h;
      ++literals;
    }
    if (match && (best == nullptr || literals > best_literals ||
                  (literals == best_literals && want.size() > segments(best->path).size()))) {
      best = &op;
      best_literals = literals;
    }
  }
  return best;
}

Result<ApiAssessment> assess_api(const ApiOptions& options, const model::Model& model) {
  // The checks read a spec that may hold any type anywhere; each read is guarded, and this is the
  // boundary that keeps a missed one a usage error naming the spec instead of an internal error.
  try {
    return assess_spec(options, model);
  } catch (const nlohmann::json::exception& e) {
    return config_error(options.spec + ": a field of the spec has a type csbridge cannot read (" +
                        util::escape_invalid_utf8(e.what()) + ")");
  }
}


}  // namespace csbridge::api
