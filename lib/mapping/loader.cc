#include "mapping/loader.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <set>

#include "mapping/block_reader.h"
#include "mapping/condition.h"
#include "util/strings.h"

namespace csbridge::mapping {
namespace {

namespace fs = std::filesystem;
using transform::Kind;

const std::vector<std::string> kBlockKeys = {"entity", "source", "table", "query", "key", "key_prefix",
                                             "where", "filter", "distinct", "watermark", "deletes", "fields", "custom",
                                             "description", "version"};
const std::vector<std::string> kFieldKeys = {"column", "columns", "value", "todo", "from", "resolved", "steps",
                                             "default", "lookup", "on_error", "description"};
const std::vector<std::string> kLookupKeys = {"entity", "key_prefix", "source", "orphans", "when"};
const std::vector<std::string> kSourceKeys = {"column", "columns", "value", "todo", "from", "resolved"};

Location location_of(const config::YamlDocument& doc, const YAML::Node& node) {
  Location at{doc.file, 0, 0};
  if (node.IsDefined() && node.Mark().line >= 0) {
    at.line = node.Mark().line + 1;
    at.col = node.Mark().column + 1;
  }
  return at;
}

// "did you mean 'x'?" or "; known: a, b, c" (lists of up to 12).
std::string hint_for(const std::string& word, const std::vector<std::string>& known) {
  std::string match = util::closest_match(word, known);
  if (!match.empty()) return ", did you mean '" + match + "'?";
  if (known.empty()) return "";
  if (known.size() > 12) return "";
  return "; known: " + util::join(known, ", ");
}

// A diagnostic about a whole file (no line). Built member by member: brace
// initialisation of the nested Location trips a false -Wmaybe-uninitialized in g++ 12.
Diagnostic file_diagnostic(const std::string& file, Severity severity, std::string code, std::string message) {
  Diagnostic d;
  d.at.file = file;
  d.severity = severity;
  d.code = std::move(code);
  d.message = std::move(message);
  return d;
}

// Errors formatted by config::format_location read "file:line:col: message\n<line>\n<caret>":
// moves the location into d.at and the first line's message into d.message.
void take_located_message(const std::string& text, Diagnostic& d) {
  std::string first = text.substr(0, text.find('\n'));
  d.message = first;
  std::string prefix = d.at.file + ":";
  if (first.rfind(prefix, 0) != 0) return;
  std::string rest = first.substr(prefix.size());
  int line = 0, col = 0, used = 0;
  if (std::sscanf(rest.c_str(), "%d:%d: %n", &line, &col, &used) == 2 && used > 0) {
    d.at.line = line;
    d.at.col = col;
    d.message = rest.substr(static_cast<size_t>(used));
  } else {
    d.message = std::string(util::trim(rest));
  }
}

bool is_read_only_query(std::string_view sql) {
  std::string_view s = util::trim(sql);
  while (!s.empty() && s.back() == ';') s = util::trim(s.substr(0, s.size() - 1));
  if (s.find(';') != std::string_view::npos) return false;
  return util::starts_with_icase(s, "select") || util::starts_with_icase(s, "with");
}

class BlockLoader {
 public:
  BlockLoader(const config::YamlDocument& doc, const config::Config& config, const model::Model& model,
              std::vector<Diagnostic>& out)
      : doc_(doc), config_(config), model_(model), out_(out) {}

