// DDL for the CS model: CREATE TABLE statements in dependency order, with the
// provenance unique constraint (source_system, source_key) on every entity and
// foreign keys for references. The output applies cleanly to an empty database.
#pragma once

#include <string>
#include <string_view>

#include "model/cs_model.h"
#include "util/status.h"

namespace csbridge::model {

enum class Dialect { kPostgres, kSqlite };

// "postgres"/"postgresql"/"pg" or "sqlite"; kInvalidArgument otherwise.
Result<Dialect> parse_dialect(std::string_view name);
const char* dialect_name(Dialect dialect);

struct DdlOptions {
  std::string schema;          // PostgreSQL schema to create and use ("" = the search_path default)
  bool if_not_exists = false;  // CREATE … IF NOT EXISTS, so applying twice is harmless
};

// The whole DDL script. Identifiers are always quoted by the dialect's rules.
std::string generate_ddl(const Model& model, Dialect dialect, const DdlOptions& options = {});

// The column type of a (non-key) field in the dialect, as the DDL declares it:
// "varchar(100)", "timestamptz", "numeric(18,2)", "jsonb" / "VARCHAR(100)", "TIMESTAMP", …
std::string column_type(const Field& field, Dialect dialect);

// Quotes an identifier for the dialect: "a""b" (both dialects use double quotes).
std::string quote_identifier(std::string_view name);

}  // namespace csbridge::model
