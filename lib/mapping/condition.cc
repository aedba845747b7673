#include "mapping/condition.h"

#include <algorithm>

#include "mapping/row_mapper.h"
#include "util/strings.h"

namespace csbridge::mapping {
namespace {

Location at_node(const config::YamlDocument& doc, const YAML::Node& node) {
  Location at{doc.file, 0, 0};
  if (node.IsDefined() && node.Mark().line >= 0) {
    at.line = node.Mark().line + 1;
    at.col = node.Mark().column + 1;
  }
  return at;
}

class ConditionParser {
 public:
  ConditionParser(const config::YamlDocument& doc, bool allow_tables, std::vector<Diagnostic>& out)
      : doc_(doc), allow_tables_(allow_tables), out_(out) {}

  bool parse(const YAML::Node& node, Condition& condition, int depth = 0) {
    condition.at = at_node(doc_, node);
    if (!node.IsMap() || node.size() == 0) {
      error(node, "bad_value", "a condition maps column names to the values they must hold");
      return false;
    }
    if (depth > 4) {
      error(node, "bad_value", "conditions nest at most 4 tables deep");
      return false;
    }
    bool ok = true;
    for (const auto& kv : node) {
      ColumnTest test;
      test.column = kv.first.Scalar();
      test.at = at_node(doc_, kv.first);
      if (test.column.empty()) {
        error(kv.first, "bad_value", "a condition's keys are column names");
        ok = false;
        continue;
      }
      if (!parse_test(kv.second, test, depth)) {
        ok = false;
        continue;
      }
      condition.tests.push_back(std::move(test));
    }
    return ok;
  }

 private:
  void error(const YAML::Node& node, std::string code, std::string message) {
    out_.push_back({at_node(doc_, node), Severity::kError, std::move(code), std::move(message)});
  }

  // Values of a scalar, null or a list of them.
  bool values_of(const YAML::Node& node, ColumnTest& test) {
    if (node.IsNull()) {
      test.null_listed = true;
      return true;
    }
    if (node.IsScalar()) {
      test.values.push_back(node.Scalar());
      return true;
    }
    if (node.IsSequence() && node.size() > 0) {
      for (const auto& v : node) {
        if (v.IsNull()) test.null_listed = true;
        else if (v.IsScalar()) test.values.push_back(v.Scalar());
        else {
          error(v, "bad_value", "a list of values holds single values (or null)");
          return false;
        }
      }
      return true;
    }
    error(node, "bad_value", "expected a value, a list of values or null");
    return false;
  }

  bool parse_test(const YAML::Node& node, ColumnTest& test, int depth) {
    if (!node.IsMap()) return values_of(node, test);
    if (node.size() != 1) {
      error(node, "bad_value", "a column's test is a value, a list, null, or one of {not: …}, {in: …}, {not_in: …}");
      return false;
    }
    const std::string op = node.begin()->first.Scalar();
    const YAML::Node arg = node.begin()->second;
    if (op == "not") {
      test.op = ColumnTest::Op::kNotIn;
      return values_of(arg, test);
    }
    if (op != "in" && op != "not_in") {
      std::string match = util::closest_match(op, {"not", "in", "not_in"});
      error(node.begin()->first, "unknown_key",
            "unknown test '" + op + "'" + (match.empty() ? "; known: not, in, not_in" : ", did you mean '" + match + "'?"));
      return false;
    }
    test.op = op == "in" ? ColumnTest::Op::kInTable : ColumnTest::Op::kNotInTable;
    if (!allow_tables_) {
      error(node.begin()->first, "bad_value", "'" + op + "' reads another table: only a block's filter and a related table's filter can");
      return false;
    }
    if (!arg.IsMap()) {
      error(arg, "bad_value", "'" + op + "' needs {table: T, column: C} (and optionally where: CONDITION)");
      return false;
    }
    for (const auto& kv : arg) {
      std::string key = kv.first.Scalar();
      if (key != "table" && key != "column" && key != "where") {
        std::string match = util::closest_match(key, {"table", "column", "where"});
        error(kv.first, "unknown_key",
              "unknown key '" + key + "'" + (match.empty() ? "; known: table, column, where" : ", did you mean '" + match + "'?"));
        return false;
      }
    }
    for (const char* key : {"table", "column"}) {
      if (!arg[key] || !arg[key].IsScalar() || arg[key].Scalar().empty()) {
        error(arg, "bad_value", "'" + op + "' needs '" + key + "' (a name)");
        return false;
      }
    }
    test.table = arg["table"].Scalar();
    test.table_column = arg["column"].Scalar();
    if (arg["where"]) {
      auto where = std::make_shared<Condition>();
      if (!parse(arg["where"], *where, depth + 1)) return false;
      test.where = std::move(where);
    }
    return true;
  }

