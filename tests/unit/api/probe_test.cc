#include "api/probe.h"

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "http_server.h"

namespace csbridge::api {

namespace {

Pagination page_style() { return {"GET /orders", "page", {"page", "page_size"}, 100}; }

ProbeOptions options(const std::string& url, int requests, Pagination p = page_style()) {
  ProbeOptions o;
  o.url = url;
  o.requests = requests;
  o.pagination = std::move(p);
  return o;
}

}  // namespace

TEST_CASE("probe: working page pagination, status codes, rate-limit headers, no TLS on http") {
  test::HttpServer server([](const test::HttpRequest& r) { return test::order_api(r, "paging"); });
  auto r = probe_endpoint(options(server.url("/openapi/v1/orders?page=1&page_size=5"), 4));
  REQUIRE(r.is_ok());
  CHECK(r->requests == 4);
  CHECK(r->answered == 4);
  CHECK(server.requests() == 4);  // bounded: the page request counts
  CHECK(r->status_codes == std::vector<std::pair<long, int>>{{200, 4}});
  CHECK(r->pagination_style == "page");
  CHECK(r->pagination == "works");
  CHECK(r->pagination_detail == "the next page (" + server.url("/openapi/v1/orders?page_size=5&page=2") +
                                    ") returned 5 other records");
  CHECK(r->tls_version.empty());
  CHECK(r->rate_limit_headers == std::vector<std::string>{"x-ratelimit-limit", "x-ratelimit-remaining"});
  CHECK(r->p50_ms <= r->p95_ms);
  CHECK(r->p95_ms <= r->p99_ms);
  CHECK(r->p99_ms <= r->max_ms);
  CHECK(r->min_ms > 0);
}

TEST_CASE("probe: a page parameter the server ignores is broken pagination") {
  test::HttpServer server([](const test::HttpRequest& r) { return test::order_api(r, "broken"); });
  auto r = probe_endpoint(options(server.url("/openapi/v1/orders"), 3));
  REQUIRE(r.is_ok());
  CHECK(r->pagination == "broken");
  CHECK(r->pagination_detail == "the next page (" + server.url("/openapi/v1/orders?page=2") +
                                    ") returned the same 5 records as the first: the page parameter is ignored");
}

TEST_CASE("probe: an error status on the next page is broken pagination and is counted") {
  test::HttpServer server([](const test::HttpRequest& r) { return test::order_api(r, "errors"); });
  auto r = probe_endpoint(options(server.url("/openapi/v1/orders?page=1"), 3));
  REQUIRE(r.is_ok());
  CHECK(r->pagination == "broken");
  CHECK(r->pagination_detail == "the next page (" + server.url("/openapi/v1/orders?page=2") + ") answered HTTP 500");
  CHECK(r->status_codes == std::vector<std::pair<long, int>>{{200, 2}, {500, 1}});
}

TEST_CASE("probe: cursor and Link-header pagination") {
  SUBCASE("cursor") {
    test::HttpServer server([](const test::HttpRequest& r) {
      bool second = r.param("cursor") == "c2";
      return test::HttpResponse{200, {}, second ? R"({"items":[{"id":3}],"next_cursor":null})"
                                                : R"({"items":[{"id":1},{"id":2}],"next_cursor":"c2"})"};
    });
    auto r = probe_endpoint(options(server.url("/items"), 2, {"GET /items", "cursor", {"cursor", "limit"}, 0}));
    REQUIRE(r.is_ok());
    CHECK(r->pagination == "works");
  }
  SUBCASE("Link header") {
    test::HttpServer* self = nullptr;
    auto server = std::make_unique<test::HttpServer>([&self](const test::HttpRequest& r) {
      if (r.query == "p=2") return test::HttpResponse{200, {}, "[3,4]"};
      std::string link = "<";
      link.append(self->url("/items?p=2")).append(">; rel=\"next\"");
      return test::HttpResponse{200, {{"Link", link}}, "[1,2]"};
    });
    self = server.get();
    auto r = probe_endpoint(options(server->url("/items"), 2, {}));
    REQUIRE(r.is_ok());
    CHECK(r->pagination_style == "link_header");
    CHECK(r->pagination == "works");
  }
}

TEST_CASE("probe: latency percentiles by nearest rank") {
  int n = 0;
  test::HttpServer server([&n](const test::HttpRequest&) {
    if (++n == 4) std::this_thread::sleep_for(std::chrono::milliseconds(120));  // one slow answer of four
    return test::HttpResponse{200, {}, "{}"};
  });
  auto r = probe_endpoint(options(server.url("/slow"), 4, {}));
  REQUIRE(r.is_ok());
  CHECK(r->pagination == "not_tested");
  CHECK(r->pagination_detail == "the response is not JSON with a list of records");
  CHECK(r->p50_ms < 100);
  CHECK(r->p99_ms >= 120);
  CHECK(r->max_ms == r->p99_ms);
}

TEST_CASE("probe: unreachable endpoints and bad options") {
  SUBCASE("connection refused") {
    std::string url;
    {
      test::HttpServer gone([](const test::HttpRequest&) { return test::HttpResponse{}; });
      url = gone.url("/orders");
    }
    auto r = probe_endpoint(options(url, 3));
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == ErrorCode::kUnreachable);
    CHECK(r.status().message().rfind("cannot reach " + url + ": ", 0) == 0);
  }
  SUBCASE("not http") {
    auto r = probe_endpoint(options("ftp://x/y", 3));
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message() == "--probe ftp://x/y: only http:// and https:// URLs can be probed");
  }
  SUBCASE("too many requests") {
    auto r = probe_endpoint(options("http://127.0.0.1/", 101));
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message() == "--probe-requests must be between 1 and 100");
  }
  SUBCASE("one request leaves none for pagination") {
    test::HttpServer server([](const test::HttpRequest& r) { return test::order_api(r, "paging"); });
    auto r = probe_endpoint(options(server.url("/openapi/v1/orders"), 1));
    REQUIRE(r.is_ok());
    CHECK(r->requests == 1);
    CHECK(r->pagination == "not_tested");
    CHECK(r->pagination_detail == "--probe-requests 1 leaves no request for a second page");
  }
}

TEST_CASE("probe: secrets never reach the result") {
  CHECK(redact_url("https://bob:s3cret@h.example/x?page=1&api_key=abc&sign=zz") ==
        "https://bob:***@h.example/x?page=1&api_key=***&sign=***");
  CHECK(redact_url("http://h/x") == "http://h/x");
}

}  // namespace csbridge::api
