// Runs one mapping block over source rows: the field's source, its steps, its
// default, conversion to the CS field's type (canonical text), the masking
// policy, and the size/NUL checks — giving a CS row or the reason the row is
// rejected. Shared by `map preview`, `migrate` and `validate`, so that all
// three map a row the same way.
//
// Threads: a bound BlockMapper is immutable; map_row may run on several threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/config.h"
#include "connector/connector.h"
#include "mapping/mapping.h"
#include "model/cs_model.h"
#include "transform/step.h"

namespace csbridge::mapping {

// Index of `name` among `columns`: the exact name, else the only one equal
// ignoring ASCII case (legacy engines fold case); nullopt when none or several.
std::optional<size_t> find_column(const std::vector<connector::ColumnInfo>& columns, std::string_view name);

struct MapperSettings {
  std::string default_timezone = "UTC";       // zone of source timestamps without one
  std::string hmac_key;                       // for pseudonymize (policy and steps)
  const config::MaskingPolicy* masking = nullptr;  // nullptr: write values unmasked (preview --raw)
  // map preview only: a field still a TODO maps to kTodoPlaceholder instead of refusing the block
  // (migrate and validate refuse it: `map check` reports it).
  bool todo_placeholders = false;
};

inline constexpr std::string_view kTodoPlaceholder = "(TODO)";

// Settings for `block` from the config: the source's time zone (else the
// config's default), the HMAC key from the environment variable the policy names.
MapperSettings settings_for(const Block& block, const config::Config& config, const config::EnvLookup& env);

// One column of the mapped rows.
struct OutputColumn {
  std::string field;            // CS field ("custom" for the custom JSON)
  const model::Field* cs = nullptr;
  std::string lookup_entity;    // "" or the entity whose legacy key the value holds
  std::string lookup_system;    // that entity's source system
  bool lookup_orphans_to_null = false;  // a key with no such row becomes NULL instead of rejecting the row
  // A key space shared by these entities, tried in order (Lookup::shared): the key stays only
  // where lookup_entity is the first that holds it. Resolved before the load (migrate/shared_keys.h).
  std::vector<std::string> lookup_shared;
  // A `resolved:` field: the output index of the shared lookup it reports. map_row writes that
  // lookup's key here (or the default when the key is NULL); resolution replaces it with the
  // entity that holds the key, or the default when none does.
  std::optional<size_t> resolves;
  std::optional<std::string> resolved_default;
};

// Why a row is rejected. `code` is from the closed set of step errors plus
// no_key, required_missing, nul_byte, too_long, bad_value; `message` names the
// field and never the value.
struct RowReason {
  std::string field;
  std::string code;
  std::string message;
};
// The first reason is the error's own fields; `also` lists the row's other reasons (every
// field that failed, in field order), and `lookups` the legacy keys the row refers to
// (output index → key), so that the caller can name an orphan reference first.
struct RowError {
  std::string source_key;  // "" when the key itself is missing
  std::string field;
  std::string code;
  std::string message;
  std::vector<RowReason> also = {};
  std::vector<std::pair<size_t, std::string>> lookups = {};
};

class BlockMapper {
 public:
  // Binds `block` to the columns of its reader. Fails (kNotFound, naming the
  // block and column) when a column the block uses is not there.
  static Result<std::unique_ptr<BlockMapper>> bind(const Block& block, const std::vector<connector::ColumnInfo>& columns,
                                                   const MapperSettings& settings);
  ~BlockMapper();

  // The source columns to read (empty: all of them, as `custom: rest` needs).
  static std::vector<std::string> columns_to_read(const Block& block);

  // The PII class of what each source column feeds (free text for custom
  // columns, none for keys and lookups): how to mask source values shown in
  // previews and reject files. A column feeding several fields gets the
  // strictest of their classes (pii::stricter).
  static std::vector<model::PiiClass> source_pii(const Block& block, const std::vector<connector::ColumnInfo>& columns);
  // The class the source values of field `f` are shown as, valid or not: the
  // field's (of a pii_by field: the class its constant kind picks, or the
  // strictest it may have when the kind is read per row), made stricter by a
  // step that reads its input as a class (phone). kNone for lookups.
  static model::PiiClass source_pii_of(const Block& block, const FieldMapping& f);

  // The mapped columns after the leading source_key column, in order.
  const std::vector<OutputColumn>& outputs() const { return outputs_; }

  // Maps row `row` of `in`. On success appends a row (source_key, then one
  // cell per output) to `out` and returns true; otherwise fills `error` and
  // appends nothing.
  bool map_row(const connector::Batch& in, size_t row, connector::Batch& out, RowError& error) const;

  const Block& block() const { return block_; }
  // The source columns of the legacy key, in the block's key order.
  const std::vector<size_t>& key_columns() const { return key_columns_; }

 private:
  struct FieldPlan;
  struct Masking;
  BlockMapper(const Block& block, MapperSettings settings);

  // How `plan` masks its field: by the field's class, or per row by the class
  // its pii_by field picks (model::Field::pii_by).
  static void bind_masking(const Block& block, const model::Field& cs, const MapperSettings& settings,
                           FieldPlan& plan);
  // Parts of map_row for a non-NULL value of a CS field: conversion to the
  // field's type and its domain checks; then the masking policy and the
  // checks of what is written (NUL, length, required after a drop).
  static std::optional<transform::StepError> typed(const FieldPlan& plan, transform::Value& v);
  static std::optional<transform::StepError> protect(const FieldPlan& plan, const Masking& masking,
                                                     transform::Value& v);
  // The other parts of map_row: the row's legacy key ("" and `error` set when a key column is
  // NULL); one field through its steps, on_error, default, conversion and masking (nullopt, or
  // why it fails; a value on_error: null turns away goes to `invalid`); the custom JSON object
  // of the row (nullopt: no custom; a StepError for a NUL byte).
  struct InvalidValue;
  bool legacy_key(const connector::Batch& in, size_t row, std::string& key, RowError& error) const;
  std::optional<transform::StepError> map_field(const FieldPlan& plan, const connector::Batch& in, size_t row,
                                                transform::Value& v, std::vector<InvalidValue>& invalid) const;
  std::variant<std::optional<std::string>, transform::StepError> custom_object(
      const connector::Batch& in, size_t row, std::vector<InvalidValue>& invalid) const;

  const Block& block_;
  MapperSettings settings_;
  std::vector<size_t> key_columns_;
  std::vector<FieldPlan> plans_;
  std::vector<OutputColumn> outputs_;
  std::vector<std::pair<std::string, size_t>> custom_;  // name → source column
  std::vector<std::pair<size_t, size_t>> resolved_;     // output of a resolved field → output of its lookup
  std::optional<size_t> custom_output_;
  std::vector<std::string> columns_;  // source column names, for messages
};

}  // namespace csbridge::mapping
