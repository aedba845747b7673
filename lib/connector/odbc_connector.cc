// The ODBC backend: unixODBC through the narrow (SQL_C_CHAR) API. The Unicode
// drivers this targets (MariaDB, PostgreSQL, SQLite3) hand UTF-8 through the
// narrow API whatever the process locale, so no UTF-16 round trip is needed.
#include "connector/odbc_connector.h"

#include <sql.h>
#include <sqlext.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <utility>

#include "util/encoding.h"
#include "util/strings.h"

namespace csbridge::connector {
namespace {

constexpr SQLULEN kMaxRowsetRows = 1000;              // rows per SQLFetch at most
constexpr size_t kFetchBufferBudget = 32u << 20;      // bytes of bound column buffers per rowset
constexpr SQLLEN kMaxBoundCellBytes = 16 * 1024;      // wider columns are read as long columns
constexpr SQLLEN kLongPrefixBytes = 4096;             // bound prefix of a long column
constexpr SQLLEN kMinScalarBytes = 64;                // numbers, dates: drivers under-report some
constexpr SQLLEN kUtf8BytesPerChar = 4;               // sizes are declared in characters
constexpr size_t kGetDataChunk = 64 * 1024;
constexpr size_t kMaxValueBytes = 256u << 20;         // larger values reject their row
constexpr size_t kMaxBatchBytes = 1u << 30;           // Batch offsets are 32-bit
constexpr size_t kMaxParamRows = 1000;
constexpr size_t kParamBufferBudget = 16u << 20;      // bytes of parameter arrays per execute
constexpr SQLLEN kLongParamBytes = 8000;              // longer parameters are sent as LONGVAR*
constexpr size_t kChunkBudget = 32u << 20;            // bytes a keyset read's driver should hold per chunk
constexpr size_t kMaxChunkRows = 50000;               // rows per chunk of a keyset read at most
constexpr SQLLEN kKeyTextBytes = 96;                  // a key number or temporal value as the server prints it
constexpr size_t kCachedCellBytes = 16;               // what the driver spends on a cell beyond its value
constexpr SQLULEN kLoginTimeoutSeconds = 30;
constexpr size_t kMaxDiagRecords = 3;

constexpr std::array<std::string_view, 6> kSystemSchemas = {
    "information_schema", "pg_catalog", "pg_toast", "mysql", "performance_schema", "sys"};

// Runs `body`, turning any exception (std::bad_alloc, …) into kInternal: the
// contract says nothing throws out of a connector.
template <typename Body>
auto guarded(const char* what, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return internal_error(std::string("odbc ") + what + ": " + e.what());
  } catch (...) {
    return internal_error(std::string("odbc ") + what + ": unknown exception");
  }
}

// ---------------------------------------------------------------------------
// Handles

class Handle {
 public:
  explicit Handle(SQLSMALLINT type) : type_(type) {}
  ~Handle() { reset(); }
  Handle(Handle&& other) noexcept : type_(other.type_), handle_(std::exchange(other.handle_, SQLHANDLE{})) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      type_ = other.type_;
      handle_ = std::exchange(other.handle_, SQLHANDLE{});
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  SQLHANDLE get() const { return handle_; }
  SQLHANDLE* out() { reset(); return &handle_; }
  void reset() {
    if (handle_ != SQL_NULL_HANDLE) SQLFreeHandle(type_, handle_);
    handle_ = SQL_NULL_HANDLE;
  }

 private:
  SQLSMALLINT type_;
  SQLHANDLE handle_ = SQL_NULL_HANDLE;
};

// An integer attribute value, passed where ODBC takes a pointer.
SQLPOINTER as_attribute(SQLULEN value) { return reinterpret_cast<SQLPOINTER>(static_cast<uintptr_t>(value)); }

SQLCHAR* sql_text(const std::string& s) { return reinterpret_cast<SQLCHAR*>(const_cast<char*>(s.c_str())); }
SQLCHAR* sql_text(const std::optional<std::string>& s) { return s ? sql_text(*s) : nullptr; }
SQLSMALLINT sql_length(const std::optional<std::string>& s) { return s ? SQL_NTS : 0; }

// ---------------------------------------------------------------------------
// Diagnostics

struct Diagnostic {
  std::string state;
  std::string text;
};

// "[unixODBC][Driver Manager]Data source …" → "Data source …", on one line.
// PostgreSQL's DETAIL and CONTEXT lines are dropped: they quote row values
// ("Key (phone)=(13800138000) already exists").
std::string clean_message(std::string_view raw) {
  std::string_view s = util::trim(raw);
  while (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos) break;
    s = s.substr(close + 1);
  }
  std::string kept;
  for (std::string_view line : util::split(s, '\n')) {
    std::string_view t = util::trim(line);
    if (util::starts_with_icase(t, "DETAIL:") || util::starts_with_icase(t, "CONTEXT:")) continue;
    kept.append(line);
    kept += '\n';
  }
  std::string out;
  bool space = false;
  for (char c : util::trim(kept)) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::vector<Diagnostic> diagnostics(SQLSMALLINT type, SQLHANDLE handle) {
  std::vector<Diagnostic> out;
  for (SQLSMALLINT rec = 1;; ++rec) {
    SQLCHAR state[6] = {};
    SQLINTEGER native = 0;
    SQLCHAR text[2048] = {};
    SQLSMALLINT length = 0;
    SQLRETURN rc = SQLGetDiagRec(type, handle, rec, state, &native, text, sizeof text, &length);
    if (!SQL_SUCCEEDED(rc)) break;
    out.push_back({reinterpret_cast<char*>(state), clean_message(reinterpret_cast<char*>(text))});
  }
  // Warnings (01xxx) only say what went wrong when nothing else does.
  bool has_error = std::any_of(out.begin(), out.end(), [](const Diagnostic& d) { return d.state.rfind("01", 0) != 0; });
  if (has_error) {
    std::erase_if(out, [](const Diagnostic& d) { return d.state.rfind("01", 0) == 0; });
  }
  return out;
}

std::string describe_diagnostics(const std::vector<Diagnostic>& diags) {
  if (diags.empty()) return "the driver gave no diagnostic";
  std::vector<std::string> parts;
  for (const Diagnostic& d : diags) {
    if (parts.size() == kMaxDiagRecords) break;
    std::string part = (d.text.empty() ? "no message" : d.text) + " (" + d.state + ")";
    if (std::find(parts.begin(), parts.end(), part) == parts.end()) parts.push_back(std::move(part));
  }
  return redact_secrets(util::join(parts, "; "));
}

ErrorCode code_for_state(std::string_view state) {
  auto starts = [&state](std::string_view p) { return state.rfind(p, 0) == 0; };
  // Connection, authorisation, unknown database, driver manager, timeouts, server shutdown.
  if (starts("08") || starts("28") || starts("3D") || starts("IM") || starts("HYT") || starts("57P") ||
      state == "40001" || state == "40003")
    return ErrorCode::kUnreachable;
  if (state == "42S02" || state == "42P01") return ErrorCode::kNotFound;
  if (starts("42") || starts("3F")) return ErrorCode::kInvalidArgument;
  if (starts("0A") || state == "HYC00") return ErrorCode::kNotSupported;
  return ErrorCode::kData;
}

// A failed call on `handle`: the code follows the first SQLSTATE; `context`
// names what was being done (and on what).
Status odbc_failure(SQLSMALLINT type, SQLHANDLE handle, const std::string& context) {
  std::vector<Diagnostic> diags = diagnostics(type, handle);
  ErrorCode code = diags.empty() ? ErrorCode::kData : code_for_state(diags.front().state);
  return Status(code, context + ": " + describe_diagnostics(diags));
}

// ---------------------------------------------------------------------------
// Connection strings

// The value of `key` in an ODBC connection string ("k=v;k={v;w}"), any case.
std::optional<std::string> odbc_attribute(std::string_view text, std::string_view key) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eq = text.find('=', pos);
    if (eq == std::string_view::npos) break;
    std::string_view name = util::trim(text.substr(pos, eq - pos));
    size_t value_start = eq + 1;
    while (value_start < text.size() && text[value_start] == ' ') ++value_start;
    std::string value;
    size_t next;
    if (value_start < text.size() && text[value_start] == '{') {
      size_t close = text.find('}', value_start);
      if (close == std::string_view::npos) close = text.size();
      value = std::string(text.substr(value_start + 1, close - value_start - 1));
      next = text.find(';', close);
    } else {
      next = text.find(';', value_start);
      size_t length = next == std::string_view::npos ? next : next - value_start;
      value = std::string(util::trim(text.substr(value_start, length)));
    }
    if (util::equals_icase(name, key)) return value;
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return std::nullopt;
}

std::vector<std::string> installed_drivers(SQLHENV env) {
  std::vector<std::string> names;
  SQLUSMALLINT direction = SQL_FETCH_FIRST;
  for (;;) {
    SQLCHAR name[256] = {};
    SQLCHAR attrs[1024];
    SQLSMALLINT name_len = 0, attrs_len = 0;
    SQLRETURN rc = SQLDrivers(env, direction, name, sizeof name, &name_len, attrs, sizeof attrs, &attrs_len);
    if (!SQL_SUCCEEDED(rc)) break;
    names.emplace_back(reinterpret_cast<char*>(name));
    direction = SQL_FETCH_NEXT;
  }
  return names;
}

std::vector<std::string> defined_data_sources(SQLHENV env) {
  std::vector<std::string> names;
  SQLUSMALLINT direction = SQL_FETCH_FIRST;
  for (;;) {
    SQLCHAR name[256] = {};
    SQLCHAR description[512];
    SQLSMALLINT name_len = 0, description_len = 0;
    SQLRETURN rc = SQLDataSources(env, direction, name, sizeof name, &name_len, description, sizeof description,
                                  &description_len);
    if (!SQL_SUCCEEDED(rc)) break;
    names.emplace_back(reinterpret_cast<char*>(name));
    direction = SQL_FETCH_NEXT;
  }
  return names;
}

std::string list_or_none(const std::vector<std::string>& names) {
  return names.empty() ? std::string("none") : util::join(names, ", ");
}

// The one-line reason SQLDriverConnect failed. IM002 ("data source name not
// found and no default driver specified") is reworded to say which of the
// two is missing and what exists instead.
std::string connect_failure_reason(SQLHENV env, SQLHDBC dbc, std::string_view target) {
  std::vector<Diagnostic> diags = diagnostics(SQL_HANDLE_DBC, dbc);
  std::optional<std::string> driver = odbc_attribute(target, "driver");
  if (driver && driver->find('/') == std::string::npos) {
    // unixODBC takes an unregistered driver name for a library path and says
    // "Can't open lib" (01000); the name is what is wrong, so say that.
    std::vector<std::string> drivers = installed_drivers(env);
    bool known = std::any_of(drivers.begin(), drivers.end(),
                             [&](const std::string& d) { return util::equals_icase(d, *driver); });
    if (!known) {
      return redact_secrets("ODBC driver '" + *driver + "' is not installed (IM002); installed drivers: " +
                            list_or_none(drivers));
    }
  }
  bool im002 = std::any_of(diags.begin(), diags.end(), [](const Diagnostic& d) { return d.state == "IM002"; });
  if (!im002 || driver) return describe_diagnostics(diags);
  if (std::optional<std::string> dsn = odbc_attribute(target, "dsn")) {
    return redact_secrets("ODBC data source '" + *dsn + "' is not defined (IM002); defined data sources: " +
                          list_or_none(defined_data_sources(env)));
  }
  return "the connection string names neither DSN= nor Driver= (IM002)";
}

// The connection string with the options that keep memory bounded, where
// the user has not chosen otherwise: psqlodbc reads a whole result set into
// memory unless told to fetch through a cursor, kMaxRowsetRows at a time.
std::string with_streaming(const std::string& target) {
  std::optional<std::string> driver = odbc_attribute(target, "driver");
  if (!driver) return target;
  std::string d = util::to_lower(*driver);
  bool psqlodbc = d.find("postgres") != std::string::npos || d.find("psqlodbc") != std::string::npos;
  if (!psqlodbc || odbc_attribute(target, "usedeclarefetch")) return target;
  std::string out = target;
  if (!out.empty() && out.back() != ';') out += ';';
  return out + "UseDeclareFetch=1;Fetch=" + std::to_string(kMaxRowsetRows);
}

// ---------------------------------------------------------------------------
// The connection and what its engine can do

enum class RescueMode {
  kBlock,      // SQLSetPos + SQLGetData re-reads any row of a rowset
  kSingleRow,  // SQLGetData re-reads bound columns, one-row rowsets only
  kNone,       // long columns unbound, one-row rowsets; a truncated bound value is an error
};

struct Engine {
  std::string name;     // SQL_DBMS_NAME
  std::string version;  // SQL_DBMS_VER
  std::string driver;   // SQL_DRIVER_NAME
  std::string quote;    // SQL_IDENTIFIER_QUOTE_CHAR, "" when none
  std::string escape;   // SQL_SEARCH_PATTERN_ESCAPE, "" when none
  bool has_schemas = false;
  bool has_catalogs = false;    // and no schemas: the catalog plays the schema (MariaDB)
  std::string current_catalog;
  bool limit_clause = false;    // SELECT … LIMIT n
  bool sizes_enforced = true;   // false: a declared varchar(20) may hold anything (SQLite)
  bool utc_session = false;     // session time zone set to UTC: timestamptz values read as +00
  bool binary_param_arrays = true;  // false: binary parameters go one row per execute
  bool caches_results = false;  // the driver holds whole result sets in memory: ordered reads go by keyset
  RescueMode rescue = RescueMode::kNone;
};