  const config::YamlDocument& doc_;
  bool allow_tables_;
  std::vector<Diagnostic>& out_;
};

// "x IN ('a', 'b')" for a list of values.
std::string in_list(const std::string& column, const std::vector<std::string>& values, const SqlWriter& sql) {
  std::string out = column + " IN (";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + sql.text(values[i]);
  return out + ")";
}

}  // namespace

bool Condition::reads_tables() const {
  return std::any_of(tests.begin(), tests.end(), [](const ColumnTest& t) {
    return t.op == ColumnTest::Op::kInTable || t.op == ColumnTest::Op::kNotInTable;
  });
}

bool parse_condition(const config::YamlDocument& doc, const YAML::Node& node, bool allow_tables, Condition& out,
                     std::vector<Diagnostic>& diagnostics) {
  return ConditionParser(doc, allow_tables, diagnostics).parse(node, out);
}

Result<std::string> condition_sql(const Condition& condition, const std::string& table, const SqlWriter& sql) {
  std::vector<std::string> parts;
  for (const ColumnTest& t : condition.tests) {
    CSB_ASSIGN_OR_RETURN(std::string column, sql.column(table, t.column));
    switch (t.op) {
      case ColumnTest::Op::kIn: {
        std::vector<std::string> any;
        if (!t.values.empty()) any.push_back(in_list(column, t.values, sql));
        if (t.null_listed) any.push_back(column + " IS NULL");
        parts.push_back(any.size() == 1 ? any.front() : "(" + util::join(any, " OR ") + ")");
        break;
      }
      case ColumnTest::Op::kNotIn: {
        std::vector<std::string> all;
        if (t.null_listed) all.push_back(column + " IS NOT NULL");
        if (!t.values.empty()) {
          std::string none = "NOT (" + in_list(column, t.values, sql) + ")";
          all.push_back(t.null_listed ? none : "(" + column + " IS NULL OR " + none + ")");
        }
        parts.push_back(util::join(all, " AND "));
        break;
      }
      case ColumnTest::Op::kInTable:
      case ColumnTest::Op::kNotInTable: {
        CSB_ASSIGN_OR_RETURN(std::string other, sql.table(t.table));
        CSB_ASSIGN_OR_RETURN(std::string other_column, sql.column(t.table, t.table_column));
        std::string where = other_column + " IS NOT NULL";  // NOT IN over a NULL would take no row at all
        if (t.where) {
          CSB_ASSIGN_OR_RETURN(std::string inner, condition_sql(*t.where, t.table, sql));
          if (!inner.empty()) where += " AND " + inner;
        }
        std::string select = "SELECT " + other_column + " FROM " + other + " WHERE " + where;
        parts.push_back(t.op == ColumnTest::Op::kInTable ? column + " IN (" + select + ")"
                                                         : "(" + column + " IS NULL OR " + column + " NOT IN (" + select + "))");
        break;
      }
    }
  }
  if (parts.empty()) return std::string();
  return parts.size() == 1 ? parts.front() : "(" + util::join(parts, ") AND (") + ")";
}

Result<RowTest> RowTest::bind(const Condition& condition, const std::vector<connector::ColumnInfo>& columns,
                              std::string_view subject) {
  RowTest out;
  for (const ColumnTest& t : condition.tests) {
    if (t.op == ColumnTest::Op::kInTable || t.op == ColumnTest::Op::kNotInTable) {
      return invalid_argument(std::string(subject) + ": the test of '" + t.column + "' reads another table");
    }
    auto i = find_column(columns, t.column);
    if (!i) return not_found(std::string(subject) + ": the source has no column '" + t.column + "'");
    out.tests_.emplace_back(&t, *i);
  }
  return out;
}

bool RowTest::matches(const connector::Batch& batch, size_t row) const {
  for (const auto& [t, i] : tests_) {
    bool listed;
    if (batch.is_null(row, i)) {
      listed = t->null_listed;
    } else {
      std::string_view v = batch.get(row, i);
      listed = std::find(t->values.begin(), t->values.end(), v) != t->values.end();
    }
    if (listed != (t->op == ColumnTest::Op::kIn)) return false;
  }
  return true;
}

std::vector<std::string> condition_columns(const Condition& condition) {
  std::vector<std::string> out;
  for (const ColumnTest& t : condition.tests) {
    if (std::find(out.begin(), out.end(), t.column) == out.end()) out.push_back(t.column);
  }
  return out;
}

}  // namespace csbridge::mapping

namespace csbridge::mapping {
namespace {

const std::vector<std::string> kHopKeys = {"table", "key", "filter", "order", "column", "columns"};
const std::vector<std::string> kPathKeys = {"by", "pick", "separator", "path"};

class RelatedParser {
 public:
  RelatedParser(const config::YamlDocument& doc, std::vector<Diagnostic>& out) : doc_(doc), out_(out) {}

