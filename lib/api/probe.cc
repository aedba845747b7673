#include "api/probe.h"

#include <curl/curl.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "util/encoding.h"
#include "util/strings.h"

namespace csbridge::api {
namespace {

constexpr size_t kMaxBodyBytes = size_t{8} << 20;  // more of a body is read but not kept
constexpr size_t kMaxErrors = 5;
constexpr double kMicrosPerMilli = 1000;

struct HttpReply {
  long status = 0;  // 0: no HTTP response
  std::string error;
  double ms = 0;
  std::string body;
  bool truncated = false;
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
  std::string tls;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<HttpReply*>(user);
  size_t len = size * n;
  size_t keep = std::min(len, kMaxBodyBytes - std::min(kMaxBodyBytes, r->body.size()));
  r->body.append(data, keep);
  r->truncated |= keep < len;
  return len;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<HttpReply*>(user);
  std::string_view line(data, size * n);
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    r->headers.emplace_back(util::to_lower(util::trim(line.substr(0, colon))),
                            std::string(util::trim(line.substr(colon + 1))));
  } else if (line.starts_with("HTTP/")) {
    r->headers.clear();  // a new response (after 100 Continue): only the last one counts
  }
  return size * n;
}

// libcurl says which TLS version it negotiated only in its verbose text.
int on_debug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
  if (type != CURLINFO_TEXT) return 0;
  std::string_view text(data, size);
  constexpr std::string_view kMarker = "SSL connection using ";
  if (size_t at = text.find(kMarker); at != std::string_view::npos) {
    std::string_view rest = text.substr(at + kMarker.size());
    static_cast<HttpReply*>(user)->tls = std::string(util::trim(rest.substr(0, rest.find_first_of(" /\r\n"))));
  }
  return 0;
}

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

