#include "api/spec.h"

#include <doctest/doctest.h>

#include "test_support.h"
#include "util/encoding.h"

namespace csbridge::api {

namespace {
std::string sample() { return test::source_dir() + "/samples/api/order_api.yaml"; }
}  // namespace

TEST_CASE("spec: the sample order API loads with its operations in document order") {
  auto spec = load_spec(sample());
  REQUIRE(spec.is_ok());
  CHECK(spec->version == "3.0.3");
  CHECK_FALSE(spec->swagger2);
  CHECK(spec->dangling_refs.empty());
  std::vector<std::string> labels;
  for (const Operation& op : operations(*spec)) labels.push_back(op.label());
  CHECK(labels == std::vector<std::string>{"GET /orders", "GET /orders/{order_no}", "GET /orders/{order_no}/waybill",
                                           "PUT /orders/{order_no}/status", "POST /orders/{order_no}/refunds",
                                           "POST /aftersale/tickets", "GET /customers/{customer_id}", "POST /webhooks"});
  const std::vector<Operation> ops = operations(*spec);
  const Operation& get_order = ops[1];
  CHECK(get_order.pointer == "/paths/~1orders~1{order_no}/get");
  auto params = parameters(*spec, get_order);
  REQUIRE(params.size() == 1);
  CHECK(params[0].name == "order_no");  // inherited from the path item through a $ref
  CHECK(params[0].in == "path");
  auto rs = responses(*spec, get_order);
  REQUIRE(rs.size() == 3);
  CHECK(rs[0].status == "200");
  REQUIRE(rs[0].media.size() == 2);
  CHECK(rs[0].media[1].type == "application/xml");
  CHECK(ref_of(*rs[0].media[0].schema) == "#/components/schemas/Order");
  CHECK(ref_name("#/components/schemas/Order") == "Order");
}

TEST_CASE("spec: YAML scalars are typed like YAML 1.2, quoted ones stay strings") {
  auto spec = parse_spec("openapi: 3.0.0\ninfo: {title: t, version: '1'}\nx: {a: 12, b: '12', c: 1.5, d: true, e: ~}\npaths: {}\n",
                         "t.yaml");
  REQUIRE(spec.is_ok());
  const Json& x = spec->root["x"];
  CHECK(x["a"] == 12);
  CHECK(x["b"] == "12");
  CHECK(x["c"] == 1.5);
  CHECK(x["d"] == true);
  CHECK(x["e"].is_null());
}

TEST_CASE("spec: Swagger 2.0 in JSON, with body parameters and produces") {
  auto spec = parse_spec(R"({"swagger":"2.0","info":{"title":"t","version":"1"},"produces":["application/xml"],
    "paths":{"/a":{"post":{"parameters":[{"name":"b","in":"body","schema":{"$ref":"#/definitions/A"}}],
    "responses":{"200":{"description":"ok","schema":{"$ref":"#/definitions/A"}}}}}},
    "definitions":{"A":{"type":"object"}}})",
                         "s.json");
  REQUIRE(spec.is_ok());
  CHECK(spec->swagger2);
  CHECK(spec->version == "2.0");
  auto ops = operations(*spec);
  REQUIRE(ops.size() == 1);
  auto body = request_media(*spec, ops[0]);
  REQUIRE(body.size() == 1);
  CHECK(body[0].type == "application/json");  // no consumes: what 2.0 tooling assumes
  auto rs = responses(*spec, ops[0]);
  REQUIRE(rs.size() == 1);
  REQUIRE(rs[0].media.size() == 1);
  CHECK(rs[0].media[0].type == "application/xml");
  CHECK(named_schemas(*spec) == std::vector<std::pair<std::string, std::string>>{{"A", "/definitions/A"}});
}

TEST_CASE("spec: a recursive schema is no cycle, a dangling ref is listed, not refused") {
  auto spec = parse_spec("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n"
                         "    Cat:\n      properties:\n        children:\n          items: {$ref: '#/components/schemas/Cat'}\n"
                         "        owner: {$ref: '#/components/schemas/Nobody'}\n",
                         "r.yaml");
  REQUIRE(spec.is_ok());
  REQUIRE(spec->dangling_refs.size() == 1);
  CHECK(spec->dangling_refs[0].pointer == "/components/schemas/Cat/properties/owner");
  CHECK(spec->dangling_refs[0].ref == "#/components/schemas/Nobody");
}

