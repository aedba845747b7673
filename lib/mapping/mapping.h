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
  kColumn,   // column: NAME (or the shorthand `field: NAME`)
  kColumns,  // columns: [a, b] — combined by a concat/template step
  kValue,    // value: CONSTANT (null allowed)
  kTodo,     // todo: "…" — left by map suggest for a person to fill
};

struct Lookup {
  std::string entity;      // the entity whose legacy key the value is
  std::string key_prefix;  // that entity's block key_prefix
  std::string source;      // that entity's source system ("" = this block's source)
  bool orphans_to_null = false;  // `orphans: null`: a key with no such row becomes NULL (else the row is rejected)
  Location at;
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
  bool on_error_null = false;             // `on_error: null`: a value the steps refuse becomes NULL (kept in custom)
  bool invalid = false;                   // its spec had an error (reported); not to be run
  Location at;                            // the field's key
};

enum class CustomMode { kRest, kNone, kList };

// One block: one table (or query) of one source into one CS entity.
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
  std::string watermark;     // column that grows with every change (migrate --since)
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