  std::optional<Block> load(const YAML::Node& node, int index) {
    if (!node.IsMap()) {
      error(node, "not_a_block", "a mapping block must be a map with entity, source, table, key and fields");
      return std::nullopt;
    }
    Block block;
    block.index = index;
    block.at = location_of(doc_, node);
    check_keys(node, kBlockKeys, "block key");

    block.entity_at = location_of(doc_, node["entity"]);
    if (auto entity = required_scalar(node, "entity")) {
      block.entity = *entity;
      block.cs = model_.entity(block.entity);
      if (!block.cs) {
        error(node["entity"], "unknown_entity",
              "unknown CS entity '" + block.entity + "'" + hint_for(block.entity, model_.entity_names()));
      }
    }
    block.source_at = location_of(doc_, node["source"]);
    if (auto source = required_scalar(node, "source")) {
      block.source = *source;
      if (!config_.source(block.source)) {
        std::vector<std::string> names;
        for (const auto& s : config_.sources) names.push_back(s.name);
        error(node["source"], "unknown_source",
              "unknown source '" + block.source + "'" +
                  (names.empty() ? "; the config names no sources" : hint_for(block.source, names)));
      }
    }
    load_table(node, block);
    load_key(node, block);
    if (node["key_prefix"]) block.key_prefix = scalar_or_error(node["key_prefix"], "key_prefix").value_or("");
    if (node["where"]) block.where = scalar_or_error(node["where"], "where").value_or("");
    if (node["filter"]) parse_condition(doc_, node["filter"], true, block.filter, out_);
    if (const YAML::Node distinct = node["distinct"]) {
      if (distinct.IsScalar() && (distinct.Scalar() == "true" || distinct.Scalar() == "false")) {
        block.distinct = distinct.Scalar() == "true";
      } else {
        error(distinct, "bad_value", "'distinct' must be true or false");
      }
    }
    if (node["watermark"]) block.watermark = scalar_or_error(node["watermark"], "watermark").value_or("");
    if (node["deletes"]) load_deletes(node["deletes"], block);
    load_fields(node, block);
    check_resolved(node, block);
    load_custom(node, block);
    for (const auto& f : block.fields) {
      if (f.on_error_null && block.custom == CustomMode::kNone) {
        error(node["custom"], "on_error_needs_custom",
              "field '" + f.field + "' has on_error: null, which keeps the refused value in custom; this block has custom: none");
      }
    }
    return block;
  }

 private:
  void error(const YAML::Node& node, std::string code, std::string message) {
    out_.push_back({location_of(doc_, node), Severity::kError, std::move(code), std::move(message)});
  }
  void warning(const YAML::Node& node, std::string code, std::string message) {
    out_.push_back({location_of(doc_, node), Severity::kWarning, std::move(code), std::move(message)});
  }

  // Reports unknown keys; remembers what the misspelled ones probably meant, so
  // that a missing-key error does not repeat the same mistake.
  // A key given twice is an error too: YAML would keep one of the two silently.
  void check_keys(const YAML::Node& map, const std::vector<std::string>& known, const std::string& what) {
    misspelled_.clear();
    std::map<std::string, int> seen;  // key → its line
    for (const auto& kv : map) {
      std::string key = kv.first.Scalar();
      if (auto [first, fresh] = seen.emplace(key, kv.first.Mark().line + 1); !fresh) {
        error(kv.first, "duplicate_key", what + " '" + key + "' given twice (first on line " +
                                             std::to_string(first->second) + ")");
      }
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        error(kv.first, "unknown_key", "unknown " + what + " '" + key + "'" + hint_for(key, known));
        misspelled_.insert(util::closest_match(key, known));
      }
    }
  }
  bool misspelled(std::initializer_list<const char*> keys) const {
    return std::any_of(keys.begin(), keys.end(), [&](const char* k) { return misspelled_.count(k) > 0; });
  }

  std::optional<std::string> scalar_or_error(const YAML::Node& node, const std::string& what) {
    if (!node.IsScalar() || node.Scalar().empty()) {
      error(node, "bad_value", "'" + what + "' must be a non-empty text");
      return std::nullopt;
    }
    return node.Scalar();
  }

  std::optional<std::string> required_scalar(const YAML::Node& block, const std::string& key) {
    if (!block[key]) {
      if (!misspelled({key.c_str()})) error(block, "missing_key", "block has no '" + key + "'");
      return std::nullopt;
    }
    return scalar_or_error(block[key], key);
  }

