#include "api/coverage.h"

#include <doctest/doctest.h>

#include "cs_model_fixture.h"
#include "test_support.h"

namespace csbridge::api {

namespace {

std::vector<std::string> labels(const Coverage& c) {
  std::vector<std::string> out;
  for (const EntityRead& r : c.read) out.push_back(r.label);
  return out;
}

std::vector<std::string> writes(const Coverage& c) {
  std::vector<std::string> out;
  for (const WriteBack& w : c.write_back) out.push_back(w.capability + ": " + w.operation);
  return out;
}

}  // namespace

TEST_CASE("coverage: the sample order API reads orders, waybills and customers and writes back three things") {
  auto spec = load_spec(test::source_dir() + "/samples/api/order_api.yaml");
  REQUIRE(spec.is_ok());
  Coverage c = entity_coverage(*spec, test::cs_model());
  CHECK(labels(c) == std::vector<std::string>{"order (business_ref)", "waybill (business_ref)", "customer"});
  CHECK(c.read[0].operations == std::vector<std::string>{"GET /orders", "GET /orders/{order_no}"});
  CHECK(c.read[2].entity == "customer");
  CHECK(writes(c) == std::vector<std::string>{"status update: PUT /orders/{order_no}/status",
                                              "refund: POST /orders/{order_no}/refunds",
                                              "ticket creation: POST /aftersale/tickets"});
  CHECK(c.write_back[2].entity == "ticket");
  CHECK(c.entities_not_readable == std::vector<std::string>{"ticket", "ticket_message"});
}

TEST_CASE("coverage: Chinese summaries and pinyin paths are understood") {
  auto spec = parse_spec(R"(openapi: 3.0.0
info: {title: t, version: '1'}
paths:
  /kehu/{id}:
    get:
      summary: 查询会员
      parameters: [{name: id, in: path, required: true}]
      responses: {'200': {description: ok}}
  /api/submit:
    post:
      summary: 提交投诉工单
      responses: {'200': {description: ok}}
  /api/return:
    post:
      summary: 申请退款
      responses: {'200': {description: ok}}
  /api/hook:
    post:
      summary: 订阅回调
      responses: {'200': {description: ok}}
)",
                         "zh.yaml");
  REQUIRE(spec.is_ok());
  Coverage c = entity_coverage(*spec, test::cs_model());
  REQUIRE(c.read.size() == 1);
  CHECK(c.read[0].entity == "customer");
  CHECK(c.read[0].label == "kehu (customer)");
  CHECK(writes(c) == std::vector<std::string>{"ticket creation: POST /api/submit", "refund: POST /api/return"});
}

}  // namespace csbridge::api
