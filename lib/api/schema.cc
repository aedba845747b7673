#include "api/schema.h"

#include <algorithm>

namespace csbridge::api {
namespace {

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

// `merged` holds the schemas merged so far (and whether as an alternative): a schema that
// allOf/oneOf reach twice (itself through a $ref, or one shared by many parts) is merged once,
// so that fan-out cannot grow exponentially.
void merge(const Spec& spec, const Json* schema, SchemaView& out, int depth, bool alternative,
           std::vector<std::pair<const Json*, bool>>& merged) {
  if (schema == nullptr || depth > kMaxSpecDepth) return;
  std::string ref = ref_of(*schema);
  const Json* s = resolve(spec, *schema);
  if (s == nullptr) {
    out.dangling = true;
    return;
  }
  if (!ref.empty() && out.name.empty() && depth == 0) out.name = ref_name(ref);
  if (!s->is_object()) return;
  if (std::find(merged.begin(), merged.end(), std::pair(s, alternative)) != merged.end()) return;
  merged.emplace_back(s, alternative);
  if (auto t = s->find("type"); t != s->end()) {
    if (t->is_string()) {
      add_unique(out.types, t->get<std::string>());
    } else if (t->is_array()) {
      for (const Json& x : *t) {
        if (!x.is_string()) continue;
        if (x.get<std::string>() == "null") out.nullable = true;
        else add_unique(out.types, x.get<std::string>());
      }
    }
  }
  if (bool_member(*s, "nullable") || bool_member(*s, "x-nullable")) out.nullable = true;
  if (auto f = s->find("format"); f != s->end() && f->is_string() && out.format.empty()) out.format = f->get<std::string>();
  if (auto p = s->find("properties"); p != s->end() && p->is_object()) {
    for (auto it = p->begin(); it != p->end(); ++it) {
      auto same = std::find_if(out.properties.begin(), out.properties.end(),
                               [&](const auto& kv) { return kv.first == it.key(); });
      if (same == out.properties.end()) out.properties.emplace_back(it.key(), &*it);
    }
  }
  if (auto r = s->find("required"); r != s->end() && r->is_array() && !alternative) {
    for (const Json& x : *r) {
      if (x.is_string()) add_unique(out.required, x.get<std::string>());
    }
  }
  if (auto i = s->find("items"); i != s->end() && out.items == nullptr) out.items = &*i;
  if (auto e = s->find("enum"); e != s->end() && e->is_array()) {
    for (const Json& x : *e) {
      if (!x.is_null()) add_unique(out.enum_values, enum_text(x));
      else out.nullable = true;
    }
  }
  if (auto a = s->find("additionalProperties"); a != s->end() && !(a->is_boolean() && !a->get<bool>())) {
    out.open = true;
  }
  if (auto all = s->find("allOf"); all != s->end() && all->is_array()) {
    for (const Json& part : *all) merge(spec, &part, out, depth + 1, alternative, merged);
  }
  for (const char* key : {"oneOf", "anyOf"}) {
    if (auto alt = s->find(key); alt != s->end() && alt->is_array()) {
      out.open = true;
      out.alternatives = true;
      for (const Json& part : *alt) merge(spec, &part, out, depth + 1, true, merged);
    }
  }
}

}  // namespace

std::string enum_text(const Json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

SchemaView view_schema(const Spec& spec, const Json* schema) {
  SchemaView out;
  std::vector<std::pair<const Json*, bool>> merged;
  merge(spec, schema, out, 0, false, merged);
  if (out.types.empty() && !out.properties.empty()) out.types.push_back("object");
  if (out.types.empty() && out.items != nullptr) out.types.push_back("array");
  return out;
}

const Json* property(const SchemaView& view, std::string_view name) {
  for (const auto& [key, schema] : view.properties) {
    if (key == name) return schema;
  }
  return nullptr;
}

bool has_type(const SchemaView& view, std::string_view type) {
  return std::find(view.types.begin(), view.types.end(), type) != view.types.end();
}

}  // namespace csbridge::api
