// `assess api`: the integration readiness of a legacy API from its spec,
// optional real payloads and an optional live probe. Loads the spec, runs
// the readiness checks and the entity coverage, holds each payload against
// the spec, and probes the endpoint. No printing: the caller renders the
// result (report/assess_api_report.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/checks.h"
#include "api/coverage.h"
#include "api/payload.h"
#include "api/probe.h"
#include "model/cs_model.h"

namespace csbridge::api {

struct ApiOptions {
  std::string spec;                   // path of the OpenAPI/Swagger file
  std::vector<std::string> payloads;  // JSON or XML samples
  std::string probe_url;              // "" for no probe
  int probe_requests = kDefaultProbeRequests;
};

struct ApiAssessment {
  std::string spec_file;
  std::string version;  // "3.0.3", "2.0"
  bool swagger2 = false;
  Readiness readiness;
  Coverage coverage;
  std::vector<PayloadAssessment> payloads;
  std::optional<ProbeResult> probe;
  std::string probe_operation;  // the spec operation the probe URL calls ("GET /orders"), "" when none
};

// Errors: the spec cannot be read or is malformed (kConfig, "file:line:col: …"),
// a payload file cannot be opened (kNotFound), a bad probe URL or count
// (kInvalidArgument), the probed endpoint cannot be reached (kUnreachable).
// A payload that cannot be parsed is no error: its assessment says why.
Result<ApiAssessment> assess_api(const ApiOptions& options, const model::Model& model);

// The GET operation whose path template ends the path of `url`
// ("https://h/openapi/v1/orders?page=2" → GET /orders), or nullptr.
const Operation* operation_for_url(const std::vector<Operation>& ops, std::string_view url);

}  // namespace csbridge::api