struct Connection {
  Handle env{SQL_HANDLE_ENV};
  Handle dbc{SQL_HANDLE_DBC};
  bool connected = false;
  bool in_transaction = false;  // a writer or execute() has autocommit off
  bool stored_bytes = false;    // ConnectionString::stored_bytes
  std::string redacted;
  Engine engine;

  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    if (!connected) return;
    // Disconnecting with an open transaction fails, so roll back whatever is left.
    SQLEndTran(SQL_HANDLE_DBC, dbc.get(), SQL_ROLLBACK);
    SQLDisconnect(dbc.get());
  }

  std::string quote(std::string_view identifier) const {
    if (engine.quote.empty()) return std::string(identifier);
    return engine.quote + util::replace_all(identifier, engine.quote, engine.quote + engine.quote) + engine.quote;
  }

  Result<Handle> statement() {
    Handle stmt(SQL_HANDLE_STMT);
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, dbc.get(), stmt.out()))) {
      return odbc_failure(SQL_HANDLE_DBC, dbc.get(), "cannot allocate a statement on " + redacted);
    }
    return stmt;
  }

  Status set_autocommit(bool on) {
    SQLPOINTER value = as_attribute(on ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF);
    if (!SQL_SUCCEEDED(SQLSetConnectAttr(dbc.get(), SQL_ATTR_AUTOCOMMIT, value, 0))) {
      return odbc_failure(SQL_HANDLE_DBC, dbc.get(),
                          std::string("cannot turn autocommit ") + (on ? "on" : "off") + " on " + redacted);
    }
    return Status::ok();
  }

  Status begin(const std::string& what) {
    if (in_transaction) {
      return invalid_argument("cannot " + what + " on " + redacted +
                              ": another writer or script is still open on this connection");
    }
    CSB_RETURN_IF_ERROR(set_autocommit(false));
    in_transaction = true;
    return Status::ok();
  }

  Status end(bool commit) {
    in_transaction = false;
    SQLRETURN rc = SQLEndTran(SQL_HANDLE_DBC, dbc.get(), commit ? SQL_COMMIT : SQL_ROLLBACK);
    Status status = Status::ok();
    if (!SQL_SUCCEEDED(rc)) {
      std::string what = commit ? "commit" : "rollback";
      status = odbc_failure(SQL_HANDLE_DBC, dbc.get(), what + " failed on " + redacted);
    }
    Status restored = set_autocommit(true);
    return status.is_ok() ? restored : status;
  }

  // Whether the driver knows the connection is gone: psqlodbc reports a
  // session the server ended as HY000, which alone reads as a bad request.
  bool dead() const {
    SQLUINTEGER value = SQL_CD_FALSE;
    return SQL_SUCCEEDED(SQLGetConnectAttr(dbc.get(), SQL_ATTR_CONNECTION_DEAD, &value, 0, nullptr)) &&
           value == SQL_CD_TRUE;
  }

  // Runs one statement that returns no rows.
  Status run(const std::string& sql, const std::string& context) {
    CSB_ASSIGN_OR_RETURN(Handle stmt, statement());
    SQLRETURN rc = SQLExecDirect(stmt.get(), sql_text(sql), SQL_NTS);
    if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) return odbc_failure(SQL_HANDLE_STMT, stmt.get(), context);
    return Status::ok();
  }
};

std::string info_string(SQLHDBC dbc, SQLUSMALLINT what) {
  char buffer[512] = {};
  SQLSMALLINT length = 0;
  if (!SQL_SUCCEEDED(SQLGetInfo(dbc, what, buffer, sizeof buffer, &length))) return "";
  return std::string(buffer, strnlen(buffer, sizeof buffer));
}

SQLUINTEGER info_bits(SQLHDBC dbc, SQLUSMALLINT what) {
  SQLUINTEGER value = 0;
  if (!SQL_SUCCEEDED(SQLGetInfo(dbc, what, &value, sizeof value, nullptr))) return 0;
  return value;
}

Engine detect_engine(SQLHDBC dbc) {
  Engine e;
  e.name = info_string(dbc, SQL_DBMS_NAME);
  e.version = info_string(dbc, SQL_DBMS_VER);
  e.driver = info_string(dbc, SQL_DRIVER_NAME);
  e.quote = std::string(util::trim(info_string(dbc, SQL_IDENTIFIER_QUOTE_CHAR)));
  e.escape = info_string(dbc, SQL_SEARCH_PATTERN_ESCAPE);
  e.has_schemas = info_bits(dbc, SQL_SCHEMA_USAGE) != 0;
  e.has_catalogs = !e.has_schemas && info_bits(dbc, SQL_CATALOG_USAGE) != 0;
  if (e.has_catalogs) e.current_catalog = info_string(dbc, SQL_DATABASE_NAME);

  std::string engine = util::to_lower(e.name);
  bool mariadb = engine.find("mariadb") != std::string::npos || engine.find("mysql") != std::string::npos;
  bool postgres = engine.find("postgres") != std::string::npos;
  bool sqlite = engine.find("sqlite") != std::string::npos;
  e.limit_clause = mariadb || postgres || sqlite;
  e.sizes_enforced = !sqlite;
  e.utc_session = postgres;
  // SQLite3 ODBC 0.9998 applies the first row's length to every row of a
  // binary parameter array.
  e.binary_param_arrays = !sqlite;
  // MariaDB Connector/ODBC stores a whole result set on the client
  // (mysql_store_result); it can stream only from 3.1.17 on (NO_CACHE).
  e.caches_results = mariadb;

  SQLUINTEGER getdata = info_bits(dbc, SQL_GETDATA_EXTENSIONS);
  bool bound = (getdata & SQL_GD_BOUND) != 0;
  // MariaDB Connector/ODBC 3.1 advertises SQL_GD_BLOCK, but after SQLSetPos
  // its SQLGetData still reads the first row of the rowset.
  bool block = bound && (getdata & SQL_GD_BLOCK) != 0 && util::to_lower(e.driver).find("maodbc") == std::string::npos;
  e.rescue = block ? RescueMode::kBlock : bound ? RescueMode::kSingleRow : RescueMode::kNone;
  return e;
}

// ---------------------------------------------------------------------------
// Reading values with SQLGetData

struct LongValue {
  std::optional<std::string> value;  // nullopt: SQL NULL
  bool too_large = false;
};

// Reads the whole value of `column` of the current row in chunks.
Result<LongValue> get_whole_value(SQLHSTMT stmt, SQLUSMALLINT column, SQLSMALLINT c_type, std::vector<char>& chunk,
                                  const std::string& context) {
  chunk.resize(kGetDataChunk);
  const SQLLEN usable = static_cast<SQLLEN>(c_type == SQL_C_CHAR ? chunk.size() - 1 : chunk.size());
  LongValue out;
  out.value.emplace();
  for (bool first = true;; first = false) {
    SQLLEN indicator = 0;
    SQLRETURN rc = SQLGetData(stmt, column, c_type, chunk.data(), static_cast<SQLLEN>(chunk.size()), &indicator);
    if (rc == SQL_NO_DATA) return out;
    if (!SQL_SUCCEEDED(rc)) return odbc_failure(SQL_HANDLE_STMT, stmt, context);
    if (indicator == SQL_NULL_DATA) {
      if (first) out.value.reset();
      return out;
    }
    // Truncation should come with SQL_SUCCESS_WITH_INFO (01004); the
    // indicator alone decides, so a driver that forgets it loses nothing.
    bool more = indicator == SQL_NO_TOTAL || indicator > usable;
    SQLLEN got = more ? usable : indicator;
    if (out.value->size() + static_cast<size_t>(got) > kMaxValueBytes) {
      out.too_large = true;
      out.value.reset();
      return out;
    }
    out.value->append(chunk.data(), static_cast<size_t>(got));
    if (!more) return out;
  }
}

// ---------------------------------------------------------------------------
// Catalog result sets (small: read row by row)

struct CatalogRows {
  std::vector<std::string> names;
  std::vector<std::vector<std::optional<std::string>>> rows;

  int index_of(std::string_view name) const {
    for (size_t i = 0; i < names.size(); ++i) {
      if (util::equals_icase(names[i], name)) return static_cast<int>(i);
    }
    return -1;
  }
};

Result<CatalogRows> fetch_catalog(SQLHSTMT stmt, SQLRETURN rc, const std::string& context) {
  if (!SQL_SUCCEEDED(rc)) return odbc_failure(SQL_HANDLE_STMT, stmt, context);
  SQLSMALLINT count = 0;
  SQLNumResultCols(stmt, &count);
  CatalogRows out;
  for (SQLUSMALLINT c = 1; c <= static_cast<SQLUSMALLINT>(count); ++c) {
    SQLCHAR name[256] = {};
    SQLSMALLINT name_len = 0, type = 0, digits = 0, nullable = 0;
    SQLULEN size = 0;
    SQLDescribeCol(stmt, c, name, sizeof name, &name_len, &type, &size, &digits, &nullable);
    out.names.emplace_back(reinterpret_cast<char*>(name));
  }
  std::vector<char> chunk;
  for (;;) {
    rc = SQLFetch(stmt);
    if (rc == SQL_NO_DATA) break;
    if (!SQL_SUCCEEDED(rc)) return odbc_failure(SQL_HANDLE_STMT, stmt, context);
    auto& row = out.rows.emplace_back();
    for (SQLUSMALLINT c = 1; c <= static_cast<SQLUSMALLINT>(count); ++c) {
      CSB_ASSIGN_OR_RETURN(LongValue v, get_whole_value(stmt, c, SQL_C_CHAR, chunk, context));
      row.push_back(std::move(v.value));
    }
  }
  SQLCloseCursor(stmt);
  return out;
}

// Orders (position, value) pairs by position.
constexpr auto by_first = [](const auto& a, const auto& b) { return a.first < b.first; };

std::string text_or_empty(const std::optional<std::string>& v) { return v.value_or(""); }

int64_t integer_or(const std::optional<std::string>& v, int64_t fallback) {
  if (!v) return fallback;
  std::string_view s = util::trim(*v);
  int64_t out = fallback;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() ? out : fallback;
}

// ---------------------------------------------------------------------------
// Types

bool is_char_type(SQLSMALLINT t) {
  return t == SQL_CHAR || t == SQL_VARCHAR || t == SQL_WCHAR || t == SQL_WVARCHAR;
}
bool is_binary_type(SQLSMALLINT t) { return t == SQL_BINARY || t == SQL_VARBINARY || t == SQL_LONGVARBINARY; }
bool is_long_type(SQLSMALLINT t) { return t == SQL_LONGVARCHAR || t == SQL_WLONGVARCHAR || t == SQL_LONGVARBINARY; }

ValueType value_type_of(SQLSMALLINT sql_type, const std::string& declared) {
  switch (sql_type) {
    case SQL_BIT: return ValueType::kBoolean;
    case SQL_TINYINT: case SQL_SMALLINT: case SQL_INTEGER: case SQL_BIGINT: return ValueType::kInteger;
    case SQL_REAL: case SQL_FLOAT: case SQL_DOUBLE: return ValueType::kReal;
    case SQL_DECIMAL: case SQL_NUMERIC: return ValueType::kDecimal;
    case SQL_TYPE_DATE: case SQL_DATE: return ValueType::kDate;
    case SQL_TYPE_TIME: case SQL_TIME: return ValueType::kTime;
    case SQL_TYPE_TIMESTAMP: case SQL_TIMESTAMP:
      return value_type_from_declared(declared) == ValueType::kTimestampTz ? ValueType::kTimestampTz
                                                                           : ValueType::kTimestamp;
    case SQL_BINARY: case SQL_VARBINARY: case SQL_LONGVARBINARY: return ValueType::kBinary;
    case SQL_GUID: return ValueType::kText;
    default: break;
  }
  ValueType t = value_type_from_declared(declared);
  if (t == ValueType::kUnknown && (is_char_type(sql_type) || is_long_type(sql_type))) return ValueType::kText;
  return t;
}

// The declared type as "varchar(20)" / "decimal(10,2)": lower case, with the
// length the driver reports separately. `typmod` is psqlodbc's extra column:
// -1 there means an unconstrained varchar/numeric, whose size is a default.
std::string declared_type(const std::string& type_name, SQLSMALLINT sql_type, int64_t size, int64_t digits,
                          std::optional<int64_t> typmod) {
  std::string t = util::to_lower(type_name);
  if (t.empty() || t.find('(') != std::string::npos || size <= 0 || (typmod && *typmod < 0)) return t;
  if (t == "enum" || t == "set") return t;
  if (is_char_type(sql_type) || sql_type == SQL_BINARY || sql_type == SQL_VARBINARY) {
    return t + "(" + std::to_string(size) + ")";
  }
  if (sql_type == SQL_DECIMAL || sql_type == SQL_NUMERIC) {
    return t + "(" + std::to_string(size) + "," + std::to_string(std::max<int64_t>(digits, 0)) + ")";
  }
  return t;
}