HttpReply get(const std::string& url, const ProbeOptions& o) {
  HttpReply r;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    r.error = "cannot start libcurl";
    return r;
  }
  char error[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o.connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o.timeout_ms);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
  curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
  curl_easy_setopt(c, CURLOPT_DEBUGDATA, &r);
  curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "csbridge-assess-api");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  CURLcode rc = curl_easy_perform(c);
  curl_off_t micros = 0;
  curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &micros);
  r.ms = static_cast<double>(micros) / kMicrosPerMilli;
  if (rc != CURLE_OK) {
    r.error = error[0] ? error : curl_easy_strerror(rc);
    r.status = 0;
    return r;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest value with at least p% of the values at or below it.
  size_t rank = static_cast<size_t>(std::ceil(p / 100 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

std::string header(const HttpReply& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

// The records of a response: the body if it is an array, else its first
// array member (data, items, records, … first). nullopt when not JSON.
std::optional<nlohmann::json> records_of(const HttpReply& r) {
  nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
  if (body.is_discarded()) return std::nullopt;
  if (body.is_array()) return body;
  if (!body.is_object()) return std::nullopt;
  for (const char* key : {"data", "items", "records", "results", "list", "rows", "content"}) {
    if (body.contains(key) && body[key].is_array()) return body[key];
  }
  for (auto& [k, v] : body.items()) {
    if (v.is_array()) return v;
  }
  return std::nullopt;
}

std::string next_cursor(const HttpReply& r) {
  nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
  if (!body.is_object()) return "";
  std::vector<const nlohmann::json*> places{&body};
  for (const char* key : {"meta", "pagination", "paging", "page_info"}) {
    if (body.contains(key) && body[key].is_object()) places.push_back(&body[key]);
  }
  for (const nlohmann::json* p : places) {
    for (const char* key : {"next_cursor", "nextCursor", "next_page_token", "nextPageToken", "cursor", "next"}) {
      if (p->contains(key) && (*p)[key].is_string()) return (*p)[key].get<std::string>();
    }
  }
  return "";
}

// The URL of rel="next" in a Link header, or "".
std::string link_next(const std::string& link) {
  for (std::string_view part : util::split(link, ',')) {
    size_t open = part.find('<'), close = part.find('>');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) continue;
    std::string params = util::to_lower(part.substr(close + 1));
    if (params.find("rel=\"next\"") != std::string::npos || params.find("rel=next") != std::string::npos) {
      return std::string(part.substr(open + 1, close - open - 1));
    }
  }
  return "";
}

std::string escape(const std::string& s) {
  char* e = curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size()));
  std::string out = e ? e : s;
  curl_free(e);
  return out;
}

// `url` with query parameter `name` set to `value`; the current value in `current`.
std::string with_query(const std::string& url, const std::string& name, const std::string& value,
                       std::string* current = nullptr) {
  size_t hash = url.find('#');
  std::string base = url.substr(0, hash);
  size_t q = base.find('?');
  std::string path = base.substr(0, q);
  std::vector<std::string> kept;
  if (q != std::string::npos) {
    for (std::string_view kv : util::split(std::string_view(base).substr(q + 1), '&')) {
      if (kv.empty()) continue;
      std::string_view key = kv.substr(0, kv.find('='));
      if (key == name) {
        if (current && kv.find('=') != std::string_view::npos) *current = std::string(kv.substr(kv.find('=') + 1));
        continue;
      }
      kept.emplace_back(kv);
    }
  }
  kept.push_back(name + "=" + escape(value));
  return path + "?" + util::join(kept, "&");
}

bool is_size_name(const std::string& name) {
  std::string n = util::to_lower(name);
  for (const char* w : {"size", "limit", "per", "take", "rows", "count"}) {
    if (n.find(w) != std::string::npos) return true;
  }
  return false;
}

std::string position_parameter(const Pagination& p) {
  for (const std::string& name : p.parameters) {
    if (!is_size_name(name)) return name;
  }
  return "";
}

struct NextPage {
  std::string url;
  std::string why_not;  // when there is no next page to ask for
};

NextPage next_page(const std::string& url, const Pagination& p, const HttpReply& first, size_t records) {
  std::string link = header(first, "link");
  if (p.style == "link_header" || (p.style.empty() && !link.empty())) {
    std::string next = link_next(link);
    return next.empty() ? NextPage{"", "the response has no Link header with rel=\"next\""} : NextPage{next, ""};
  }
  std::string param = position_parameter(p);
  if (param.empty()) return {"", "no pagination is declared for the probed path"};
  if (p.style == "cursor") {
    std::string cursor = next_cursor(first);
    return cursor.empty() ? NextPage{"", "the response carries no next cursor"} : NextPage{with_query(url, param, cursor), ""};
  }
  std::string current;
  with_query(url, param, "", &current);
  long long at = 0;
  if (!current.empty()) at = std::strtoll(current.c_str(), nullptr, 10);
  if (p.style == "page") return {with_query(url, param, std::to_string((current.empty() ? 1 : at) + 1)), ""};
  return {with_query(url, param, std::to_string(at + static_cast<long long>(records))), ""};  // offset
}

}  // namespace

std::string redact_url(std::string_view url) {
  std::string out(url);
  size_t scheme = out.find("://");
  size_t host_start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t at = out.find('@', host_start);
  size_t slash = out.find('/', host_start);
  if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
    size_t colon = out.find(':', host_start);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  size_t q = out.find('?');
  if (q == std::string::npos) return out;
  std::vector<std::string> parts;
  for (std::string_view kv : util::split(std::string_view(out).substr(q + 1), '&')) {
    std::string key = util::to_lower(kv.substr(0, kv.find('=')));
    bool secret = false;
    for (const char* w : {"key", "token", "secret", "password", "passwd", "sign", "signature"}) {
      secret |= key.find(w) != std::string::npos;
    }
    parts.push_back(secret && kv.find('=') != std::string_view::npos ? key + "=***" : std::string(kv));
  }
  return out.substr(0, q + 1) + util::join(parts, "&");
}

