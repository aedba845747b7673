// Renders what `schema show` and `source list|describe|read` report: the CS
// model, a source's tables, and rows. Text for people, JSON for scripts
// (keys documented in schemas/source_describe.schema.json and
// schemas/cs_model_show.schema.json). Pure functions: no I/O.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "connector/connector.h"
#include "model/cs_model.h"

namespace csbridge::report {

// The model, or one entity of it when `entity` is non-null.
std::string model_text(const model::Model& model, const model::Entity* entity);
nlohmann::json model_json(const model::Model& model, const model::Entity* entity);

struct TableReport {
  connector::TableInfo info;
  connector::RowCount count;
};

std::string tables_text(const connector::SourceInfo& source, const std::vector<TableReport>& tables);
nlohmann::json tables_json(const connector::SourceInfo& source, const std::vector<TableReport>& tables);

// Rows as CSV (RFC 4180, header first, NULL as an empty unquoted field and ""
// for the empty string) or JSON Lines (one object per row, NULL as null).
enum class RowFormat { kCsv, kJsonl };
std::string rows_header(const std::vector<connector::ColumnInfo>& columns, RowFormat format);
std::string rows_body(const std::vector<connector::ColumnInfo>& columns, const connector::Batch& batch,
                      RowFormat format);

}  // namespace csbridge::report
