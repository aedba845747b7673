#include "report/assess_api_report.h"

#include <doctest/doctest.h>

#include "cs_model_fixture.h"
#include "test_support.h"
#include "util/strings.h"

namespace csbridge::report {

namespace {

const api::ApiAssessment& sample() {
  static const api::ApiAssessment a = [] {
    api::ApiOptions o;
    const std::string dir = test::source_dir() + "/samples/api/";
    o.spec = dir + "order_api.yaml";
    o.payloads = {dir + "payloads/order.json", dir + "payloads/order.xml"};
    auto r = api::assess_api(o, test::cs_model());
    REQUIRE(r.is_ok());
    return *r;
  }();
  return a;
}

}  // namespace

TEST_CASE("assess api report: JSON carries the facts under stable keys") {
  nlohmann::ordered_json j = assess_api_json(sample());
  CHECK(j["spec"]["openapi_version"] == "3.0.3");
  CHECK(j["https_only"] == false);
  CHECK(j["auth"][0]["name"] == "X-Api-Key");
  CHECK(j["operations"][2]["operationId"].is_null());
  CHECK(j["operations_without_operation_id"] == nlohmann::ordered_json::array({"GET /orders/{order_no}/waybill"}));
  CHECK(j["pagination"][0]["style"] == "page");
  CHECK(j["pagination"][0]["max_page_size"] == 100);
  CHECK(j["error_schema"] == "#/components/schemas/Error");
  CHECK(j["idempotency"]["writes_without_idempotency_key"].size() == 4);
  CHECK(j["rate_limit_headers"]["declared_on"][0] == "GET /orders 200");
  CHECK(j["callbacks"][0]["payload"] == "#/components/schemas/OrderStatusEvent");
  CHECK(j["cs_entities"]["read"][0]["label"] == "order (business_ref)");
  CHECK(j["cs_entities"]["write_back"][1]["capability"] == "refund");
  CHECK(j["readiness"]["checks"][1]["id"] == "https_only");
  CHECK(j["readiness"]["checks"][1]["outcome"] == "fail");
  CHECK(j["readiness"]["checks"][1]["paths"][0] == "/servers/1/url");
  CHECK(j["payloads"][1]["format"] == "xml");
  CHECK(j["payloads"][1]["drift"][0]["kind"] == "enum_violation");
  CHECK(j["probe"].is_null());
}

TEST_CASE("assess api report: text names each finding, within 120 columns") {
  std::string t = assess_api_text(sample());
  CHECK(t.find("readiness   73/100 — 7 pass, 2 warn, 2 fail") != std::string::npos);
  CHECK(t.find("  fail https_only") != std::string::npos);
  CHECK(t.find("at /servers/1/url") != std::string::npos);
  CHECK(t.find("writes back status update: PUT /orders/{order_no}/status\n              refund: POST /orders/{order_no}/refunds") != std::string::npos);
  CHECK(t.find("undocumented_field: seller_memo") != std::string::npos);
  CHECK(t.find("enum_violation: status = partially_refunded") != std::string::npos);
  CHECK(t.find("13790138566") == std::string::npos);  // PII only masked
  for (std::string_view line : util::split(t, '\n')) CHECK(util::display_width(line) <= 120);
}

TEST_CASE("assess api report: Markdown and one self-contained HTML page") {
  std::string md = assess_api_markdown(sample());
  CHECK(md.rfind("# API assessment of 柠檬优选订单开放接口 1.4.2\n", 0) == 0);
  CHECK(md.find("| **fail** | `https_only` |") != std::string::npos);
  std::string html = assess_api_html(sample());
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("id=\"chart-readiness\"") != std::string::npos);
  CHECK(html.find("id=\"chart-checks\"") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("src=\"http") == std::string::npos);
  CHECK(html.find("href=\"http") == std::string::npos);
  CHECK(html.find("seller_memo") != std::string::npos);
  CHECK(html.find("13790138566") == std::string::npos);
}

}  // namespace csbridge::report