TEST_CASE("spec: bad input is refused with file:line:col and a clear message") {
  SUBCASE("malformed YAML") {
    auto r = parse_spec("openapi: 3.0.0\npaths:\n  /a: [1, 2\n", "bad.yaml");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == ErrorCode::kConfig);
    CHECK(r.status().message().rfind("bad.yaml:4:1: ", 0) == 0);
  }
  SUBCASE("malformed JSON") {
    auto r = parse_spec("{\"openapi\": \"3.0.0\",\n \"paths\": {,}}", "bad.json");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == ErrorCode::kConfig);
    CHECK(r.status().message().rfind("bad.json:2:12: syntax error while parsing object key", 0) == 0);
  }
  SUBCASE("truncated JSON") {
    auto r = parse_spec("{\"openapi\": \"3.0", "cut.json");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message().rfind("cut.json:1:", 0) == 0);
    CHECK(r.status().message().find("syntax error") != std::string::npos);
  }
  SUBCASE("remote $ref") {
    auto r = parse_spec("openapi: 3.0.0\npaths:\n  /a:\n    $ref: 'https://example.com/paths.yaml#/a'\n", "remote.yaml");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message().rfind(
              "remote.yaml:4:12: $ref 'https://example.com/paths.yaml#/a' points outside this file; csbridge reads "
              "one file and fetches nothing: make the reference local (#/…) or bundle the spec first",
              0) == 0);
  }
  SUBCASE("a $ref to another local file") {
    auto r = parse_spec("openapi: 3.0.0\ncomponents:\n  schemas:\n    A: {$ref: 'common.yaml#/A'}\n", "f.yaml");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message().find("$ref 'common.yaml#/A' points outside this file") != std::string::npos);
  }
  SUBCASE("$ref cycle") {
    auto r = parse_spec("openapi: 3.0.0\ncomponents:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n"
                        "    B: {$ref: '#/components/schemas/A'}\n",
                        "cycle.yaml");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message().rfind("cycle.yaml:5:16: $ref cycle: #/components/schemas/A → #/components/schemas/B → "
                                     "#/components/schemas/A",
                                     0) == 0);
  }
  SUBCASE("a $ref to itself") {
    auto r = parse_spec(R"({"openapi":"3.0.0","components":{"schemas":{"A":{"$ref":"#/components/schemas/A"}}}})", "self.json");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message().rfind(
              "self.json:1:58: $ref cycle: #/components/schemas/A → #/components/schemas/A", 0) == 0);
  }
  SUBCASE("JSON nested 10,000 deep") {
    std::string deep = std::string(10000, '[') + std::string(10000, ']');
    auto r = parse_spec(deep, "deep.json");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message().rfind("deep.json:1:65: nesting deeper than 64 levels", 0) == 0);
  }
  SUBCASE("YAML nested 10,000 deep") {
    std::string deep = "openapi: 3.0.0\nx: " + std::string(10000, '[') + std::string(10000, ']') + "\n";
    auto r = parse_spec(deep, "deep.yaml");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message().rfind("deep.yaml:2:", 0) == 0);
    CHECK(r.status().message().find("nesting deeper than 64 levels") != std::string::npos);
  }
  SUBCASE("too large") {
    auto r = parse_spec(std::string(kMaxSpecBytes + 1, ' '), "big.yaml");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message() == "big.yaml: file is 16777217 bytes, more than the 16 MiB accepted for an API spec");
  }
  SUBCASE("aliases that expand past the node cap") {
    std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    for (char c = 'b'; c <= 'h'; ++c) {
      std::string prev(1, static_cast<char>(c - 1));
      bomb += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
              ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
    }
    auto r = parse_spec(bomb, "bomb.yaml");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message().find("more than 1000000 nodes once aliases are expanded") != std::string::npos);
  }
  SUBCASE("not a mapping") {
    auto r = parse_spec("- a\n- b\n", "list.yaml");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message() ==
          "list.yaml: not an API description: the document is not a mapping with `openapi` or `swagger`");
  }
  SUBCASE("missing file") {
    auto r = load_spec("/nonexistent/api.yaml");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message() == "/nonexistent/api.yaml: cannot read the file");
  }
}

// Issue 18: what nlohmann-json throws besides parse errors, and what it quotes, stay values.
TEST_CASE("spec: a number overflow, bytes that are not UTF-8 and wrong types are errors, never exceptions") {
  SUBCASE("number too large for a double: located at the number") {
    auto r = parse_spec("{\"openapi\": \"3.0.0\",\n \"x\": 1e999}", "o.json");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == ErrorCode::kConfig);
    CHECK(r.status().message() == "o.json:2:7: number overflow parsing '1e999'\n     \"x\": 1e999}\n          ^");
  }
  SUBCASE("a JSON string that is not UTF-8: the quoted bytes escaped") {
    auto r = parse_spec("{\"openapi\": \"\xD5\xC5\"}", "u.json");
    REQUIRE_FALSE(r.is_ok());
    CHECK(util::find_invalid_utf8(r.status().message()) == std::string::npos);
    CHECK(r.status().message().find("\\xD5") != std::string::npos);
  }
  SUBCASE("a YAML spec that is not UTF-8") {
    auto r = parse_spec("openapi: 3.0.0\ninfo: {title: \xD5\xC5}\n", "u.yaml");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message().rfind("u.yaml:2:15: invalid UTF-8 (bytes D5 C5 7D 0A): YAML files are read as UTF-8", 0) == 0);
  }
}

// Found by fuzz_openapi (issue 18): `required: "yes"` on a parameter threw
// json.exception.type_error.302 from parameters(). Members of the wrong type read as absent.
TEST_CASE("spec: parameter members of the wrong type read as absent") {
  auto spec = parse_spec(
      "openapi: 3.0.1\ninfo: {title: t, version: \"1\"}\npaths:\n  /tickets:\n    get:\n"
      "      parameters: [{name: page, in: query, required: \"yes\"}, {name: [x], in: 7, required: true}]\n"
      "      responses: {\"200\": {description: ok}}\n",
      "p.yaml");
  REQUIRE(spec.is_ok());
  std::vector<Operation> ops = operations(*spec);
  REQUIRE(ops.size() == 1);
  std::vector<Parameter> params = parameters(*spec, ops[0]);
  REQUIRE(params.size() == 2);
  CHECK(params[0].name == "page");
  CHECK_FALSE(params[0].required);
  CHECK(params[1].name == "");
  CHECK(params[1].in == "");
  CHECK(params[1].required);
  CHECK(string_member(Json::parse(R"({"a": 1, "b": "x"})"), "a") == "");
  CHECK(string_member(Json::parse(R"({"a": 1, "b": "x"})"), "b") == "x");
  CHECK(string_member(Json::parse("[1]"), "a") == "");
  CHECK_FALSE(bool_member(Json::parse(R"({"n": "true"})"), "n"));
  CHECK(bool_member(Json::parse(R"({"n": true})"), "n"));
}

}  // namespace csbridge::api
