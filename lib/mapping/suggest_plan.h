// `map suggest`, internal: what the suggestion is planned from — the tables
// that get a block (TablePlan), the blocks a table splits into (BlockPlan),
// the distinct values read from the source — and the Suggester that plans,
// chooses and writes. Its members live in suggest.cc (planning, steps,
// writing a block, run) and suggest_scoring.cc (choosing a field's source).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "assess/assessment.h"
#include "connector/connector.h"
#include "mapping/suggest.h"
#include "mapping/suggest_scoring.h"
#include "mapping/suggest_writer.h"
#include "model/cs_model.h"
#include "util/status.h"

namespace csbridge::mapping::suggest_detail {

// ---------------------------------------------------------------------------
// What the assessment says about the tables that get a block.
struct TablePlan {
  const assess::TableAssessment* table = nullptr;
  const model::Entity* entity = nullptr;
  std::vector<std::string> key;  // empty: no key found (a TODO)
  std::string key_reason;
  double key_confidence = 0;
  std::string key_prefix;        // set when several tables feed one entity
  std::string stripped_prefix;   // a word every column starts with ("rt" of rt_id, rt_score …)
  std::string where;             // SQL selecting this entity's rows of a table holding several (agents among users)
  std::string where_reason;
  // Name/value rows (RT's ObjectCustomFieldValues): fields given by what the rows are, not by column names.
  std::map<std::string, std::string> forced_columns;  // CS field → column
  std::map<std::string, std::string> forced_values;   // CS field → constant
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> forced_maps;  // CS field → map step
  std::string forced_reason;
  std::string only_branch_to;    // split a polymorphic reference only for the parent holding this entity
  bool name_value = false;       // a block over the rows of one name/value definition
};

struct Plans {
  std::vector<TablePlan> tables;  // in assessment order

  // The plan of `ref_table`; with `entity`, the plan loading that entity from it (a table of
  // users holds agents and customers), else the first.
  const TablePlan* find(std::string_view ref_table, std::string_view entity = {}) const {
    const TablePlan* first = nullptr;
    for (const TablePlan& p : tables) {
      if (p.table->ref.display() != ref_table && p.table->ref.name != ref_table) continue;
      if (entity.empty() || p.entity->name == entity) return &p;
      if (!first) first = &p;
    }
    return entity.empty() ? first : nullptr;
  }
};

// The legacy key of a table's block: its primary key, else a column id the data
// shows unique and never NULL, else its shortest unique key; none: a TODO.
void choose_key(TablePlan& p);

// ---------------------------------------------------------------------------
// Values read from the source.
struct ValueCount {
  std::string value;
  int64_t rows = 0;
};

struct DistinctValues {
  std::vector<ValueCount> values;  // most frequent first, then by value
  bool truncated = false;          // more distinct values, or more rows, than were read
};

class ValueReader {
 public:
  explicit ValueReader(connector::Connector& db) : db_(db) {}

  // The distinct values of `column` (most frequent first), read once and cached;
  // a read failure names the table and column.
  Result<const DistinctValues*> distinct(const assess::TableAssessment& t, const std::string& column);
  // The same for the rows `where` selects (SQL), read each time.
  Result<DistinctValues> distinct_where(const assess::TableAssessment& t, const std::string& column,
                                        const std::string& where);
  // Pairs of two columns of a small table (at most `limit` rows), in table order.
  Result<std::vector<std::pair<std::string, std::string>>> pairs(const assess::TableAssessment& t,
                                                                  const std::string& first, const std::string& second,
                                                                  int64_t limit);

 private:
  static constexpr size_t kReadBatchRows = 5000;
  connector::Connector& db_;
  std::map<std::string, DistinctValues> cache_;
};

// A polymorphic reference the block is split on: rows where type_column = value.
struct Branch {
  const assess::Relationship* relationship = nullptr;
  const TablePlan* parent = nullptr;
};

struct BlockPlan {
  const TablePlan* table = nullptr;
  std::optional<Branch> branch;
  std::vector<const assess::Relationship*> other_branches;  // of the same split, not this block's
  std::vector<std::string> header;                          // comment lines before the block
};

class Suggester {
 public:
  Suggester(connector::Connector& db, const assess::Assessment& assessment, const model::Model& model,
            const SuggestOptions& options)
      : values_(db), assessment_(assessment), model_(model), options_(options) {}

  Result<std::vector<SuggestedFile>> run();

 private:
  void plan_tables();
  void plan_people_split();
  Status plan_name_value_rows();
  Status plan_messages_and_events();
  Result<std::vector<BlockPlan>> plan_blocks(const TablePlan& t);
  Result<Lines> write_block(const BlockPlan& b, int& todos);
  Result<FieldChoice> choose(const BlockPlan& b, const model::Field& f);
  std::vector<Candidate> candidates(const BlockPlan& b, const model::Field& f);
  std::vector<Candidate> reference_candidates(const BlockPlan& b, const model::Field& f);
  Status add_enum_steps(const assess::TableAssessment& t, const assess::ColumnProfile& c, FieldChoice& choice);
  Status add_boolean_steps(const assess::TableAssessment& t, const assess::ColumnProfile& c, FieldChoice& choice);
  void add_time_steps(const assess::TableAssessment& t, const assess::ColumnProfile& c, FieldChoice& choice);
  bool constant_for(const BlockPlan& b, const model::Field& f, FieldChoice& choice);
  std::string missing_reason(const BlockPlan& b, const model::Field& f, const std::vector<FieldChoice>& done);
  void set_lookup(FieldChoice& choice, const assess::Relationship* r, const TablePlan* parent);

  ValueReader values_;
  const assess::Assessment& assessment_;
  const model::Model& model_;
  const SuggestOptions& options_;
  Plans plans_;
  std::vector<std::string> rejected_;  // tables with a guess too weak to suggest
};

}  // namespace csbridge::mapping::suggest_detail
