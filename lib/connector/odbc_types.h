// Internal to the ODBC backend: SQL types as csbridge's value types, column
// metadata, and the canonical text (connector.h) of values read through
// SQL_C_CHAR or bound as C values.
#pragma once

#include <sql.h>
#include <sqlext.h>

#include <array>
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

// ---------------------------------------------------------------------------
// Values bound as C types
//
// MariaDB Connector/ODBC receives integers, DATETIME and DATE values in the
// binary protocol and prints each with sprintf when it is bound as
// SQL_C_CHAR. The reader binds those columns as C values instead and prints
// their canonical text itself, the same text byte for byte. Drivers that
// receive text (psqlODBC, SQLite3 ODBC) would only parse what the reader then
// prints back, and would not keep every value: SQLite holds 'abc' in an
// INTEGER column, psqlODBC gives a BC timestamp a negative year. Their columns
// stay text.
//
// Where the C value cannot say what the text says, the column stays text:
//   unsigned integers  ZEROFILL prints 42 as 00042; ODBC does not tell it, and
//                      it always comes with UNSIGNED (SQL_DESC_UNSIGNED)
//   YEAR               prints 0 as 0000
// MariaDB's zero dates ('0000-00-00', '0000-00-00 00:00:00') come as NULL
// through the C types. A NULL of a NOT NULL column is the zero date; a
// nullable column is read with a probe (null_probe) that tells the two apart.

enum class Typed { kNone, kInteger, kTimestamp, kDate };

// How `m` is bound before its statement has run: kNone (text) unless the
// driver and the column's type allow a C value.
Typed planned_typed(const ColumnMeta& m, const Engine& engine);

// What is left of `planned` once the statement describes the column: the
// described type (SQL_DESC_CONCISE_TYPE) must be of the same kind and, for an
// integer, signed; else kNone.
Typed described_typed(Typed planned, SQLLEN concise_type, bool is_unsigned);

// The C type of `typed` and the bytes one value takes (kNone: SQL_C_CHAR, 0).
SQLSMALLINT c_type_of(Typed typed);
SQLLEN bound_bytes(Typed typed);

// A SELECT expression that is non-NULL exactly where `quoted` is NULL: with
// a NULL from a date column, it tells NULL (probe non-NULL) from the zero
// date (probe NULL). It is NULL on most rows, which the binary protocol sends
// as one bit of the row's NULL bitmap.
std::string null_probe(const std::string& quoted);

constexpr int kMaxFractionDigits = 9;  // SQL_TIMESTAMP_STRUCT::fraction is in nanoseconds

// Where the printers below write; 48 bytes hold any struct's fields printed.
using TypedText = std::array<char, 48>;

// Decimal digits, '-' before a negative value.
std::string_view integer_text(int64_t v, TypedText& out);
// "YYYY-MM-DD HH:MM:SS" and, where the first `fraction_digits` (at most 9) of
// the nanoseconds are not all zero, "." and those digits without trailing
// zeros: what the driver prints for a column of that many decimals (SQL_DESC_SCALE),
// trimmed as Conversion::kTemporal trims it.
std::string_view timestamp_text(const SQL_TIMESTAMP_STRUCT& t, int fraction_digits, TypedText& out);
// "YYYY-MM-DD".
std::string_view date_text(const SQL_DATE_STRUCT& d, TypedText& out);

// The canonical text of the value at `data`, bound as `typed` (not kNone).
std::string_view typed_text(Typed typed, const char* data, int fraction_digits, TypedText& out);

// The text of the zero date of `typed` (kTimestamp, kDate): "0000-00-00 00:00:00", "0000-00-00".
std::string_view zero_date_text(Typed typed);

}  // namespace csbridge::connector::odbc