struct ColumnMeta {
  ColumnInfo info;
  SQLSMALLINT sql_type = SQL_UNKNOWN_TYPE;
  int64_t size = 0;  // COLUMN_SIZE: characters for text, bytes for binary
};

// Canonical text of a value read through SQL_C_CHAR (connector.h).
enum class Conversion { kText, kBinary, kBoolean, kReal, kTemporal, kTemporalTz, kGuid, kAsIs };

Conversion conversion_for(const ColumnMeta& m, const Engine& engine) {
  if (m.info.type == ValueType::kBinary) return Conversion::kBinary;
  if (m.info.type == ValueType::kBoolean) return Conversion::kBoolean;
  if (m.info.type == ValueType::kReal) return Conversion::kReal;
  if (m.info.type == ValueType::kTimestampTz) {
    return engine.utc_session ? Conversion::kTemporalTz : Conversion::kTemporal;
  }
  if (m.info.type == ValueType::kTimestamp || m.info.type == ValueType::kTime) return Conversion::kTemporal;
  if (m.sql_type == SQL_GUID) return Conversion::kGuid;
  if (m.info.type == ValueType::kText || m.info.type == ValueType::kJson || m.info.type == ValueType::kUnknown)
    return Conversion::kText;
  return Conversion::kAsIs;
}

// "true"/"false" for the spellings drivers use (MariaDB BIT(1) comes as the
// byte 0x01); nullopt for anything else, which is then left as it is.
std::optional<std::string_view> canonical_boolean(std::string_view v) {
  static constexpr std::array<std::string_view, 5> kTrue = {"1", "t", "true", "y", "yes"};
  static constexpr std::array<std::string_view, 5> kFalse = {"0", "f", "false", "n", "no"};
  if (v == std::string_view("\x01", 1)) return "true";
  if (v == std::string_view("\0", 1)) return "false";
  std::string lower = util::to_lower(util::trim(v));
  if (std::find(kTrue.begin(), kTrue.end(), lower) != kTrue.end()) return "true";
  if (std::find(kFalse.begin(), kFalse.end(), lower) != kFalse.end()) return "false";
  return std::nullopt;
}

// "03:04:05.120000" → "03:04:05.12"; an all-zero fraction goes with its dot.
void trim_fraction(std::string& v) {
  size_t dot = v.find('.', v.find(':') == std::string::npos ? 0 : v.find(':'));
  if (dot == std::string::npos) return;
  size_t end = dot + 1;
  while (end < v.size() && v[end] >= '0' && v[end] <= '9') ++end;
  size_t keep = end;
  while (keep > dot + 1 && v[keep - 1] == '0') --keep;
  if (keep == dot + 1) keep = dot;
  v.erase(keep, end - keep);
}

bool has_zone(std::string_view v) {
  size_t time = v.find(':');
  if (time == std::string_view::npos) return false;
  return v.find_first_of("+-Z", time) != std::string_view::npos;
}

// Whether `conversion` may rewrite a value (else it only checks it).
bool rewrites(Conversion conversion) {
  return conversion != Conversion::kText && conversion != Conversion::kBinary && conversion != Conversion::kAsIs;
}

// Applies a rewriting `conversion` in place.
void convert_value(Conversion conversion, std::string& v) {
  switch (conversion) {
    case Conversion::kBoolean:
      if (std::optional<std::string_view> b = canonical_boolean(v)) v = std::string(*b);
      return;
    case Conversion::kReal: {
      double d = 0;
      std::string_view s = util::trim(v);
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
      if (ec == std::errc() && ptr == s.data() + s.size() && std::isfinite(d)) v = util::format_double(d);
      return;
    }
    case Conversion::kTemporal:
      trim_fraction(v);
      return;
    case Conversion::kTemporalTz:
      trim_fraction(v);
      if (!v.empty() && !has_zone(v)) v += "+00";
      return;
    case Conversion::kGuid:
      v = util::to_lower(v);
      return;
    case Conversion::kText:
    case Conversion::kBinary:
    case Conversion::kAsIs:
      return;
  }
}

// Why a value cannot be handed on as it is, or "" when it can.
std::string check_value(Conversion conversion, std::string_view v) {
  if (conversion != Conversion::kText) return "";
  size_t bad = util::find_invalid_utf8(v);
  return bad == std::string::npos ? "" : "invalid UTF-8 at byte " + std::to_string(bad);
}

// ---------------------------------------------------------------------------
// Tables

struct ResolvedTable {
  TableRef ref;                        // as list_tables reports it
  std::optional<std::string> catalog;  // catalog-function arguments
  std::optional<std::string> schema;
  std::string name;
  bool is_view = false;
};

// Splits "a;b" at statement ends outside quotes and comments. Comments are
// dropped (some drivers split on any ';' themselves), except MySQL's /*! … */
// and /*+ … */, which carry meaning; blank statements are skipped.
std::vector<std::string> split_statements(std::string_view sql) {
  std::vector<std::string> out;
  std::string current;
  auto flush = [&] {
    std::string_view statement = util::trim(current);
    if (!statement.empty()) out.emplace_back(statement);
    current.clear();
  };
  auto at = [&sql](size_t i, std::string_view text) { return sql.substr(i, text.size()) == text; };
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    size_t end = i;
    if (at(i, "--") && (i + 2 == sql.size() || std::isspace(static_cast<unsigned char>(sql[i + 2])))) {
      end = sql.find('\n', i);
      current += '\n';
      i = (end == std::string_view::npos ? sql.size() : end + 1) - 1;
      continue;
    }
    if (at(i, "/*")) {
      end = sql.find("*/", i + 2);
      end = end == std::string_view::npos ? sql.size() : end + 2;
      if (at(i, "/*!") || at(i, "/*+")) current.append(sql.substr(i, end - i));
      else current += ' ';
      i = end - 1;
      continue;
    }
    if (c == '\'' || c == '"' || c == '`' || at(i, "$$")) {
      // A doubled quote inside a literal reads as a close and a reopen: same result.
      std::string_view close = c == '$' ? "$$" : sql.substr(i, 1);
      end = sql.find(close, i + close.size());
      end = end == std::string_view::npos ? sql.size() : end + close.size();
      current.append(sql.substr(i, end - i));
      i = end - 1;
      continue;
    }
    if (c == ';') flush();
    else current += c;
  }
  flush();
  return out;
}

// ---------------------------------------------------------------------------
// Keyset reads
//
// A driver that stores whole result sets (Engine::caches_results) would hold
// a large table in memory for one SELECT. A read ordered by a key goes
// instead as a series of statements, each reading the rows up to the key
// that lies n rows further on:
//
//   boundary  SELECT <keys> FROM … WHERE <where> AND <keys> > <previous boundary>
//             ORDER BY <keys> LIMIT n-1, 1
//   chunk     SELECT <columns> FROM … WHERE <where> AND <keys> > <previous boundary>
//             AND <keys> <= <boundary> ORDER BY <keys>
//
// until the boundary query finds no row: the chunk then goes to the end.
//
// A key that is unique and NOT NULL (a primary key, a unique index of
// non-null columns, or an order that holds one) cannot repeat, so each chunk
// is one statement that goes on after the last row read:
//
//   chunk     SELECT <columns>, <keys as literals> FROM … WHERE <where>
//             AND <keys> > <last row's keys> ORDER BY <keys> LIMIT n
//
// until a chunk comes back with fewer than n rows. The boundary query would
// read every row of the chunk a second time on an InnoDB clustered primary
// key. The rest of this comment is about keys that may repeat or be NULL. The
// rows of one key value are always read by one statement, and every
// comparison is the server's, in the key's own type and collation, the ones
// its ORDER BY sorts by. The simpler "LIMIT n, then go on after the last
// row" splits a key that several rows share (tables without a primary key)
// across two statements: going on with ">" loses the rest of them, and going
// on with ">=" and skipping those already handed out assumes the server puts
// equal keys in the same order both times, which it does not promise (a sort
// with LIMIT uses a priority queue); telling on the client which rows share
// the last key would need the collation ('abc' = 'ABC' in utf8mb4_unicode_ci).
// The price: the boundary query reads n keys a second time (off the index
// when one leads with the key; without one, every chunk costs two scans of
// the table), and a chunk holds all rows of its last key, however many share
// it. A comparison coarser than the order (a DECIMAL against a string, as
// doubles) only merges chunks; one finer or unrelated would lose rows.
//
// NULL sorts first in MariaDB: "> NULL" is IS NOT NULL and "<= NULL" is IS
// NULL, so rows with a NULL key are read in their place, never compared.
// Boundary values come back as literals the server parses to the same value:
// numbers and temporal values as text (a zero date stays '0000-00-00'),
// strings as hex in their own character set and collation. Keys whose
// comparison does not follow their ORDER BY are read in one statement, as on
// other engines: ENUM and SET sort by index but compare as text, and a text
// column of a query may be one (the driver describes it as char there);
// TIMESTAMP compares in the session time zone, where the hour a DST change
// repeats prints alike; floating point prints inexactly. Each statement sees
// the table as it is then: a row whose key changes during the read may be
// missed or read twice.

enum class KeyLiteral {
  kNumber,    // CAST(k AS CHAR), sent as it is: -1.50
  kTemporal,  // CAST(k AS CHAR), sent quoted: '2024-01-02 03:04:05.5'
  kString,    // HEX(k), CHARSET(k), COLLATION(k): _utf8mb4 X'E4B8AD' COLLATE `utf8mb4_unicode_ci`
};

// How a keyset read sends values of `m` back to the server; nullopt when
// their comparison may not follow their order (see above).
std::optional<KeyLiteral> key_literal(const ColumnMeta& m, bool of_query) {
  std::string declared = util::to_lower(m.info.declared_type);
  auto has = [&declared](std::string_view part) { return declared.find(part) != std::string::npos; };
  switch (m.info.type) {
    case ValueType::kInteger:
    case ValueType::kDecimal:
      return KeyLiteral::kNumber;
    case ValueType::kDate:
    case ValueType::kTime:
      return KeyLiteral::kTemporal;
    case ValueType::kTimestamp:
      if (declared.rfind("timestamp", 0) == 0) return std::nullopt;
      return KeyLiteral::kTemporal;
    case ValueType::kText:
      // Not enum, set, uuid, inet6: types that sort their own way.
      if (of_query || !(has("char") || has("text"))) return std::nullopt;
      return KeyLiteral::kString;
    case ValueType::kBinary:
      if (!(has("binary") || has("blob"))) return std::nullopt;
      return KeyLiteral::kString;
    default:
      return std::nullopt;
  }
}

bool only_chars(std::string_view s, std::string_view allowed) {
  return s.find_first_not_of(allowed) == std::string_view::npos;
}

bool is_number(std::string_view s) {
  constexpr std::string_view kDigits = "0123456789";
  auto digits = [&](std::string_view d) { return !d.empty() && only_chars(d, kDigits); };
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  size_t dot = s.find('.');
  return dot == std::string_view::npos ? digits(s) : digits(s.substr(0, dot)) && digits(s.substr(dot + 1));
}

using KeyValues = std::vector<std::optional<std::string>>;  // literals; nullopt: NULL

// "(k1, k2, …) > (v1, v2, …)" in the order of ORDER BY k1, k2, …: NULL first.
std::string keys_after(const std::vector<std::string>& keys, const KeyValues& values, size_t i = 0) {
  const std::string& k = keys[i];
  const std::optional<std::string>& v = values[i];
  std::string greater = v ? k + " > " + *v : k + " IS NOT NULL";
  if (i + 1 == keys.size()) return greater;
  std::string equal = v ? k + " = " + *v : k + " IS NULL";
  return "(" + greater + " OR (" + equal + " AND " + keys_after(keys, values, i + 1) + "))";
}

// keys_after for values of a unique, non-null key, with the first key's
// bound on its own so that the server reads a range of an index leading with
// it (MariaDB does not use an index for a row comparison).
std::string keys_beyond(const std::vector<std::string>& keys, const KeyValues& values) {
  std::string after = keys_after(keys, values);
  if (keys.size() == 1 || !values.front()) return after;
  return keys.front() + " >= " + *values.front() + " AND " + after;
}

// "(k1, k2, …) <= (v1, v2, …)": every row keys_after leaves out.
std::string keys_up_to(const std::vector<std::string>& keys, const KeyValues& values, size_t i = 0) {
  const std::string& k = keys[i];
  const std::optional<std::string>& v = values[i];
  if (i + 1 == keys.size()) return v ? "(" + k + " <= " + *v + " OR " + k + " IS NULL)" : k + " IS NULL";
  std::string equal = v ? k + " = " + *v : k + " IS NULL";
  std::string rest = "(" + equal + " AND " + keys_up_to(keys, values, i + 1) + ")";
  // Nothing sorts below NULL.
  return v ? "(" + k + " < " + *v + " OR " + k + " IS NULL OR " + rest + ")" : rest;
}

std::string where_clause(const std::vector<std::string>& conditions) {
  return conditions.empty() ? "" : " WHERE " + util::join(conditions, " AND ");
}

// The statements of one keyset read, chunk after chunk.
class KeysetRead {
 public:
  struct Key {
    std::string name;    // as the request names it
    std::string quoted;  // as SQL names it
    KeyLiteral literal;
  };