  // `deletes: keys` or `deletes: {column: C, values: [V, …]}` (a scalar value alone is a list of one).
  void load_deletes(const YAML::Node& node, Block& block) {
    const std::string usage = "'deletes' must be 'keys' or {column: COLUMN, values: [VALUE, …]}";
    block.deletes.at = location_of(doc_, node);
    if (node.IsScalar()) {
      if (node.Scalar() == "keys") {
        block.deletes.mode = Deletes::Mode::kKeys;
      } else {
        error(node, "bad_value", usage + ", not '" + node.Scalar() + "'" + hint_for(node.Scalar(), {"keys"}));
      }
      return;
    }
    if (!node.IsMap()) {
      error(node, "bad_value", usage);
      return;
    }
    check_keys(node, {"column", "values"}, "deletes key");
    ColumnTest& test = block.deletes.deleted;
    test.op = ColumnTest::Op::kIn;
    if (!node["column"]) {
      if (!misspelled({"column"})) error(node, "missing_key", "'deletes' has no 'column' (the soft-delete flag)");
      return;
    }
    std::optional<std::string> column = scalar_or_error(node["column"], "deletes.column");
    if (!column) return;
    test.column = *column;
    test.at = location_of(doc_, node["column"]);
    const YAML::Node values = node["values"];
    if (!values) {
      if (!misspelled({"values"})) error(node, "missing_key", "'deletes' has no 'values' (the flag's values of a deleted row)");
      return;
    }
    bool ok = values.IsScalar() || values.IsNull() || (values.IsSequence() && values.size() > 0);
    for (size_t i = 0; ok && values.IsSequence() && i < values.size(); ++i) {
      ok = values[i].IsScalar() || values[i].IsNull();
    }
    if (!ok) {
      error(values, "bad_value", "'deletes.values' must be a value or a non-empty list of values (null allowed)");
      return;
    }
    auto add = [&](const YAML::Node& v) {
      if (v.IsNull()) test.null_listed = true;
      else test.values.push_back(v.Scalar());
    };
    if (!values.IsSequence()) add(values);
    for (size_t i = 0; values.IsSequence() && i < values.size(); ++i) add(values[i]);
    block.deletes.mode = Deletes::Mode::kSoft;
    // Every reader of the block reads live rows only: none of the values (NULL is live unless listed).
    ColumnTest live = test;
    live.op = ColumnTest::Op::kNotIn;
    if (block.filter.tests.empty()) block.filter.at = test.at;
    block.filter.tests.push_back(std::move(live));
  }

  void load_table(const YAML::Node& node, Block& block) {
    bool has_table = static_cast<bool>(node["table"]), has_query = static_cast<bool>(node["query"]);
    if (has_table && has_query) {
      error(node["query"], "table_and_query", "a block reads a 'table' or a 'query', not both");
    } else if (!has_table && !has_query && !misspelled({"table", "query"})) {
      error(node, "missing_key", "block has no 'table' (or 'query')");
    }
    if (has_table) {
      block.table_at = location_of(doc_, node["table"]);
      block.table = scalar_or_error(node["table"], "table").value_or("");
    }
    if (has_query) {
      block.table_at = location_of(doc_, node["query"]);
      block.query = scalar_or_error(node["query"], "query").value_or("");
      if (!block.query.empty() && !is_read_only_query(block.query)) {
        error(node["query"], "query_not_read_only", "'query' must be one read-only SELECT (or WITH … SELECT) statement");
      }
    }
  }

  void load_key(const YAML::Node& node, Block& block) {
    const YAML::Node key = node["key"];
    if (!key) {
      if (!misspelled({"key"})) error(node, "missing_key", "block has no 'key' (the legacy key column or columns)");
      return;
    }
    if (key.IsScalar() && !key.Scalar().empty()) {
      block.key.push_back(key.Scalar());
      block.key_at.push_back(location_of(doc_, key));
      return;
    }
    if (key.IsSequence() && key.size() > 0) {
      for (const auto& part : key) {
        if (!part.IsScalar() || part.Scalar().empty()) {
          error(part, "bad_value", "'key' lists column names");
          continue;
        }
        block.key.push_back(part.Scalar());
        block.key_at.push_back(location_of(doc_, part));
      }
      return;
    }
    error(key, "bad_value", "'key' must be a column name or a list of column names");
  }

  void load_custom(const YAML::Node& node, Block& block) {
    const YAML::Node custom = node["custom"];
    if (!custom) return;
    if (custom.IsScalar() && (custom.Scalar() == "rest" || custom.Scalar() == "none")) {
      block.custom = custom.Scalar() == "rest" ? CustomMode::kRest : CustomMode::kNone;
      return;
    }
    if (custom.IsSequence()) {
      block.custom = CustomMode::kList;
      for (const auto& col : custom) {
        if (!col.IsScalar() || col.Scalar().empty()) {
          error(col, "bad_value", "'custom' lists column names");
          continue;
        }
        block.custom_columns.push_back(col.Scalar());
        block.custom_at.push_back(location_of(doc_, col));
      }
      return;
    }
    error(custom, "bad_value", "'custom' must be rest, none or a list of columns");
  }

