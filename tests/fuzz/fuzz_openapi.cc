// The OpenAPI/Swagger reader (YAML or JSON) and everything `assess api`
// derives from a spec without I/O: readiness checks, CS entity coverage, and
// the report in every format, JSON written by the strict writer.
#include <cstdint>
#include <string>

#include "api/assess_api.h"
#include "api/checks.h"
#include "api/coverage.h"
#include "api/spec.h"
#include "fuzz_support.h"
#include "model/cs_model.h"
#include "report/assess_api_report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace csbridge;
  static const model::Model kModel = [] {
    Result<model::Model> m = model::builtin_model();
    if (!m) fuzz::fail("builtin model: " + m.status().message());
    return std::move(m).value();
  }();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<api::Spec> spec = api::parse_spec(text, "order_api.yaml");
  if (!spec) {
    fuzz::check(spec.status());
    return 0;
  }
  api::ApiAssessment a;
  a.spec_file = spec->file;
  a.version = spec->version;
  a.swagger2 = spec->swagger2;
  a.readiness = api::check_spec(*spec);
  a.coverage = api::entity_coverage(*spec, kModel);
  for (const api::Operation& op : api::operations(*spec)) {
    (void)api::parameters(*spec, op);
    (void)api::request_media(*spec, op);
    (void)api::pagination_of(*spec, op);
  }
  fuzz::dump_strictly(report::assess_api_json(a));
  (void)report::assess_api_text(a);
  (void)report::assess_api_markdown(a);
  (void)report::assess_api_html(a);
  return 0;
}
