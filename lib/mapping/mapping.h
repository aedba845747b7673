// Mapping files: how legacy tables become rows of CS-model entities. The
// language is described in README.md ("Mapping files") and
// schemas/mapping.schema.json. These are the loaded, located form of those
// files; loader.h reads them, check.h judges them, row_mapper.h runs them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/yaml_source.h"
#include "connector/connector.h"
#include "model/cs_model.h"
#include "transform/step.h"

namespace csbridge::mapping {

// Where something was written: 1-based line and column (0 = unknown).
struct Location {
  std::string file;
  int line = 0;
  int col = 0;
};

enum class Severity { kError, kWarning };
const char* severity_name(Severity severity);

// One problem found in the mapping files, e.g.
//   mappings/ticket.yaml:12:5: error: unknown column 'titel' in tickets, did you mean 'title'?
struct Diagnostic {
  Location at;
  Severity severity = Severity::kError;
  std::string code;     // stable id for scripts: unknown_column, required_unmapped, yaml_syntax, …
  std::string message;  // one line, no location
};

// "file:line:col: severity: message" followed by the source line and a caret
// when `text` (the file's content) is given.
std::string format_diagnostic(const Diagnostic& diagnostic, std::string_view text = {});

enum class SourceKind {
  kColumn,    // column: NAME (or the shorthand `field: NAME`); with `from:`, a column of related rows
  kColumns,   // columns: [a, b] — combined by a step of arity -1 (concat, template, coalesce, decode)
  kValue,     // value: CONSTANT (null allowed)
  kTodo,      // todo: "…" — left by map suggest for a person to fill
  kResolved,  // resolved: FIELD — the entity FIELD's shared-key lookup resolved to (author_kind)
};

// A test of rows by their column values, written without SQL (a block's `filter:`, a lookup's
// `when:`, a related table's `filter:`). Every test must hold. Values compare as canonical text.
struct Condition;
struct ColumnTest {
  enum class Op {
    kIn,          // the value is one of `values` (a scalar or a list; null in the list: NULL matches)
    kNotIn,       // {not: X}: the value is none of `values` (NULL is none of them unless listed)
    kInTable,     // {in: {table, column, where}}: the value is among a column of another table's rows
    kNotInTable,  // {not_in: {…}}
  };
  std::string column;
  Op op = Op::kIn;
  std::vector<std::string> values;
  bool null_listed = false;  // kIn / kNotIn: null is among the values
  std::string table;         // kInTable / kNotInTable: the other table ("schema.table" allowed)
  std::string table_column;  //   and its column
  std::shared_ptr<const Condition> where;  // rows of that table taken (nullptr: all)
  Location at;               // the column name
};
struct Condition {
  std::vector<ColumnTest> tests;
  Location at;
  bool empty() const { return tests.empty(); }
  // Whether the condition reads other tables (only databases can run it).
  bool reads_tables() const;
};

struct Lookup {
  std::string entity;      // the entity whose legacy key the value is (the field's reference)
  std::string key_prefix;  // that entity's block key_prefix
  std::string source;      // that entity's source system ("" = this block's source)
  bool orphans_to_null = false;  // `orphans: null`: a key with no such row becomes NULL (else the row is rejected)
  // `entity: [agent, customer]`: one key space shared by several entities, tried in this order;
  // the field keeps the key only when `entity` is the first that holds it (another: NULL).
  std::vector<std::string> shared;
  Condition when;          // `when:` the lookup applies only to rows that pass (others: NULL)
  Location at;
};

// One step of a path to related rows: rows of `table` whose `key` column equals a value carried in.
struct RelatedHop {
  std::string table;
  std::string key;
  Condition filter;
  std::vector<std::string> order;    // within the rows of one value carried in (ascending)
  std::vector<std::string> columns;  // the last hop: the columns the field reads; others: one column carried on
  Location at, key_at;
  std::vector<Location> column_at, order_at;
};

// `from:` — a field taken from rows of related tables, found by one keyed read per hop and batch.
struct Related {
  enum class Pick { kFirst, kLast, kAll };
  std::string on;                 // `by:` the block's column whose value starts the path ("" = the block's key)
  Location on_at;
  std::vector<RelatedHop> hops;   // one or more
  Pick pick = Pick::kFirst;
  std::string separator = "\n";   // kAll: between the values joined
  std::string name;               // the field's name: the read's columns are "<name>~<column>"
};

struct StepSpec {
  std::string name;
  std::unique_ptr<transform::Step> step;
  Location at;
};

struct FieldMapping {
  std::string field;           // CS field name
  const model::Field* cs = nullptr;
  SourceKind kind = SourceKind::kColumn;
  std::vector<std::string> columns;       // kColumn: one; kColumns: several
  std::vector<Location> column_at;        // parallel to columns
  std::optional<std::string> value;       // kValue: the constant (nullopt = null)
  std::string todo;                       // kTodo: the note
  std::vector<StepSpec> steps;
  std::optional<std::string> default_value;
  std::optional<Lookup> lookup;
  std::optional<Related> from;            // columns are those of related rows (see Related::name)
  std::string resolved;                   // kResolved: the field whose shared-key lookup it reports
  bool on_error_null = false;             // `on_error: null`: a value the steps refuse becomes NULL (kept in custom)
  bool invalid = false;                   // its spec had an error (reported); not to be run
  Location at;                            // the field's key
};

enum class CustomMode { kRest, kNone, kList };

// One block: one table (or query) of one source into one CS entity.
// `deletes:` of a block: how migrate sees rows deleted in the source (migrate/deletes.h).
struct Deletes {
  enum class Mode {
    kNone,
    kSoft,  // {column: C, values: [V, …]}: rows whose C is one of the values are deletions
    kKeys,  // `keys`: keys the target holds that the source no longer gives are deletions
  };
  Mode mode = Mode::kNone;
  ColumnTest deleted;  // kSoft: the test of a deleted row (kIn over `values`)
  Location at;
};

struct Block {
  std::string entity;
  const model::Entity* cs = nullptr;
  std::string source;        // name in csbridge.yaml
  std::string table;         // exactly one of table / query
  std::string query;
  std::vector<std::string> key;
  std::vector<Location> key_at;
  std::string key_prefix;
  std::string where;
  Condition filter;          // `filter:`: rows tested by column values (no SQL), ANDed with `where`
  bool distinct = false;     // `distinct: true`: rows sharing a legacy key are one row (the first read)
  std::string watermark;     // column that grows with every change (migrate --since)
  // How deletes are seen. kSoft also adds the negation of `deletes.deleted` to `filter` (the
  // loader does), so that every reader of the block (migrate, validate, plan, preview) reads
  // only live rows.
  Deletes deletes;
  std::vector<FieldMapping> fields;
  CustomMode custom = CustomMode::kRest;
  std::vector<std::string> custom_columns;
  std::vector<Location> custom_at;

  Location at;               // the block's first key
  Location entity_at, source_at, table_at, fields_at;
  int index = 0;             // position in the file (0-based), for names

  // "ticket (tickets.yaml#1)": how messages and progress name the block.
  std::string display() const;
  // Stable id of the block across runs: "file-stem#index:entity", used for checkpoints.
  std::string scope() const;
  const FieldMapping* field(std::string_view name) const;
  // The table as the source names it: "public.tickets" is table tickets of schema public.
  connector::TableRef table_ref() const { return connector::parse_table_ref(table); }
};

// All mapping files of a project, as loaded.
struct MappingSet {
  std::vector<config::YamlDocument> documents;  // one per file that parsed
  std::vector<Block> blocks;                    // in file order

  std::vector<const Block*> blocks_of(std::string_view entity) const;
  // The text of `file` when it was loaded (for carets), "" otherwise.
  std::string_view text_of(const std::string& file) const;
};

}  // namespace csbridge::mapping