  void load_fields(const YAML::Node& node, Block& block) {
    const YAML::Node fields = node["fields"];
    block.fields_at = location_of(doc_, fields ? fields : node);
    if (!fields) {
      if (!misspelled({"fields"})) error(node, "missing_key", "block has no 'fields'");
      return;
    }
    if (!fields.IsMap() || fields.size() == 0) {
      error(fields, "bad_value", "'fields' must map CS fields to their source");
      return;
    }
    std::set<std::string> seen;
    for (const auto& kv : fields) {
      std::string name = kv.first.Scalar();
      if (!seen.insert(name).second) {
        error(kv.first, "duplicate_field", "field '" + name + "' is mapped twice in this block");
        continue;
      }
      if (auto field = load_field(kv.first, kv.second, block)) block.fields.push_back(std::move(*field));
    }
  }

  std::optional<FieldMapping> load_field(const YAML::Node& key, const YAML::Node& spec, const Block& block) {
    FieldMapping fm;
    fm.field = key.Scalar();
    fm.at = location_of(doc_, key);
    if (block.cs) {
      fm.cs = block.cs->field(fm.field);
      if (!fm.cs) {
        std::vector<std::string> names;
        for (const auto& f : block.cs->fields) {
          if (f.name != "id" && !f.provenance) names.push_back(f.name);
        }
        error(key, "unknown_field",
              "entity '" + block.entity + "' has no field '" + fm.field + "'" + hint_for(fm.field, names));
        return std::nullopt;
      }
      if (fm.field == "id" || fm.cs->provenance) {
        error(key, "reserved_field",
              "'" + block.entity + "." + fm.field + "' is filled by csbridge (id, provenance and custom), not mapped");
        return std::nullopt;
      }
    }

    if (spec.IsScalar() && !spec.Scalar().empty()) {
      fm.kind = SourceKind::kColumn;
      fm.columns.push_back(spec.Scalar());
      fm.column_at.push_back(location_of(doc_, spec));
    } else if (spec.IsMap()) {
      check_keys(spec, kFieldKeys, "field key");
      if (!load_source(spec, fm)) {
        fm.invalid = true;  // reported; kept so that the field does not also count as unmapped
        return fm;
      }
      load_steps(spec["steps"], fm);
      if (spec["default"]) {
        if (spec["default"].IsScalar()) fm.default_value = spec["default"].Scalar();
        else error(spec["default"], "bad_value", "'default' must be a single value");
      }
      if (spec["lookup"]) load_lookup(spec["lookup"], fm);
      if (const YAML::Node on_error = spec["on_error"]) {
        std::string v = on_error.IsNull() ? "null" : on_error.IsScalar() ? on_error.Scalar() : "";
        if (v != "null" && v != "reject") error(on_error, "bad_value", "'on_error' must be reject (the default) or null");
        fm.on_error_null = v == "null";
      }
    } else {
      error(spec, "bad_value",
            "field '" + fm.field + "' needs a column name or a map with column, columns, value or todo");
      return std::nullopt;
    }
    if (fm.cs) check_field_against_model(spec, fm, block);
    return fm;
  }

  bool load_source(const YAML::Node& spec, FieldMapping& fm) {
    int sources = 0;
    for (const auto& k : kSourceKeys) sources += spec[k] ? 1 : 0;
    if (sources == 0 && misspelled({"column", "columns", "value", "todo", "from", "resolved"})) return false;
    if (sources != 1) {
      error(spec, sources == 0 ? "missing_source" : "several_sources",
            "field '" + fm.field + "' needs exactly one of column, columns, value, from, resolved or todo");
      return false;
    }
    if (spec["from"]) {
      Related related;
      if (!parse_related(doc_, spec["from"], fm.field, related, out_)) return false;
      const RelatedHop& last = related.hops.back();
      fm.kind = last.columns.size() == 1 ? SourceKind::kColumn : SourceKind::kColumns;
      for (size_t i = 0; i < last.columns.size(); ++i) {
        fm.columns.push_back(related_column(related, last.columns[i]));
        fm.column_at.push_back(last.column_at[i]);
      }
      fm.from = std::move(related);
    } else if (spec["resolved"]) {
      fm.kind = SourceKind::kResolved;
      auto field = scalar_or_error(spec["resolved"], "resolved");
      if (!field) return false;
      fm.resolved = *field;
    } else if (spec["column"]) {
      fm.kind = SourceKind::kColumn;
      auto col = scalar_or_error(spec["column"], "column");
      if (!col) return false;
      fm.columns.push_back(*col);
      fm.column_at.push_back(location_of(doc_, spec["column"]));
    } else if (spec["columns"]) {
      fm.kind = SourceKind::kColumns;
      const YAML::Node cols = spec["columns"];
      if (!cols.IsSequence() || cols.size() < 2) {
        error(cols, "bad_value", "'columns' must list two or more columns (use 'column' for one)");
        return false;
      }
      for (const auto& c : cols) {
        if (!c.IsScalar() || c.Scalar().empty()) {
          error(c, "bad_value", "'columns' lists column names");
          return false;
        }
        fm.columns.push_back(c.Scalar());
        fm.column_at.push_back(location_of(doc_, c));
      }
    } else if (spec["value"]) {
      fm.kind = SourceKind::kValue;
      const YAML::Node v = spec["value"];
      if (v.IsNull()) fm.value = std::nullopt;
      else if (v.IsScalar()) fm.value = v.Scalar();
      else {
        error(v, "bad_value", "'value' must be a single value (or null)");
        return false;
      }
    } else {
      fm.kind = SourceKind::kTodo;
      fm.todo = spec["todo"].IsScalar() ? spec["todo"].Scalar() : "";
    }
    return true;
  }

