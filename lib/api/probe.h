// A live look at a running endpoint: a bounded number of sequential GET
// requests (libcurl) measuring latency (p50/p95/p99), status codes, the TLS
// version negotiated, and whether pagination really works (the second page
// holds other records than the first). Redirects are not followed; only
// http and https are spoken. Credentials in the URL never reach the result.
// Each call is independent; safe to call from several threads.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "api/checks.h"
#include "api/resource_block.h"
#include "util/status.h"

namespace csbridge::api {

inline constexpr int kDefaultProbeRequests = 10;
inline constexpr int kMaxProbeRequests = 100;

struct ProbeOptions {
  std::string url;
  int requests = kDefaultProbeRequests;  // 1 … kMaxProbeRequests, pagination requests included
  long connect_timeout_ms = 5000;
  long timeout_ms = 15000;
  Pagination pagination;  // of the spec operation the URL calls; style "" when unknown
};

struct ProbeResult {
  std::string url;  // with the password and secret-looking query values replaced by ***
  int requests = 0;
  int answered = 0;  // requests that got an HTTP response (any status)
  std::vector<std::pair<long, int>> status_codes;  // status → count, ascending
  double p50_ms = 0, p95_ms = 0, p99_ms = 0, min_ms = 0, max_ms = 0;  // over answered requests
  std::string tls_version;  // "TLSv1.3"; "" when the URL is plain http
  std::vector<std::string> rate_limit_headers;  // seen in responses
  std::string pagination_style;   // the style tried: page, offset, cursor, link_header; "" when none
  std::string pagination;         // works, broken, not_tested
  std::string pagination_detail;  // why
  std::vector<std::string> errors;  // transport errors, "request 3: …", at most a few
  // An API source for csbridge.yaml that reads the probed list (resource_block.h); "" when the
  // first page held no list of records.
  std::string resource_block;
};

// kUnreachable when no request got an HTTP response (refused, DNS, TLS handshake,
// timeout); kInvalidArgument for a URL that is not http(s) or a bad request count.
Result<ProbeResult> probe_endpoint(const ProbeOptions& options);

// `url` with "user:password@" → "user:***@" and values of query parameters named
// like secrets (key, token, secret, password, sign, signature) → ***.
std::string redact_url(std::string_view url);

}  // namespace csbridge::api
