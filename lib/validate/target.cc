#include "validate/target.h"

#include "connector/registry.h"
#include "model/ddl.h"

namespace csbridge::validate {

Result<std::unique_ptr<Target>> Target::open(const std::string& connection, const std::string& schema,
                                             const model::Model& model) {
  CSB_ASSIGN_OR_RETURN(connector::ConnectionString conn, connector::parse_connection_string(connection));
  if (conn.scheme != connector::Scheme::kPostgres && conn.scheme != connector::Scheme::kSqlite) {
    return invalid_argument("target '" + conn.redacted() + "': validate checks a PostgreSQL or SQLite target");
  }
  if (conn.scheme == connector::Scheme::kSqlite && !schema.empty()) {
    return invalid_argument("target '" + conn.redacted() + "': a SQLite target has no schema ('" + schema + "')");
  }
  std::unique_ptr<Target> t(new Target(connection, schema, model));
  // The connector first: it refuses a SQLite file that does not exist instead of creating it.
  CSB_ASSIGN_OR_RETURN(t->db_, connector::open_connector(conn));
  CSB_ASSIGN_OR_RETURN(t->store_, migrate::TargetStore::open(connection, schema, model));
  return t;
}

std::string Target::table(std::string_view name) const {
  if (schema_.empty()) return model::quote_identifier(name);
  return model::quote_identifier(schema_) + "." + model::quote_identifier(name);
}

std::string Target::literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string Target::redacted() const {
  auto conn = connector::parse_connection_string(connection_);
  std::string r = conn.is_ok() ? conn->redacted() : std::string("target");
  return schema_.empty() ? r : r + " (schema " + schema_ + ")";
}

Status Target::each_row(const std::string& sql, const RowFn& row, size_t batch_rows) {
  connector::ReadRequest request;
  request.query = sql;
  request.batch_rows = batch_rows;
  CSB_ASSIGN_OR_RETURN(auto reader, db_->read(request));
  connector::Batch batch;
  while (true) {
    CSB_ASSIGN_OR_RETURN(bool more, reader->next(batch));
    if (!more) break;
    for (size_t r = 0; r < batch.rows(); ++r) {
      if (!row(batch, r)) return Status::ok();
    }
  }
  return Status::ok();
}

Result<int64_t> Target::scalar(const std::string& sql) {
  int64_t value = 0;
  CSB_RETURN_IF_ERROR(each_row(sql, [&](const connector::Batch& b, size_t r) {
    value = b.is_null(r, 0) ? 0 : std::stoll(std::string(b.get(r, 0)));
    return false;
  }));
  return value;
}

Result<int64_t> Target::fail_each(const std::string& sql, CheckResult& result, const std::string& kind,
                                  const std::string& message, size_t cap) {
  int64_t n = 0;
  CSB_RETURN_IF_ERROR(each_row(sql, [&](const connector::Batch& b, size_t r) {
    ++n;
    std::string detail = b.columns() > 1 && !b.is_null(r, 1) ? std::string(b.get(r, 1)) : std::string();
    result.fail({std::string(b.get(r, 0)), kind, detail.empty() ? message : message + " " + detail}, cap);
    return true;
  }));
  return n;
}

Result<bool> Target::has_table(std::string_view name) {
  std::string sql = postgres()
                        ? "SELECT count(*) FROM information_schema.tables WHERE table_name = " + literal(name) +
                              " AND table_schema = " + (schema_.empty() ? std::string("current_schema()") : literal(schema_))
                        : "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = " + literal(name);
  CSB_ASSIGN_OR_RETURN(int64_t n, scalar(sql));
  return n > 0;
}

Result<bool> Target::has_column(std::string_view table, std::string_view column) {
  std::string sql = postgres()
                        ? "SELECT count(*) FROM information_schema.columns WHERE table_name = " + literal(table) +
                              " AND column_name = " + literal(column) + " AND table_schema = " +
                              (schema_.empty() ? std::string("current_schema()") : literal(schema_))
                        : "SELECT count(*) FROM pragma_table_info(" + literal(table) + ") WHERE name = " + literal(column);
  CSB_ASSIGN_OR_RETURN(int64_t n, scalar(sql));
  return n > 0;
}

Result<std::string> Target::live(std::string_view entity, std::string_view alias) {
  CSB_ASSIGN_OR_RETURN(bool tombstones, has_column(entity, "deleted_at"));
  if (!tombstones) return std::string("1 = 1");  // a target from before tombstones: every row is live
  return (alias.empty() ? std::string() : std::string(alias) + ".") + "\"deleted_at\" IS NULL";
}

}  // namespace csbridge::validate