  void load_steps(const YAML::Node& steps, FieldMapping& fm) {
    if (!steps) return;
    if (!steps.IsSequence()) {
      error(steps, "bad_value", "'steps' must be a list of transforms");
      return;
    }
    for (size_t i = 0; i < steps.size(); ++i) {
      const YAML::Node entry = steps[i];
      YAML::Node name_node, args;
      if (entry.IsScalar()) {
        name_node = entry;
      } else if (entry.IsMap() && entry.size() == 1) {
        name_node = entry.begin()->first;
        args = entry.begin()->second;
      } else {
        error(entry, "bad_step", "a step is a name (- trim) or a one-key map (- cast: integer)");
        continue;
      }
      auto step = transform::build_step(doc_, name_node, args);
      if (!step.is_ok()) {
        out_.push_back(diagnostic_from_status(step.status(), name_node));
        continue;
      }
      fm.steps.push_back({name_node.Scalar(), std::move(step).value(), location_of(doc_, name_node)});
    }
  }

  Diagnostic diagnostic_from_status(const Status& status, const YAML::Node& fallback) {
    Diagnostic d{location_of(doc_, fallback), Severity::kError, "bad_step", ""};
    take_located_message(status.message(), d);
    return d;
  }

  void load_lookup(const YAML::Node& node, FieldMapping& fm) {
    Lookup lookup;
    lookup.at = location_of(doc_, node);
    if (node.IsScalar() && !node.Scalar().empty()) {
      lookup.entity = node.Scalar();
    } else if (node.IsMap()) {
      check_keys(node, kLookupKeys, "lookup key");
      if (!node["entity"] || !(node["entity"].IsScalar() || node["entity"].IsSequence())) {
        error(node, "bad_value", "'lookup' needs the 'entity' whose legacy key the value is");
        return;
      }
      if (!load_lookup_entity(node["entity"], fm, lookup)) return;
      if (node["when"]) parse_condition(doc_, node["when"], false, lookup.when, out_);
      if (node["key_prefix"]) lookup.key_prefix = node["key_prefix"].Scalar();
      if (const YAML::Node orphans = node["orphans"]) {
        std::string v = orphans.IsNull() ? "null" : orphans.IsScalar() ? orphans.Scalar() : "";
        if (v != "null" && v != "reject") {
          error(orphans, "bad_value", "'orphans' must be reject (the default) or null");
        }
        lookup.orphans_to_null = v == "null";
      }
      if (node["source"]) {
        lookup.source = node["source"].Scalar();
        if (!config_.source(lookup.source)) {
          error(node["source"], "unknown_source", "lookup names unknown source '" + lookup.source + "'");
        }
      }
    } else {
      error(node, "bad_value", "'lookup' must be an entity name or {entity, key_prefix, source, orphans}");
      return;
    }
    if (!model_.entity(lookup.entity)) {
      error(node.IsMap() ? node["entity"] : node, "unknown_entity",
            "lookup of unknown CS entity '" + lookup.entity + "'" + hint_for(lookup.entity, model_.entity_names()));
      return;
    }
    fm.lookup = lookup;
  }

