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
  const std::string texts[] = {std::string(resource), string_member(*op.node, "operationId"), string_member(*op.node, "summary")};
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
  bool by_resource = false;  // the path's own resource names it (not the operationId, summary or a tag)
};

// The CS entity `resource` (a path segment) stands for, trying the segment,
// then the operationId, summary and tags; each as a table of `fields`.
Guess guess(const Spec& spec, const Operation& op, const std::string& resource, const model::Model& model,
            bool with_fields) {
  connector::TableInfo table;
  if (with_fields) table.columns = operation_fields(spec, op);
  std::vector<std::string> names;
  if (!resource.empty()) names.push_back(resource);
  if (op.node->contains("operationId")) names.push_back(string_member(*op.node, "operationId"));
  if (op.node->contains("summary")) names.push_back(string_member(*op.node, "summary"));
  if (auto tags = op.node->find("tags"); tags != op.node->end() && tags->is_array()) {
    for (const Json& t : *tags) {
      if (t.is_string()) names.push_back(t.get<std::string>());
    }
  }
  for (const std::string& name : names) {
    table.ref.name = name;
    assess::EntityGuess g = assess::guess_entity(table, model);
    if (g.name.empty()) continue;
    Guess out{g.name, g.name, g.reasons, name == resource};
    if (name == resource) {
      std::string word = assess::singular(util::to_lower(resource));
      if (word != g.name) out.label = word + " (" + g.name + ")";
    }
    return out;
  }
  return {};
}

// ---------------------------------------------------------------------------
// Evidence: what a response holds that makes it a CS entity, beyond its name.

// Needs a source of an entity meets although the model does not require them (see evidence_needs).
const std::vector<std::pair<std::string_view, EvidenceNeed>>& needs_beyond_model() {
  static const std::vector<std::pair<std::string_view, EvidenceNeed>> kNeeds = {
      {"ticket", {"status or subject", {"status", "subject"}, "", {}}},
      // Who opened it: in an issue tracker the reporter or creator is the requester.
      {"ticket",
       {"requester", {"customer_id"}, "customer",
        {"reporter", "submitter", "creator", "created_by", "opened_by", "raised_by", "提交人", "报告人", "发起人",
         "申请人"}}},
      {"customer", {"name", {"name"}, "", {}}},
      {"customer", {"phone or e-mail", {"phone", "email"}, "", {}}},
      {"agent", {"e-mail or role", {"email", "role"}, "", {}}},
      {"ticket_event", {"kind or changed values", {"kind", "from_value", "to_value"}, "", {}}},
      {"satisfaction_rating", {"score", {"score"}, "", {}}},
  };
  return kNeeds;
}

// Required references the source of an entity need not hold: the CS side makes the link.
bool linked_on_cs_side(std::string_view entity, std::string_view field) {
  return entity == "business_ref" && field == "ticket_id";
}

bool holds_text(const model::Field& f) {
  return f.type == model::FieldType::kString || f.type == model::FieldType::kText;
}

// How deep below the response's top object records are looked for: an
// envelope ({data: […]}) and one wrapper inside it ({result: {items: […]}}).
constexpr int kMaxRecordDepth = 2;

using Record = std::vector<std::string>;  // field names of one object

// The objects a response may carry its records in: the schema itself (or its
// array's items) and the objects and arrays of objects under its properties.
void add_records(const Spec& spec, const Json* schema, int depth, std::vector<Record>& out) {
  SchemaView v = view_schema(spec, schema);
  if (has_type(v, "array")) v = view_schema(spec, v.items);
  if (v.properties.empty()) return;
  Record fields;
  for (const auto& [name, ignored] : v.properties) fields.push_back(name);
  out.push_back(std::move(fields));
  if (depth >= kMaxRecordDepth) return;
  for (const auto& [ignored, prop] : v.properties) add_records(spec, prop, depth + 1, out);
}

std::vector<Record> response_records(const Spec& spec, const Operation& op) {
  std::vector<Record> out;
  for (const Response& r : responses(spec, op)) {
    if (r.status.empty() || r.status[0] != '2') continue;
    for (const Media& m : r.media) add_records(spec, m.schema, 0, out);
  }
  return out;
}

// A literal path segment before the resource, with the template after it ("tickets", "ticket_id").
struct Parent {
  std::string segment;
  std::string param;  // "" when a literal follows
};

// Nearest first: /tickets/{ticket_id}/comments/{id} → {tickets, ticket_id}.
std::vector<Parent> parents(std::string_view path) {
  std::vector<std::string_view> parts;
  for (std::string_view s : util::split(path, '/')) {
    if (!s.empty()) parts.push_back(s);
  }
  size_t resource = parts.size();
  while (resource > 0 && is_template(parts[resource - 1])) --resource;
  std::vector<Parent> out;
  for (size_t i = resource > 0 ? resource - 1 : 0; i-- > 0;) {
    if (is_template(parts[i])) continue;
    std::string param;
    if (i + 1 < parts.size() && is_template(parts[i + 1])) {
      std::string_view t = parts[i + 1];
      param = std::string(t.substr(1, t.size() - (t.ends_with("}") ? 2 : 1)));
    }
    out.push_back({std::string(parts[i]), param});
  }
  return out;
}