  // `select` is "SELECT <columns> FROM <from>"; for a `unique` key (unique
  // and NOT NULL: one statement per chunk) its columns end with
  // last_row_columns(). The first chunk holds `min_rows` rows, the next ones
  // as many as kChunkBudget allows from what the previous ones held, within
  // [min_rows, max_rows].
  KeysetRead(std::string select, std::string from, std::string where, std::vector<Key> keys, bool unique,
             size_t min_rows, size_t max_rows)
      : select_(std::move(select)),
        from_(std::move(from)),
        where_(std::move(where)),
        keys_(std::move(keys)),
        unique_(unique),
        chunk_rows_(std::clamp<size_t>(min_rows, 1, max_rows)),
        min_rows_(chunk_rows_),
        max_rows_(max_rows) {
    std::vector<std::string> order;
    for (const Key& k : keys_) {
      quoted_.push_back(k.quoted);
      order.push_back(k.quoted);
    }
    order_by_ = " ORDER BY " + util::join(order, ", ");
  }

  // What a unique key's chunk selects after the columns, one per key: the
  // values to go on after (numbers and temporal values as text, strings as HEX).
  static std::vector<std::string> last_row_columns(const std::vector<Key>& keys) {
    std::vector<std::string> out;
    for (const Key& k : keys) {
      out.push_back(k.literal == KeyLiteral::kString ? "HEX(" + k.quoted + ")" : "CAST(" + k.quoted + " AS CHAR)");
    }
    return out;
  }

  // Whether each chunk is one statement that goes on after its last row
  // (whose key the reader hands over with last_row()).
  bool unique() const { return unique_; }

  // The key of the last row read so far, as last_row_columns() selects it.
  void last_row(std::vector<std::string> values) { last_row_ = std::move(values); }

  // The statement that reads the next chunk; nullopt once the last one is
  // read. `remaining` is what the request's limit still allows (-1: no limit).
  Result<std::optional<std::string>> next(Connection& conn, int64_t remaining, const std::string& context) {
    if (finished_ || remaining == 0) return std::optional<std::string>();
    size_t rows = remaining > 0 ? std::min<size_t>(chunk_rows_, static_cast<size_t>(remaining)) : chunk_rows_;
    std::vector<std::string> conditions;
    if (!where_.empty()) conditions.push_back("(" + where_ + ")");
    if (unique_) {
      if (last_row_) {
        CSB_ASSIGN_OR_RETURN(KeyValues last, last_row_literals(conn, context));
        conditions.push_back(keys_beyond(quoted_, last));
      }
      asked_ = rows;
      return std::optional<std::string>(select_ + where_clause(conditions) + order_by_ + " LIMIT " +
                                        std::to_string(rows));
    }
    if (previous_) conditions.push_back(keys_after(quoted_, *previous_));

    std::vector<std::string> values;
    for (const Key& k : keys_) {
      if (k.literal == KeyLiteral::kString) {
        values.push_back("HEX(" + k.quoted + "), CHARSET(" + k.quoted + "), COLLATION(" + k.quoted + ")");
      } else {
        values.push_back("CAST(" + k.quoted + " AS CHAR)");
      }
    }
    std::string sql = "SELECT " + util::join(values, ", ") + " FROM " + from_ + where_clause(conditions) +
                      order_by_ + " LIMIT " + std::to_string(rows - 1) + ", 1";
    CSB_ASSIGN_OR_RETURN(Handle stmt, conn.statement());
    SQLRETURN rc = SQLExecDirect(stmt.get(), sql_text(sql), SQL_NTS);
    CSB_ASSIGN_OR_RETURN(CatalogRows found, fetch_catalog(stmt.get(), rc, context));

    bounded_ = !found.rows.empty();
    if (bounded_) {
      CSB_ASSIGN_OR_RETURN(KeyValues boundary, literals(found.rows.front(), context));
      conditions.push_back(keys_up_to(quoted_, boundary));
      previous_ = std::move(boundary);
    } else {
      finished_ = true;
    }
    sql = select_ + where_clause(conditions) + order_by_;
    if (remaining > 0) sql += " LIMIT " + std::to_string(remaining);
    return std::optional<std::string>(std::move(sql));
  }

  // Whether the chunk last returned ends at a boundary key, which it holds.
  bool bounded() const { return bounded_; }

  // Sizes the next chunk after one of `rows` rows that held `bytes` bytes in
  // `columns` columns. A unique key's chunk with fewer rows than asked was the last.
  void measured(size_t rows, size_t bytes, size_t columns) {
    if (unique_ && rows < asked_) finished_ = true;
    if (rows == 0) return;
    size_t per_row = bytes / rows + (columns + 1) * kCachedCellBytes;
    chunk_rows_ = std::clamp<size_t>(kChunkBudget / per_row, min_rows_, max_rows_);
  }

 private:
  // The boundary row's values as literals.
  Result<KeyValues> literals(const std::vector<std::optional<std::string>>& row, const std::string& context) const {
    constexpr std::string_view kHex = "0123456789ABCDEFabcdef";
    constexpr std::string_view kName = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
    constexpr std::string_view kTemporalChars = "0123456789-:. ";
    KeyValues out;
    size_t at = 0;
    for (const Key& k : keys_) {
      size_t width = k.literal == KeyLiteral::kString ? 3 : 1;
      if (at + width > row.size()) return internal_error(context + ": the key boundary query returned too few columns");
      const std::optional<std::string>& v = row[at];
      bool sound = true;
      if (!v) {
        out.emplace_back();
      } else if (k.literal == KeyLiteral::kNumber) {
        sound = is_number(*v);
        out.push_back(*v);
      } else if (k.literal == KeyLiteral::kTemporal) {
        sound = !v->empty() && only_chars(*v, kTemporalChars);
        out.push_back("'" + *v + "'");
      } else {
        std::string charset = row[at + 1].value_or(""), collation = row[at + 2].value_or("");
        sound = v->size() % 2 == 0 && only_chars(*v, kHex) && !charset.empty() && only_chars(charset, kName) &&
                !collation.empty() && only_chars(collation, kName);
        out.push_back("_" + charset + " X'" + *v + "' COLLATE `" + collation + "`");
      }
      // Never expected: the server prints these values itself.
      if (!sound) {
        return internal_error(context + ": key column '" + k.name +
                              "' gave a value that cannot be sent back as a literal");
      }
      at += width;
    }
    return out;
  }

  // last_row_ as literals. Strings take their column's character set and
  // collation, asked of the server once.
  Result<KeyValues> last_row_literals(Connection& conn, const std::string& context) {
    std::vector<std::string> names;
    for (const Key& k : keys_) {
      if (k.literal == KeyLiteral::kString) names.push_back("CHARSET(" + k.quoted + "), COLLATION(" + k.quoted + ")");
    }
    if (!names.empty() && !string_types_) {
      CSB_ASSIGN_OR_RETURN(Handle stmt, conn.statement());
      std::string sql = "SELECT " + util::join(names, ", ") + " FROM " + from_ + " LIMIT 1";
      SQLRETURN rc = SQLExecDirect(stmt.get(), sql_text(sql), SQL_NTS);
      CSB_ASSIGN_OR_RETURN(CatalogRows found, fetch_catalog(stmt.get(), rc, context));
      if (found.rows.empty()) return internal_error(context + ": the key's character set query found no row");
      string_types_ = std::move(found.rows.front());
    }
    std::vector<std::optional<std::string>> row;
    size_t typed = 0;
    for (size_t i = 0; i < keys_.size(); ++i) {
      row.emplace_back((*last_row_)[i]);
      if (keys_[i].literal != KeyLiteral::kString) continue;
      row.push_back((*string_types_)[typed++]);
      row.push_back((*string_types_)[typed++]);
    }
    return literals(row, context);
  }

  std::string select_, from_, where_, order_by_;
  std::vector<Key> keys_;
  std::vector<std::string> quoted_;
  bool unique_ = false;
  size_t chunk_rows_, min_rows_, max_rows_;
  std::optional<KeyValues> previous_;  // the last chunk's boundary; none before the first chunk
  std::optional<std::vector<std::string>> last_row_;  // unique keys: the last row's, none before the first chunk
  std::optional<std::vector<std::optional<std::string>>> string_types_;  // charset, collation per string key
  size_t asked_ = 0;  // unique keys: the rows the current chunk asked for
  bool bounded_ = false;
  bool finished_ = false;
};

// ---------------------------------------------------------------------------
// Reader

// One column of the result set. Bound columns are fetched as column-wise
// arrays; unbound (long) columns with SQLGetData, one row at a time.
struct Slot {
  size_t output = 0;         // position in the rows handed out
  bool hidden = false;       // not handed out: a unique key's value to go on after (KeysetRead::last_row_columns)
  std::string name;
  SQLSMALLINT c_type = SQL_C_CHAR;
  Conversion conversion = Conversion::kText;
  bool bound = false;
  SQLLEN width = 0;          // bytes per row in `data`
  std::vector<char> data;
  std::vector<SQLLEN> indicators;
};

class OdbcReader : public RowReader {
 public:
  // `stmt` has run the statement of the whole read, or the first chunk of
  // `keyset`; `key_slots` are the slots that hold a unique keyset's key, in key order.
  OdbcReader(std::shared_ptr<Connection> conn, Handle stmt, TableRef table, std::vector<ColumnInfo> columns,
             std::vector<Slot> slots, SQLULEN rowset, size_t batch_rows, int64_t limit,
             std::optional<KeysetRead> keyset, std::vector<size_t> key_slots)
      : conn_(std::move(conn)),
        stmt_(std::move(stmt)),
        table_(std::move(table)),
        columns_(std::move(columns)),
        slots_(std::move(slots)),
        rowset_(rowset),
        row_status_(rowset),
        batch_rows_(std::max<size_t>(batch_rows, 1)),
        limit_(limit),
        keyset_(std::move(keyset)),
        key_slots_(std::move(key_slots)) {}