  // `entity: NAME`, or `entity: [a, b]`: a key space the entities share, tried in order (the
  // field's own entity is the one it keeps).
  bool load_lookup_entity(const YAML::Node& node, const FieldMapping& fm, Lookup& lookup) {
    if (node.IsScalar()) {
      lookup.entity = node.Scalar();
      return true;
    }
    for (const auto& e : node) {
      if (!e.IsScalar() || e.Scalar().empty()) {
        error(e, "bad_value", "'entity' lists entity names");
        return false;
      }
      if (!model_.entity(e.Scalar())) {
        error(e, "unknown_entity",
              "lookup of unknown CS entity '" + e.Scalar() + "'" + hint_for(e.Scalar(), model_.entity_names()));
        return false;
      }
      if (std::find(lookup.shared.begin(), lookup.shared.end(), e.Scalar()) != lookup.shared.end()) {
        error(e, "bad_value", "entity '" + e.Scalar() + "' is listed twice");
        return false;
      }
      lookup.shared.push_back(e.Scalar());
    }
    if (lookup.shared.size() < 2) {
      error(node, "bad_value", "a shared key space lists two or more entities (else write 'entity: NAME')");
      return false;
    }
    std::string own = fm.cs ? fm.cs->references : "";
    if (std::find(lookup.shared.begin(), lookup.shared.end(), own) == lookup.shared.end()) {
      error(node, "lookup_mismatch",
            fm.field + " references " + (own.empty() ? "no entity" : own) + ", which the shared key space does not list");
      return false;
    }
    lookup.entity = own;
    return true;
  }

  // A `resolved:` field names a field of the same block whose lookup shares a key space; the
  // entity names it yields must be values of the field.
  void check_resolved(const YAML::Node& node, Block& block) {
    for (auto& f : block.fields) {
      if (f.kind != SourceKind::kResolved || f.invalid) continue;
      const YAML::Node spec = node["fields"][f.field];
      const FieldMapping* by = block.field(f.resolved);
      if (!by || !by->lookup || by->lookup->shared.empty()) {
        std::vector<std::string> shared;
        for (const auto& g : block.fields) {
          if (g.lookup && !g.lookup->shared.empty()) shared.push_back(g.field);
        }
        error(spec["resolved"], "bad_value",
              "'resolved' names a field of this block whose lookup lists a shared key space (entity: [a, b])" +
                  (shared.empty() ? std::string("; this block has none") : hint_for(f.resolved, shared)));
        f.invalid = true;
        continue;
      }
      if (!f.cs) continue;
      if (f.cs->type != model::FieldType::kEnum && f.cs->type != model::FieldType::kString) {
        error(spec["resolved"], "type_mismatch", block.entity + "." + f.field + " (" +
                                                     model::field_type_name(f.cs->type) +
                                                     ") cannot hold an entity name");
        continue;
      }
      if (f.cs->type != model::FieldType::kEnum) continue;
      for (const auto& e : by->lookup->shared) {
        if (std::find(f.cs->values.begin(), f.cs->values.end(), e) == f.cs->values.end()) {
          error(spec["resolved"], "not_in_domain",
                "'" + e + "' (an entity of " + by->field + "'s key space) is not a " + block.entity + "." + f.field +
                    " value; expected one of " + util::join(f.cs->values, ", "));
        }
      }
    }
  }

