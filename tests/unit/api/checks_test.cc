#include "api/checks.h"

#include <doctest/doctest.h>

#include "test_support.h"

namespace csbridge::api {

namespace {

Readiness check_file(const std::string& name) {
  auto spec = load_spec(test::source_dir() + "/samples/api/" + name);
  REQUIRE(spec.is_ok());
  return check_spec(*spec);
}

const Check& find(const Readiness& r, std::string_view id) {
  for (const Check& c : r.checks) {
    if (c.id == id) return c;
  }
  FAIL("no check " << id);
  return r.checks.front();
}

}  // namespace

TEST_CASE("checks: the sample order API yields the findings of samples/api/expected.json") {
  Readiness r = check_file("order_api.yaml");
  const SpecFacts& f = r.facts;
  REQUIRE(f.servers.size() == 2);
  CHECK(f.servers[0].url == "https://api.lemonmall.example/openapi/v1");
  CHECK(f.servers[0].https);
  CHECK(f.servers[1].url == "http://legacy.lemonmall.example:8080/openapi/v1");
  CHECK_FALSE(f.servers[1].https);
  CHECK_FALSE(f.https_only);
  REQUIRE(f.auth.size() == 1);
  CHECK(f.auth[0].name == "ApiKeyAuth");
  CHECK(f.auth[0].type == "apiKey");
  CHECK(f.auth[0].in == "header");
  CHECK(f.auth[0].param == "X-Api-Key");
  REQUIRE(f.operations.size() == 8);
  CHECK(f.operations[2].operation_id == "");
  CHECK(f.operations[3].writes);
  CHECK(f.operations_without_id == std::vector<std::string>{"GET /orders/{order_no}/waybill"});
  REQUIRE(f.pagination.size() == 1);
  CHECK(f.pagination[0].operation == "GET /orders");
  CHECK(f.pagination[0].style == "page");
  CHECK(f.pagination[0].parameters == std::vector<std::string>{"page", "page_size"});
  CHECK(f.pagination[0].max_page_size == 100);
  CHECK(f.error_schema == "#/components/schemas/Error");
  CHECK(f.writes_without_idempotency_key ==
        std::vector<std::string>{"PUT /orders/{order_no}/status", "POST /orders/{order_no}/refunds",
                                 "POST /aftersale/tickets", "POST /webhooks"});
  CHECK(f.rate_limit_declared_on == std::vector<std::string>{"GET /orders 200"});
  CHECK(f.rate_limit_headers == std::vector<std::string>{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"});
  REQUIRE(f.callbacks.size() == 1);
  CHECK(f.callbacks[0].operation == "POST /webhooks");
  CHECK(f.callbacks[0].name == "orderStatusChanged");
  CHECK(f.callbacks[0].expression == "{$request.body#/callback_url}");
  CHECK(f.callbacks[0].payload == "#/components/schemas/OrderStatusEvent");

  CHECK(find(r, "spec_valid").outcome == Outcome::kPass);
  const Check& https = find(r, "https_only");
  CHECK(https.outcome == Outcome::kFail);
  CHECK(https.paths == std::vector<std::string>{"/servers/1/url"});
  CHECK(https.message == "1 server is not HTTPS: http://legacy.lemonmall.example:8080/openapi/v1 (credentials and "
                         "personal data would cross the network in clear text)");
  CHECK(find(r, "auth").outcome == Outcome::kPass);
  const Check& ids = find(r, "operation_ids");
  CHECK(ids.outcome == Outcome::kWarn);
  CHECK(ids.paths == std::vector<std::string>{"/paths/~1orders~1{order_no}~1waybill/get"});
  CHECK(find(r, "pagination").outcome == Outcome::kPass);
  const Check& errors = find(r, "error_schema");
  CHECK(errors.outcome == Outcome::kWarn);  // POST /webhooks documents no error response
  CHECK(errors.paths == std::vector<std::string>{"/paths/~1webhooks/post/responses"});
  const Check& idem = find(r, "idempotency");
  CHECK(idem.outcome == Outcome::kFail);
  CHECK(idem.paths == std::vector<std::string>{"/paths/~1orders~1{order_no}~1refunds/post",
                                               "/paths/~1aftersale~1tickets/post", "/paths/~1webhooks/post"});
  CHECK(find(r, "webhooks").outcome == Outcome::kPass);
  const Check& rate = find(r, "rate_limit_headers");
  CHECK(rate.outcome == Outcome::kPass);
  CHECK(rate.paths == std::vector<std::string>{"/paths/~1orders/get/responses/200/headers"});
  const Check& types = find(r, "content_types");
  CHECK(types.outcome == Outcome::kPass);
  CHECK(types.message == "JSON and XML: application/json, application/xml");
  CHECK(find(r, "date_time_formats").outcome == Outcome::kPass);
  CHECK(r.checks.size() == 11);
  CHECK(r.score == doctest::Approx(100.0 * 8 / 11));
}

TEST_CASE("checks: every planted problem yields its finding") {
  Readiness r = check_file("planted_problems.yaml");
  const Check& valid = find(r, "spec_valid");
  CHECK(valid.outcome == Outcome::kFail);
  CHECK(valid.message == "GET /tickets/{ticket_id}: path parameter 'ticket_id' is not declared; $ref "
                         "'#/definitions/ReplyList' points nowhere");
  CHECK(valid.paths == std::vector<std::string>{"/paths/~1tickets~1{ticket_id}/get",
                                                "/paths/~1tickets~1{ticket_id}~1replies/get/responses/200/schema"});
  const Check& https = find(r, "https_only");
  CHECK(https.outcome == Outcome::kFail);
  CHECK(https.paths == std::vector<std::string>{"/schemes/0"});
  CHECK(r.facts.servers.front().url == "http://helpdesk.legacy.example/api");
  const Check& auth = find(r, "auth");
  CHECK(auth.outcome == Outcome::kFail);
  CHECK(auth.message == "no authentication scheme is declared");
  CHECK(auth.paths == std::vector<std::string>{"/securityDefinitions"});
  const Check& ids = find(r, "operation_ids");
  CHECK(ids.outcome == Outcome::kFail);
  CHECK(ids.message == "operationId used twice: getTicket");
  CHECK(r.facts.operations_without_id == std::vector<std::string>{"GET /tickets"});
  const Check& pages = find(r, "pagination");
  CHECK(pages.outcome == Outcome::kWarn);
  CHECK(pages.message == "1 list operation has no recognised pagination (page, offset, cursor or Link header): GET /tickets");
  CHECK(find(r, "error_schema").outcome == Outcome::kFail);
  const Check& idem = find(r, "idempotency");
  CHECK(idem.outcome == Outcome::kFail);
  CHECK(idem.paths == std::vector<std::string>{"/paths/~1tickets/post"});
  CHECK(find(r, "webhooks").outcome == Outcome::kWarn);
  CHECK(find(r, "rate_limit_headers").outcome == Outcome::kWarn);
  const Check& types = find(r, "content_types");
  CHECK(types.outcome == Outcome::kWarn);
  CHECK(types.message == "neither JSON nor XML is offered: text/csv");
  const Check& times = find(r, "date_time_formats");
  CHECK(times.outcome == Outcome::kWarn);
  CHECK(times.paths == std::vector<std::string>{"/definitions/Ticket/properties/create_time"});
  CHECK(r.score == doctest::Approx(100.0 * 2.5 / 11));
}

TEST_CASE("checks: pagination styles") {
  auto style = [](const std::string& params, const std::string& headers = "") {
    std::string yaml = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /items:\n    get:\n      parameters:\n" +
                       params + "      responses:\n        '200':\n          description: ok\n" + headers +
                       "          content:\n            application/json:\n              schema: {type: array, items: {type: object}}\n";
    auto spec = parse_spec(yaml, "p.yaml");
    REQUIRE(spec.is_ok());
    return pagination_of(*spec, operations(*spec)[0]).style;
  };
  auto q = [](const char* name) { return std::string("        - {name: ") + name + ", in: query, schema: {type: string}}\n"; };
  CHECK(style(q("pageNo") + q("pageSize")) == "page");
  CHECK(style(q("offset") + q("limit")) == "offset");
  CHECK(style(q("cursor") + q("limit")) == "cursor");
  CHECK(style(q("page_token")) == "cursor");
  CHECK(style(q("limit")) == "");  // a limit alone does not page
  CHECK(style(q("q"), "          headers:\n            Link: {schema: {type: string}}\n") == "link_header");
  CHECK(style(q("q")) == "");
}

TEST_CASE("checks: a POST with an Idempotency-Key header passes, PUT is idempotent by its method") {
  auto spec = parse_spec(R"({"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{
    "/r":{"post":{"operationId":"a","parameters":[{"name":"Idempotency-Key","in":"header"}],"responses":{"201":{"description":"x"}}},
          "put":{"operationId":"b","responses":{"200":{"description":"x"}}}}}})",
                         "i.json");
  REQUIRE(spec.is_ok());
  Readiness r = check_spec(*spec);
  CHECK(find(r, "idempotency").outcome == Outcome::kPass);
  CHECK(r.facts.writes_without_idempotency_key == std::vector<std::string>{"PUT /r"});
}

// Issue 18: `host: 42` threw json.exception.type_error.302 (exit 70). A field
// of the wrong type is a spec_valid finding at its pointer and is read as absent.
TEST_CASE("checks: fields of the wrong type are findings, not exceptions") {
  auto spec = parse_spec(
      "swagger: \"2.0\"\ninfo: {title: [t], version: 1}\nhost: 42\nbasePath: [v1]\npaths:\n  /orders:\n    get:\n"
      "      parameters: [{name: page_size, in: query, type: integer, maximum: 1e300}]\n"
      "      responses: {\"200\": {description: ok}}\n",
      "wrong.yaml");
  REQUIRE(spec.is_ok());
  Readiness r = check_spec(*spec);
  const Check& valid = find(r, "spec_valid");
  CHECK(valid.outcome == Outcome::kFail);
  CHECK(valid.message ==
        "`host` is number, not a string; `basePath` is array, not a string");
  CHECK(valid.paths == std::vector<std::string>{"/host", "/basePath"});
  CHECK(r.facts.servers.empty());

  auto v3 = parse_spec("openapi: 3.0.0\ninfo: {title: t, version: \"1\"}\nservers: [{url: 42}, 7]\npaths: {}\n", "s.yaml");
  REQUIRE(v3.is_ok());
  Readiness r3 = check_spec(*v3);
  CHECK(find(r3, "spec_valid").message.find("`servers/0/url` is number, not a string") != std::string::npos);
}

}  // namespace csbridge::api