// True when `name`, read as a table name, reads as `entity`.
bool names_entity(const std::string& name, std::string_view entity, const model::Model& model) {
  connector::TableInfo table;
  table.ref.name = name;
  return assess::guess_entity(table, model).name == entity;
}

// True when the words of `phrase` ("created_by") appear in a row among the words of `name` ("createdBy").
bool has_phrase(std::string_view name, std::string_view phrase) {
  if (!phrase.empty() && static_cast<unsigned char>(phrase[0]) >= 0x80) {
    return name.find(phrase) != std::string_view::npos;  // CJK: no word breaks
  }
  std::vector<std::string> hay = assess::name_tokens(name), needle = assess::name_tokens(phrase);
  return !needle.empty() && std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

bool matches_need(const std::string& field, const EvidenceNeed& need, const model::Model& model) {
  for (const std::string& f : need.fields) {
    if (assess::column_matches_field(field, f)) return true;
  }
  return !need.references.empty() && names_entity(field, need.references, model);
}

// What in `record` or the path meets `need` ("created_by", "path tickets/{ticket_id}"); "" when nothing does.
std::string meet(const EvidenceNeed& need, const Record& record, const std::vector<Parent>& path,
                 const model::Model& model) {
  for (const std::string& field : record) {
    if (matches_need(field, need, model)) return field;
  }
  for (const std::string& field : record) {
    for (const std::string& w : need.also) {
      if (has_phrase(field, w)) return field;
    }
  }
  if (need.references.empty()) return "";
  for (const Parent& p : path) {
    if (p.param.empty()) continue;
    if (names_entity(p.segment, need.references, model) || matches_need(p.param, need, model)) {
      return "path " + p.segment + "/{" + p.param + "}";
    }
  }
  return "";
}

struct Verdict {
  std::vector<std::string> evidence;  // "need: what meets it", one per need met
  std::vector<std::string> missing;   // the needs not met
};

// The needs of `entity` held against each record the response may carry; the record that meets most wins.
Verdict weigh(const Spec& spec, const Operation& op, const model::Entity& entity, const model::Model& model) {
  const std::vector<EvidenceNeed> needs = evidence_needs(entity);
  std::vector<Record> records = response_records(spec, op);
  if (records.empty()) records.emplace_back();
  const std::vector<Parent> path = parents(op.path);
  Verdict best;
  bool first = true;
  for (const Record& record : records) {
    Verdict v;
    for (const EvidenceNeed& need : needs) {
      std::string by = meet(need, record, path, model);
      if (by.empty()) v.missing.push_back(need.what);
      else v.evidence.push_back(need.what + ": " + by);
    }
    if (first || v.evidence.size() > best.evidence.size()) best = std::move(v);
    first = false;
    if (best.missing.empty()) break;
  }
  return best;
}

// A name from the operationId, summary or tags of a resource that sits under
// a segment naming the same entity (GET /organizations/{id}/networks, tagged
// "organizations") names the parent: the resource is part of one, not one.
std::string parent_named(const Guess& g, const Operation& op, const model::Model& model) {
  if (g.by_resource) return "";
  for (const Parent& p : parents(op.path)) {
    if (names_entity(p.segment, g.entity, model)) {
      return "a name of its own (only the parent '" + p.segment + "' in its path reads as " + g.entity + ")";
    }
  }
  return "";
}

void add_read(std::vector<EntityRead>& list, const Guess& g, const Operation& op, const Verdict& v) {
  auto same = std::find_if(list.begin(), list.end(), [&](const EntityRead& r) { return r.label == g.label; });
  if (same == list.end()) {
    list.push_back({g.entity, g.label, {op.label()}, g.reasons, v.evidence, v.missing});
    return;
  }
  same->operations.push_back(op.label());
  for (const auto& [from, to] : {std::pair{&v.evidence, &same->evidence}, std::pair{&v.missing, &same->missing}}) {
    for (const std::string& s : *from) {
      if (std::find(to->begin(), to->end(), s) == to->end()) to->push_back(s);
    }
  }
}

}  // namespace

std::vector<EvidenceNeed> evidence_needs(const model::Entity& entity) {
  std::vector<EvidenceNeed> needs;
  for (const model::Field& f : entity.fields) {
    if (!f.required || f.provenance || f.name == "id") continue;
    if (!f.references.empty()) {
      if (linked_on_cs_side(entity.name, f.name)) continue;
      needs.push_back({f.references + " reference", {f.name}, f.references, {}});
    } else if (holds_text(f)) {
      needs.push_back({f.name, {f.name}, "", {}});
    }
  }
  for (const auto& [name, need] : needs_beyond_model()) {
    if (name == entity.name) needs.push_back(need);
  }
  return needs;
}

Coverage entity_coverage(const Spec& spec, const model::Model& model) {
  Coverage c;
  for (const Operation& op : operations(spec)) {
    std::vector<std::string> segments = literal_segments(op.path);
    std::string resource = segments.empty() ? "" : segments.back();
    if (op.method == "GET") {
      Guess g = guess(spec, op, resource, model, true);
      const model::Entity* entity = model.entity(g.entity);
      if (entity == nullptr) continue;
      Verdict v = weigh(spec, op, *entity, model);
      if (std::string parent = parent_named(g, op, model); !parent.empty()) v.missing.insert(v.missing.begin(), parent);
      add_read(v.missing.empty() ? c.read : c.weak, g, op, v);
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