Result<ProbeResult> probe_endpoint(const ProbeOptions& o) {
  if (!util::starts_with_icase(o.url, "http://") && !util::starts_with_icase(o.url, "https://")) {
    return invalid_argument("--probe " + redact_url(o.url) + ": only http:// and https:// URLs can be probed");
  }
  if (o.requests < 1 || o.requests > kMaxProbeRequests) {
    return invalid_argument("--probe-requests must be between 1 and " + std::to_string(kMaxProbeRequests));
  }
  init_curl_once();
  ProbeResult out;
  out.url = redact_url(o.url);
  std::map<long, int> codes;
  std::vector<double> latencies;
  auto account = [&](const HttpReply& r) {
    ++out.requests;
    if (r.status == 0) {
      if (out.errors.size() < kMaxErrors) out.errors.push_back("request " + std::to_string(out.requests) + ": " + r.error);
      return;
    }
    ++out.answered;
    ++codes[r.status];
    latencies.push_back(r.ms);
    if (!r.tls.empty()) out.tls_version = r.tls;
    for (const auto& [raw_name, value] : r.headers) {
      std::string name = util::escape_invalid_utf8(raw_name);  // a server's bytes go into the JSON report
      if ((name.starts_with("x-ratelimit") || name.starts_with("ratelimit") || name == "retry-after") &&
          std::find(out.rate_limit_headers.begin(), out.rate_limit_headers.end(), name) == out.rate_limit_headers.end()) {
        out.rate_limit_headers.push_back(name);
      }
    }
  };

  HttpReply first = get(o.url, o);
  account(first);
  if (first.status == 0) {
    return unreachable("cannot reach " + out.url + ": " + first.error);
  }
  if (first.status >= 200 && first.status <= 299 && !first.truncated) {
    Pagination p = o.pagination;
    if (p.operation.empty()) p.style.clear();
    out.resource_block = resource_block({o.url, first.body, header(first, "link")}, p);
  }
  // Pagination takes the second request, when there is one.
  out.pagination_style = o.pagination.style;
  out.pagination = "not_tested";
  if (o.requests < 2) {
    out.pagination_detail = "--probe-requests 1 leaves no request for a second page";
  } else if (first.status < 200 || first.status > 299) {
    out.pagination_detail = "the first page answered HTTP " + std::to_string(first.status);
  } else if (auto page1 = records_of(first); !page1) {
    out.pagination_detail = "the response is not JSON with a list of records";
  } else {
    NextPage next = next_page(o.url, o.pagination, first, page1->size());
    if (out.pagination_style.empty() && !header(first, "link").empty()) out.pagination_style = "link_header";
    if (next.url.empty()) {
      out.pagination_detail = next.why_not;
    } else {
      HttpReply second = get(next.url, o);
      account(second);
      auto page2 = second.status >= 200 && second.status <= 299 ? records_of(second) : std::nullopt;
      if (second.status == 0) {
        out.pagination = "broken";
        out.pagination_detail = "the next page did not answer: " + second.error;
      } else if (second.status < 200 || second.status > 299) {
        out.pagination = "broken";
        out.pagination_detail = "the next page (" + util::escape_invalid_utf8(redact_url(next.url)) + ") answered HTTP " + std::to_string(second.status);
      } else if (!page2) {
        out.pagination = "broken";
        out.pagination_detail = "the next page is not JSON with a list of records";
      } else if (page1->empty()) {
        out.pagination_detail = "the first page is empty";
      } else if (*page2 == *page1) {
        out.pagination = "broken";
        out.pagination_detail = "the next page (" + util::escape_invalid_utf8(redact_url(next.url)) + ") returned the same " +
                                std::to_string(page1->size()) + " records as the first: the " +
                                (out.pagination_style.empty() ? "paging" : out.pagination_style) +
                                " parameter is ignored";
      } else if (page2->empty()) {
        out.pagination_detail = "the next page is empty: the data fits one page";
      } else {
        out.pagination = "works";
        out.pagination_detail = "the next page (" + util::escape_invalid_utf8(redact_url(next.url)) + ") returned " +
                                std::to_string(page2->size()) + " other records";
      }
    }
  }
  while (out.requests < o.requests) account(get(o.url, o));

  std::sort(latencies.begin(), latencies.end());
  out.p50_ms = percentile(latencies, 50);
  out.p95_ms = percentile(latencies, 95);
  out.p99_ms = percentile(latencies, 99);
  out.min_ms = latencies.empty() ? 0 : latencies.front();
  out.max_ms = latencies.empty() ? 0 : latencies.back();
  out.status_codes.assign(codes.begin(), codes.end());
  return out;
}

}  // namespace csbridge::api
