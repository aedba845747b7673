#include "api/assess_api.h"

#include <doctest/doctest.h>

#include "http_server.h"
#include "cs_model_fixture.h"
#include "test_support.h"

namespace csbridge::api {

namespace {

std::string sample(const std::string& name) { return test::source_dir() + "/samples/api/" + name; }

}  // namespace

TEST_CASE("assess api: spec, payloads and probe in one result") {
  test::HttpServer server([](const test::HttpRequest& r) { return test::order_api(r, "paging"); });
  ApiOptions o;
  o.spec = sample("order_api.yaml");
  o.payloads = {sample("payloads/order.json"), sample("payloads/order.xml"), sample("payloads/orders_page.json")};
  o.probe_url = server.url("/openapi/v1/orders?page=1&page_size=5");
  o.probe_requests = 3;
  auto a = assess_api(o, test::cs_model());
  REQUIRE(a.is_ok());
  CHECK(a->version == "3.0.3");
  CHECK(a->readiness.checks.size() == 11);
  CHECK(a->coverage.read.size() == 3);
  REQUIRE(a->payloads.size() == 3);
  CHECK(a->payloads[0].schema == "Order");
  CHECK(a->payloads[2].schema == "OrderPage");
  REQUIRE(a->probe.has_value());
  CHECK(a->probe_operation == "GET /orders");
  CHECK(a->probe->pagination == "works");
  CHECK(a->probe->requests == 3);
}

TEST_CASE("assess api: errors of the run") {
  ApiOptions o;
  SUBCASE("bad spec") {
    o.spec = "/nonexistent.yaml";
    CHECK(assess_api(o, test::cs_model()).status().code() == ErrorCode::kConfig);
  }
  SUBCASE("missing payload") {
    o.spec = sample("order_api.yaml");
    o.payloads = {"/nonexistent.json"};
    CHECK(assess_api(o, test::cs_model()).status().message() == "/nonexistent.json: cannot read the payload file");
  }
}

TEST_CASE("assess api: the probe URL is matched to the spec's operation by its path") {
  auto spec = load_spec(sample("order_api.yaml"));
  REQUIRE(spec.is_ok());
  std::vector<Operation> ops = operations(*spec);
  auto label = [&](const char* url) {
    const Operation* op = operation_for_url(ops, url);
    return op ? op->label() : std::string("none");
  };
  CHECK(label("https://api.lemonmall.example/openapi/v1/orders?page=2") == "GET /orders");
  CHECK(label("http://127.0.0.1:8080/openapi/v1/orders/SO20231128034") == "GET /orders/{order_no}");
  CHECK(label("http://h/v1/orders/SO1/waybill") == "GET /orders/{order_no}/waybill");
  CHECK(label("http://h/v1/tickets") == "none");
}

}  // namespace csbridge::api
