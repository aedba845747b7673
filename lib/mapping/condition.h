// Conditions of the mapping language: tests of rows by their column values,
// written without SQL (README "Mapping files": `filter:`, `when:`). The same
// condition runs in a database as a predicate csbridge writes in that
// engine's SQL (names and text quoted its way), or on rows already read.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/yaml_source.h"
#include "connector/connector.h"
#include "mapping/mapping.h"

namespace csbridge::mapping {

// Reads a condition: a map of column → test, where a test is
//   VALUE                     the column equals it (as text: 0 matches "0")
//   [V1, V2, …]               one of them; `null` (~) among them matches NULL
//   null                      the column is NULL
//   {not: VALUE | [..] | null}  none of them (NULL passes unless listed)
//   {in: {table: T, column: C, where: CONDITION}}      among T.C of T's rows that pass `where`
//   {not_in: {table: T, column: C, where: CONDITION}}  not among them (NULL passes)
// `allow_tables` false refuses in/not_in (conditions checked on rows already read). Every problem
// becomes a diagnostic at its node (code bad_value or unknown_key); false when there was one.
bool parse_condition(const config::YamlDocument& doc, const YAML::Node& node, bool allow_tables, Condition& out,
                     std::vector<Diagnostic>& diagnostics);

// How a condition is written in one source's SQL: the names as the source spells them (a
// table or column written in another case is found the way legacy engines fold case) and
// quoted its way.
struct SqlWriter {
  // The quoted name of a table as written in the mapping; kNotFound naming it when none.
  std::function<Result<std::string>(const std::string& table)> table;
  // The quoted name of `column` of `table` ("" = the table the condition tests).
  std::function<Result<std::string>(const std::string& table, const std::string& column)> column;
  // The constants an IN list needs to match a value (Connector::quote_match).
  std::function<std::string(std::string_view)> text;
};

// The predicate; "" for an empty condition. `table` is the table the condition tests.
Result<std::string> condition_sql(const Condition& condition, const std::string& table, const SqlWriter& sql);

// The condition bound to the columns of rows read (no in/not_in).
class RowTest {
 public:
  RowTest() = default;
  // kNotFound naming the column when the rows lack one the condition tests.
  static Result<RowTest> bind(const Condition& condition, const std::vector<connector::ColumnInfo>& columns,
                              std::string_view subject);
  bool empty() const { return tests_.empty(); }
  bool matches(const connector::Batch& batch, size_t row) const;

 private:
  std::vector<std::pair<const ColumnTest*, size_t>> tests_;
};

// The columns a condition tests in its own table (not those of in/not_in tables).
std::vector<std::string> condition_columns(const Condition& condition);

}  // namespace csbridge::mapping

namespace csbridge::mapping {

// Reads a field's `from:` (README "Mapping files"): one hop as a map
//   {table, key, by, filter, order, column | columns, pick, separator}
// or a path {path: [hop, …], by, pick, separator}, where every hop but the last names the one
// `column` carried to the next. Problems become diagnostics at their node; false when there was one.
bool parse_related(const config::YamlDocument& doc, const YAML::Node& node, const std::string& field, Related& out,
                   std::vector<Diagnostic>& diagnostics);

}  // namespace csbridge::mapping