  void check_field_against_model(const YAML::Node& spec, FieldMapping& fm, const Block& block) {
    const model::Field& f = *fm.cs;
    const std::string name = block.entity + "." + fm.field;
    if (fm.kind == SourceKind::kTodo) {
      error(spec["todo"], "todo", "TODO left for a person: " + name + (fm.todo.empty() ? "" : ": " + fm.todo));
      return;
    }
    if (fm.kind == SourceKind::kResolved) {
      if (!fm.steps.empty()) error(spec["steps"], "bad_value", "a 'resolved' field takes no steps (only a default)");
      if (fm.lookup) error(spec["lookup"], "lookup_mismatch", name + " is resolved, not looked up");
      return;
    }
    if (fm.kind == SourceKind::kColumns && (fm.steps.empty() || fm.steps.front().step->arity() != -1)) {
      error(spec[fm.from ? "from" : "columns"], "columns_need_combining",
            "several columns need a step that combines them (concat, template, coalesce, decode) first");
    }
    if (!f.references.empty()) {
      if (!fm.lookup && !(spec.IsMap() && spec["lookup"]) && fm.kind != SourceKind::kValue) {
        error(spec.IsMap() ? spec : YAML::Node(spec), "lookup_missing",
              name + " holds the new id of a " + f.references + ": add 'lookup: " + f.references +
                  "' so the legacy key resolves through the crosswalk");
      } else if (fm.lookup && fm.lookup->entity != f.references) {
        error(spec["lookup"], "lookup_mismatch",
              name + " references " + f.references + ", but the lookup names " + fm.lookup->entity);
      }
      if (fm.kind == SourceKind::kValue && fm.value) {
        error(spec["value"], "bad_value", name + " holds a new id; a constant can only be null");
      }
      return;
    }
    if (fm.lookup) {
      error(spec["lookup"], "lookup_mismatch", name + " references no entity; 'lookup' does not apply");
      return;
    }
    // The kind reaching the field.
    Kind kind = fm.kind == SourceKind::kValue ? Kind::kText : Kind::kAny;
    for (const auto& s : fm.steps) {
      auto next = s.step->output_kind(kind);
      if (!next.is_ok()) {
        out_.push_back({s.at, Severity::kError, "type_mismatch", next.status().message()});
        return;
      }
      kind = *next;
    }
    if (!kind_fits(kind, f.type)) {
      error(fm.steps.empty() ? spec : spec["steps"], "type_mismatch",
            std::string("a ") + transform::kind_name(kind) + " cannot go into " + name + " (" +
                model::field_type_name(f.type) + ")");
    }
    if (f.type == model::FieldType::kEnum) check_enum(spec, fm, name);
  }

  // Constants, defaults and value-map outputs of an enum field must be in its domain.
  void check_enum(const YAML::Node& spec, const FieldMapping& fm, const std::string& name) {
    const auto& domain = fm.cs->values;
    auto check = [&](const YAML::Node& node, const std::string& value) {
      if (std::find(domain.begin(), domain.end(), value) != domain.end()) return;
      std::string match = util::closest_match(value, domain);
      error(node, "not_in_domain",
            "'" + value + "' is not a " + name + " value" +
                (match.empty() ? "; expected one of " + util::join(domain, ", ") : ", did you mean '" + match + "'?"));
    };
    if (fm.kind == SourceKind::kValue && fm.value) check(spec["value"], *fm.value);
    if (fm.default_value) check(spec["default"], *fm.default_value);
    if (!spec.IsMap() || !spec["steps"] || !spec["steps"].IsSequence()) return;
    const YAML::Node steps = spec["steps"];
    for (size_t i = 0; i < steps.size(); ++i) {
      const YAML::Node entry = steps[i];
      if (!entry.IsMap() || entry.size() != 1 || entry.begin()->first.Scalar() != "map") continue;
      // Only the last map decides the field's values.
      bool later_map = false;
      for (size_t j = i + 1; j < steps.size(); ++j) {
        later_map |= steps[j].IsMap() && steps[j].size() == 1 && steps[j].begin()->first.Scalar() == "map";
      }
      if (later_map) continue;
      const YAML::Node args = entry.begin()->second;
      const YAML::Node values = args.IsMap() && args["values"] ? args["values"] : args;
      if (values.IsMap()) {
        for (const auto& kv : values) {
          if (kv.second.IsScalar()) check(kv.second, kv.second.Scalar());
        }
      }
      if (args.IsMap() && args["values"] && args["else"] && args["else"].IsScalar()) {
        check(args["else"], args["else"].Scalar());
      }
    }
  }

  const config::YamlDocument& doc_;
  const config::Config& config_;
  const model::Model& model_;
  std::vector<Diagnostic>& out_;
  std::set<std::string> misspelled_;  // of the map last given to check_keys
};

std::vector<std::string> expand_paths(const std::vector<std::string>& paths, LoadResult& result) {
  std::vector<std::string> files;
  for (const auto& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::directory_iterator(path, ec)) {
        std::string ext = entry.path().extension().string();
        if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) found.push_back(entry.path().string());
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) {
        result.diagnostics.push_back(
            file_diagnostic(path, Severity::kWarning, "no_mapping_files", "folder holds no *.yaml mapping files"));
      }
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(path);
    }
  }
  return files;
}

}  // namespace