  Status bind() {
    SQLHSTMT st = stmt_.get();
    auto set = [st](SQLINTEGER attr, SQLPOINTER value) { return SQLSetStmtAttr(st, attr, value, 0); };
    if (!SQL_SUCCEEDED(set(SQL_ATTR_ROW_BIND_TYPE, as_attribute(SQL_BIND_BY_COLUMN))) ||
        !SQL_SUCCEEDED(set(SQL_ATTR_ROW_ARRAY_SIZE, as_attribute(rowset_))) ||
        !SQL_SUCCEEDED(set(SQL_ATTR_ROWS_FETCHED_PTR, &fetched_)) ||
        !SQL_SUCCEEDED(set(SQL_ATTR_ROW_STATUS_PTR, row_status_.data()))) {
      return odbc_failure(SQL_HANDLE_STMT, st, context());
    }
    // A driver may lower the rowset size (01S02): use what it took.
    SQLULEN granted = rowset_;
    if (SQL_SUCCEEDED(SQLGetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, &granted, 0, nullptr)) && granted > 0 &&
        granted < rowset_) {
      rowset_ = granted;
    }
    for (size_t i = 0; i < slots_.size(); ++i) {
      Slot& s = slots_[i];
      if (!s.bound) continue;
      s.data.assign(static_cast<size_t>(s.width) * rowset_, '\0');
      s.indicators.assign(rowset_, 0);
      if (!SQL_SUCCEEDED(SQLBindCol(st, static_cast<SQLUSMALLINT>(i + 1), s.c_type, s.data.data(), s.width,
                                    s.indicators.data()))) {
        return odbc_failure(SQL_HANDLE_STMT, st, context() + ", binding column '" + s.name + "'");
      }
    }
    cells_.resize(columns_.size());
    owned_.resize(columns_.size());
    return Status::ok();
  }

  const std::vector<ColumnInfo>& columns() const override { return columns_; }

  Result<bool> next(Batch& out) override {
    out.reset(columns_.size());
    if (failure_.is_ok()) failure_ = guarded("read", [&] { return fill(out); });
    if (!failure_.is_ok()) {
      out.clear();
      return failure_;
    }
    return !out.empty();
  }

 private:
  std::string context() const { return "reading " + table_.display() + " from " + conn_->redacted; }

  // Appends rows to `out` up to the batch size. The limit counts rejected
  // rows too: they were read.
  Status fill(Batch& out) {
    while (out.rows() < batch_rows_ && out.bytes() < kMaxBatchBytes) {
      if (limit_ >= 0 && row_number_ >= limit_) break;
      if (position_ == fetched_) {
        if (done_) break;
        CSB_RETURN_IF_ERROR(fetch());
        continue;
      }
      CSB_RETURN_IF_ERROR(append_row(position_++, out));
    }
    return Status::ok();
  }

  Status fetch() {
    if (!key_slots_.empty() && fetched_ > 0) CSB_RETURN_IF_ERROR(note_last_key());
    fetched_ = 0;
    position_ = 0;
    SQLRETURN rc = SQLFetch(stmt_.get());
    if (rc == SQL_NO_DATA) {
      SQLCloseCursor(stmt_.get());
      return next_chunk();
    }
    if (!SQL_SUCCEEDED(rc)) return odbc_failure(SQL_HANDLE_STMT, stmt_.get(), context());
    if (fetched_ > 0) return Status::ok();
    if (keyset_) SQLCloseCursor(stmt_.get());
    return next_chunk();
  }

  // Runs the statement of the next chunk of a keyset read on the same
  // handle; a plain read (or the last chunk) is done.
  Status next_chunk() {
    if (!keyset_) {
      done_ = true;
      return Status::ok();
    }
    // The chunk holds its boundary row: empty, the read would go round in circles.
    if (keyset_->bounded() && chunk_rows_ == 0) {
      return internal_error(context() + ": a chunk of the keyset read came back empty; stopping at row " +
                            std::to_string(row_number_));
    }
    keyset_->measured(chunk_rows_, chunk_bytes_, columns_.size());
    chunk_rows_ = 0;
    chunk_bytes_ = 0;
    int64_t remaining = limit_ < 0 ? -1 : std::max<int64_t>(limit_ - row_number_, 0);
    CSB_ASSIGN_OR_RETURN(std::optional<std::string> sql, keyset_->next(*conn_, remaining, context()));
    if (!sql) {
      done_ = true;
      return Status::ok();
    }
    SQLRETURN rc = SQLExecDirect(stmt_.get(), sql_text(*sql), SQL_NTS);
    if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) return odbc_failure(SQL_HANDLE_STMT, stmt_.get(), context());
    // Bindings outlive a statement in ODBC; binding again costs nothing and trusts no driver on that.
    return bind();
  }

  // Hands the key of the rowset's last row to a unique keyset, before the
  // next fetch overwrites it: the next chunk goes on after it.
  Status note_last_key() {
    const SQLULEN row = fetched_ - 1;
    std::vector<std::string> values;
    for (size_t k : key_slots_) {
      const Slot& s = slots_[k];
      SQLLEN ind = s.indicators[row];
      SQLUSMALLINT status = row_status_[row];
      if (ind == SQL_NULL_DATA || ind == SQL_NO_TOTAL || ind > s.width - 1 || status == SQL_ROW_ERROR ||
          status == SQL_ROW_NOROW) {
        return internal_error(context() + ": the key of row " + std::to_string(row_number_) +
                              " cannot be read back; the next chunk cannot start after it");
      }
      values.emplace_back(s.data.data() + static_cast<size_t>(s.width) * row, static_cast<size_t>(ind));
    }
    keyset_->last_row(std::move(values));
    return Status::ok();
  }

  void reject(const std::string& reason) {
    rejects_.push_back({table_.display() + " row " + std::to_string(row_number_), reason});
  }

  // The whole value of a bound cell whose buffer was too small.
  Result<LongValue> rescue(SQLULEN row, size_t slot_index) {
    Slot& s = slots_[slot_index];
    bool can_reread = rowset_ > 1 ? conn_->engine.rescue == RescueMode::kBlock &&
                                         SQL_SUCCEEDED(SQLSetPos(stmt_.get(), static_cast<SQLSETPOSIROW>(row + 1),
                                                                 SQL_POSITION, SQL_LOCK_NO_CHANGE))
                                   : conn_->engine.rescue != RescueMode::kNone;
    if (!can_reread) {
      return data_error("column '" + s.name + "' of " + table_.display() + ": a value at row " +
                        std::to_string(row_number_) + " is longer than the " + std::to_string(s.width) +
                        " bytes the driver declared, and the driver cannot re-read it; refusing to truncate");
    }
    return get_whole_value(stmt_.get(), static_cast<SQLUSMALLINT>(slot_index + 1), s.c_type, chunk_,
                           context() + ", column '" + s.name + "'");
  }

  Status append_row(SQLULEN row, Batch& out) {
    ++row_number_;
    ++chunk_rows_;
    SQLUSMALLINT status = row_status_[row];
    if (status == SQL_ROW_NOROW || status == SQL_ROW_DELETED) return Status::ok();
    if (status == SQL_ROW_ERROR) {
      reject("the driver could not fetch this row");
      return Status::ok();
    }
    std::string reason;
    for (size_t i = 0; i < slots_.size() && reason.empty(); ++i) {
      Slot& s = slots_[i];
      if (s.hidden) continue;
      std::optional<std::string>& owned = owned_[s.output];
      std::optional<std::string_view>& cell = cells_[s.output];
      owned.reset();
      cell.reset();
      LongValue whole;
      if (s.bound) {
        SQLLEN ind = s.indicators[row];
        if (ind == SQL_NULL_DATA) continue;
        SQLLEN room = s.c_type == SQL_C_CHAR ? s.width - 1 : s.width;
        if (ind != SQL_NO_TOTAL && ind <= room) {
          cell = std::string_view(s.data.data() + static_cast<size_t>(s.width) * row, static_cast<size_t>(ind));
        } else {
          CSB_ASSIGN_OR_RETURN(whole, rescue(row, i));
        }
      } else {
        CSB_ASSIGN_OR_RETURN(whole, get_whole_value(stmt_.get(), static_cast<SQLUSMALLINT>(i + 1), s.c_type, chunk_,
                                                    context() + ", column '" + s.name + "'"));
      }
      if (whole.too_large) {
        reason = "column '" + s.name + "': value larger than " + std::to_string(kMaxValueBytes >> 20) + " MiB";
        break;
      }
      if (whole.value) {
        owned = std::move(whole.value);
        cell = *owned;
      }
      if (!cell) continue;
      if (rewrites(s.conversion)) {
        if (!owned) owned.emplace(*cell);
        convert_value(s.conversion, *owned);
        cell = *owned;
      }
      std::string why = check_value(s.conversion, *cell);
      if (!why.empty()) reason = "column '" + s.name + "': " + why;
    }
    if (!reason.empty()) {
      reject(reason);
      return Status::ok();
    }
    for (const std::optional<std::string_view>& cell : cells_) {
      if (cell) {
        out.append(*cell);
        chunk_bytes_ += cell->size();
      } else {
        out.append_null();
      }
    }
    return Status::ok();
  }

  std::shared_ptr<Connection> conn_;
  Handle stmt_;
  TableRef table_;
  std::vector<ColumnInfo> columns_;
  std::vector<Slot> slots_;
  SQLULEN rowset_;
  std::vector<SQLUSMALLINT> row_status_;
  size_t batch_rows_;
  int64_t limit_;
  std::optional<KeysetRead> keyset_;  // none: one statement reads everything
  std::vector<size_t> key_slots_;     // a unique keyset's key columns

  SQLULEN fetched_ = 0;
  SQLULEN position_ = 0;
  bool done_ = false;
  Status failure_;  // a failure ends the read: later calls repeat it
  int64_t row_number_ = 0;  // 1-based position in the result, for reject locations
  size_t chunk_rows_ = 0;   // rows and bytes of values read from the current statement
  size_t chunk_bytes_ = 0;
  std::vector<char> chunk_;
  std::vector<std::optional<std::string>> owned_;
  std::vector<std::optional<std::string_view>> cells_;
};

// ---------------------------------------------------------------------------
// Writer

struct ParamColumn {
  std::string name;
  bool binary = false;
  bool boolean = false;
  bool bit = false;  // an SQL_BIT column: "1" is sent as a number, not as the byte '1'
};

class OdbcWriter : public RowWriter {
 public:
  OdbcWriter(std::shared_ptr<Connection> conn, Handle stmt, TableRef table, std::vector<ParamColumn> columns)
      : conn_(std::move(conn)), stmt_(std::move(stmt)), table_(std::move(table)), columns_(std::move(columns)) {}

  ~OdbcWriter() override {
    if (!finished_) (void)conn_->end(false);
  }

  Status write(const Batch& batch) override {
    return guarded("write", [&]() -> Status {
      if (finished_) return invalid_argument("the writer of " + table_.display() + " is already finished");
      if (batch.columns() != columns_.size()) {
        return invalid_argument("batch for " + table_.display() + " has " + std::to_string(batch.columns()) +
                                " columns, the writer expects " + std::to_string(columns_.size()));
      }
      if (!failure_.is_ok()) return failure_;
      for (size_t start = 0; start < batch.rows();) {
        size_t end = chunk_end(batch, start);
        failure_ = send(batch, start, end);
        if (!failure_.is_ok()) return failure_;
        start = end;
      }
      written_ += batch.rows();
      return Status::ok();
    });
  }

  Status finish() override {
    return guarded("finish", [&]() -> Status {
      if (finished_) return Status::ok();
      finished_ = true;
      // Some rows of a failed batch may be in: committing them would load half a batch.
      if (!failure_.is_ok()) {
        (void)conn_->end(false);
        return Status(failure_.code(), "nothing committed, an earlier write failed: " + failure_.message());
      }
      return conn_->end(true).with_context("writing " + table_.display());
    });
  }

 private:
  std::string_view param_value(const Batch& batch, size_t row, size_t col) const {
    std::string_view v = batch.get(row, col);
    if (columns_[col].boolean) {
      // ODBC converts only "1"/"0" text to bit; PostgreSQL and SQLite take them too.
      if (v == "true") return "1";
      if (v == "false") return "0";
    }
    return v;
  }

  // The end of the rows starting at `start` whose parameter arrays fit the budget.
  size_t chunk_end(const Batch& batch, size_t start) const {
    std::vector<size_t> widths(columns_.size(), 1);
    size_t row_bytes = columns_.size();
    const bool one_row = !conn_->engine.binary_param_arrays &&
                         std::any_of(columns_.begin(), columns_.end(), [](const ParamColumn& c) { return c.binary; });
    const size_t max_rows = one_row ? 1 : kMaxParamRows;
    size_t end = start;
    while (end < batch.rows() && end - start < max_rows) {
      size_t grown = row_bytes;
      std::vector<size_t> next = widths;
      for (size_t c = 0; c < columns_.size(); ++c) {
        if (batch.is_null(end, c)) continue;
        size_t len = param_value(batch, end, c).size();
        if (len > next[c]) {
          grown += len - next[c];
          next[c] = len;
        }
      }
      if (end > start && grown * (end - start + 1) > kParamBufferBudget) break;
      widths = std::move(next);
      row_bytes = grown;
      ++end;
    }
    return end;
  }

  Status send(const Batch& batch, size_t start, size_t end) {
    SQLHSTMT st = stmt_.get();
    const size_t rows = end - start;
    buffers_.resize(columns_.size());
    indicators_.resize(columns_.size());
    status_.assign(rows, SQL_PARAM_UNUSED);
    auto set = [st](SQLINTEGER attr, SQLPOINTER value) { return SQL_SUCCEEDED(SQLSetStmtAttr(st, attr, value, 0)); };
    if (!set(SQL_ATTR_PARAM_BIND_TYPE, as_attribute(SQL_PARAM_BIND_BY_COLUMN)) ||
        !set(SQL_ATTR_PARAMSET_SIZE, as_attribute(rows)) ||
        !set(SQL_ATTR_PARAM_STATUS_PTR, status_.data())) {
      return odbc_failure(SQL_HANDLE_STMT, st, context());
    }
    for (size_t c = 0; c < columns_.size(); ++c) {
      CSB_RETURN_IF_ERROR(bind_column(batch, start, end, c));
    }
    SQLRETURN rc = SQLExecute(st);
    // With parameter arrays a driver may succeed "with info" while some rows failed.
    bool row_failed = std::find(status_.begin(), status_.end(), SQL_PARAM_ERROR) != status_.end();
    if ((SQL_SUCCEEDED(rc) || rc == SQL_NO_DATA) && !row_failed) return Status::ok();
    // Drivers disagree on which row the status array blames (MariaDB fills
    // none, psqlodbc blames all), so the message names the whole range.
    return odbc_failure(SQL_HANDLE_STMT, st,
                        context() + ", rows " + std::to_string(written_ + start + 1) + "-" +
                            std::to_string(written_ + end) + " of this writer");
  }

  // Fills and binds the parameter array of column `c` for rows [start, end).
  Status bind_column(const Batch& batch, size_t start, size_t end, size_t c) {
    const ParamColumn& column = columns_[c];
    const size_t rows = end - start;
    size_t width = 1;
    if (!column.bit) {
      for (size_t r = start; r < end; ++r) {
        if (!batch.is_null(r, c)) width = std::max(width, param_value(batch, r, c).size());
      }
    }
    std::vector<char>& data = buffers_[c];
    std::vector<SQLLEN>& ind = indicators_[c];
    data.assign(width * rows, '\0');
    ind.assign(rows, 0);
    for (size_t r = start; r < end; ++r) {
      if (batch.is_null(r, c)) {
        ind[r - start] = SQL_NULL_DATA;
        continue;
      }
      std::string_view v = param_value(batch, r, c);
      if (column.bit) {
        // Sent as SQL_C_BIT: MariaDB's char-to-bit conversion of parameter arrays crashes.
        std::optional<std::string_view> b = canonical_boolean(v);
        if (!b) {
          return data_error(context() + ", row " + std::to_string(written_ + r + 1) + " of this writer: column '" +
                            column.name + "' holds a value that is not a boolean (true/false/1/0)");
        }
        data[r - start] = *b == "true" ? 1 : 0;
        ind[r - start] = 1;
        continue;
      }
      std::memcpy(data.data() + (r - start) * width, v.data(), v.size());
      ind[r - start] = static_cast<SQLLEN>(v.size());
    }
    const bool is_long = static_cast<SQLLEN>(width) > kLongParamBytes;
    SQLSMALLINT c_type = column.binary ? SQL_C_BINARY : column.bit ? SQL_C_BIT : SQL_C_CHAR;
    SQLSMALLINT sql_type = column.binary ? (is_long ? SQL_LONGVARBINARY : SQL_VARBINARY)
                           : column.bit  ? SQL_BIT
                           : is_long     ? SQL_LONGVARCHAR
                                         : SQL_VARCHAR;
    SQLRETURN rc = SQLBindParameter(stmt_.get(), static_cast<SQLUSMALLINT>(c + 1), SQL_PARAM_INPUT, c_type, sql_type,
                                    width, 0, data.data(), static_cast<SQLLEN>(width), ind.data());
    if (!SQL_SUCCEEDED(rc)) {
      return odbc_failure(SQL_HANDLE_STMT, stmt_.get(), context() + ", binding column '" + column.name + "'");
    }
    return Status::ok();
  }

