// Readiness checks of an API description for integration with the CS
// platform. Each check passes, warns or fails, says why, and names the JSON
// pointers (into the spec) it concerns. Besides the verdicts it collects the
// facts behind them (servers, auth schemes, operations, pagination, error
// schema, callbacks, rate-limit headers) for the report.
// Pure: reads the Spec, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/spec.h"

namespace csbridge::api {

enum class Outcome { kPass, kWarn, kFail };
const char* outcome_name(Outcome outcome);  // "pass", "warn", "fail"

struct Check {
  std::string id;  // spec_valid, https_only, auth, operation_ids, pagination, error_schema, idempotency,
                   // webhooks, rate_limit_headers, content_types, date_time_formats
  Outcome outcome = Outcome::kPass;
  std::string message;
  std::vector<std::string> paths;  // JSON pointers into the spec
};

struct Server {
  std::string url;
  bool https = false;
};

struct AuthScheme {
  std::string name;
  std::string type;      // apiKey, http, oauth2, openIdConnect, basic (2.0)
  std::string in;        // apiKey: header, query, cookie
  std::string param;     // apiKey: the header or parameter name
  std::string scheme;    // http: bearer, basic, …
};

struct OperationFacts {
  std::string method;
  std::string path;
  std::string operation_id;  // "" when missing
  bool writes = false;
  std::string summary;
};

struct Pagination {
  std::string operation;  // "GET /orders"
  std::string style;      // page, offset, cursor, link_header; "" when none is recognised
  std::vector<std::string> parameters;
  int64_t max_page_size = 0;  // 0 when the size parameter declares no maximum
};

struct Callback {
  std::string operation;
  std::string name;
  std::string expression;
  std::string payload;  // "$ref" of the callback's request body schema, "" when inline or none
};

struct SpecFacts {
  std::string title;
  std::string api_version;  // info.version
  std::vector<Server> servers;
  bool https_only = false;
  std::vector<AuthScheme> auth;
  std::vector<OperationFacts> operations;
  std::vector<std::string> operations_without_id;  // "GET /path"
  std::vector<Pagination> pagination;             // one per list operation
  std::string error_schema;                       // the $ref most error responses use; "" when none
  std::vector<std::string> writes_without_idempotency_key;
  std::vector<std::string> rate_limit_declared_on;  // "GET /orders 200"
  std::vector<std::string> rate_limit_headers;
  std::vector<Callback> callbacks;
  std::vector<std::string> media_types;
};

struct Readiness {
  SpecFacts facts;
  std::vector<Check> checks;  // in the order of the ids above
  double score = 0;           // 0–100: a pass counts 1, a warn ½, a fail 0
};

Readiness check_spec(const Spec& spec);

// Pagination of one operation from its query parameters and response headers:
// page (page/page_size, pageNo/pageSize, per_page), offset (offset/limit,
// skip/take), cursor (cursor, after, page_token, next_token), link_header (a
// documented `Link` response header). Used by the probe too.
Pagination pagination_of(const Spec& spec, const Operation& op);

// True when a GET operation returns a list: its path does not end in a
// parameter, and its success response is an array or an object with an array
// property.
bool is_list_operation(const Spec& spec, const Operation& op);

}  // namespace csbridge::api
