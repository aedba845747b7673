#include "api/coverage.h"

#include <algorithm>

#include "api/schema.h"
#include "assess/entity_fit.h"
#include "assess/name_tokens.h"
#include "util/strings.h"

namespace csbridge::api {
namespace {

constexpr std::string_view kCoreEntities[] = {"customer", "ticket", "ticket_message", "business_ref"};

bool is_template(std::string_view segment) { return segment.starts_with("{"); }

std::vector<std::string> literal_segments(std::string_view path) {
  std::vector<std::string> out;
  for (std::string_view s : util::split(path, '/')) {
    if (!s.empty() && !is_template(s)) out.emplace_back(s);
  }
  return out;
}

bool mentions(const Operation& op, std::string_view resource, std::initializer_list<std::string_view> words) {
  const std::string texts[] = {std::string(resource), op.node->value("operationId", ""), op.node->value("summary", "")};
  for (const std::string& text : texts) {
    for (std::string_view w : words) {
      if (assess::has_token(text, w)) return true;
    }
  }
  return false;
}

// Field names of a schema and of the objects its arrays hold (a page's records).
void add_fields(const Spec& spec, const Json* schema, std::vector<connector::ColumnInfo>& out) {
  SchemaView v = view_schema(spec, schema);
  if (has_type(v, "array")) v = view_schema(spec, v.items);
  for (const auto& [name, prop] : v.properties) {
    out.push_back({name, "", connector::ValueType::kUnknown, true});
    SchemaView pv = view_schema(spec, prop);
    if (!has_type(pv, "array")) continue;
    for (const auto& [inner, ignored] : view_schema(spec, pv.items).properties) {
      out.push_back({inner, "", connector::ValueType::kUnknown, true});
    }
  }
}

std::vector<connector::ColumnInfo> operation_fields(const Spec& spec, const Operation& op) {
  std::vector<connector::ColumnInfo> out;
  if (op.writes()) {
    for (const Media& m : request_media(spec, op)) {
      add_fields(spec, m.schema, out);
      if (!out.empty()) break;
    }
    return out;
  }
  for (const Response& r : responses(spec, op)) {
    if (r.status.empty() || r.status[0] != '2') continue;
    for (const Media& m : r.media) {
      add_fields(spec, m.schema, out);
      if (!out.empty()) return out;
    }
  }
  return out;
}

struct Guess {
  std::string entity;
  std::string label;
  std::vector<std::string> reasons;
};

// The CS entity `resource` (a path segment) stands for, trying the segment,
// then the operationId, summary and tags; each as a table of `fields`.
Guess guess(const Spec& spec, const Operation& op, const std::string& resource, const model::Model& model,
            bool with_fields) {
  connector::TableInfo table;
  if (with_fields) table.columns = operation_fields(spec, op);
  std::vector<std::string> names;
  if (!resource.empty()) names.push_back(resource);
  if (op.node->contains("operationId")) names.push_back(op.node->value("operationId", ""));
  if (op.node->contains("summary")) names.push_back(op.node->value("summary", ""));
  if (auto tags = op.node->find("tags"); tags != op.node->end() && tags->is_array()) {
    for (const Json& t : *tags) {
      if (t.is_string()) names.push_back(t.get<std::string>());
    }
  }
  for (const std::string& name : names) {
    table.ref.name = name;
    assess::EntityGuess g = assess::guess_entity(table, model);
    if (g.name.empty()) continue;
    Guess out{g.name, g.name, g.reasons};
    if (name == resource) {
      std::string word = assess::singular(util::to_lower(resource));
      if (word != g.name) out.label = word + " (" + g.name + ")";
    }
    return out;
  }
  return {};
}

}  // namespace

Coverage entity_coverage(const Spec& spec, const model::Model& model) {
  Coverage c;
  for (const Operation& op : operations(spec)) {
    std::vector<std::string> segments = literal_segments(op.path);
    std::string resource = segments.empty() ? "" : segments.back();
    if (op.method == "GET") {
      Guess g = guess(spec, op, resource, model, true);
      if (g.entity.empty()) continue;
      auto same = std::find_if(c.read.begin(), c.read.end(), [&](const EntityRead& r) { return r.label == g.label; });
      if (same == c.read.end()) {
        c.read.push_back({g.entity, g.label, {op.label()}, g.reasons});
      } else {
        same->operations.push_back(op.label());
      }
      continue;
    }
    if (!op.writes()) continue;
    // Subscribing to callbacks writes nothing into the business system.
    if (op.node->contains("callbacks") ||
        mentions(op, resource, {"webhook", "subscribe", "subscription", "callback", "订阅", "回调"})) {
      continue;
    }
    // PUT /orders/{no}/status: the status of the resource before it.
    const bool status_path = !segments.empty() && (util::equals_icase(resource, "status") ||
                                                   util::equals_icase(resource, "state") || resource == "状态");
    if (status_path && segments.size() >= 2) resource = segments[segments.size() - 2];
    Guess g = guess(spec, op, resource, model, !status_path);
    const bool refund = mentions(op, resource, {"refund", "退款", "tuikuan"});
    if (g.entity.empty() && refund) g = {"business_ref", "refund (business_ref)", {"names a refund"}};
    if (g.entity.empty()) continue;
    WriteBack w{"", op.label(), g.entity, ""};
    if (status_path || (op.method != "POST" && mentions(op, "", {"status", "state", "状态"}))) {
      w.capability = "status update";
      w.reason = "changes the status of " + g.label;
    } else if (refund) {
      w.capability = "refund";
      w.reason = "refunds " + g.label;
    } else if (op.method == "POST" && g.entity == "ticket") {
      w.capability = "ticket creation";
      w.reason = "creates " + g.label + (g.reasons.empty() ? "" : ": " + g.reasons.front());
    } else {
      std::string verb = op.method == "POST" ? "creation" : op.method == "DELETE" ? "deletion" : "update";
      w.capability = g.label + " " + verb;
      w.reason = g.reasons.empty() ? "" : g.reasons.front();
    }
    c.write_back.push_back(std::move(w));
  }
  for (std::string_view e : kCoreEntities) {
    if (std::none_of(c.read.begin(), c.read.end(), [&](const EntityRead& r) { return r.entity == e; })) {
      c.entities_not_readable.emplace_back(e);
    }
  }
  return c;
}

}  // namespace csbridge::api
