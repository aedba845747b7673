// Internal to the ODBC backend: SQL types as csbridge's value types, column
// metadata, and the canonical text of values read through SQL_C_CHAR (connector.h).
#pragma once

#include <sql.h>
#include <sqlext.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connector/connector.h"
#include "connector/odbc_handles.h"

namespace csbridge::connector::odbc {

constexpr SQLLEN kMaxBoundCellBytes = 16 * 1024;  // wider columns are read as long columns
constexpr SQLLEN kUtf8BytesPerChar = 4;           // sizes are declared in characters

bool is_char_type(SQLSMALLINT t);
bool is_binary_type(SQLSMALLINT t);
bool is_long_type(SQLSMALLINT t);

// The value type of a column of `sql_type` declared as `declared`.
ValueType value_type_of(SQLSMALLINT sql_type, const std::string& declared);

// The declared type as "varchar(20)" / "decimal(10,2)": lower case, with the
// length the driver reports separately. `typmod` is psqlodbc's extra column:
// -1 there means an unconstrained varchar/numeric, whose size is a default.
std::string declared_type(const std::string& type_name, SQLSMALLINT sql_type, int64_t size, int64_t digits,
                          std::optional<int64_t> typmod);

struct ColumnMeta {
  ColumnInfo info;
  SQLSMALLINT sql_type = SQL_UNKNOWN_TYPE;
  int64_t size = 0;  // COLUMN_SIZE: characters for text, bytes for binary
};

// Whether `m` is read as a long column (SQLGetData, or a bound prefix): too
// wide to bind whole, or of an engine whose declared sizes bind nothing.
bool is_long_column(const ColumnMeta& m, const Engine& engine);

// The `wanted` columns among `all` (all of them when none are named), in
// request order; not_found names the first unknown one and `what` ("table x", "query").
Result<std::vector<ColumnMeta>> pick_columns(const std::string& what, const std::vector<ColumnMeta>& all,
                                             const std::vector<std::string>& wanted);

// Canonical text of a value read through SQL_C_CHAR (connector.h).
enum class Conversion { kText, kBinary, kBoolean, kReal, kTemporal, kTemporalTz, kGuid, kAsIs };

Conversion conversion_for(const ColumnMeta& m, const Engine& engine);

// "true"/"false" for the spellings drivers use (MariaDB BIT(1) comes as the
// byte 0x01); nullopt for anything else, which is then left as it is.
std::optional<std::string_view> canonical_boolean(std::string_view v);

// Whether `conversion` may rewrite a value (else it only checks it).
bool rewrites(Conversion conversion);

// Applies a rewriting `conversion` in place.
void convert_value(Conversion conversion, std::string& v);

// Why a value cannot be handed on as it is, or "" when it can.
std::string check_value(Conversion conversion, std::string_view v);

}  // namespace csbridge::connector::odbc
