// Internal to the ODBC backend (odbc_connector.cc): statement and connection
// handles, diagnostics turned into Status, what the connected engine can do,
// and reading values and small catalog result sets with SQLGetData.
#pragma once

#include <sql.h>
#include <sqlext.h>

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connector/connection_string.h"
#include "util/status.h"
#include "util/strings.h"

namespace csbridge::connector::odbc {

constexpr SQLULEN kMaxRowsetRows = 1000;       // rows per SQLFetch at most
constexpr size_t kMaxValueBytes = 256u << 20;  // larger values reject their row

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
inline SQLPOINTER as_attribute(SQLULEN value) { return reinterpret_cast<SQLPOINTER>(static_cast<uintptr_t>(value)); }

inline SQLCHAR* sql_text(const std::string& s) { return reinterpret_cast<SQLCHAR*>(const_cast<char*>(s.c_str())); }
inline SQLCHAR* sql_text(const std::optional<std::string>& s) { return s ? sql_text(*s) : nullptr; }
inline SQLSMALLINT sql_length(const std::optional<std::string>& s) { return s ? SQL_NTS : 0; }

// ---------------------------------------------------------------------------
// Diagnostics

struct Diagnostic {
  std::string state;
  std::string text;
  long native = 0;  // the engine's own error number
};

// The diagnostic records of `handle`; warnings (01xxx) only when nothing else is there.
std::vector<Diagnostic> diagnostics(SQLSMALLINT type, SQLHANDLE handle);

// Up to three distinct records on one line, passwords removed.
std::string describe_diagnostics(const std::vector<Diagnostic>& diags);

// The ErrorCode a SQLSTATE means.
ErrorCode code_for_state(std::string_view state);
// The code of a diagnostic: its SQLSTATE, except that a missing grant is kPermissionDenied
// (SQLSTATE 42501, or the engine's own number where its SQLSTATE is a plain 42000: MariaDB/MySQL
// 1044 1142 1143 1227 1370, SQL Server 229 230).
ErrorCode code_for(const Diagnostic& diagnostic);

// A failed call on `handle`: the code follows the first SQLSTATE; `context`
// names what was being done (and on what).
Status odbc_failure(SQLSMALLINT type, SQLHANDLE handle, const std::string& context);

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

// What the engine behind `dbc` is and can do (SQLGetInfo).
Engine detect_engine(SQLHDBC dbc);

// ---------------------------------------------------------------------------
// Reading values with SQLGetData

struct LongValue {
  std::optional<std::string> value;  // nullopt: SQL NULL
  bool too_large = false;
};

// Reads the whole value of `column` of the current row in chunks, through `chunk`.
Result<LongValue> get_whole_value(SQLHSTMT stmt, SQLUSMALLINT column, SQLSMALLINT c_type, std::vector<char>& chunk,
                                  const std::string& context);

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

// The rows of `stmt`, whose call returned `rc`, every value as text; the cursor is closed after.
Result<CatalogRows> fetch_catalog(SQLHSTMT stmt, SQLRETURN rc, const std::string& context);

// Orders (position, value) pairs by position.
inline constexpr auto by_first = [](const auto& a, const auto& b) { return a.first < b.first; };

inline std::string text_or_empty(const std::optional<std::string>& v) { return v.value_or(""); }

// The integer `v` holds, else `fallback`.
int64_t integer_or(const std::optional<std::string>& v, int64_t fallback);

}  // namespace csbridge::connector::odbc