  std::string context() const { return "writing " + table_.display() + " to " + conn_->redacted; }

  std::shared_ptr<Connection> conn_;
  Handle stmt_;
  TableRef table_;
  std::vector<ParamColumn> columns_;
  bool finished_ = false;
  Status failure_;  // the first failed write: later writes repeat it, finish() rolls back
  size_t written_ = 0;
  std::vector<std::vector<char>> buffers_;
  std::vector<std::vector<SQLLEN>> indicators_;
  std::vector<SQLUSMALLINT> status_;
};

// ---------------------------------------------------------------------------
// Connector

class OdbcConnector : public Connector {
 public:
  explicit OdbcConnector(std::shared_ptr<Connection> conn) : conn_(std::move(conn)) {}

  std::string backend() const override { return "odbc"; }

  Result<SourceInfo> info() override {
    return guarded("info", [&]() -> Result<SourceInfo> {
      return SourceInfo{conn_->engine.name, conn_->engine.version, conn_->redacted};
    });
  }

  Result<std::vector<TableRef>> list_tables() override {
    return guarded("list_tables", [&]() -> Result<std::vector<TableRef>> {
      CSB_ASSIGN_OR_RETURN(CatalogRows rows, tables(std::nullopt, std::nullopt, "%"));
      std::vector<TableRef> out;
      for (const auto& row : rows.rows) {
        if (row.size() < 4) continue;
        std::string type = util::to_lower(text_or_empty(row[3]));
        if (type != "table" && type != "view") continue;
        TableRef ref = ref_of(row[0], row[1], text_or_empty(row[2]));
        if (is_system(ref)) continue;
        out.push_back(std::move(ref));
      }
      return out;
    });
  }

  Result<TableInfo> describe(const TableRef& table) override {
    return guarded("describe", [&]() -> Result<TableInfo> {
      CSB_ASSIGN_OR_RETURN(ResolvedTable t, resolve(table));
      TableInfo info;
      info.ref = t.ref;
      info.is_view = t.is_view;
      CSB_ASSIGN_OR_RETURN(std::vector<ColumnMeta> columns, column_meta(t));
      for (ColumnMeta& m : columns) info.columns.push_back(std::move(m.info));
      CSB_ASSIGN_OR_RETURN(info.primary_key, primary_key(t));
      CSB_ASSIGN_OR_RETURN(info.indexes, indexes(t, info.primary_key));
      CSB_ASSIGN_OR_RETURN(info.foreign_keys, foreign_keys(t));
      return info;
    });
  }

  Result<RowCount> count(const TableRef& table, bool /*estimate*/) override {
    // Estimates would need engine-specific statistics; the exact count is always right.
    return guarded("count", [&]() -> Result<RowCount> {
      CSB_ASSIGN_OR_RETURN(ResolvedTable t, resolve(table));
      CSB_ASSIGN_OR_RETURN(Handle stmt, conn_->statement());
      std::string sql = "SELECT COUNT(*) FROM " + qualified(t);
      std::string context = "counting " + t.ref.display() + " in " + conn_->redacted;
      if (!SQL_SUCCEEDED(SQLExecDirect(stmt.get(), sql_text(sql), SQL_NTS))) {
        return odbc_failure(SQL_HANDLE_STMT, stmt.get(), context);
      }
      SQLRETURN rc = SQLFetch(stmt.get());
      SQLBIGINT rows = 0;
      SQLLEN ind = 0;
      if (!SQL_SUCCEEDED(rc) || !SQL_SUCCEEDED(SQLGetData(stmt.get(), 1, SQL_C_SBIGINT, &rows, sizeof rows, &ind))) {
        return odbc_failure(SQL_HANDLE_STMT, stmt.get(), context);
      }
      return RowCount{static_cast<int64_t>(rows), true};
    });
  }

  Result<std::unique_ptr<RowReader>> read(const ReadRequest& request) override {
    return guarded("read", [&]() { return open_reader(request); });
  }

  Result<TableInfo> describe_query(std::string_view sql) override {
    return guarded("describe_query", [&]() -> Result<TableInfo> {
      CSB_ASSIGN_OR_RETURN(std::vector<ColumnMeta> columns, query_meta(sql));
      TableInfo info;
      info.ref = {"", "query"};
      for (ColumnMeta& m : columns) info.columns.push_back(std::move(m.info));
      return info;
    });
  }

  Result<std::unique_ptr<RowWriter>> write(const WriteRequest& request) override {
    return guarded("write", [&]() { return open_writer(request); });
  }

  Status execute(std::string_view sql) override {
    return guarded("execute", [&]() -> Status {
      std::vector<std::string> statements = split_statements(sql);
      if (statements.empty()) return Status::ok();
      CSB_RETURN_IF_ERROR(conn_->begin("run SQL"));
      for (size_t i = 0; i < statements.size(); ++i) {
        Status s = conn_->run(statements[i], "statement " + std::to_string(i + 1) + " of " +
                                                 std::to_string(statements.size()) + " failed on " + conn_->redacted);
        if (!s.is_ok()) {
          (void)conn_->end(false);
          return s;
        }
      }
      return conn_->end(true);
    });
  }

 private:
  // Escapes the search-pattern characters of a catalog-function argument.
  std::string pattern(std::string_view name) const {
    const std::string& esc = conn_->engine.escape;
    if (esc.empty()) return std::string(name);
    std::string out;
    for (char c : name) {
      if (c == '_' || c == '%' || esc.find(c) != std::string::npos) out += esc;
      out += c;
    }
    return out;
  }

  Result<CatalogRows> tables(const std::optional<std::string>& catalog, const std::optional<std::string>& schema,
                             const std::string& name_pattern) {
    CSB_ASSIGN_OR_RETURN(Handle stmt, conn_->statement());
    std::optional<std::string> cat = catalog;
    if (!cat && !conn_->engine.current_catalog.empty()) cat = conn_->engine.current_catalog;
    std::optional<std::string> name = name_pattern;
    SQLRETURN rc = SQLTables(stmt.get(), sql_text(cat), sql_length(cat), sql_text(schema), sql_length(schema),
                             sql_text(name), SQL_NTS, nullptr, 0);
    return fetch_catalog(stmt.get(), rc, "listing tables of " + conn_->redacted);
  }

  // The TableRef of a SQLTables row: schema where the engine has them, else
  // the catalog when it is not the current one (MariaDB), else nothing.
  TableRef ref_of(const std::optional<std::string>& catalog, const std::optional<std::string>& schema,
                  std::string name) const {
    TableRef ref;
    ref.name = std::move(name);
    if (conn_->engine.has_schemas) {
      ref.schema = text_or_empty(schema);
    } else if (conn_->engine.has_catalogs && catalog && *catalog != conn_->engine.current_catalog) {
      ref.schema = *catalog;
    }
    return ref;
  }

  bool is_system(const TableRef& ref) const {
    for (std::string_view s : kSystemSchemas) {
      if (util::equals_icase(ref.schema, s)) return true;
    }
    if (!conn_->engine.sizes_enforced && util::starts_with_icase(ref.name, "sqlite_")) return true;
    return false;
  }

  Result<ResolvedTable> resolve(const TableRef& table) {
    const Engine& e = conn_->engine;
    std::optional<std::string> catalog, schema;
    if (!table.schema.empty()) {
      if (e.has_schemas) schema = pattern(table.schema);
      else if (e.has_catalogs) catalog = table.schema;
    }
    CSB_ASSIGN_OR_RETURN(CatalogRows rows, tables(catalog, schema, pattern(table.name)));
    std::vector<const std::vector<std::optional<std::string>>*> matches;
    for (const auto& row : rows.rows) {
      if (row.size() < 4 || text_or_empty(row[2]) != table.name) continue;
      if (e.has_schemas && !table.schema.empty() && text_or_empty(row[1]) != table.schema) continue;
      matches.push_back(&row);
    }
    if (matches.empty()) {
      return not_found("table '" + table.display() + "' not found in " + conn_->redacted);
    }
    if (matches.size() > 1) {
      std::vector<std::string> schemas;
      for (const auto* row : matches) schemas.push_back(text_or_empty((*row)[1]));
      return invalid_argument("table '" + table.name + "' exists in several schemas (" + util::join(schemas, ", ") +
                              ") of " + conn_->redacted + "; name one");
    }
    const auto& row = *matches.front();
    ResolvedTable t;
    t.ref = ref_of(row[0], row[1], table.name);
    if (e.has_schemas) t.schema = row[1];
    if (e.has_catalogs) t.catalog = row[0];
    if (!e.has_schemas && !e.has_catalogs && !table.schema.empty()) t.ref.schema = table.schema;
    t.name = table.name;
    std::string type = util::to_lower(text_or_empty(row[3]));
    t.is_view = type.find("view") != std::string::npos;
    return t;
  }

  std::string qualified(const ResolvedTable& t) const {
    if (t.schema && !t.schema->empty()) return conn_->quote(*t.schema) + "." + conn_->quote(t.name);
    if (!t.ref.schema.empty()) return conn_->quote(t.ref.schema) + "." + conn_->quote(t.name);
    return conn_->quote(t.name);
  }

  Result<std::vector<ColumnMeta>> column_meta(const ResolvedTable& t) {
    CSB_ASSIGN_OR_RETURN(Handle stmt, conn_->statement());
    std::optional<std::string> schema = t.schema ? std::optional(pattern(*t.schema)) : std::nullopt;
    std::string name = pattern(t.name);
    SQLRETURN rc = SQLColumns(stmt.get(), sql_text(t.catalog), sql_length(t.catalog), sql_text(schema),
                              sql_length(schema), sql_text(name), SQL_NTS, nullptr, 0);
    CSB_ASSIGN_OR_RETURN(CatalogRows rows,
                         fetch_catalog(stmt.get(), rc, "describing " + t.ref.display() + " in " + conn_->redacted));
    const int typmod = rows.index_of("TYPMOD");
    std::vector<std::pair<int64_t, ColumnMeta>> ordered;
    for (const auto& row : rows.rows) {
      if (row.size() < 18 || text_or_empty(row[2]) != t.name) continue;
      if (t.schema && text_or_empty(row[1]) != *t.schema) continue;
      ColumnMeta m;
      m.info.name = text_or_empty(row[3]);
      m.sql_type = static_cast<SQLSMALLINT>(integer_or(row[4], SQL_UNKNOWN_TYPE));
      m.size = integer_or(row[6], 0);
      std::optional<int64_t> mod;
      if (typmod >= 0) mod = integer_or(row[static_cast<size_t>(typmod)], -1);
      m.info.declared_type = declared_type(text_or_empty(row[5]), m.sql_type, m.size, integer_or(row[8], 0), mod);
      m.info.type = value_type_of(m.sql_type, m.info.declared_type);
      m.info.nullable = integer_or(row[10], SQL_NULLABLE) != SQL_NO_NULLS;
      ordered.emplace_back(integer_or(row[16], static_cast<int64_t>(ordered.size() + 1)), std::move(m));
    }
    std::stable_sort(ordered.begin(), ordered.end(), by_first);
    std::vector<ColumnMeta> out;
    for (auto& [position, m] : ordered) out.push_back(std::move(m));
    if (out.empty()) return not_found("table '" + t.ref.display() + "' has no columns visible in " + conn_->redacted);
    return out;
  }

  Result<std::vector<std::string>> primary_key(const ResolvedTable& t) {
    CSB_ASSIGN_OR_RETURN(Handle stmt, conn_->statement());
    std::string name = t.name;
    SQLRETURN rc = SQLPrimaryKeys(stmt.get(), sql_text(t.catalog), sql_length(t.catalog), sql_text(t.schema),
                                  sql_length(t.schema), sql_text(name), SQL_NTS);
    CSB_ASSIGN_OR_RETURN(CatalogRows rows, fetch_catalog(stmt.get(), rc,
                                                         "reading the primary key of " + t.ref.display() + " in " +
                                                             conn_->redacted));
    std::vector<std::pair<int64_t, std::string>> keyed;
    for (const auto& row : rows.rows) {
      if (row.size() < 5 || text_or_empty(row[2]) != t.name) continue;
      keyed.emplace_back(integer_or(row[4], 0), text_or_empty(row[3]));
    }
    std::stable_sort(keyed.begin(), keyed.end(), by_first);
    std::vector<std::string> out;
    for (auto& [seq, column] : keyed) out.push_back(std::move(column));
    return out;
  }

