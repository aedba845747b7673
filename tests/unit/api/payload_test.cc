#include "api/payload.h"

#include <doctest/doctest.h>

#include <filesystem>

#include "test_support.h"

namespace csbridge::api {

namespace {

const Spec& order_spec() {
  static const Spec s = [] {
    auto r = load_spec(test::source_dir() + "/samples/api/order_api.yaml");
    REQUIRE(r.is_ok());
    return *r;
  }();
  return s;
}

const pii::Detector& detector() {
  static const pii::Detector d;
  return d;
}

PayloadAssessment sample(const std::string& name) {
  auto r = assess_payload_file(order_spec(), test::source_dir() + "/samples/api/payloads/" + name, detector());
  REQUIRE(r.is_ok());
  return *r;
}

std::vector<std::string> drift_of(const PayloadAssessment& p, DriftKind kind) {
  std::vector<std::string> out;
  for (const Drift& d : p.drift) {
    if (d.kind == kind) out.push_back(d.field + (d.value.empty() ? "" : "=" + d.value));
  }
  return out;
}

const PayloadField* field(const PayloadAssessment& p, std::string_view path) {
  for (const PayloadField& f : p.fields) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("payload: order.json is an Order with one undocumented field and one enum violation") {
  PayloadAssessment p = sample("order.json");
  CHECK(p.error.empty());
  CHECK(p.format == "json");
  CHECK(p.schema == "Order");
  CHECK(p.schema_pointer == "/components/schemas/Order");
  CHECK(p.records == 1);
  CHECK(drift_of(p, DriftKind::kUndocumentedField) == std::vector<std::string>{"seller_memo"});
  CHECK(drift_of(p, DriftKind::kEnumViolation) == std::vector<std::string>{"status=partially_refunded"});
  CHECK(drift_of(p, DriftKind::kMissingRequired).empty());
  CHECK(drift_of(p, DriftKind::kTypeMismatch).empty());
  const Drift& e = p.drift[0].kind == DriftKind::kEnumViolation ? p.drift[0] : p.drift[1];
  CHECK(e.allowed == std::vector<std::string>{"unpaid", "paid", "shipped", "completed", "refunded", "cancelled"});
  const PayloadField* mobile = field(p, "customer.mobile");
  REQUIRE(mobile != nullptr);
  REQUIRE(mobile->pii.size() == 1);
  CHECK(mobile->pii[0].pii == model::PiiClass::kPhone);
  CHECK(mobile->example == "137****8566");  // never the number itself
  REQUIRE(field(p, "items[].sku") != nullptr);
  CHECK(field(p, "items[].sku")->count == 3);
  CHECK(field(p, "amount")->types == std::vector<std::string>{"number"});
  const PayloadField* address = field(p, "receiver.address");
  REQUIRE(address != nullptr);
  REQUIRE_FALSE(address->pii.empty());
  CHECK(address->pii[0].pii == model::PiiClass::kAddress);
}

TEST_CASE("payload: order.xml is read like the JSON: same schema and same drift") {
  PayloadAssessment p = sample("order.xml");
  CHECK(p.error.empty());
  CHECK(p.format == "xml");
  CHECK(p.schema == "Order");
  CHECK(p.records == 1);
  CHECK(drift_of(p, DriftKind::kUndocumentedField) == std::vector<std::string>{"seller_memo"});
  CHECK(drift_of(p, DriftKind::kEnumViolation) == std::vector<std::string>{"status=partially_refunded"});
  CHECK(drift_of(p, DriftKind::kTypeMismatch).empty());
  CHECK(drift_of(p, DriftKind::kMissingRequired).empty());
  CHECK(field(p, "customer.@id") != nullptr);
  CHECK(field(p, "items.item[].@sku") != nullptr);
  CHECK(field(p, "amount.@currency") != nullptr);
}

TEST_CASE("payload: orders_page.json is an OrderPage of 5 records without drift") {
  PayloadAssessment p = sample("orders_page.json");
  CHECK(p.schema == "OrderPage");
  CHECK(p.records == 5);
  CHECK(p.drift.empty());
  REQUIRE(field(p, "data[].order_no") != nullptr);
  CHECK(field(p, "data[].order_no")->count == 5);
  const PayloadField* shipment = field(p, "data[].shipment");
  REQUIRE(shipment != nullptr);
  CHECK(shipment->types == std::vector<std::string>{"null"});
}

TEST_CASE("payload: type mismatches and missing required fields") {
  PayloadAssessment p = assess_payload_text(
      order_spec(), R"({"order_no": 42, "status": "paid", "amount": "12.5", "customer": {"id": "x"}, "paid_at": null})",
      "t.json", detector());
  CHECK(p.schema == "Order");
  CHECK(drift_of(p, DriftKind::kTypeMismatch) == std::vector<std::string>{"order_no=42", "amount=12.5", "customer.id=x"});
  CHECK(drift_of(p, DriftKind::kMissingRequired) == std::vector<std::string>{"created_at"});
  for (const Drift& d : p.drift) {
    if (d.field == "amount") CHECK(d.expected == "number");
  }
}

TEST_CASE("payload: a list of records and a payload no schema fits") {
  PayloadAssessment list = assess_payload_text(order_spec(), R"([{"refund_no":"R1","amount":1,"reason":"x","status":"done"}])",
                                               "l.json", detector());
  CHECK(list.schema == "Refund");
  CHECK(list.records == 1);
  CHECK(drift_of(list, DriftKind::kEnumViolation) == std::vector<std::string>{"[].status=done"});
  PayloadAssessment other = assess_payload_text(order_spec(), R"({"weather": "sunny"})", "w.json", detector());
  CHECK(other.schema.empty());
  CHECK(other.drift.empty());
  CHECK(other.fields.size() == 1);
}

TEST_CASE("payload: bad input becomes a clear error, bounded in memory and time") {
  SUBCASE("malformed JSON") {
    PayloadAssessment p = assess_payload_text(order_spec(), "{\"a\": 1,\n \"b\": }", "bad.json", detector());
    CHECK(p.error.rfind("bad.json:2:7: syntax error while parsing value", 0) == 0);
    CHECK(p.fields.empty());
  }
  SUBCASE("truncated JSON") {
    PayloadAssessment p = assess_payload_text(order_spec(), "{\"order_no\": \"SO1", "cut.json", detector());
    CHECK(p.error.rfind("cut.json:1:", 0) == 0);
  }
  SUBCASE("malformed XML") {
    PayloadAssessment p = assess_payload_text(order_spec(), "<order>\n  <status>paid</state>\n</order>", "bad.xml", detector());
    CHECK(p.format == "xml");
    CHECK(p.error.rfind("bad.xml:2:", 0) == 0);
    CHECK(p.error.find("Start-end tags mismatch") != std::string::npos);
  }
  SUBCASE("JSON nested 10,000 deep") {
    std::string deep = std::string(10000, '[') + std::string(10000, ']');
    PayloadAssessment p = assess_payload_text(order_spec(), deep, "deep.json", detector());
    CHECK(p.error.rfind("deep.json:1:65: nesting deeper than 64 levels", 0) == 0);
  }
  SUBCASE("XML nested 10,000 deep") {
    std::string deep;
    for (int i = 0; i < 10000; ++i) deep += "<a>";
    for (int i = 0; i < 10000; ++i) deep += "</a>";
    PayloadAssessment p = assess_payload_text(order_spec(), deep, "deep.xml", detector());
    CHECK(p.error.rfind("deep.xml:1:194: elements nested deeper than 64 levels", 0) == 0);
  }
  SUBCASE("a 100 MB payload is refused before it is read") {
    test::TempDir dir;
    std::string path = dir.write("big.json", "[");
    std::filesystem::resize_file(path, 100u << 20);
    auto r = assess_payload_file(order_spec(), path, detector());
    REQUIRE(r.is_ok());
    CHECK(r->error == path + ": payload is 104857600 bytes, more than the 16 MiB accepted for a sample");
    CHECK(r->format == "json");
  }
  SUBCASE("a missing file is an error of the run") {
    auto r = assess_payload_file(order_spec(), "/nonexistent/p.json", detector());
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == ErrorCode::kNotFound);
    CHECK(r.status().message() == "/nonexistent/p.json: cannot read the payload file");
  }
  SUBCASE("many distinct fields are capped") {
    std::string wide = "{";
    for (size_t i = 0; i < kMaxPayloadFields + 10; ++i) wide += (i ? ",\"f" : "\"f") + std::to_string(i) + "\":1";
    wide += "}";
    PayloadAssessment p = assess_payload_text(order_spec(), wide, "wide.json", detector());
    CHECK(p.fields.size() == kMaxPayloadFields);
    CHECK(p.fields_truncated);
  }
}

// Issue 18: an XML payload with bytes that are not UTF-8 reached the JSON
// report (json.exception.type_error.316, exit 70). Now the payload is
// unreadable, at the position of the bytes; a declared legacy encoding is decoded.
TEST_CASE("payload: XML that is not UTF-8 is an error at its position, a declared GBK is decoded") {
  SUBCASE("undeclared bytes") {
    PayloadAssessment p = assess_payload_text(
        order_spec(), "<order>\n  <status>\xD2\xD1\xB7\xA2</status>\n</order>\n", "bad.xml", detector());
    CHECK(p.error ==
          "bad.xml:2:11: invalid UTF-8 (bytes D2 D1 B7 A2) in a payload that declares no other encoding\n"
          "      <status>\\xD2ѷ\\xA2</status>\n"  // D1 B7 is UTF-8 (U+0477)
          "              ^");
    CHECK(p.fields.empty());
  }
  SUBCASE("declared GBK") {
    PayloadAssessment p = assess_payload_text(
        order_spec(), "<?xml version=\"1.0\" encoding=\"GBK\"?>\n<order><status>\xD2\xD1\xB7\xA2</status></order>",
        "gbk.xml", detector());
    CHECK(p.error.empty());
    REQUIRE(p.fields.size() == 1);
    CHECK(p.fields[0].example == "已发");
  }
  SUBCASE("declared GBK that does not decode") {
    PayloadAssessment p = assess_payload_text(
        order_spec(), "<?xml version=\"1.0\" encoding=\"GBK\"?>\n<order><status>\xFF\xFF</status></order>", "gbk.xml",
        detector());
    CHECK(p.error.rfind("gbk.xml:1:1: the payload does not decode as its declared GBK: ", 0) == 0);
  }
  SUBCASE("a character reference to no character") {
    PayloadAssessment p =
        assess_payload_text(order_spec(), "<order><status>&#xD800;</status></order>", "ref.xml", detector());
    CHECK(p.error.rfind("ref.xml:1:9: a character reference in <status> names no Unicode character", 0) == 0);
  }
}

}  // namespace csbridge::api
