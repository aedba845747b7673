#include "connector/sqlite_connector.h"

#include <algorithm>

#include "connector/snapshot.h"
#include "connector/sqlite_common.h"
#include "util/strings.h"

namespace csbridge::connector {
namespace {

// "x" with embedded quotes doubled: SQLite identifier quoting.
std::string quote(std::string_view name) { return "\"" + util::replace_all(name, "\"", "\"\"") + "\""; }

using sqlite::prepare;
using sqlite::Statement;

// Appends the canonical text of column `col` of the current row.
void append_value(sqlite3_stmt* stmt, int col, ValueType declared, Batch& out) {
  switch (sqlite3_column_type(stmt, col)) {
    case SQLITE_NULL:
      out.append_null();
      return;
    case SQLITE_INTEGER:
      if (declared == ValueType::kBoolean) {
        out.append(sqlite3_column_int64(stmt, col) != 0 ? "true" : "false");
        return;
      }
      break;
    case SQLITE_FLOAT:
      out.append(util::format_double(sqlite3_column_double(stmt, col)));
      return;
    case SQLITE_BLOB: {
      const void* p = sqlite3_column_blob(stmt, col);
      out.append(std::string_view(static_cast<const char*>(p), sqlite3_column_bytes(stmt, col)));
      return;
    }
    default:
      break;
  }
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
  out.append(std::string_view(p ? p : "", sqlite3_column_bytes(stmt, col)));
}

class SqliteReader final : public RowReader {
 public:
  SqliteReader(Statement stmt, std::vector<ColumnInfo> columns, size_t batch_rows, std::string subject)
      : stmt_(std::move(stmt)), columns_(std::move(columns)), batch_rows_(batch_rows), subject_(std::move(subject)) {}

  const std::vector<ColumnInfo>& columns() const override { return columns_; }

  Result<bool> next(Batch& out) override {
    out.reset(columns_.size());
    if (done_) return false;
    sqlite3* db = sqlite3_db_handle(stmt_.get());
    while (out.rows() < batch_rows_) {
      int rc = sqlite3_step(stmt_.get());
      if (rc == SQLITE_DONE) {
        done_ = true;
        break;
      }
      if (rc != SQLITE_ROW) return io_error("reading " + subject_ + ": " + sqlite::message(db));
      for (size_t c = 0; c < columns_.size(); ++c) {
        append_value(stmt_.get(), static_cast<int>(c), columns_[c].type, out);
      }
    }
    return !out.empty();
  }

 private:
  Statement stmt_;
  std::vector<ColumnInfo> columns_;
  size_t batch_rows_;
  std::string subject_;
  bool done_ = false;
};

class SqliteWriter final : public RowWriter {
 public:
  SqliteWriter(sqlite3* db, Statement insert, std::vector<ValueType> types, std::string table)
      : db_(db), insert_(std::move(insert)), types_(std::move(types)), table_(std::move(table)) {}