  Result<std::vector<IndexInfo>> indexes(const ResolvedTable& t, const std::vector<std::string>& primary_key) {
    CSB_ASSIGN_OR_RETURN(Handle stmt, conn_->statement());
    std::string name = t.name;
    SQLRETURN rc = SQLStatistics(stmt.get(), sql_text(t.catalog), sql_length(t.catalog), sql_text(t.schema),
                                 sql_length(t.schema), sql_text(name), SQL_NTS, SQL_INDEX_ALL, SQL_QUICK);
    CSB_ASSIGN_OR_RETURN(CatalogRows rows, fetch_catalog(stmt.get(), rc,
                                                         "reading the indexes of " + t.ref.display() + " in " +
                                                             conn_->redacted));
    struct Building {
      IndexInfo info;
      std::vector<std::pair<int64_t, std::string>> columns;
    };
    std::vector<Building> building;
    for (const auto& row : rows.rows) {
      if (row.size() < 9 || integer_or(row[6], SQL_TABLE_STAT) == SQL_TABLE_STAT || !row[5] || !row[8]) continue;
      std::string index_name = *row[5];
      auto it = std::find_if(building.begin(), building.end(),
                             [&](const Building& b) { return b.info.name == index_name; });
      if (it == building.end()) {
        it = building.insert(building.end(), Building{});
        it->info.name = index_name;
        it->info.unique = integer_or(row[3], 1) == 0;
      }
      it->columns.emplace_back(integer_or(row[7], 0), *row[8]);
    }
    std::vector<IndexInfo> out;
    for (Building& b : building) {
      std::stable_sort(b.columns.begin(), b.columns.end(), by_first);
      for (auto& [position, column] : b.columns) b.info.columns.push_back(std::move(column));
      // The primary key's own index is already TableInfo::primary_key.
      if (b.info.unique && !primary_key.empty() && b.info.columns == primary_key) continue;
      out.push_back(std::move(b.info));
    }
    return out;
  }

  Result<std::vector<ForeignKey>> foreign_keys(const ResolvedTable& t) {
    CSB_ASSIGN_OR_RETURN(Handle stmt, conn_->statement());
    std::string name = t.name;
    SQLRETURN rc = SQLForeignKeys(stmt.get(), nullptr, 0, nullptr, 0, nullptr, 0, sql_text(t.catalog),
                                  sql_length(t.catalog), sql_text(t.schema), sql_length(t.schema), sql_text(name),
                                  SQL_NTS);
    std::string context = "reading the foreign keys of " + t.ref.display() + " in " + conn_->redacted;
    if (!SQL_SUCCEEDED(rc)) {
      std::vector<Diagnostic> diags = diagnostics(SQL_HANDLE_STMT, stmt.get());
      // Declared keys are optional metadata: a driver without SQLForeignKeys reports none.
      if (!diags.empty() && (diags.front().state == "IM001" || diags.front().state == "HYC00")) {
        return std::vector<ForeignKey>{};
      }
      return Status(diags.empty() ? ErrorCode::kData : code_for_state(diags.front().state),
                    context + ": " + describe_diagnostics(diags));
    }
    CSB_ASSIGN_OR_RETURN(CatalogRows rows, fetch_catalog(stmt.get(), rc, context));
    struct Part {
      int64_t seq;
      std::string column, ref_column;
    };
    struct Building {
      ForeignKey fk;
      std::vector<Part> parts;
    };
    std::vector<Building> building;
    for (const auto& row : rows.rows) {
      if (row.size() < 12 || text_or_empty(row[6]) != t.name) continue;
      int64_t seq = integer_or(row[8], 1);
      std::string fk_name = text_or_empty(row[11]);
      TableRef ref_table = ref_of(row[0], row[1], text_or_empty(row[2]));
      // Unnamed keys (SQLite) are told apart by KEY_SEQ starting again at 1.
      bool same = !building.empty() && building.back().fk.ref_table == ref_table &&
                  (fk_name.empty() ? seq > 1 : building.back().fk.name == fk_name);
      if (!same) {
        building.emplace_back();
        building.back().fk.name = fk_name;
        building.back().fk.ref_table = ref_table;
      }
      building.back().parts.push_back({seq, text_or_empty(row[7]), text_or_empty(row[3])});
    }
    std::vector<ForeignKey> out;
    for (Building& b : building) {
      std::stable_sort(b.parts.begin(), b.parts.end(), [](const Part& x, const Part& y) { return x.seq < y.seq; });
      for (Part& p : b.parts) {
        b.fk.columns.push_back(std::move(p.column));
        b.fk.ref_columns.push_back(std::move(p.ref_column));
      }
      out.push_back(std::move(b.fk));
    }
    return out;
  }

