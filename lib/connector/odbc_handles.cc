#include "connector/odbc_handles.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace csbridge::connector::odbc {
namespace {

constexpr size_t kGetDataChunk = 64 * 1024;
constexpr size_t kMaxDiagRecords = 3;

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

}  // namespace

std::vector<Diagnostic> diagnostics(SQLSMALLINT type, SQLHANDLE handle) {
  std::vector<Diagnostic> out;
  for (SQLSMALLINT rec = 1;; ++rec) {
    SQLCHAR state[6] = {};
    SQLINTEGER native = 0;
    SQLCHAR text[2048] = {};
    SQLSMALLINT length = 0;
    SQLRETURN rc = SQLGetDiagRec(type, handle, rec, state, &native, text, sizeof text, &length);
    if (!SQL_SUCCEEDED(rc)) break;
    out.push_back({reinterpret_cast<char*>(state), clean_message(reinterpret_cast<char*>(text)), native});
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

ErrorCode code_for(const Diagnostic& d) {
  constexpr long kDenied[] = {1044, 1142, 1143, 1227, 1370, 229, 230};
  if (d.state == "42501") return ErrorCode::kPermissionDenied;
  if (d.state.rfind("42", 0) == 0 && std::find(std::begin(kDenied), std::end(kDenied), d.native) != std::end(kDenied))
    return ErrorCode::kPermissionDenied;
  return code_for_state(d.state);
}

Status odbc_failure(SQLSMALLINT type, SQLHANDLE handle, const std::string& context) {
  std::vector<Diagnostic> diags = diagnostics(type, handle);
  ErrorCode code = diags.empty() ? ErrorCode::kData : code_for(diags.front());
  return Status(code, context + ": " + describe_diagnostics(diags));
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

Result<LongValue> get_whole_value(SQLHSTMT stmt, SQLUSMALLINT column, SQLSMALLINT c_type, std::vector<char>& chunk,
                                  const std::string& context) {
  chunk.resize(kGetDataChunk);
  const SQLLEN usable = static_cast<SQLLEN>(c_type == SQL_C_CHAR ? chunk.size() - 1 : chunk.size());
  std::string value;
  for (bool first = true;; first = false) {
    SQLLEN indicator = 0;
    SQLRETURN rc = SQLGetData(stmt, column, c_type, chunk.data(), static_cast<SQLLEN>(chunk.size()), &indicator);
    if (rc == SQL_NO_DATA) return LongValue{std::move(value), false};
    if (!SQL_SUCCEEDED(rc)) return odbc_failure(SQL_HANDLE_STMT, stmt, context);
    if (indicator == SQL_NULL_DATA) {
      if (first) return LongValue{std::nullopt, false};
      return LongValue{std::move(value), false};
    }
    // Truncation should come with SQL_SUCCESS_WITH_INFO (01004); the
    // indicator alone decides, so a driver that forgets it loses nothing.
    bool more = indicator == SQL_NO_TOTAL || indicator > usable;
    SQLLEN got = more ? usable : indicator;
    if (value.size() + static_cast<size_t>(got) > kMaxValueBytes) return LongValue{std::nullopt, true};
    value.append(chunk.data(), static_cast<size_t>(got));
    if (!more) return LongValue{std::move(value), false};
  }
}

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

int64_t integer_or(const std::optional<std::string>& v, int64_t fallback) {
  if (!v) return fallback;
  std::string_view s = util::trim(*v);
  int64_t out = fallback;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() ? out : fallback;
}

}  // namespace csbridge::connector::odbc
