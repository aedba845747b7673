// `map suggest`, internal: writing what was chosen as YAML with its comments —
// the lines of a block, one field's choice, the file around the blocks — and
// the quoting of YAML scalars and SQL. Public entry: yaml_scalar (suggest.h).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "assess/assessment.h"
#include "model/cs_model.h"

namespace csbridge::mapping::suggest_detail {

// A confidence as written in comments: two decimals, clamped to 0..1.
std::string conf(double c);
// "1 row", "12 rows".
std::string rows_text(int64_t n);
// A YAML flow list of scalars: [a, "b: c"].
std::string flow_list(const std::vector<std::string>& items);
// A name as a SQL identifier, double-quoted unless plain; a value as a SQL string literal.
std::string sql_identifier(std::string_view name);
std::string sql_literal(std::string_view value);

// ---------------------------------------------------------------------------
// Output: lines of YAML with their comments.
class Lines {
 public:
  void add(int indent, std::string_view text) { lines_.push_back(std::string(indent, ' ') + std::string(text)); }
  void comment(int indent, std::string_view text) {
    std::string t(text);
    std::replace(t.begin(), t.end(), '\n', ' ');
    add(indent, "# " + t);
  }
  void append(const Lines& other, int indent) {
    for (const std::string& l : other.lines_) lines_.push_back(l.empty() ? l : std::string(indent, ' ') + l);
  }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::vector<std::string> lines_;
};

// ---------------------------------------------------------------------------
// One field's choice, ready to be written.
struct FieldChoice {
  // kLeftOut: not written; listed in a comment (optional without a source, or another block's).
  enum class Kind { kColumn, kColumns, kValue, kTodo, kLeftOut } kind = Kind::kColumn;
  const model::Field* field = nullptr;
  double confidence = 0;
  std::string reason;
  std::vector<std::string> notes;     // further comment lines
  std::vector<std::string> columns;
  std::string value;                  // kValue
  std::string todo;                   // kTodo
  std::string lookup_entity, lookup_prefix;
  bool orphans_to_null = false;
  Lines steps;                        // "- trim" … at indent 0
  bool has_steps = false;
  bool unsourced = false;             // a TODO for want of a column: its hints need every other choice
};

// The field's comment lines and its YAML (2 spaces in, under `fields:`).
void write_field(Lines& out, const FieldChoice& c);
// A whole file: a header comment, then one block at top level or several under `mappings:`.
std::string file_text(const model::Entity& e, const std::vector<Lines>& blocks, const assess::Assessment& a);

}  // namespace csbridge::mapping::suggest_detail