  // The `wanted` columns among `all` (all of them when none are named), in
  // request order; not_found names the first unknown one and `what` ("table x", "query").
  static Result<std::vector<ColumnMeta>> pick_columns(const std::string& what, const std::vector<ColumnMeta>& all,
                                                      const std::vector<std::string>& wanted) {
    if (wanted.empty()) return all;
    std::vector<ColumnMeta> out;
    for (const std::string& name : wanted) {
      auto it = std::find_if(all.begin(), all.end(), [&](const ColumnMeta& m) { return m.info.name == name; });
      if (it == all.end()) {
        std::vector<std::string> known;
        for (const ColumnMeta& m : all) known.push_back(m.info.name);
        std::string hint = util::closest_match(name, known);
        return not_found("column '" + name + "' not found in " + what +
                         (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
      }
      out.push_back(*it);
    }
    return out;
  }

  bool is_long(const ColumnMeta& m) const {
    if (!conn_->engine.sizes_enforced || is_long_type(m.sql_type)) return true;
    if (is_char_type(m.sql_type)) return m.size <= 0 || m.size * kUtf8BytesPerChar >= kMaxBoundCellBytes;
    if (is_binary_type(m.sql_type)) return m.size <= 0 || m.size > kMaxBoundCellBytes;
    return false;
  }

  // The result columns of a query, as the driver describes its derived table
  // once prepared (WHERE 1=0: should a driver run it to describe it, no row comes).
  Result<std::vector<ColumnMeta>> query_meta(std::string_view query) {
    CSB_ASSIGN_OR_RETURN(Handle stmt, conn_->statement());
    const std::string context = "query in " + conn_->redacted;
    std::string sql = "SELECT * FROM " + derived_table(query) + " WHERE 1=0";
    SQLSMALLINT count = 0;
    if (!SQL_SUCCEEDED(SQLPrepare(stmt.get(), sql_text(sql), SQL_NTS)) ||
        !SQL_SUCCEEDED(SQLNumResultCols(stmt.get(), &count))) {
      Status s = odbc_failure(SQL_HANDLE_STMT, stmt.get(), context);
      if (s.code() == ErrorCode::kUnreachable || conn_->dead()) return unreachable(s.message());
      // Whatever else the SQLSTATE says (HY000 from SQLite, 42S02 from MariaDB), the query is what is wrong.
      return invalid_argument(s.message());
    }
    std::vector<ColumnMeta> out;
    for (SQLUSMALLINT c = 1; c <= static_cast<SQLUSMALLINT>(count); ++c) {
      SQLCHAR name[1024] = {};
      SQLCHAR type_name[256] = {};
      SQLSMALLINT name_len = 0, type_len = 0, sql_type = 0, digits = 0, nullable = 0;
      SQLULEN size = 0;
      if (!SQL_SUCCEEDED(SQLDescribeCol(stmt.get(), c, name, sizeof name, &name_len, &sql_type, &size, &digits,
                                        &nullable)) ||
          !SQL_SUCCEEDED(SQLColAttribute(stmt.get(), c, SQL_DESC_TYPE_NAME, type_name, sizeof type_name, &type_len,
                                         nullptr))) {
        return odbc_failure(SQL_HANDLE_STMT, stmt.get(), context + ", column " + std::to_string(c));
      }
      ColumnMeta m;
      m.info.name = reinterpret_cast<char*>(name);
      m.sql_type = sql_type;
      m.size = static_cast<int64_t>(size);
      m.info.declared_type = declared_type(reinterpret_cast<char*>(type_name), sql_type, m.size, digits, std::nullopt);
      m.info.type = value_type_of(sql_type, m.info.declared_type);
      out.push_back(std::move(m));
    }
    if (out.empty()) return invalid_argument(context + ": the statement returns no rows");
    return out;
  }

  // What a ReadRequest reads: a table, or a query as a derived table.
  struct ReadSource {
    TableRef ref;      // {"", "query"} for a query
    std::string what;  // what messages name: "table x" or "query"
    std::string from;  // the SQL after FROM
    std::vector<ColumnMeta> columns;
    std::vector<std::string> stored_bytes;  // text columns read as the bytes stored (latin1_columns)
    std::vector<std::vector<std::string>> unique_keys;  // primary key and unique indexes (drivers that cache results)
  };

  Result<ReadSource> read_source(const ReadRequest& request) {
    if (!request.query.empty()) {
      CSB_ASSIGN_OR_RETURN(std::vector<ColumnMeta> all, query_meta(request.query));
      return ReadSource{{"", "query"}, "query", derived_table(request.query), std::move(all), {}, {}};
    }
    CSB_ASSIGN_OR_RETURN(ResolvedTable t, resolve(request.table));
    CSB_ASSIGN_OR_RETURN(std::vector<ColumnMeta> all, column_meta(t));
    std::vector<std::string> stored;
    std::vector<std::vector<std::string>> unique;
    if (conn_->stored_bytes && conn_->engine.caches_results) {
      CSB_ASSIGN_OR_RETURN(stored, latin1_columns(t));
    }
    if (conn_->engine.caches_results) {
      CSB_ASSIGN_OR_RETURN(unique, unique_keys(t));
    }
    return ReadSource{t.ref, "table " + t.ref.display(), qualified(t), std::move(all), std::move(stored),
                      std::move(unique)};
  }

  // The column lists of `t` that no two rows share: its primary key, then its unique indexes.
  Result<std::vector<std::vector<std::string>>> unique_keys(const ResolvedTable& t) {
    std::vector<std::vector<std::string>> out;
    CSB_ASSIGN_OR_RETURN(std::vector<std::string> pk, primary_key(t));
    if (!pk.empty()) out.push_back(pk);
    CSB_ASSIGN_OR_RETURN(std::vector<IndexInfo> indexes_of_t, indexes(t, pk));
    for (IndexInfo& index : indexes_of_t) {
      if (index.unique) out.push_back(std::move(index.columns));
    }
    return out;
  }

  // Whether no two rows of `source` share values of `columns`, none NULL:
  // they hold one of its unique keys and none is nullable.
  static bool unique_not_null(const ReadSource& source, const std::vector<std::string>& columns) {
    auto named = [&columns](const std::string& c) { return std::find(columns.begin(), columns.end(), c) != columns.end(); };
    bool nullable = std::any_of(source.columns.begin(), source.columns.end(),
                                [&](const ColumnMeta& m) { return m.info.nullable && named(m.info.name); });
    return !nullable && std::any_of(source.unique_keys.begin(), source.unique_keys.end(), [&](const auto& key) {
      return std::all_of(key.begin(), key.end(), named);
    });
  }

  // The key of a read without an order from a driver that holds whole result
  // sets: the first unique key whose columns are NOT NULL, else the first
  // one (NULLs are read once each all the same); none: one statement.
  static std::vector<std::string> unordered_key(const ReadSource& source) {
    for (const std::vector<std::string>& key : source.unique_keys) {
      if (unique_not_null(source, key)) return key;
    }
    return source.unique_keys.empty() ? std::vector<std::string>{} : source.unique_keys.front();
  }

  // MariaDB/MySQL: the columns of `t` in the latin1 character set. Legacy
  // clients that sent GBK or UTF-8 over a latin1 connection stored those
  // bytes there; the server would convert them to UTF-8 as if they were
  // Latin-1 ("张伟" in GBK comes out as "ÕÅÎ°"), so a source that declares
  // its encoding reads them as the bytes stored, CAST AS BINARY.
  Result<std::vector<std::string>> latin1_columns(const ResolvedTable& t) {
    auto literal = [](std::string_view text) {
      std::string hex;
      char buf[3];
      for (unsigned char c : text) {
        std::snprintf(buf, sizeof buf, "%02X", c);
        hex += buf;
      }
      return "CONVERT(X'" + hex + "' USING utf8mb4)";
    };
    std::string sql = "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
                      (t.catalog ? literal(*t.catalog) : std::string("DATABASE()")) +
                      " AND TABLE_NAME = " + literal(t.name) + " AND CHARACTER_SET_NAME = 'latin1'";
    CSB_ASSIGN_OR_RETURN(Handle stmt, conn_->statement());
    SQLRETURN rc = SQLExecDirect(stmt.get(), sql_text(sql), SQL_NTS);
    CSB_ASSIGN_OR_RETURN(CatalogRows rows, fetch_catalog(stmt.get(), rc,
                                                         "reading the character sets of " + t.ref.display() +
                                                             " in " + conn_->redacted));
    std::vector<std::string> out;
    for (const auto& row : rows.rows) {
      if (!row.empty() && row[0]) out.push_back(*row[0]);
    }
    return out;
  }

  // The keys of the chunks that read `request` where the driver would hold
  // the whole result (see "Keyset reads"); none for one statement.
  std::optional<std::vector<KeysetRead::Key>> keyset_keys(const ReadRequest& request, const ReadSource& source,
                                                          const std::vector<std::string>& order) const {
    const Engine& e = conn_->engine;
    if (!e.caches_results || !e.limit_clause || order.empty() || request.limit == 0) return std::nullopt;
    std::vector<KeysetRead::Key> keys;
    for (const std::string& name : order) {
      auto it = std::find_if(source.columns.begin(), source.columns.end(),
                             [&](const ColumnMeta& m) { return m.info.name == name; });
      if (it == source.columns.end()) return std::nullopt;
      std::optional<KeyLiteral> literal = key_literal(*it, !request.query.empty());
      if (!literal) return std::nullopt;
      keys.push_back({name, conn_->quote(name), *literal});
    }
    return keys;
  }

  // The SELECT list of a read and the slot of each of its columns.
  struct SlotPlan {
    std::vector<std::string> select;
    std::vector<Slot> slots;
    std::vector<size_t> key_slots;  // a unique keyset's key, in key order
  };

  // Long columns go last: without SQL_GD_ANY_COLUMN, SQLGetData may only read
  // columns after the last bound one. With `unique_keys`, each key's value is
  // read from its column where that is a number as the server prints it,
  // else from a hidden column after the short ones.
  SlotPlan plan_slots(const std::vector<ColumnMeta>& columns, const ReadSource& source,
                      const std::vector<KeysetRead::Key>* unique_keys) const {
    const Engine& e = conn_->engine;
    std::vector<size_t> order(columns.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    auto first_long = std::stable_partition(order.begin(), order.end(), [&](size_t i) { return !is_long(columns[i]); });
    const size_t short_columns = static_cast<size_t>(first_long - order.begin());
    SlotPlan plan;
    for (size_t i : order) {
      const ColumnMeta& m = columns[i];
      Slot s;
      s.output = i;
      s.name = m.info.name;
      s.conversion = conversion_for(m, e);
      // Unaliased, so that a key's ORDER BY and WHERE still name the column, not the cast.
      if (std::find(source.stored_bytes.begin(), source.stored_bytes.end(), m.info.name) != source.stored_bytes.end()) {
        s.conversion = Conversion::kBinary;
        plan.select.push_back("CAST(" + conn_->quote(m.info.name) + " AS BINARY)");
      } else {
        plan.select.push_back(conn_->quote(m.info.name));
      }
      s.c_type = s.conversion == Conversion::kBinary ? SQL_C_BINARY : SQL_C_CHAR;
      s.bound = !is_long(m) || e.rescue != RescueMode::kNone;
      plan.slots.push_back(std::move(s));
    }
    if (!unique_keys) return plan;
    std::vector<std::string> hidden = KeysetRead::last_row_columns(*unique_keys);
    size_t insert_at = short_columns;
    for (size_t k = 0; k < unique_keys->size(); ++k) {
      const KeysetRead::Key& key = (*unique_keys)[k];
      auto shown = std::find_if(plan.slots.begin(), plan.slots.begin() + static_cast<ptrdiff_t>(short_columns),
                                [&](const Slot& s) { return s.name == key.name; });
      if (key.literal == KeyLiteral::kNumber && shown != plan.slots.begin() + static_cast<ptrdiff_t>(short_columns) &&
          shown->conversion == Conversion::kAsIs) {
        plan.key_slots.push_back(static_cast<size_t>(shown - plan.slots.begin()));
        continue;
      }
      const ColumnMeta& m = *std::find_if(source.columns.begin(), source.columns.end(),
                                          [&](const ColumnMeta& c) { return c.info.name == key.name; });
      Slot s;
      s.hidden = true;
      s.name = key.name;
      s.conversion = Conversion::kAsIs;
      s.bound = true;
      SQLLEN bytes = is_binary_type(m.sql_type) ? static_cast<SQLLEN>(m.size)
                                                 : static_cast<SQLLEN>(m.size) * kUtf8BytesPerChar;
      s.width = key.literal == KeyLiteral::kString ? 2 * bytes + 1 : kKeyTextBytes;
      plan.slots.insert(plan.slots.begin() + static_cast<ptrdiff_t>(insert_at), std::move(s));
      plan.select.insert(plan.select.begin() + static_cast<ptrdiff_t>(insert_at), hidden[k]);
      plan.key_slots.push_back(insert_at++);
    }
    return plan;
  }

  // Whether `keys` may go one statement per chunk: unique, NOT NULL, and short
  // enough to be read back from every row (a table's read, not a query's).
  bool one_statement_chunks(const ReadRequest& request, const ReadSource& source,
                            const std::vector<std::string>& order) const {
    if (!request.query.empty() || !unique_not_null(source, order)) return false;
    return std::none_of(order.begin(), order.end(), [&](const std::string& name) {
      auto it = std::find_if(source.columns.begin(), source.columns.end(),
                             [&](const ColumnMeta& m) { return m.info.name == name; });
      return it == source.columns.end() || is_long(*it);
    });
  }

  // Sets the width of each bound column that is not hidden, now that the
  // statement is described; returns the bytes a row takes in bound buffers.
  size_t size_slots(SQLHSTMT stmt, std::vector<Slot>& slots, const std::vector<ColumnMeta>& columns) const {
    size_t row_bytes = 0;
    for (size_t k = 0; k < slots.size(); ++k) {
      Slot& s = slots[k];
      if (!s.bound) continue;
      if (!s.hidden) {
        const ColumnMeta& m = columns[s.output];
        if (is_long(m)) {
          s.width = kLongPrefixBytes;
        } else {
          SQLLEN display = 0;
          SQLColAttribute(stmt, static_cast<SQLUSMALLINT>(k + 1), SQL_DESC_DISPLAY_SIZE, nullptr, 0, nullptr,
                          &display);
          SQLLEN size = std::max<SQLLEN>(static_cast<SQLLEN>(m.size), display);
          if (s.c_type == SQL_C_BINARY) s.width = std::max<SQLLEN>(size, 1);
          else if (is_char_type(m.sql_type)) s.width = size * kUtf8BytesPerChar + 1;
          else s.width = std::max(size + 1, kMinScalarBytes);
          s.width = std::min(s.width, kMaxBoundCellBytes);
        }
      }
      row_bytes += static_cast<size_t>(s.width) + sizeof(SQLLEN);
    }
    return row_bytes;
  }

  Result<std::unique_ptr<RowReader>> open_reader(const ReadRequest& request) {
    CSB_ASSIGN_OR_RETURN(ReadSource source, read_source(request));
    CSB_ASSIGN_OR_RETURN(std::vector<ColumnMeta> columns, pick_columns(source.what, source.columns, request.columns));
    CSB_RETURN_IF_ERROR(pick_columns(source.what, source.columns, request.order_by).status());
    const Engine& e = conn_->engine;

    const std::vector<std::string> key_order = request.order_by.empty() ? unordered_key(source) : request.order_by;
    std::optional<std::vector<KeysetRead::Key>> keys = keyset_keys(request, source, key_order);
    const bool unique = keys && one_statement_chunks(request, source, key_order);
    SlotPlan plan = plan_slots(columns, source, unique ? &*keys : nullptr);
    std::string sql = "SELECT " + util::join(plan.select, ", ") + " FROM " + source.from;
    std::string context = "reading " + source.ref.display() + " from " + conn_->redacted;
    std::optional<KeysetRead> keyset;
    if (keys) {
      size_t max_rows = request.chunk_rows > 0 ? request.chunk_rows : kMaxChunkRows;
      std::string where(util::trim(request.where).empty() ? "" : request.where);
      keyset.emplace(sql, source.from, std::move(where), std::move(*keys), unique, request.batch_rows, max_rows);
      CSB_ASSIGN_OR_RETURN(std::optional<std::string> first, keyset->next(*conn_, request.limit, context));
      sql = std::move(first).value();  // a read with a limit of 0 is not a keyset read
    } else {
      if (!util::trim(request.where).empty()) sql += " WHERE (" + request.where + ")";
      if (!request.order_by.empty()) {
        std::vector<std::string> quoted;
        for (const std::string& o : request.order_by) quoted.push_back(conn_->quote(o));
        sql += " ORDER BY " + util::join(quoted, ", ");
      }
      if (request.limit >= 0 && e.limit_clause) sql += " LIMIT " + std::to_string(request.limit);
    }

    CSB_ASSIGN_OR_RETURN(Handle stmt, conn_->statement());
    SQLRETURN rc = SQLExecDirect(stmt.get(), sql_text(sql), SQL_NTS);
    if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) return odbc_failure(SQL_HANDLE_STMT, stmt.get(), context);

    size_t row_bytes = size_slots(stmt.get(), plan.slots, columns);
    SQLULEN rowset = std::min<SQLULEN>(std::max<size_t>(request.batch_rows, 1), kMaxRowsetRows);
    if (row_bytes > 0) rowset = std::min<SQLULEN>(rowset, std::max<size_t>(kFetchBufferBudget / row_bytes, 1));
    bool any_long = std::any_of(columns.begin(), columns.end(), [&](const ColumnMeta& m) { return is_long(m); });
    if (any_long && e.rescue != RescueMode::kBlock) rowset = 1;

    std::vector<ColumnInfo> infos;
    for (ColumnMeta& m : columns) infos.push_back(std::move(m.info));
    auto reader = std::make_unique<OdbcReader>(conn_, std::move(stmt), source.ref, std::move(infos),
                                               std::move(plan.slots), rowset, request.batch_rows, request.limit,
                                               std::move(keyset), std::move(plan.key_slots));
    CSB_RETURN_IF_ERROR(reader->bind());
    return std::unique_ptr<RowReader>(std::move(reader));
  }

  Result<std::unique_ptr<RowWriter>> open_writer(const WriteRequest& request) {
    CSB_ASSIGN_OR_RETURN(ResolvedTable t, resolve(request.table));
    if (request.columns.empty()) return invalid_argument("writing " + t.ref.display() + ": no columns given");
    CSB_ASSIGN_OR_RETURN(std::vector<ColumnMeta> all, column_meta(t));
    CSB_ASSIGN_OR_RETURN(std::vector<ColumnMeta> columns,
                         pick_columns("table " + t.ref.display(), all, request.columns));
    std::vector<ParamColumn> params;
    std::vector<std::string> names, marks;
    for (const ColumnMeta& m : columns) {
      params.push_back({m.info.name, m.info.type == ValueType::kBinary, m.info.type == ValueType::kBoolean,
                        m.sql_type == SQL_BIT});
      names.push_back(conn_->quote(m.info.name));
      marks.emplace_back("?");
    }
    std::string sql = "INSERT INTO " + qualified(t) + " (" + util::join(names, ", ") + ") VALUES (" +
                      util::join(marks, ", ") + ")";
    CSB_ASSIGN_OR_RETURN(Handle stmt, conn_->statement());
    CSB_RETURN_IF_ERROR(conn_->begin("write " + t.ref.display()));
    if (!SQL_SUCCEEDED(SQLPrepare(stmt.get(), sql_text(sql), SQL_NTS))) {
      Status s = odbc_failure(SQL_HANDLE_STMT, stmt.get(), "preparing the insert into " + t.ref.display() + " on " +
                                                               conn_->redacted);
      (void)conn_->end(false);
      return s;
    }
    return std::unique_ptr<RowWriter>(std::make_unique<OdbcWriter>(conn_, std::move(stmt), t.ref, std::move(params)));
  }

  std::shared_ptr<Connection> conn_;
};

Result<std::unique_ptr<Connector>> open(const ConnectionString& conn) {
  auto c = std::make_shared<Connection>();
  c->redacted = conn.redacted();
  const std::string what = "cannot connect to " + c->redacted;
  if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, c->env.out()))) {
    return unreachable(what + ": cannot allocate an ODBC environment (is unixODBC installed?)");
  }
  SQLSetEnvAttr(c->env.get(), SQL_ATTR_ODBC_VERSION, as_attribute(SQL_OV_ODBC3), 0);
  if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, c->env.get(), c->dbc.out()))) {
    return unreachable(what + ": " + describe_diagnostics(diagnostics(SQL_HANDLE_ENV, c->env.get())));
  }
  SQLSetConnectAttr(c->dbc.get(), SQL_ATTR_LOGIN_TIMEOUT, as_attribute(kLoginTimeoutSeconds), 0);
  std::string target = with_streaming(conn.target);
  SQLRETURN rc = SQLDriverConnect(c->dbc.get(), nullptr, sql_text(target), SQL_NTS, nullptr, 0, nullptr,
                                  SQL_DRIVER_NOPROMPT);
  if (!SQL_SUCCEEDED(rc)) {
    return unreachable(what + ": " + connect_failure_reason(c->env.get(), c->dbc.get(), target));
  }
  c->connected = true;
  c->stored_bytes = conn.stored_bytes;
  c->engine = detect_engine(c->dbc.get());
  if (c->engine.utc_session) {
    // psqlodbc drops the zone of timestamptz values; in UTC it is known to be +00.
    Status s = c->run("SET TIME ZONE 'UTC'", what + ": setting the session time zone");
    if (!s.is_ok()) return Status(ErrorCode::kUnreachable, s.message());
  }
  return std::unique_ptr<Connector>(std::make_unique<OdbcConnector>(std::move(c)));
}

}  // namespace

Result<std::unique_ptr<Connector>> open_odbc(const ConnectionString& conn) {
  return guarded("open", [&]() { return open(conn); });
}


}  // namespace csbridge::connector
