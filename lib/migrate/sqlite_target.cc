#include "migrate/sqlite_target.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "connector/sqlite_common.h"
#include "migrate/conflicts.h"
#include "migrate/load_checks.h"
#include "model/ddl.h"

namespace csbridge::migrate {
namespace {

using connector::ConnectionString;
using connector::sqlite::Statement;
using model::quote_identifier;

std::string quote_literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

constexpr const char* kBookkeepingDdl =
    "CREATE TABLE IF NOT EXISTS \"csbridge_crosswalk\" (entity TEXT NOT NULL, source_system TEXT NOT NULL, "
    "source_key TEXT NOT NULL, new_id INTEGER NOT NULL, fingerprint INTEGER, PRIMARY KEY (entity, source_system, "
    "source_key)) "
    "WITHOUT ROWID;\n"
    "CREATE TABLE IF NOT EXISTS \"csbridge_checkpoint\" (scope TEXT PRIMARY KEY, position TEXT NOT NULL, "
    "run_id TEXT, updated_at TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS \"csbridge_pending_ref\" (entity TEXT NOT NULL, source_system TEXT NOT NULL, "
    "source_key TEXT NOT NULL, field TEXT NOT NULL, ref_system TEXT NOT NULL, ref_key TEXT);\n"
    "CREATE TABLE IF NOT EXISTS \"csbridge_runs\" (run_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, "
    "ended_at TEXT, os_user TEXT, command TEXT, config_hash TEXT, status TEXT NOT NULL, counts TEXT);\n";

// UTC with milliseconds: SQLite has no timestamp type, the text sorts in time order.
constexpr const char* kNow = "strftime('%Y-%m-%d %H:%M:%f', 'now')";

// A failed statement that concerns its row only: the transaction goes on.
bool row_attributable(int rc) {
  int primary = rc & 0xFF;
  return primary == SQLITE_CONSTRAINT || primary == SQLITE_MISMATCH || primary == SQLITE_TOOBIG;
}

void bind_text(sqlite3_stmt* s, int index, std::string_view v) {
  sqlite3_bind_text64(s, index, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

class SqliteTarget final : public TargetStore {
 public:
  SqliteTarget(sqlite3* db, ConnectionString conn, model::Model model)
      : db_(db), conn_(std::move(conn)), redacted_(conn_.redacted()), model_(std::move(model)) {}
  ~SqliteTarget() override {
    sqlite3_close_v2(db_);
    if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the lock
    if (lane_fd_ >= 0) ::close(lane_fd_);
  }
  SqliteTarget(const SqliteTarget&) = delete;
  SqliteTarget& operator=(const SqliteTarget&) = delete;

  std::string backend() const override { return "sqlite"; }

  Status prepare() override {
    CSB_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE", "preparing the target"));
    std::string ddl = model::generate_ddl(model_, model::Dialect::kSqlite, {"", true}) + kBookkeepingDdl;
    Status s = exec(ddl, "preparing the target");
    if (s.is_ok()) s = add_tombstones();
    if (s.is_ok()) s = add_fingerprints();
    if (s.is_ok()) s = exec("COMMIT", "preparing the target");
    if (!s.is_ok()) rollback();
    return s;
  }

  Result<std::optional<std::string>> checkpoint(std::string_view scope) override {
    std::string subject = "reading checkpoint '" + std::string(scope) + "'";
    CSB_ASSIGN_OR_RETURN(Statement st, statement("SELECT position FROM \"csbridge_checkpoint\" WHERE scope = ?1", subject));
    bind_text(st.get(), 1, scope);
    int rc = sqlite3_step(st.get());
    if (rc == SQLITE_ROW) return std::optional<std::string>(st.text(0));
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    return failure(rc, subject);
  }

  Result<LoadOutcome> load(const LoadSpec& spec, const connector::Batch& input, std::string_view scope,
                           std::string_view position, std::string_view run_id,
                           const BeforeCommit& before_commit, const BatchRecord& record) override {
    CSB_ASSIGN_OR_RETURN(ResolvedSpec resolved, resolve_spec(model_, spec));
    std::string subject = "loading " + spec.entity;
    LoadOutcome out;
    CSB_ASSIGN_OR_RETURN(std::optional<connector::Batch> replaced,
                         null_orphans(resolved, input, [&](const LoadColumn& c, const std::vector<std::string>& keys) {
                           return known_keys(c, keys, subject);
                         }, out));
    const connector::Batch& rows = replaced ? *replaced : input;
    std::vector<size_t> accepted;
    CSB_ASSIGN_OR_RETURN(std::vector<RowReject> rejects, check_rows(resolved, rows, accepted));
    CSB_ASSIGN_OR_RETURN(Statements st, statements(resolved, subject));
    CSB_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE", subject));
    out.rejects = std::move(rejects);
    Status s = load_rows(resolved, rows, accepted, st, out);
    if (s.is_ok() && !scope.empty()) s = set_checkpoint(scope, position, run_id, subject);
    std::stable_sort(out.rejects.begin(), out.rejects.end(),
                     [](const RowReject& a, const RowReject& b) { return a.row < b.row; });
    if (s.is_ok() && record) {
      for (const auto& [record_scope, record_position] : record(out))
        if (s.is_ok()) s = set_checkpoint(record_scope, record_position, run_id, subject);
    }
    if (s.is_ok() && before_commit) s = before_commit(out);
    if (s.is_ok()) s = exec("COMMIT", subject);
    if (!s.is_ok()) {
      rollback();
      return s;
    }
    return out;
  }

  Result<int64_t> resolve_deferred() override {
    std::string subject = "resolving self-references";
    CSB_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE", subject));
    Result<int64_t> written = resolve_pending(subject);
    Status s = written.is_ok() ? exec("DELETE FROM \"csbridge_pending_ref\"", subject) : written.status();
    if (s.is_ok()) s = exec("COMMIT", subject);
    if (!s.is_ok()) {
      rollback();
      return s;
    }
    return written;
  }

  Result<std::vector<std::pair<std::string, std::string>>> checkpoints(std::string_view scope_prefix) override {
    std::string subject = "reading checkpoints '" + std::string(scope_prefix) + "…'";
    CSB_ASSIGN_OR_RETURN(Statement st, statement("SELECT scope, position FROM \"csbridge_checkpoint\" "
                                                 "WHERE substr(scope, 1, length(?1)) = ?1 ORDER BY scope",
                                                 subject));
    bind_text(st.get(), 1, scope_prefix);
    std::vector<std::pair<std::string, std::string>> out;
    int rc;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) out.emplace_back(st.text(0), st.text(1));
    if (rc != SQLITE_DONE) return failure(rc, subject);
    return out;
  }

  Status reset_checkpoints(std::string_view scope_prefix, const std::vector<std::string>& scopes,
                           std::string_view position, std::string_view run_id) override {
    std::string subject = "setting checkpoints '" + std::string(scope_prefix) + "…'";
    CSB_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE", subject));
    Status s = clear_checkpoints(scope_prefix);
    for (const std::string& scope : scopes) {
      if (s.is_ok()) s = set_checkpoint(scope, position, run_id, subject);
    }
    if (s.is_ok()) s = exec("COMMIT", subject);
    if (!s.is_ok()) rollback();
    return s;
  }

  Status clear_checkpoints(std::string_view scope_prefix) override {
    std::string subject = "clearing checkpoints";
    CSB_ASSIGN_OR_RETURN(Statement st, statement("DELETE FROM \"csbridge_checkpoint\" "
                                                 "WHERE substr(scope, 1, length(?1)) = ?1",
                                                 subject));
    bind_text(st.get(), 1, scope_prefix);
    int rc = sqlite3_step(st.get());
    return rc == SQLITE_DONE ? Status::ok() : failure(rc, subject);
  }

  Status lock_target() override { return lock_lane(""); }

  // An unsharded run: "<file>-csbridge.lock" exclusive; a lane: that file shared and
  // "<file>-csbridge-<lane>.lock" exclusive.
  Status lock_lane(std::string_view lane) override {
    const char* file = sqlite3_db_filename(db_, "main");
    if (!file || !*file || lock_fd_ >= 0) return Status::ok();
    lane_ = lane;
    CSB_ASSIGN_OR_RETURN(lock_fd_, lock_file(std::string(file) + "-csbridge.lock", lane.empty() ? LOCK_EX : LOCK_SH));
    if (!lane.empty()) {
      CSB_ASSIGN_OR_RETURN(lane_fd_, lock_file(std::string(file) + "-csbridge-" + lane_ + ".lock", LOCK_EX));
    }
    return Status::ok();
  }

  Result<int> lock_file(const std::string& path, int mode) {
    std::string subject = "locking the target";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return io_error(subject + ": cannot open " + path + ": " + std::strerror(errno));
    bool held = false;
    for (int waited = 0; !held && waited <= kLockWaitSeconds * 10; ++waited) {
      held = ::flock(fd, mode | LOCK_NB) == 0;
      if (!held && errno != EWOULDBLOCK) break;
      if (!held) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!held) {
      ::close(fd);
      return Status(ErrorCode::kConflict, "another csbridge migrate is running on " + redacted_ +
                                              (lane_.empty() ? "" : " as " + lane_ + " or unsharded") +
                                              " (csbridge runs lists it as running): one migration at a time per "
                                              "target" + (lane_.empty() ? "" : " and shard"));
    }
    return fd;
  }

  Status begin_run(const RunRecord& run) override {
    std::string subject = "recording run '" + run.run_id + "'";
    if (lock_fd_ >= 0) {
      std::string sql = "UPDATE \"csbridge_runs\" SET status = 'interrupted' WHERE status = 'running'";
      if (!lane_.empty()) sql += " AND (instr(run_id, '.') = 0 OR run_id LIKE '%.' || " + quote_literal(lane_) + ")";
      CSB_RETURN_IF_ERROR(exec(sql, subject));
    }
    CSB_ASSIGN_OR_RETURN(Statement st,
                         statement(std::string("INSERT INTO \"csbridge_runs\" (run_id, started_at, os_user, command, "
                                               "config_hash, status) VALUES (?1, ") +
                                       kNow + ", ?2, ?3, ?4, 'running') ON CONFLICT (run_id) DO NOTHING",
                                   subject));
    bind_text(st.get(), 1, run.run_id);
    bind_text(st.get(), 2, run.os_user);
    bind_text(st.get(), 3, run.command);
    bind_text(st.get(), 4, run.config_hash);
    int rc = sqlite3_step(st.get());
    if (rc != SQLITE_DONE) return failure(rc, subject);
    if (sqlite3_changes(db_) == 0) return invalid_argument("run '" + run.run_id + "' is already recorded");
    return Status::ok();
  }

  Status end_run(std::string_view run_id, std::string_view status, std::string_view counts_json) override {
    std::string subject = "ending run '" + std::string(run_id) + "'";
    if (!nlohmann::json::accept(counts_json)) return invalid_argument(subject + ": the counts are not valid JSON");
    CSB_ASSIGN_OR_RETURN(Statement st, statement(std::string("UPDATE \"csbridge_runs\" SET ended_at = ") + kNow +
                                                     ", status = ?2, counts = ?3 WHERE run_id = ?1",
                                                 subject));
    bind_text(st.get(), 1, run_id);
    bind_text(st.get(), 2, status);
    bind_text(st.get(), 3, counts_json);
    int rc = sqlite3_step(st.get());
    if (rc != SQLITE_DONE) return failure(rc, subject);
    if (sqlite3_changes(db_) == 0) return not_found(subject + ": no such run");
    return Status::ok();
  }

  Status set_run_counts(std::string_view run_id, std::string_view counts_json) override {
    std::string subject = "recording the counts of run '" + std::string(run_id) + "'";
    if (!nlohmann::json::accept(counts_json)) return invalid_argument(subject + ": the counts are not valid JSON");
    CSB_ASSIGN_OR_RETURN(Statement st, statement("UPDATE \"csbridge_runs\" SET counts = ?2 WHERE run_id = ?1", subject));
    bind_text(st.get(), 1, run_id);
    bind_text(st.get(), 2, counts_json);
    int rc = sqlite3_step(st.get());
    if (rc != SQLITE_DONE) return failure(rc, subject);
    if (sqlite3_changes(db_) == 0) return not_found(subject + ": no such run");
    return Status::ok();
  }

  Result<std::vector<RunRecord>> list_runs(int limit) override {
    std::string subject = "listing runs";
    CSB_ASSIGN_OR_RETURN(Statement st,
                         statement("SELECT run_id, substr(started_at, 1, 19), COALESCE(substr(ended_at, 1, 19), ''), "
                                   "COALESCE(os_user, ''), COALESCE(command, ''), COALESCE(config_hash, ''), status, "
                                   "COALESCE(counts, '') FROM \"csbridge_runs\" "
                                   "ORDER BY started_at DESC, run_id DESC LIMIT ?1",
                                   subject));
    sqlite3_bind_int(st.get(), 1, std::max(limit, 0));
    std::vector<RunRecord> runs;
    int rc;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
      runs.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5), st.text(6), st.text(7)});
    }
    if (rc != SQLITE_DONE) return failure(rc, subject);
    return runs;
  }

  Result<std::optional<int64_t>> lookup(std::string_view entity, std::string_view source_system,
                                        std::string_view source_key) override {
    std::string subject = "looking up " + std::string(entity);
    CSB_ASSIGN_OR_RETURN(Statement st, statement(kLookupSql, subject));
    bind_text(st.get(), 1, entity);
    bind_text(st.get(), 2, source_system);
    bind_text(st.get(), 3, source_key);
    int rc = sqlite3_step(st.get());
    if (rc == SQLITE_ROW) return std::optional<int64_t>(sqlite3_column_int64(st.get(), 0));
    if (rc == SQLITE_DONE) return std::optional<int64_t>();
    return failure(rc, subject);
  }

  Result<std::vector<std::string>> keys_after(std::string_view entity, std::string_view source_system,
                                              const std::optional<std::string>& after, size_t limit,
                                              bool tombstoned) override {
    std::string subject = "reading the keys of " + std::string(entity);
    // The crosswalk's primary key is (entity, source_system, source_key) in BINARY collation:
    // byte order, read in index order.
    CSB_ASSIGN_OR_RETURN(
        Statement st,
        statement("SELECT x.source_key FROM \"csbridge_crosswalk\" x JOIN " + quote_identifier(entity) +
                      " t ON t.\"id\" = x.new_id WHERE x.entity = ?1 AND x.source_system = ?2" +
                      (after ? " AND x.source_key > ?3" : "") + (tombstoned ? "" : " AND t.\"deleted_at\" IS NULL") +
                      " ORDER BY x.source_key LIMIT ?4",
                  subject));
    bind_text(st.get(), 1, entity);
    bind_text(st.get(), 2, source_system);
    if (after) bind_text(st.get(), 3, *after);
    sqlite3_bind_int64(st.get(), 4, static_cast<sqlite3_int64>(limit));
    std::vector<std::string> keys;
    int rc;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) keys.push_back(st.text(0));
    if (rc != SQLITE_DONE) return failure(rc, subject);
    return keys;
  }

  Result<int64_t> live_rows(std::string_view entity) override {
    std::string subject = "counting the rows of " + std::string(entity);
    CSB_ASSIGN_OR_RETURN(Statement st, statement("SELECT count(*) FROM " + quote_identifier(entity) +
                                                     " WHERE \"deleted_at\" IS NULL",
                                                 subject));
    int rc = sqlite3_step(st.get());
    if (rc != SQLITE_ROW) return failure(rc, subject);
    return static_cast<int64_t>(sqlite3_column_int64(st.get(), 0));
  }

  Result<DeleteOutcome> delete_rows(std::string_view entity, std::string_view source_system,
                                    const std::vector<std::string>& keys, bool hard, bool apply) override {
    std::string subject = "deleting rows of " + std::string(entity);
    std::string target = quote_identifier(entity);
    std::string row = " WHERE \"source_system\" = ?1 AND \"source_key\" = ?2";
    std::string live = hard ? "" : " AND \"deleted_at\" IS NULL";
    CSB_ASSIGN_OR_RETURN(Statement count, statement("SELECT count(*) FROM " + target + row + live, subject));
    CSB_ASSIGN_OR_RETURN(Statement tombstone,
                         statement("UPDATE " + target + " SET \"deleted_at\" = " + kNow + " || '+00:00'" + row +
                                       " AND \"deleted_at\" IS NULL",
                                   subject));
    CSB_ASSIGN_OR_RETURN(
        Statement remove,
        statement("DELETE FROM " + target + " AS t" + row + " AND " +
                      unreferenced_sql(model_, entity, [](std::string_view n) { return quote_identifier(n); }),
                  subject));
    CSB_ASSIGN_OR_RETURN(Statement forget, statement("DELETE FROM \"csbridge_crosswalk\" WHERE entity = ?3 AND "
                                                     "source_system = ?1 AND source_key = ?2",
                                                     subject));
    if (apply) CSB_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE", subject));
    DeleteOutcome out;
    Status s;
    auto step = [&](Statement& st, std::string_view key) -> Result<int64_t> {
      sqlite3_reset(st.get());
      bind_text(st.get(), 1, source_system);
      bind_text(st.get(), 2, key);
      if (&st == &forget) bind_text(st.get(), 3, entity);
      int rc = sqlite3_step(st.get());
      if (rc == SQLITE_ROW) return static_cast<int64_t>(sqlite3_column_int64(st.get(), 0));
      if (rc != SQLITE_DONE) return failure(rc, subject);
      return static_cast<int64_t>(sqlite3_changes(db_));
    };
    for (const std::string& key : keys) {
      Result<int64_t> n = step(count, key);
      if (!n.is_ok() || *n == 0 || !apply) {
        if (!n.is_ok()) s = n.status();
        if (!s.is_ok()) break;
        out.matched += *n;
        continue;
      }
      out.matched += *n;
      Result<int64_t> done = step(tombstone, key);
      if (done.is_ok() && hard) {
        done = step(remove, key);
        if (done.is_ok() && *done > 0) {
          out.removed += *done;
          done = step(forget, key);
        }
      }
      if (!done.is_ok()) {
        s = done.status();
        break;
      }
    }
    if (s.is_ok() && apply) s = exec("COMMIT", subject);
    if (!s.is_ok()) {
      rollback();
      return s;
    }
    return out;
  }

 private:
  static constexpr const char* kLookupSql =
      "SELECT new_id FROM \"csbridge_crosswalk\" WHERE entity = ?1 AND source_system = ?2 AND source_key = ?3";

  struct Statements {
    Statement lookup, upsert, crosswalk, pending, readback;
    std::string migrated_at;
  };

  // A target created before tombstones existed gets its deleted_at columns (inside prepare()'s
  // transaction).
  Status add_tombstones() {
    for (const model::Entity& e : model_.entities) {
      CSB_ASSIGN_OR_RETURN(Statement st, statement("SELECT count(*) FROM pragma_table_info(?1) WHERE name = "
                                                   "'deleted_at'",
                                                   "preparing the target"));
      bind_text(st.get(), 1, e.name);
      int rc = sqlite3_step(st.get());
      if (rc != SQLITE_ROW) return failure(rc, "preparing the target");
      if (sqlite3_column_int64(st.get(), 0) > 0) continue;
      CSB_RETURN_IF_ERROR(exec("ALTER TABLE " + quote_identifier(e.name) + " ADD COLUMN \"deleted_at\" TIMESTAMP",
                               "adding " + e.name + ".deleted_at"));
    }
    return Status::ok();
  }

  // A crosswalk from before fingerprints were kept (migrate/conflicts.h): its rows have none.
  Status add_fingerprints() {
    CSB_ASSIGN_OR_RETURN(Statement st, statement("SELECT count(*) FROM pragma_table_info('csbridge_crosswalk') "
                                                 "WHERE name = 'fingerprint'",
                                                 "preparing the target"));
    int rc = sqlite3_step(st.get());
    if (rc != SQLITE_ROW) return failure(rc, "preparing the target");
    if (sqlite3_column_int64(st.get(), 0) > 0) return Status::ok();
    return exec("ALTER TABLE \"csbridge_crosswalk\" ADD COLUMN fingerprint INTEGER", "adding the crosswalk's fingerprints");
  }

  Result<Statement> statement(const std::string& sql, const std::string& subject) {
    return connector::sqlite::prepare(db_, sql, subject + " in " + redacted_);
  }

  // The Status of a failed step: a locked database passes when tried again.
  Status failure(int rc, const std::string& subject) const {
    std::string why = connector::sqlite::message(db_);
    int primary = rc & 0xFF;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
      return unreachable(subject + ": " + redacted_ + " is locked by another connection, retry: " + why);
    }
    // A read-only file (or directory) or an authorizer's refusal: a grant, not the data, is missing.
    if (primary == SQLITE_READONLY || primary == SQLITE_PERM || primary == SQLITE_AUTH) {
      return Status(ErrorCode::kPermissionDenied, subject + " in " + redacted_ + ": " + why);
    }
    return io_error(subject + " in " + redacted_ + ": " + why);
  }

  Status exec(const std::string& sql, const std::string& subject) {
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
    return rc == SQLITE_OK ? Status::ok() : failure(rc, subject);
  }

  void rollback() {
    if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

  Result<Statements> statements(const ResolvedSpec& spec, const std::string& subject) {
    Statements st;
    CSB_ASSIGN_OR_RETURN(st.lookup, statement(kLookupSql, subject));
    std::string target = quote_identifier(spec.entity->name);
    std::string names = "\"source_system\", \"source_key\"", params = "?1, ?2", updates, mine, theirs;
    for (size_t i = 0; i < spec.columns.size(); ++i) {
      if (spec.columns[i].deferred) continue;  // recorded for resolve_deferred(), not written here
      std::string name = quote_identifier(spec.columns[i].field->name);
      names += ", " + name;
      params += ", ?" + std::to_string(i + 3);
      updates += (updates.empty() ? "" : ", ") + name + " = excluded." + name;
      mine += (mine.empty() ? "" : ", ") + target + "." + name;
      theirs += (theirs.empty() ? "" : ", ") + std::string("excluded.") + name;
    }
    // A row that comes back (undeleted in the source) loses its tombstone.
    std::string tombstone = target + ".\"deleted_at\" IS NOT NULL";
    std::string conflict = " DO UPDATE SET " + updates + (updates.empty() ? "" : ", ") +
                           "\"deleted_at\" = NULL, \"migrated_at\" = excluded.\"migrated_at\" WHERE " +
                           (updates.empty() ? tombstone : "(" + mine + ") IS NOT (" + theirs + ") OR " + tombstone);
    CSB_ASSIGN_OR_RETURN(st.upsert, statement("INSERT INTO " + target + " (" + names + ", \"migrated_at\") VALUES (" +
                                                  params + ", ?" + std::to_string(spec.columns.size() + 3) +
                                                  ") ON CONFLICT (\"source_system\", \"source_key\")" + conflict,
                                              subject));
    CSB_ASSIGN_OR_RETURN(st.crosswalk,
                         statement("INSERT INTO \"csbridge_crosswalk\" (entity, source_system, source_key, new_id, "
                                   "fingerprint) SELECT ?1, ?2, ?3, \"id\", ?4 FROM " + target +
                                       " WHERE \"source_system\" = ?2 AND \"source_key\" = ?3 "
                                       "ON CONFLICT (entity, source_system, source_key) DO UPDATE SET new_id = "
                                       "excluded.new_id, fingerprint = excluded.fingerprint WHERE new_id <> "
                                       "excluded.new_id OR fingerprint IS NOT excluded.fingerprint",
                                   subject));
    if (!updates.empty()) {
      CSB_ASSIGN_OR_RETURN(
          st.readback,
          statement("SELECT x.fingerprint, " +
                        readback_columns(spec, [](std::string_view name) { return quote_identifier(name); }) +
                        " FROM \"csbridge_crosswalk\" x JOIN " + target +
                        " t ON t.\"id\" = x.new_id WHERE x.entity = ?1 AND x.source_system = ?2 AND x.source_key = "
                        "?3 AND x.fingerprint IS NOT NULL AND t.\"deleted_at\" IS NULL",
                    subject));
    }
    if (spec.has_deferred()) {
      CSB_ASSIGN_OR_RETURN(st.pending, statement("INSERT INTO \"csbridge_pending_ref\" (entity, source_system, "
                                                 "source_key, field, ref_system, ref_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                                                 subject));
    }
    CSB_ASSIGN_OR_RETURN(Statement now, statement(std::string("SELECT ") + kNow + " || '+00:00'", subject));
    if (sqlite3_step(now.get()) != SQLITE_ROW) return failure(sqlite3_errcode(db_), subject);
    st.migrated_at = now.text(0);
    return st;
  }

  Result<std::set<std::string>> known_keys(std::string_view entity, std::string_view system,
                                           const std::vector<std::string>& keys) override {
    LoadColumn c;
    c.lookup_entity = std::string(entity);
    c.lookup_system = std::string(system);
    return known_keys(c, keys, "reading the crosswalk");
  }

  Result<std::set<std::string>> known_keys(const LoadColumn& c, const std::vector<std::string>& keys,
                                           const std::string& subject) {
    CSB_ASSIGN_OR_RETURN(Statement st, statement("SELECT 1 FROM \"csbridge_crosswalk\" WHERE entity = ?1 AND "
                                                 "source_system = ?2 AND source_key = ?3",
                                                 subject));
    std::set<std::string> out;
    for (const std::string& k : keys) {
      sqlite3_reset(st.get());
      bind_text(st.get(), 1, c.lookup_entity);
      bind_text(st.get(), 2, c.lookup_system);
      bind_text(st.get(), 3, k);
      int rc = sqlite3_step(st.get());
      if (rc == SQLITE_ROW) out.insert(k);
      else if (rc != SQLITE_DONE) return failure(rc, subject + ": reading the crosswalk");
    }
    return out;
  }

  // The id a legacy key stands for; nullopt when the crosswalk has none.
  Result<std::optional<int64_t>> resolve(Statement& lookup, const LoadColumn& column, std::string_view key,
                                         const std::string& subject) {
    sqlite3_stmt* s = lookup.get();
    sqlite3_reset(s);
    bind_text(s, 1, column.lookup_entity);
    bind_text(s, 2, column.lookup_system);
    bind_text(s, 3, key);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) return std::optional<int64_t>(sqlite3_column_int64(s, 0));
    if (rc == SQLITE_DONE) return std::optional<int64_t>();
    return failure(rc, subject);
  }

  // Binds the value cells of `row` to the upsert (?3 …); false with an orphan reject when a
  // legacy key does not resolve.
  Result<bool> bind_row(const ResolvedSpec& spec, const connector::Batch& rows, size_t row, Statements& st,
                        LoadOutcome& out, const std::string& subject) {
    sqlite3_stmt* s = st.upsert.get();
    for (size_t col = 1; col < rows.columns(); ++col) {
      int index = static_cast<int>(col + 2);
      const LoadColumn& column = spec.columns[col - 1];
      if (column.deferred) continue;
      if (rows.is_null(row, col)) {
        sqlite3_bind_null(s, index);
        continue;
      }
      std::string_view v = rows.get(row, col);
      if (!column.lookup_entity.empty()) {
        CSB_ASSIGN_OR_RETURN(std::optional<int64_t> id, resolve(st.lookup, column, v, subject));
        if (!id && column.orphans_to_null) {
          sqlite3_bind_null(s, index);
          continue;
        }
        if (!id) {
          out.rejects.push_back(orphan_reject(spec, rows, row, col));
          return false;
        }
        sqlite3_bind_int64(s, index, *id);
        continue;
      }
      switch (column.field->type) {
        case model::FieldType::kInteger:
        case model::FieldType::kBigint:
        case model::FieldType::kId: {
          int64_t n = 0;
          std::from_chars(v.data(), v.data() + v.size(), n);  // checked by check_rows
          sqlite3_bind_int64(s, index, n);
          break;
        }
        case model::FieldType::kBoolean:
          sqlite3_bind_int(s, index, v == "true" ? 1 : 0);
          break;
        default:
          bind_text(s, index, v);
      }
    }
    return true;
  }

  Status load_rows(const ResolvedSpec& spec, const connector::Batch& rows, const std::vector<size_t>& accepted,
                   Statements& st, LoadOutcome& out) {
    std::string subject = "loading " + spec.entity->name;
    sqlite3_stmt* upsert = st.upsert.get();
    sqlite3_stmt* crosswalk = st.crosswalk.get();
    bind_text(upsert, 1, spec.source_system);
    bind_text(upsert, static_cast<int>(spec.columns.size() + 3), st.migrated_at);
    bind_text(crosswalk, 1, spec.entity->name);
    bind_text(crosswalk, 2, spec.source_system);
    for (size_t row : accepted) {
      std::string_view key = rows.get(row, 0);
      int64_t incoming = written_fingerprint(spec, rows, row);
      CSB_ASSIGN_OR_RETURN(Judged judged, settle_edit(spec, rows, row, incoming, st, out));
      if (!judged.write) continue;
      const std::optional<int64_t>& base = judged.base;
      sqlite3_reset(upsert);
      bind_text(upsert, 2, key);
      CSB_ASSIGN_OR_RETURN(bool bound, bind_row(spec, rows, row, st, out, subject));
      if (!bound) continue;
      int rc = sqlite3_step(upsert);
      if (rc != SQLITE_DONE) {
        // A RAISE(ROLLBACK) in a trigger ends the whole transaction, not just the statement.
        if (!row_attributable(rc) || sqlite3_get_autocommit(db_) != 0) return failure(rc, subject);
        out.rejects.push_back(load_error_reject(spec, rows, row, connector::sqlite::message(db_)));
        continue;
      }
      bool changed = sqlite3_changes(db_) != 0;
      for (size_t col = 1; col < rows.columns() && st.pending.get() != nullptr; ++col) {
        const LoadColumn& column = spec.columns[col - 1];
        if (!column.deferred) continue;
        sqlite3_stmt* p = st.pending.get();
        sqlite3_reset(p);
        bind_text(p, 1, spec.entity->name);
        bind_text(p, 2, spec.source_system);
        bind_text(p, 3, key);
        bind_text(p, 4, column.field->name);
        bind_text(p, 5, column.lookup_system);
        if (rows.is_null(row, col)) sqlite3_bind_null(p, 6);
        else bind_text(p, 6, rows.get(row, col));
        rc = sqlite3_step(p);
        if (rc != SQLITE_DONE) return failure(rc, subject + ": recording a self-reference");
      }
      if (changed) ++out.loaded;
      else ++out.unchanged;
      if (!changed && base && *base == incoming) continue;  // entry and fingerprint as they are
      CSB_RETURN_IF_ERROR(record_entry(st, key, incoming, subject));
    }
    return Status::ok();
  }

  // The crosswalk entry of a row written (or its fingerprint moved).
  Status record_entry(Statements& st, std::string_view key, int64_t fingerprint, const std::string& subject) {
    sqlite3_stmt* crosswalk = st.crosswalk.get();
    sqlite3_reset(crosswalk);
    bind_text(crosswalk, 3, key);
    sqlite3_bind_int64(crosswalk, 4, fingerprint);
    int rc = sqlite3_step(crosswalk);
    return rc == SQLITE_DONE ? Status::ok() : failure(rc, subject + ": recording the crosswalk");
  }

  // Whether every written column of `row` equals, byte for byte, the cell read back (a lookup as
  // its legacy key).
  static bool same_as_stored(const ResolvedSpec& spec, const connector::Batch& rows, size_t row, const Cells& cells) {
    size_t cell = 0;
    for (size_t i = 0; i < spec.columns.size(); ++i) {
      if (spec.columns[i].deferred) continue;
      const std::optional<std::string_view>& stored = cells[cell++];
      if (rows.is_null(row, i + 1) ? stored.has_value() : (!stored || *stored != rows.get(row, i + 1))) return false;
    }
    return true;
  }

  // settle_edit()'s answer: whether to write the row, and the crosswalk's fingerprint of it
  // (nullopt: no entry, no fingerprint or a tombstone).
  struct Judged {
    bool write = true;
    std::optional<int64_t> base;
  };

  // A row that exists, judged against its target row (migrate/conflicts.h); a row not to be
  // written (kept, or rejected as a conflict) is counted in `out` here.
  Result<Judged> settle_edit(const ResolvedSpec& spec, const connector::Batch& rows, size_t row,
                                             int64_t incoming, Statements& st, LoadOutcome& out) {
    std::string subject = "loading " + spec.entity->name + ": reading a row back";
    sqlite3_stmt* s = st.readback.get();
    if (s == nullptr) return Judged{};
    sqlite3_reset(s);
    bind_text(s, 1, spec.entity->name);
    bind_text(s, 2, spec.source_system);
    bind_text(s, 3, rows.get(row, 0));
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) return Judged{};
    if (rc != SQLITE_ROW) return failure(rc, subject);
    int64_t base = sqlite3_column_int64(s, 0);
    Cells cells;
    for (int i = 1; i < sqlite3_column_count(s); ++i) {
      if (sqlite3_column_type(s, i) == SQLITE_NULL) {
        cells.emplace_back();
        continue;
      }
      const char* text = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
      cells.emplace_back(std::string_view(text, static_cast<size_t>(sqlite3_column_bytes(s, i))));
    }
    // The row as it is, to the byte: the upsert would change nothing, so it is not run (a re-run of
    // unchanged rows costs one statement a row, not two). Self-references are recorded on the
    // upsert's path, so a spec with them takes it.
    if (!spec.has_deferred() && same_as_stored(spec, rows, row, cells)) {
      ++out.unchanged;
      if (base != incoming) CSB_RETURN_IF_ERROR(record_entry(st, rows.get(row, 0), incoming, "loading " + spec.entity->name));
      return Judged{false, base};
    }
    ConflictAction a = action(decide(base, current_fingerprint(spec, cells), incoming), spec.conflicts);
    out.conflicts += a.conflict ? 1 : 0;
    out.kept_target_edits += a.kept_edit ? 1 : 0;
    if (a.write) return Judged{true, base};
    if (a.reject) {
      out.rejects.push_back(conflict_reject(spec, rows, row, cells));
    } else {
      ++out.unchanged;
      if (a.new_base) CSB_RETURN_IF_ERROR(record_entry(st, rows.get(row, 0), incoming, "loading " + spec.entity->name));
    }
    return Judged{false, base};
  }

  // The updates of resolve_deferred(), inside its transaction.
  Result<int64_t> resolve_pending(const std::string& subject) {
    std::vector<std::pair<std::string, std::string>> groups;
    {
      CSB_ASSIGN_OR_RETURN(Statement st,
                           statement("SELECT DISTINCT entity, field FROM \"csbridge_pending_ref\" ORDER BY 1, 2", subject));
      int rc;
      while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) groups.emplace_back(st.text(0), st.text(1));
      if (rc != SQLITE_DONE) return failure(rc, subject);
    }
    int64_t written = 0;
    for (const auto& [entity, field_name] : groups) {
      std::string target = quote_identifier(entity), field = quote_identifier(field_name);
      // The key recorded last for a row wins (a resumed run may have recorded it twice): a bare
      // column of an aggregate query takes its value from the row of max().
      CSB_ASSIGN_OR_RETURN(
          Statement st,
          statement("UPDATE " + target + " SET " + field + " = r.new_id, \"migrated_at\" = " + kNow +
                        " || '+00:00' FROM (SELECT q.source_system, q.source_key, x.new_id FROM (SELECT "
                        "p.source_system, p.source_key, p.ref_system, p.ref_key, max(p.rowid) FROM "
                        "\"csbridge_pending_ref\" p WHERE p.entity = ?1 AND p.field = ?2 GROUP BY p.source_system, "
                        "p.source_key) q LEFT JOIN \"csbridge_crosswalk\" x ON x.entity = ?1 AND x.source_system = "
                        "q.ref_system AND x.source_key = q.ref_key) r WHERE " +
                        target + ".\"source_system\" = r.source_system AND " + target +
                        ".\"source_key\" = r.source_key AND " + target + "." + field + " IS NOT r.new_id",
                    subject));
      bind_text(st.get(), 1, entity);
      bind_text(st.get(), 2, field_name);
      int rc = sqlite3_step(st.get());
      if (rc != SQLITE_DONE) return failure(rc, subject);
      written += sqlite3_changes(db_);
    }
    return written;
  }

  Status set_checkpoint(std::string_view scope, std::string_view position, std::string_view run_id,
                        const std::string& subject) {
    CSB_ASSIGN_OR_RETURN(Statement st,
                         statement(std::string("INSERT INTO \"csbridge_checkpoint\" (scope, position, run_id, "
                                               "updated_at) VALUES (?1, ?2, ?3, ") +
                                       kNow +
                                       ") ON CONFLICT (scope) DO UPDATE SET position = excluded.position, "
                                       "run_id = excluded.run_id, updated_at = excluded.updated_at",
                                   subject));
    bind_text(st.get(), 1, scope);
    bind_text(st.get(), 2, position);
    bind_text(st.get(), 3, run_id);
    int rc = sqlite3_step(st.get());
    return rc == SQLITE_DONE ? Status::ok() : failure(rc, subject + ": setting checkpoint '" + std::string(scope) + "'");
  }

  sqlite3* db_;
  int lock_fd_ = -1;  // the flock of lock_target() (lock_lane(): shared)
  int lane_fd_ = -1;  // lock_lane()'s own flock
  std::string lane_;
  ConnectionString conn_;
  std::string redacted_;
  model::Model model_;
};

}  // namespace

Result<std::unique_ptr<TargetStore>> open_sqlite_target(const ConnectionString& conn, const model::Model& model) {
  // A migration target is created when missing; ?mode=rw insists on an existing file.
  CSB_ASSIGN_OR_RETURN(sqlite3* db, connector::sqlite::open_database(conn, "rwc"));
  return std::unique_ptr<TargetStore>(std::make_unique<SqliteTarget>(db, conn, model));
}

}  // namespace csbridge::migrate