  bool parse(const YAML::Node& node, Related& r) {
    if (!node.IsMap()) {
      error(node, "bad_value", "'from' must be a map: {table, key, column, …} or {path: [...], …}");
      return false;
    }
    bool has_path = static_cast<bool>(node["path"]);
    std::vector<std::string> known = kPathKeys;
    if (!has_path) known.insert(known.end(), kHopKeys.begin(), kHopKeys.end());
    bool ok = keys_known(node, known);
    if (node["by"]) {
      r.on_at = at_node(doc_, node["by"]);
      ok &= name(node["by"], "by", r.on);
    }
    if (const YAML::Node pick = node["pick"]) {
      std::string p = pick.IsScalar() ? pick.Scalar() : "";
      if (p == "first") r.pick = Related::Pick::kFirst;
      else if (p == "last") r.pick = Related::Pick::kLast;
      else if (p == "all") r.pick = Related::Pick::kAll;
      else {
        error(pick, "bad_value", "'pick' must be first, last or all");
        ok = false;
      }
    }
    if (const YAML::Node sep = node["separator"]) {
      if (sep.IsScalar()) r.separator = sep.Scalar();
      else {
        error(sep, "bad_value", "'separator' must be a text");
        ok = false;
      }
    }
    if (!has_path) {
      RelatedHop hop;
      ok &= parse_hop(node, hop, true);
      r.hops.push_back(std::move(hop));
      return ok;
    }
    const YAML::Node path = node["path"];
    if (!path.IsSequence() || path.size() == 0) {
      error(path, "bad_value", "'path' lists the hops to the related rows, each a map {table, key, column, …}");
      return false;
    }
    for (size_t i = 0; i < path.size(); ++i) {
      RelatedHop hop;
      if (!path[i].IsMap()) {
        error(path[i], "bad_value", "a hop is a map {table, key, filter, order, column}");
        ok = false;
        continue;
      }
      ok &= keys_known(path[i], kHopKeys);
      ok &= parse_hop(path[i], hop, i + 1 == path.size());
      r.hops.push_back(std::move(hop));
    }
    return ok;
  }

 private:
  void error(const YAML::Node& node, std::string code, std::string message) {
    out_.push_back({at_node(doc_, node), Severity::kError, std::move(code), std::move(message)});
  }

  bool keys_known(const YAML::Node& map, const std::vector<std::string>& known) {
    bool ok = true;
    for (const auto& kv : map) {
      std::string key = kv.first.Scalar();
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string match = util::closest_match(key, known);
      error(kv.first, "unknown_key",
            "unknown key '" + key + "' in from" + (match.empty() ? "; known: " + util::join(known, ", ")
                                                                 : ", did you mean '" + match + "'?"));
      ok = false;
    }
    return ok;
  }

  bool name(const YAML::Node& node, const char* what, std::string& out) {
    if (!node.IsScalar() || node.Scalar().empty()) {
      error(node, "bad_value", std::string("'") + what + "' must be a name");
      return false;
    }
    out = node.Scalar();
    return true;
  }

  bool parse_hop(const YAML::Node& node, RelatedHop& hop, bool last) {
    hop.at = at_node(doc_, node);
    bool ok = true;
    for (const char* key : {"table", "key"}) {
      if (!node[key]) {
        error(node, "missing_key", std::string("a related table needs '") + key + "'");
        ok = false;
      }
    }
    if (node["table"]) ok &= name(node["table"], "table", hop.table);
    if (node["key"]) {
      hop.key_at = at_node(doc_, node["key"]);
      ok &= name(node["key"], "key", hop.key);
    }
    if (node["filter"]) ok &= parse_condition(doc_, node["filter"], true, hop.filter, out_);
    if (const YAML::Node order = node["order"]) {
      std::vector<YAML::Node> items;
      if (order.IsSequence()) {
        for (const auto& o : order) items.push_back(o);
      } else {
        items.push_back(order);
      }
      for (const auto& o : items) {
        std::string n;
        if (name(o, "order", n)) {
          hop.order.push_back(n);
          hop.order_at.push_back(at_node(doc_, o));
        } else {
          ok = false;
        }
      }
    }
    bool has_column = static_cast<bool>(node["column"]), has_columns = static_cast<bool>(node["columns"]);
    if (has_column == has_columns) {
      error(node, "bad_value", "a related table needs exactly one of 'column' or 'columns' (the values the field reads)");
      return false;
    }
    if (has_column) {
      std::string n;
      if (!name(node["column"], "column", n)) return false;
      hop.columns.push_back(n);
      hop.column_at.push_back(at_node(doc_, node["column"]));
    } else {
      const YAML::Node cols = node["columns"];
      if (!last) {
        error(cols, "bad_value", "a hop before the last carries one 'column' to the next");
        return false;
      }
      if (!cols.IsSequence() || cols.size() < 2) {
        error(cols, "bad_value", "'columns' must list two or more columns (use 'column' for one)");
        return false;
      }
      for (const auto& c : cols) {
        std::string n;
        if (!name(c, "columns", n)) return false;
        hop.columns.push_back(n);
        hop.column_at.push_back(at_node(doc_, c));
      }
    }
    return ok;
  }

  const config::YamlDocument& doc_;
  std::vector<Diagnostic>& out_;
};

}  // namespace

bool parse_related(const config::YamlDocument& doc, const YAML::Node& node, const std::string& field, Related& out,
                   std::vector<Diagnostic>& diagnostics) {
  out.name = field;
  return RelatedParser(doc, diagnostics).parse(node, out);
}

}  // namespace csbridge::mapping