  ~SqliteWriter() override {
    if (!finished_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

  Status write(const Batch& batch) override {
    if (batch.columns() != types_.size()) {
      return invalid_argument("batch for " + table_ + " has " + std::to_string(batch.columns()) +
                              " columns, the writer expects " + std::to_string(types_.size()));
    }
    sqlite3_stmt* s = insert_.get();
    for (size_t r = 0; r < batch.rows(); ++r) {
      for (size_t c = 0; c < batch.columns(); ++c) {
        int idx = static_cast<int>(c + 1);
        if (batch.is_null(r, c)) {
          sqlite3_bind_null(s, idx);
          continue;
        }
        std::string_view v = batch.get(r, c);
        if (types_[c] == ValueType::kBinary) {
          sqlite3_bind_blob64(s, idx, v.data(), v.size(), SQLITE_STATIC);
        } else if (types_[c] == ValueType::kBoolean && (v == "true" || v == "false")) {
          sqlite3_bind_int(s, idx, v == "true" ? 1 : 0);
        } else {
          sqlite3_bind_text64(s, idx, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
        }
      }
      int rc = sqlite3_step(s);
      sqlite3_reset(s);
      if (rc != SQLITE_DONE) {
        return data_error("writing " + table_ + " (row " + std::to_string(r + 1) + " of the batch): " +
                          sqlite::message(db_));
      }
    }
    return Status::ok();
  }

  Status finish() override {
    if (finished_) return Status::ok();
    finished_ = true;
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return io_error("committing " + table_ + ": " + sqlite::message(db_));
    }
    return Status::ok();
  }

 private:
  sqlite3* db_;
  Statement insert_;
  std::vector<ValueType> types_;
  std::string table_;
  bool finished_ = false;
};

class SqliteConnector final : public Connector, public SnapshotSource {
 public:
  SqliteConnector(sqlite3* db, ConnectionString conn) : db_(db), conn_(std::move(conn)) {}

  Result<std::string> hold_snapshot() override {
    if (!snapshot_) {
      // A deferred transaction reads from its first SELECT on; it stays open until the connection closes.
      if (sqlite3_exec(db_, "BEGIN; SELECT count(*) FROM sqlite_schema;", nullptr, nullptr, nullptr) != SQLITE_OK) {
        std::string why = sqlite::message(db_);
        if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        return unreachable("holding a read transaction on " + conn_.redacted() + ": " + why);
      }
      snapshot_ = true;
    }
    return std::string("SQLite read transaction");
  }
  Result<std::unique_ptr<Connector>> related_reader() override {
    if (!snapshot_) return not_supported("sqlite: no read transaction held");
    return borrow(*this);  // its statements interleave on the one connection, in the read transaction
  }
  ~SqliteConnector() override { sqlite3_close_v2(db_); }

  std::string backend() const override { return "sqlite"; }
  std::string quote_match(std::string_view text) const override { return sqlite_match(text, quote_text(text)); }

  Result<SourceInfo> info() override { return SourceInfo{"SQLite", sqlite3_libversion(), conn_.redacted()}; }

  Result<std::vector<TableRef>> list_tables() override {
    CSB_ASSIGN_OR_RETURN(Statement st,
                         prepare(db_,
                                 "SELECT name FROM sqlite_schema WHERE type IN ('table','view') "
                                 "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                                 conn_.redacted()));
    std::vector<TableRef> tables;
    while (sqlite3_step(st.get()) == SQLITE_ROW) tables.push_back({"", st.text(0)});
    return tables;
  }

  Result<TableInfo> describe(const TableRef& table) override {
    TableInfo info;
    info.ref = {"", table.name};
    {
      CSB_ASSIGN_OR_RETURN(Statement st, prepare(db_, "SELECT type FROM sqlite_schema WHERE name = ?1", subject()));
      sqlite3_bind_text(st.get(), 1, table.name.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(st.get()) != SQLITE_ROW) return missing_table(table);
      info.is_view = st.text(0) == "view";
    }
    {
      CSB_ASSIGN_OR_RETURN(Statement st,
                           prepare(db_, "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1) ORDER BY cid",
                                   subject()));
      sqlite3_bind_text(st.get(), 1, table.name.c_str(), -1, SQLITE_TRANSIENT);
      std::vector<std::pair<int, std::string>> pk;
      while (sqlite3_step(st.get()) == SQLITE_ROW) {
        ColumnInfo col;
        col.name = st.text(0);
        col.declared_type = st.text(1);
        col.type = value_type_from_declared(col.declared_type);
        col.nullable = sqlite3_column_int(st.get(), 2) == 0;
        int pk_pos = sqlite3_column_int(st.get(), 3);
        if (pk_pos > 0) pk.emplace_back(pk_pos, col.name);
        info.columns.push_back(std::move(col));
      }
      std::sort(pk.begin(), pk.end());
      for (auto& [pos, name] : pk) info.primary_key.push_back(name);
    }
    CSB_RETURN_IF_ERROR(describe_indexes(table.name, info));
    CSB_RETURN_IF_ERROR(describe_foreign_keys(table.name, info));
    return info;
  }

  Result<RowCount> count(const TableRef& table, bool /*estimate*/) override {
    // SQLite keeps no row-count statistics worth trusting: always exact.
    CSB_RETURN_IF_ERROR(ensure_exists(table));
    CSB_ASSIGN_OR_RETURN(Statement st, prepare(db_, "SELECT count(*) FROM " + quote(table.name), subject()));
    if (sqlite3_step(st.get()) != SQLITE_ROW) return io_error("counting " + table.name + ": " + sqlite::message(db_));
    return RowCount{sqlite3_column_int64(st.get(), 0), true};
  }

  Result<std::unique_ptr<RowReader>> read(const ReadRequest& request) override {
    const bool from_query = !request.query.empty();
    CSB_ASSIGN_OR_RETURN(TableInfo info, from_query ? describe_query(request.query) : describe(request.table));
    std::vector<ColumnInfo> columns;
    if (request.columns.empty()) {
      columns = info.columns;
    } else {
      for (const std::string& name : request.columns) {
        auto it = std::find_if(info.columns.begin(), info.columns.end(),
                               [&](const ColumnInfo& c) { return c.name == name; });
        if (it == info.columns.end()) return missing_column(info, name, from_query);
        columns.push_back(*it);
      }
    }
    std::string sql = "SELECT ";
    for (size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + quote(columns[i].name);
    sql += " FROM " + (from_query ? derived_table(request.query) : quote(request.table.name));
    if (!request.where.empty()) sql += " WHERE " + request.where;
    for (size_t i = 0; i < request.order_by.size(); ++i) {
      if (!info.columns.empty() && std::none_of(info.columns.begin(), info.columns.end(), [&](const ColumnInfo& c) {
            return c.name == request.order_by[i];
          })) {
        return missing_column(info, request.order_by[i], from_query);
      }
      sql += (i ? ", " : " ORDER BY ") + quote(request.order_by[i]);
    }
    if (request.limit >= 0) sql += " LIMIT " + std::to_string(request.limit);
    std::string source = from_query ? "query" : request.table.display();
    CSB_ASSIGN_OR_RETURN(Statement st, prepare(db_, sql, "reading " + source));
    size_t batch_rows = request.batch_rows == 0 ? 1 : request.batch_rows;
    return std::unique_ptr<RowReader>(
        std::make_unique<SqliteReader>(std::move(st), std::move(columns), batch_rows, std::move(source)));
  }

  Result<TableInfo> describe_query(std::string_view sql) override {
    // The query itself, not its derived table: only the statement as written
    // says whether it writes, and it is never stepped.
    const std::string text(sql);
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    if (sqlite3_prepare_v2(db_, text.c_str(), static_cast<int>(text.size()), &raw, &tail) != SQLITE_OK) {
      return invalid_argument("query: " + sqlite::message(db_));
    }
    Statement st(raw);
    if (raw == nullptr) return invalid_argument("query: it is empty");
    if (std::string_view(tail).find_first_not_of(" \t\r\n;") != std::string_view::npos) {
      return invalid_argument("query: it holds more than one statement");
    }
    if (!sqlite3_stmt_readonly(raw)) {
      return invalid_argument("query: refusing a statement that writes to the database (a query must only read)");
    }
    TableInfo info;
    info.ref = {"", "query"};
    for (int c = 0; c < sqlite3_column_count(raw); ++c) {
      ColumnInfo col;
      col.name = sqlite3_column_name(raw, c);
      // The declared type of the table column a result column comes from; none for an expression.
      const char* declared = sqlite3_column_decltype(raw, c);
      col.declared_type = declared ? declared : "";
      col.type = value_type_from_declared(col.declared_type);
      info.columns.push_back(std::move(col));
    }
    if (info.columns.empty()) return invalid_argument("query: the statement returns no rows");
    return info;
  }

  Result<std::unique_ptr<RowWriter>> write(const WriteRequest& request) override {
    CSB_ASSIGN_OR_RETURN(TableInfo info, describe(request.table));
    std::vector<ValueType> types;
    std::string sql = "INSERT INTO " + quote(request.table.name) + " (";
    std::string params;
    for (size_t i = 0; i < request.columns.size(); ++i) {
      auto it = std::find_if(info.columns.begin(), info.columns.end(),
                             [&](const ColumnInfo& c) { return c.name == request.columns[i]; });
      if (it == info.columns.end()) return missing_column(info, request.columns[i]);
      types.push_back(it->type);
      sql += (i ? ", " : "") + quote(request.columns[i]);
      params += (i ? ", ?" : "?");
    }
    sql += ") VALUES (" + params + ")";
    CSB_ASSIGN_OR_RETURN(Statement st, prepare(db_, sql, "writing " + request.table.display()));
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return io_error("writing " + request.table.display() + ": " + sqlite::message(db_));
    }
    return std::unique_ptr<RowWriter>(
        std::make_unique<SqliteWriter>(db_, std::move(st), std::move(types), request.table.display()));
  }

  Status execute(std::string_view sql) override {
    std::string script = "BEGIN;\n" + std::string(sql) + ";\nCOMMIT;";  // sql may end without a semicolon
    char* err = nullptr;
    if (sqlite3_exec(db_, script.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string message = err ? err : "unknown error";
      sqlite3_free(err);
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return invalid_argument("SQL failed on " + conn_.redacted() + ": " + message);
    }
    return Status::ok();
  }

 private:
  std::string subject() const { return conn_.redacted(); }

  Status missing_table(const TableRef& table) const {
    return not_found("no table '" + table.display() + "' in " + conn_.redacted());
  }

  Status missing_column(const TableInfo& info, const std::string& name, bool in_query = false) const {
    std::vector<std::string> names;
    for (const ColumnInfo& c : info.columns) names.push_back(c.name);
    std::string hint = util::closest_match(name, names);
    return not_found("no column '" + name + "' in " + (in_query ? "query" : "table '" + info.ref.display() + "'") +
                     (hint.empty() ? "" : ", did you mean '" + hint + "'?"));
  }

  Status ensure_exists(const TableRef& table) {
    auto st = prepare(db_, "SELECT 1 FROM sqlite_schema WHERE name = ?1 AND type IN ('table','view')", subject());
    if (!st.is_ok()) return st.status();
    sqlite3_bind_text(st->get(), 1, table.name.c_str(), -1, SQLITE_TRANSIENT);
    return sqlite3_step(st->get()) == SQLITE_ROW ? Status::ok() : missing_table(table);
  }

  Status describe_indexes(const std::string& table, TableInfo& info) {
    CSB_ASSIGN_OR_RETURN(Statement list,
                         prepare(db_, "SELECT name, \"unique\", origin FROM pragma_index_list(?1) ORDER BY name",
                                 subject()));
    sqlite3_bind_text(list.get(), 1, table.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(list.get()) == SQLITE_ROW) {
      IndexInfo index;
      index.name = list.text(0);
      index.unique = sqlite3_column_int(list.get(), 1) != 0;
      // The primary key's implicit index is described by primary_key already.
      if (list.text(2) == "pk") continue;
      CSB_ASSIGN_OR_RETURN(Statement cols,
                           prepare(db_, "SELECT name FROM pragma_index_info(?1) ORDER BY seqno", subject()));
      sqlite3_bind_text(cols.get(), 1, index.name.c_str(), -1, SQLITE_TRANSIENT);
      while (sqlite3_step(cols.get()) == SQLITE_ROW) index.columns.push_back(cols.text(0));
      info.indexes.push_back(std::move(index));
    }
    return Status::ok();
  }

  Status describe_foreign_keys(const std::string& table, TableInfo& info) {
    CSB_ASSIGN_OR_RETURN(Statement st,
                         prepare(db_,
                                 "SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?1) "
                                 "ORDER BY id, seq",
                                 subject()));
    sqlite3_bind_text(st.get(), 1, table.c_str(), -1, SQLITE_TRANSIENT);
    int current = -1;
    while (sqlite3_step(st.get()) == SQLITE_ROW) {
      int id = sqlite3_column_int(st.get(), 0);
      if (id != current) {
        current = id;
        ForeignKey fk;
        fk.name = table + "_fk" + std::to_string(id);
        fk.ref_table = {"", st.text(1)};
        info.foreign_keys.push_back(std::move(fk));
      }
      ForeignKey& fk = info.foreign_keys.back();
      fk.columns.push_back(st.text(2));
      // A NULL "to" means the parent's primary key: resolve it so callers see real columns.
      fk.ref_columns.push_back(sqlite3_column_type(st.get(), 3) == SQLITE_NULL ? "" : st.text(3));
    }
    for (ForeignKey& fk : info.foreign_keys) {
      if (std::find(fk.ref_columns.begin(), fk.ref_columns.end(), "") == fk.ref_columns.end()) continue;
      auto parent = describe_primary_key(fk.ref_table.name);
      if (parent.size() == fk.ref_columns.size()) fk.ref_columns = parent;
    }
    return Status::ok();
  }

  std::vector<std::string> describe_primary_key(const std::string& table) {
    std::vector<std::pair<int, std::string>> pk;
    auto st = prepare(db_, "SELECT name, pk FROM pragma_table_info(?1) WHERE pk > 0", subject());
    if (!st.is_ok()) return {};
    sqlite3_bind_text(st->get(), 1, table.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st->get()) == SQLITE_ROW) pk.emplace_back(sqlite3_column_int(st->get(), 1), st->text(0));
    std::sort(pk.begin(), pk.end());
    std::vector<std::string> names;
    for (auto& [pos, name] : pk) names.push_back(name);
    return names;
  }

  sqlite3* db_;
  ConnectionString conn_;
  bool snapshot_ = false;  // hold_snapshot(): a read transaction is open
};

}  // namespace

Result<std::unique_ptr<Connector>> open_sqlite(const ConnectionString& conn) {
  CSB_ASSIGN_OR_RETURN(sqlite3* db, sqlite::open_database(conn, "rw"));
  return std::unique_ptr<Connector>(std::make_unique<SqliteConnector>(db, conn));
}

}  // namespace csbridge::connector