bool LoadResult::has_errors() const {
  return unreadable || std::any_of(diagnostics.begin(), diagnostics.end(),
                                   [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

transform::Kind kind_of(connector::ValueType type) {
  using connector::ValueType;
  switch (type) {
    case ValueType::kText: return Kind::kText;
    case ValueType::kInteger: return Kind::kInteger;
    case ValueType::kReal:
    case ValueType::kDecimal: return Kind::kDecimal;
    case ValueType::kBoolean: return Kind::kBoolean;
    case ValueType::kDate: return Kind::kDate;
    case ValueType::kTimestamp:
    case ValueType::kTimestampTz: return Kind::kTimestamp;
    case ValueType::kJson: return Kind::kJson;
    case ValueType::kTime:
    case ValueType::kBinary:
    case ValueType::kUnknown: return Kind::kAny;
  }
  return Kind::kAny;
}

bool kind_fits(transform::Kind kind, model::FieldType type) {
  using model::FieldType;
  if (type == FieldType::kString || type == FieldType::kText) return true;
  switch (kind) {
    case Kind::kAny:
    case Kind::kText: return true;
    case Kind::kInteger:
      return type == FieldType::kInteger || type == FieldType::kBigint || type == FieldType::kDecimal ||
             type == FieldType::kBoolean || type == FieldType::kId;
    case Kind::kDecimal: return type == FieldType::kDecimal;
    case Kind::kBoolean: return type == FieldType::kBoolean;
    case Kind::kDate: return type == FieldType::kDate || type == FieldType::kTimestamp;
    case Kind::kTimestamp: return type == FieldType::kTimestamp;
    case Kind::kJson: return type == FieldType::kJson;
  }
  return false;
}

void load_mapping_document(config::YamlDocument doc, const config::Config& config, const model::Model& model,
                           LoadResult& result) {
  const YAML::Node root = doc.root;
  BlockLoader loader(doc, config, model, result.diagnostics);
  auto add = [&](const YAML::Node& node, int index) {
    if (auto block = loader.load(node, index)) result.set.blocks.push_back(std::move(*block));
  };
  if (!root.IsDefined() || root.IsNull()) {
    result.diagnostics.push_back(file_diagnostic(doc.file, Severity::kWarning, "empty_file", "mapping file is empty"));
  } else if (!root.IsMap()) {
    result.diagnostics.push_back({location_of(doc, root), Severity::kError, "not_a_block",
                                  "a mapping file is a block (entity, source, table, key, fields) or 'mappings:' with a list of blocks"});
  } else if (root["mappings"]) {
    for (const auto& kv : root) {
      std::string key = kv.first.Scalar();
      if (key != "mappings" && key != "version") {
        result.diagnostics.push_back({location_of(doc, kv.first), Severity::kError, "unknown_key",
                                      "unknown key '" + key + "' beside 'mappings' (blocks go inside the list)"});
      }
    }
    const YAML::Node list = root["mappings"];
    if (!list.IsSequence()) {
      result.diagnostics.push_back({location_of(doc, list), Severity::kError, "bad_value", "'mappings' must be a list of blocks"});
    } else {
      for (size_t i = 0; i < list.size(); ++i) add(list[i], static_cast<int>(i));
    }
  } else {
    add(root, 0);
  }
  result.set.documents.push_back(std::move(doc));
}

LoadResult load_mappings(const std::vector<std::string>& paths, const config::Config& config,
                         const model::Model& model) {
  LoadResult result;
  for (const auto& file : expand_paths(paths, result)) {
    auto doc = config::load_yaml_file(file);
    if (doc.is_ok()) {
      load_mapping_document(std::move(doc).value(), config, model, result);
      continue;
    }
    result.unreadable = true;
    Diagnostic d = file_diagnostic(file, Severity::kError, "unreadable", "");
    take_located_message(doc.status().message(), d);
    // Keep the text (when it is of a sane size) so the report can show the line and a caret.
    std::string text;
    std::error_code ec;
    if (d.at.line > 0 && fs::file_size(file, ec) <= config::kMaxYamlBytes && !ec) {
      std::ifstream in(file, std::ios::binary);
      std::ostringstream buffer;
      buffer << in.rdbuf();
      text = buffer.str();
      d.code = "yaml_syntax";
    }
    result.diagnostics.push_back(std::move(d));
    result.set.documents.push_back({file, std::move(text), YAML::Node()});
  }
  return result;
}

}  // namespace csbridge::mapping
