#include "api/schema.h"

#include <doctest/doctest.h>

namespace csbridge::api {

TEST_CASE("schema view: refs, allOf, alternatives and the forms of nullable") {
  auto spec = parse_spec(R"(openapi: 3.1.0
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Base: {type: object, required: [id], properties: {id: {type: integer}}}
    Order:
      allOf:
        - $ref: '#/components/schemas/Base'
        - {properties: {note: {type: [string, 'null']}, kind: {enum: [a, b, null]}}, additionalProperties: false}
    Either:
      oneOf:
        - {required: [x], properties: {x: {type: string}}}
        - {properties: {y: {type: string, x-nullable: true}}}
)",
                         "s.yaml");
  REQUIRE(spec.is_ok());
  Json order_ref = {{"$ref", "#/components/schemas/Order"}};
  SchemaView order = view_schema(*spec, &order_ref);
  CHECK(order.name == "Order");
  CHECK(order.types == std::vector<std::string>{"object"});
  CHECK(order.required == std::vector<std::string>{"id"});
  REQUIRE(order.properties.size() == 3);
  CHECK_FALSE(order.open);
  SchemaView note = view_schema(*spec, property(order, "note"));
  CHECK(note.nullable);
  CHECK(note.types == std::vector<std::string>{"string"});
  SchemaView kind = view_schema(*spec, property(order, "kind"));
  CHECK(kind.enum_values == std::vector<std::string>{"a", "b"});
  CHECK(kind.nullable);
  Json either_ref = {{"$ref", "#/components/schemas/Either"}};
  SchemaView either = view_schema(*spec, &either_ref);
  CHECK(either.open);
  CHECK(either.alternatives);
  CHECK(either.required.empty());  // one alternative's required binds nobody
  CHECK(view_schema(*spec, property(either, "y")).nullable);
  Json dangling = {{"$ref", "#/components/schemas/Nope"}};
  CHECK(view_schema(*spec, &dangling).dangling);
  CHECK(view_schema(*spec, nullptr).types.empty());
}

}  // namespace csbridge::api
