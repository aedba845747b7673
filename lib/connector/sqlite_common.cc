#include "connector/sqlite_common.h"

#include <filesystem>

namespace csbridge::connector::sqlite {

std::string message(sqlite3* db) {
  std::string m = db ? sqlite3_errmsg(db) : "out of memory";
  return m.substr(0, m.find('\n'));
}

Result<Statement> prepare(sqlite3* db, const std::string& sql, const std::string& subject) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK) {
    return invalid_argument(subject + ": " + message(db));
  }
  return Statement(stmt);
}

Result<sqlite3*> open_database(const ConnectionString& conn, const std::string& default_mode) {
  // Opening a missing file would silently create an empty database: for a
  // source that is an unreachable source, so only mode=rwc creates one.
  std::string mode = conn.option("mode", default_mode);
  if (mode != "ro" && mode != "rw" && mode != "rwc") {
    return invalid_argument("connection string '" + conn.redacted() + "': mode must be ro, rw or rwc, not '" + mode + "'");
  }
  int flags = mode == "ro" ? SQLITE_OPEN_READONLY
              : mode == "rw" ? SQLITE_OPEN_READWRITE
                             : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (mode != "rwc" && conn.target != ":memory:" && !std::filesystem::exists(conn.target)) {
    return unreachable("cannot open " + conn.redacted() + ": no such file (add ?mode=rwc to create it)");
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(conn.target.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string m = message(db);
    sqlite3_close_v2(db);
    return unreachable("cannot open " + conn.redacted() + ": " + m);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);
  sqlite3_exec(db, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr);
  // A file that is not a database fails on first read, not on open: check now.
  char* err = nullptr;
  if (sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : message(db);
    sqlite3_free(err);
    sqlite3_close_v2(db);
    return unreachable("cannot open " + conn.redacted() + ": " + m);
  }
  return db;
}

}  // namespace csbridge::connector::sqlite
