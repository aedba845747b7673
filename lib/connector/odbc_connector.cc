// The ODBC backend: unixODBC through the narrow (SQL_C_CHAR) API. The Unicode
// drivers this targets (MariaDB, PostgreSQL, SQLite3) hand UTF-8 through the
// narrow API whatever the process locale, so no UTF-16 round trip is needed.
// This file holds the connector (catalog functions, opening a connection);
// beside it odbc_handles (handles, diagnostics, the engine), odbc_types (type
// conversion), odbc_keyset_read (reading in key chunks), odbc_reader and odbc_writer.
#include "connector/odbc_connector.h"

#include <sql.h>
#include <sqlext.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <optional>
#include <utility>

#include "connector/odbc_handles.h"
#include "connector/odbc_reader.h"
#include "connector/odbc_types.h"
#include "connector/odbc_writer.h"
#include "connector/snapshot.h"
#include "util/strings.h"

namespace csbridge::connector {
namespace odbc {
namespace {

constexpr SQLULEN kLoginTimeoutSeconds = 30;

constexpr std::array<std::string_view, 6> kSystemSchemas = {
    "information_schema", "pg_catalog", "pg_toast", "mysql", "performance_schema", "sys"};

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
// Connector

class OdbcConnector : public Connector, public SnapshotSource {
 public:
  explicit OdbcConnector(std::shared_ptr<Connection> conn) : conn_(std::move(conn)) {}

  // Every read of this connector shares its one connection, so one transaction held open
  // (autocommit off) until the connector closes covers them all: MariaDB/MySQL an InnoDB
  // consistent snapshot, PostgreSQL (psqlodbc) a REPEATABLE READ transaction.
  Result<std::string> hold_snapshot() override {
    return guarded("hold_snapshot", [&]() -> Result<std::string> {
      std::string engine = util::to_lower(conn_->engine.name);
      bool mariadb = engine.find("mariadb") != std::string::npos || engine.find("mysql") != std::string::npos;
      bool postgres = engine.find("postgres") != std::string::npos;
      if (!mariadb && !postgres) {
        return not_supported("odbc (" + conn_->engine.name + "): no snapshot shared by its reads");
      }
      std::string how = mariadb ? " consistent snapshot (START TRANSACTION WITH CONSISTENT SNAPSHOT)"
                                : " snapshot (REPEATABLE READ transaction)";
      if (snapshot_) return conn_->engine.name + how;
      std::string context = "holding a snapshot on " + conn_->redacted;
      if (mariadb) CSB_RETURN_IF_ERROR(conn_->run("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ", context));
      CSB_RETURN_IF_ERROR(conn_->begin("hold a snapshot"));
      Status s = conn_->run(mariadb ? "START TRANSACTION WITH CONSISTENT SNAPSHOT"
                                    : "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY",
                            context);
      if (!s.is_ok()) {
        (void)conn_->end(false);
        return s;
      }
      snapshot_ = true;
      return conn_->engine.name + how;
    });
  }

  // Reads share the one connection, whose driver cannot step two result sets at once, and the
  // snapshot cannot be handed to a second connection (psqlodbc runs every statement in a
  // savepoint, from which PostgreSQL exports no snapshot; InnoDB's consistent snapshot cannot be
  // shared): related rows are read outside it.
  Result<std::unique_ptr<Connector>> related_reader() override {
    return not_supported("odbc (" + conn_->engine.name + "): its snapshot cannot be shared with a second connection");
  }

  std::string backend() const override { return "odbc"; }
  std::string quote_name(std::string_view name) const override { return conn_->quote(name); }
  std::string quote_match(std::string_view text) const override {
    if (util::to_lower(conn_->engine.name).find("sqlite") == std::string::npos) return quote_text(text);
    return sqlite_match(text, quote_text(text));
  }
  std::string quote_text(std::string_view text) const override {
    // MySQL and MariaDB read a backslash in a string constant as an escape (unless the server
    // runs NO_BACKSLASH_ESCAPES, where doubling it would change the text: csbridge assumes the default).
    std::string dbms = util::to_lower(conn_->engine.name);
    bool backslash = dbms.find("mysql") != std::string::npos || dbms.find("mariadb") != std::string::npos;
    std::string out = "'";
    for (char c : text) {
      if (c == '\'') out += "''";
      else if (c == '\\' && backslash) out += "\\\\";
      else out += c;
    }
    return out + "'";
  }

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
    return guarded("read", [&]() -> Result<std::unique_ptr<RowReader>> {
      CSB_ASSIGN_OR_RETURN(ReadSource source, read_source(request));
      return open_reader(conn_, request, source);
    });
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
      return Status(diags.empty() ? ErrorCode::kData : code_for(diags.front()),
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
      if (s.code() == ErrorCode::kPermissionDenied) return s;  // a grant is missing, not the query wrong
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
    return make_writer(conn_, std::move(stmt), t.ref, std::move(params));
  }

  std::shared_ptr<Connection> conn_;
  bool snapshot_ = false;  // hold_snapshot(): a consistent-snapshot transaction is open
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
}  // namespace odbc

Result<std::unique_ptr<Connector>> open_odbc(const ConnectionString& conn) {
  return odbc::guarded("open", [&]() { return odbc::open(conn); });
}

}  // namespace csbridge::connector
