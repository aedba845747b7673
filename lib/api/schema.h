// One view of a JSON Schema as OpenAPI writes it, whatever the version:
// `$ref`s followed, `allOf` merged, `oneOf`/`anyOf` alternatives pooled,
// `nullable: true`, `x-nullable` and `type: [x, "null"]` read as one flag.
// Shared by the checks, the entity coverage and the payload drift.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "api/spec.h"

namespace csbridge::api {

struct SchemaView {
  std::vector<std::string> types;  // "object", "array", "string", "integer", "number", "boolean"; empty: any
  bool nullable = false;
  std::vector<std::pair<std::string, const Json*>> properties;  // unresolved property schemas, in order
  std::vector<std::string> required;
  const Json* items = nullptr;        // array items (unresolved)
  std::vector<std::string> enum_values;  // as text: strings as they are, other values as JSON
  bool open = false;    // additionalProperties allowed, or alternatives: undeclared fields are no drift
  bool alternatives = false;  // oneOf/anyOf: `required` of one alternative binds nobody
  std::string format;
  std::string name;     // the first named schema reached through a $ref ("Order"); "" when inline
  bool dangling = false;  // a $ref that points nowhere
};

// `schema` may be null (any value). Bounded: merges at most kMaxSpecDepth levels of allOf.
SchemaView view_schema(const Spec& spec, const Json* schema);

// The property schema of `view` named `name`, or nullptr.
const Json* property(const SchemaView& view, std::string_view name);

bool has_type(const SchemaView& view, std::string_view type);

// Enum value text as SchemaView::enum_values writes it.
std::string enum_text(const Json& value);

}  // namespace csbridge::api
