#include "report/schema_report.h"

#include <algorithm>
#include <optional>

#include "util/encoding.h"
#include "util/strings.h"

namespace csbridge::report {
namespace {

using nlohmann::json;

std::string field_type_text(const model::Field& f) {
  std::string t = model::field_type_name(f.type);
  if (f.type == model::FieldType::kString && f.max_length > 0) t += "(" + std::to_string(f.max_length) + ")";
  if (f.type == model::FieldType::kDecimal && f.precision > 0) {
    t += "(" + std::to_string(f.precision) + "," + std::to_string(f.scale) + ")";
  }
  if (f.type == model::FieldType::kEnum) t += "[" + util::join(f.values, "|") + "]";
  return t;
}

json field_json(const model::Field& f) {
  json j = {{"name", f.name},
            {"type", model::field_type_name(f.type)},
            {"required", f.required},
            {"pii", model::pii_class_name(f.pii)},
            {"provenance", f.provenance}};
  if (f.max_length > 0) j["max_length"] = f.max_length;
  if (f.type == model::FieldType::kDecimal) {
    j["precision"] = f.precision;
    j["scale"] = f.scale;
  }
  if (!f.values.empty()) j["values"] = f.values;
  j["references"] = f.references.empty() ? json(nullptr) : json(f.references);
  j["description"] = f.description;
  return j;
}

json entity_json(const model::Entity& e) {
  json fields = json::array();
  for (const model::Field& f : e.fields) fields.push_back(field_json(f));
  return {{"name", e.name}, {"description", e.description}, {"fields", fields}, {"unique", e.unique}};
}

std::string pii_text(const model::Field& f) {
  return f.pii == model::PiiClass::kNone ? "" : "pii:" + std::string(model::pii_class_name(f.pii));
}

void append_entity_text(const model::Entity& e, std::string& out) {
  out += e.name + " — " + e.description + "\n";
  size_t name_w = 0, type_w = 0, pii_w = 0;
  for (const model::Field& f : e.fields) {
    name_w = std::max(name_w, util::display_width(f.name));
    type_w = std::max(type_w, field_type_text(f).size());
    pii_w = std::max(pii_w, pii_text(f).size());
  }
  for (const model::Field& f : e.fields) {
    std::string line = "  " + util::pad_right(f.name, name_w) + "  " + util::pad_right(field_type_text(f), type_w) + "  " +
                       (f.required ? "required" : "optional") + "  " + util::pad_right(pii_text(f), pii_w);
    if (!f.references.empty()) line += "  → " + f.references;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  for (const auto& u : e.unique) out += "  unique (" + util::join(u, ", ") + ")\n";
}

// A JSON string for a cell: text that is not valid UTF-8 (binary) goes as hex.
nlohmann::ordered_json cell_json(std::string_view v, connector::ValueType type) {
  if (type == connector::ValueType::kBinary || util::find_invalid_utf8(v) != std::string_view::npos) {
    static const char* kHex = "0123456789abcdef";
    std::string hex = "\\x";
    for (unsigned char c : v) {
      hex += kHex[c >> 4];
      hex += kHex[c & 15];
    }
    return hex;
  }
  return std::string(v);
}

void append_csv_field(std::string_view v, std::string& out) {
  bool quote = v.empty() || v.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

std::string model_text(const model::Model& model, const model::Entity* entity) {
  std::string out;
  if (entity) {
    append_entity_text(*entity, out);
    return out;
  }
  out += "CS data model " + model.version + ": " + std::to_string(model.entities.size()) + " entities\n";
  out += "dependency order: " + util::join(model.dependency_order(), ", ") + "\n\n";
  for (const model::Entity& e : model.entities) {
    append_entity_text(e, out);
    out += "\n";
  }
  return out;
}

json model_json(const model::Model& model, const model::Entity* entity) {
  if (entity) return entity_json(*entity);
  json entities = json::array();
  for (const model::Entity& e : model.entities) entities.push_back(entity_json(e));
  return {{"version", model.version}, {"dependency_order", model.dependency_order()}, {"entities", entities}};
}

std::string tables_text(const connector::SourceInfo& source, const std::vector<TableReport>& tables) {
  std::string out = source.engine + (source.version.empty() ? "" : " " + source.version) + " — " + source.redacted +
                    "\n" + std::to_string(tables.size()) + " tables\n";
  for (const TableReport& t : tables) {
    out += "\n" + t.info.ref.display() + (t.info.is_view ? " (view)" : "") + "  " +
           (t.count.rows < 0 ? "rows not counted (the source cannot count without reading them all)"
                             : std::to_string(t.count.rows) + (t.count.exact ? " rows" : " rows (estimated)")) +
           "\n";
    size_t w = 4;
    for (const auto& c : t.info.columns) w = std::max(w, util::display_width(c.name));
    for (const auto& c : t.info.columns) {
      bool in_pk = std::find(t.info.primary_key.begin(), t.info.primary_key.end(), c.name) != t.info.primary_key.end();
      out += "  " + util::pad_right(c.name, w + 2) +
             (c.declared_type.empty() ? "(" + std::string(connector::value_type_name(c.type)) + ")" : c.declared_type) +
             (c.nullable ? "" : " not null") + (in_pk ? "  [pk]" : "") + "\n";
    }
    if (!t.info.primary_key.empty()) out += "  primary key (" + util::join(t.info.primary_key, ", ") + ")\n";
    else if (!t.info.is_view) out += "  no primary key\n";
    for (const auto& ix : t.info.indexes) {
      out += std::string("  ") + (ix.unique ? "unique index " : "index ") + ix.name + " (" + util::join(ix.columns, ", ") + ")\n";
    }
    for (const auto& fk : t.info.foreign_keys) {
      out += "  foreign key (" + util::join(fk.columns, ", ") + ") → " + fk.ref_table.display() + " (" +
             util::join(fk.ref_columns, ", ") + ")\n";
    }
  }
  return out;
}

json tables_json(const connector::SourceInfo& source, const std::vector<TableReport>& tables) {
  json out = {{"source", {{"engine", source.engine}, {"version", source.version}, {"redacted", source.redacted}}}};
  json list = json::array();
  for (const TableReport& t : tables) {
    json columns = json::array();
    for (const auto& c : t.info.columns) {
      columns.push_back({{"name", c.name},
                         {"declared_type", c.declared_type},
                         {"type", connector::value_type_name(c.type)},
                         {"nullable", c.nullable}});
    }
    json indexes = json::array();
    for (const auto& ix : t.info.indexes) indexes.push_back({{"name", ix.name}, {"columns", ix.columns}, {"unique", ix.unique}});
    json fks = json::array();
    for (const auto& fk : t.info.foreign_keys) {
      fks.push_back({{"name", fk.name},
                     {"columns", fk.columns},
                     {"ref_table", fk.ref_table.display()},
                     {"ref_columns", fk.ref_columns},
                     {"declared", true}});
    }
    list.push_back({{"name", t.info.ref.display()},
                    {"schema", t.info.ref.schema},
                    {"is_view", t.info.is_view},
                    {"rows", t.count.rows < 0 ? json(nullptr) : json(t.count.rows)},
                    {"rows_exact", t.count.exact},
                    {"primary_key", t.info.primary_key},
                    {"columns", columns},
                    {"indexes", indexes},
                    {"foreign_keys", fks}});
  }
  out["tables"] = list;
  return out;
}

std::string rows_header(const std::vector<connector::ColumnInfo>& columns, RowFormat format) {
  if (format == RowFormat::kJsonl) return "";
  std::string out;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) out += ',';
    append_csv_field(columns[i].name, out);
  }
  return out + "\n";
}

namespace {

// JSON Lines written directly, the same text a JSON document of each row would dump: keys in
// column order, strings escaped, NULL as null; binary and invalid UTF-8 as "\x…" hex text.
// nullopt when the columns repeat a name or a name is not UTF-8 (the document writer decides).
std::optional<std::string> rows_jsonl(const std::vector<connector::ColumnInfo>& columns,
                                      const connector::Batch& batch) {
  std::vector<std::string> keys;  // '"name":' per column, the first with '{' before it
  for (size_t c = 0; c < columns.size(); ++c) {
    const std::string& name = columns[c].name;
    if (util::find_invalid_utf8(name) != std::string::npos) return std::nullopt;
    for (size_t k = 0; k < c; ++k) {
      if (columns[k].name == name) return std::nullopt;
    }
    std::string key = c == 0 ? "{" : ",";
    util::append_json_string(key, name);
    keys.push_back(key + ":");
  }
  std::string out;
  out.reserve(batch.bytes() + batch.rows() * (columns.size() * 16 + 4));
  // The cells' bytes checked once: when they are valid UTF-8 together, a cell is valid UTF-8
  // alone when it starts and ends on a character's first byte (neither its first byte nor the
  // byte after it continues a character).
  const std::string_view arena = batch.arena();
  const bool arena_valid = util::find_invalid_utf8(arena) == std::string_view::npos;
  auto continues = [&](size_t at) { return at < arena.size() && (static_cast<unsigned char>(arena[at]) & 0xC0) == 0x80; };
  auto valid = [&](std::string_view v) {
    if (v.empty()) return true;
    if (arena_valid) {
      size_t at = static_cast<size_t>(v.data() - arena.data());
      if (!continues(at) && !continues(at + v.size())) return true;
    }
    return util::find_invalid_utf8(v) == std::string_view::npos;
  };
  for (size_t r = 0; r < batch.rows(); ++r) {
    if (columns.empty()) out += '{';
    for (size_t c = 0; c < columns.size(); ++c) {
      out += keys[c];
      if (batch.is_null(r, c)) {
        out += "null";
        continue;
      }
      std::string_view v = batch.get(r, c);
      if (columns[c].type == connector::ValueType::kBinary || !valid(v)) {
        util::append_json_string(out, cell_json(v, columns[c].type).get<std::string>());
      } else {
        util::append_json_string(out, v);
      }
    }
    out += "}\n";
  }
  return out;
}

}  // namespace

std::string rows_body(const std::vector<connector::ColumnInfo>& columns, const connector::Batch& batch,
                      RowFormat format) {
  if (format == RowFormat::kJsonl) {
    if (auto direct = rows_jsonl(columns, batch)) return std::move(*direct);
  }
  std::string out;
  for (size_t r = 0; r < batch.rows(); ++r) {
    if (format == RowFormat::kJsonl) {
      // Keys in column order, as the source has them.
      nlohmann::ordered_json row = nlohmann::ordered_json::object();
      for (size_t c = 0; c < columns.size(); ++c) {
        row[columns[c].name] =
            batch.is_null(r, c) ? nlohmann::ordered_json(nullptr) : cell_json(batch.get(r, c), columns[c].type);
      }
      out += row.dump() + "\n";
      continue;
    }
    for (size_t c = 0; c < columns.size(); ++c) {
      if (c) out += ',';
      if (batch.is_null(r, c)) continue;
      std::string_view v = batch.get(r, c);
      if (columns[c].type == connector::ValueType::kBinary) {
        append_csv_field(cell_json(v, columns[c].type).get<std::string>(), out);
      } else {
        append_csv_field(v, out);
      }
    }
    out += "\n";
  }
  return out;
}

}  // namespace csbridge::report
