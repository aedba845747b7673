// What the SQLite connector and the migration target (migrate/) share:
// opening a database file by the rules of the connection string, prepared
// statements that finalise themselves, and SQLite's error text. Internal to lib/.
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>
#include <utility>

#include "connector/connection_string.h"
#include "util/status.h"

namespace csbridge::connector::sqlite {

// The first line of SQLite's error message for `db`.
std::string message(sqlite3* db);

// Owns a prepared statement; finalises it on destruction.
class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* s) : stmt_(s) {}
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(Statement&& o) noexcept : stmt_(std::exchange(o.stmt_, nullptr)) {}
  Statement& operator=(Statement&& o) noexcept {
    std::swap(stmt_, o.stmt_);
    return *this;
  }
  sqlite3_stmt* get() const { return stmt_; }

  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : std::string();
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// kInvalidArgument "<subject>: <SQLite's message>" when `sql` does not prepare.
Result<Statement> prepare(sqlite3* db, const std::string& sql, const std::string& subject);

// Opens conn.target with the access its ?mode= option asks for (ro, rw or
// rwc; `default_mode` when unset), foreign keys enforced, extended result
// codes and a 5 s busy timeout. A missing file (unless rwc) or a file that is
// not a database is kUnreachable naming conn.redacted(). The caller closes the
// handle with sqlite3_close_v2.
Result<sqlite3*> open_database(const ConnectionString& conn, const std::string& default_mode);

}  // namespace csbridge::connector::sqlite
