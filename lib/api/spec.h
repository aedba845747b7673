// An API description read from one file: OpenAPI 3.x or Swagger 2.0, in YAML
// or JSON, held as a JSON document whose local `$ref`s have been checked.
// Accessors give the operations, parameters, responses and media types in
// one shape for both versions, so the checks need not care which it is.
//
// Loading refuses, as kConfig errors reading "file:line:col: message":
// syntax errors, more than kMaxSpecBytes, nesting deeper than kMaxSpecDepth,
// more than kMaxSpecNodes nodes once YAML aliases are expanded, `$ref`s to
// other files or URLs (csbridge reads one file and fetches nothing), and
// `$ref` chains that loop (A → B → A). A recursive schema (a category whose
// children are categories) is no cycle: its `$ref` sits under `properties`.
// A local `$ref` that points nowhere is not an error: it is listed in
// Spec::dangling_refs for the spec-validity check.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace csbridge::api {

// Objects keep the document's key order, so reports list paths and fields as written.
using Json = nlohmann::ordered_json;

inline constexpr size_t kMaxSpecBytes = size_t{16} << 20;
inline constexpr int kMaxSpecDepth = 64;
inline constexpr size_t kMaxSpecNodes = 1'000'000;

struct DanglingRef {
  std::string pointer;  // JSON pointer of the object holding the $ref
  std::string ref;
};

struct Spec {
  std::string file;
  Json root;
  std::string version;  // the `openapi` or `swagger` field; "" when neither is there
  bool swagger2 = false;
  std::vector<DanglingRef> dangling_refs;
};

Result<Spec> load_spec(const std::string& path);

// "file:line:col: message" plus the line and a caret, for byte `offset` of `text`.
std::string located_message(const std::string& file, std::string_view text, size_t offset, std::string_view message);

// JSON text with nesting capped at kMaxSpecDepth (checked before parsing).
// Errors (kConfig): "file:line:col: message" with the line and a caret.
Result<Json> parse_json(std::string_view text, const std::string& file);
// `file` names the text in messages.
Result<Spec> parse_spec(std::string_view text, const std::string& file);

// `node` with its `$ref` chain followed; `node` itself when it has no `$ref`;
// nullptr when the chain ends nowhere (a dangling ref).
const Json* resolve(const Spec& spec, const Json& node);
// The `$ref` of `node`, or "".
std::string ref_of(const Json& node);
// The member `key` of `node` when `node` is an object and the member a string, else "":
// a spec may hold any type anywhere (`host: 42`), which is a finding, never an exception.
std::string string_member(const Json& node, const std::string& key);
// True when `node` is an object whose member `key` is the boolean true (`nullable: "yes"` is not).
bool bool_member(const Json& node, const std::string& key);
// The last token of a local ref: "#/components/schemas/Order" → "Order".
std::string ref_name(std::string_view ref);
// A JSON-pointer token: '~' → "~0", '/' → "~1".
std::string pointer_token(std::string_view key);

struct Operation {
  std::string method;   // upper case: GET, PUT, POST, DELETE, PATCH, HEAD, OPTIONS, TRACE
  std::string path;     // "/orders/{order_no}"
  std::string pointer;  // "/paths/~1orders~1{order_no}/get"
  const Json* node = nullptr;
  const Json* path_item = nullptr;
  std::string label() const { return method + " " + path; }
  // POST, PUT, PATCH, DELETE.
  bool writes() const;
};
// In document order of paths, then methods in the order above.
std::vector<Operation> operations(const Spec& spec);

struct Parameter {
  std::string name;
  std::string in;  // query, header, path, cookie, body, formData
  bool required = false;
  const Json* schema = nullptr;  // unresolved; for Swagger 2.0 non-body parameters the parameter itself
  std::string pointer;
};
// Path-level parameters overridden by operation-level ones of the same name and place.
std::vector<Parameter> parameters(const Spec& spec, const Operation& op);

struct Media {
  std::string type;  // "application/json"
  const Json* schema = nullptr;  // unresolved; nullptr when none is given
  std::string pointer;                     // of the schema (or of the media entry when none)
};

struct Response {
  std::string status;   // "200", "4XX", "default"
  std::string pointer;  // of the response object (under the operation)
  const Json* node = nullptr;  // resolved
  std::vector<Media> media;
  std::vector<std::string> headers;  // header names as declared
};
std::vector<Response> responses(const Spec& spec, const Operation& op);
// The request body's media (OpenAPI 3 requestBody; Swagger 2.0 body parameter with `consumes`).
std::vector<Media> request_media(const Spec& spec, const Operation& op);

// Named schemas: components/schemas (3.x) or definitions (2.0), with the pointer prefix of each.
std::vector<std::pair<std::string, std::string>> named_schemas(const Spec& spec);  // (name, pointer)
// "/components/schemas" or "/definitions".
std::string schemas_pointer(const Spec& spec);

}  // namespace csbridge::api
