// Payload inference (`assess api --payload`): a JSON or XML sample held
// against the sample order API's spec, and the report in JSON (strict
// writer) and text.
#include <cstdint>
#include <string>

#include "api/assess_api.h"
#include "api/payload.h"
#include "api/spec.h"
#include "fuzz_support.h"
#include "pii/detect.h"
#include "report/assess_api_report.h"

namespace {
// The shape of samples/api/order_api.yaml, small: an order with items, a customer and a page of orders.
constexpr std::string_view kSpec = R"({
  "openapi": "3.0.3",
  "info": {"title": "orders", "version": "1"},
  "paths": {"/orders": {"get": {"responses": {"200": {"description": "ok",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OrderPage"}}}}}}}},
  "components": {"schemas": {
    "Order": {"type": "object", "required": ["order_no", "status"], "properties": {
      "order_no": {"type": "string"}, "status": {"type": "string", "enum": ["paid", "shipped", "refunded"]},
      "amount": {"type": "number"}, "quantity": {"type": "integer"}, "gift": {"type": "boolean"},
      "customer": {"$ref": "#/components/schemas/Customer"},
      "items": {"type": "array", "items": {"type": "object", "properties": {"sku": {"type": "string"}}}}}},
    "Customer": {"type": "object", "properties": {"name": {"type": "string"}, "mobile": {"type": "string"}},
                 "additionalProperties": false},
    "OrderPage": {"type": "object", "properties": {"page": {"type": "integer"}, "total": {"type": "integer"},
      "data": {"type": "array", "items": {"$ref": "#/components/schemas/Order"}}}}}}
})";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace csbridge;
  static const api::Spec kParsed = [] {
    Result<api::Spec> s = api::parse_spec(kSpec, "order_api.json");
    if (!s) fuzz::fail("the target's spec: " + s.status().message());
    return std::move(s).value();
  }();
  static const pii::Detector kDetector;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  api::ApiAssessment a;
  a.spec_file = kParsed.file;
  a.payloads.push_back(api::assess_payload_text(kParsed, text, "payloads/order.xml", kDetector));
  fuzz::dump_strictly(report::assess_api_json(a));
  (void)report::assess_api_text(a);
  return 0;
}
