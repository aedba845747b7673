#include "migrate/postgres_target.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "connector/postgres_common.h"
#include "migrate/conflicts.h"
#include "migrate/load_checks.h"
#include "migrate/postgres_copy.h"
#include "migrate/postgres_plan.h"
#include "model/ddl.h"

namespace csbridge::migrate {
namespace {

using connector::ConnectionString;
using model::quote_identifier;
using pg::AttemptResult;
using pg::LoadPlan;
using pg::RowIds;

// Serialises prepare() across sessions (several csbridge processes on one
// target): concurrent CREATE … IF NOT EXISTS of one table can still collide in
// the catalog.
constexpr const char* kPrepareLock = "SELECT pg_catalog.pg_advisory_xact_lock(7350411010)";
constexpr const char* kUtcSeconds = "'YYYY-MM-DD HH24:MI:SS'";


class PostgresTarget final : public TargetStore {
 public:
  PostgresTarget(ConnectionString conn, std::string schema, model::Model model, std::unique_ptr<pqxx::connection> db)
      : conn_(std::move(conn)), redacted_(conn_.redacted()), schema_(std::move(schema)), model_(std::move(model)),
        db_(std::move(db)) {}

  std::string backend() const override { return "postgres"; }

  Status prepare() override {
    return run("preparing the target", [&](pqxx::connection& db) {
      pqxx::work w(db);
      w.exec(kPrepareLock);
      // A target created before tombstones existed gets its deleted_at columns first (the DDL
      // comments on them; ALTER only then: it locks the table).
      for (const model::Entity& e : model_.entities) {
        pqxx::row has = w.exec_params1(
            "SELECT pg_catalog.to_regclass($1) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute "
            "WHERE attrelid = pg_catalog.to_regclass($1) AND attname = 'deleted_at' AND NOT attisdropped)",
            table(e.name));
        if (has[0].as<bool>()) w.exec0("ALTER TABLE " + table(e.name) + " ADD COLUMN \"deleted_at\" timestamptz");
      }
      w.exec(model::generate_ddl(model_, model::Dialect::kPostgres, {schema_, true}));
      w.exec(bookkeeping_ddl());
      // A crosswalk from before fingerprints were kept (migrate/conflicts.h): its rows have none.
      pqxx::row fp = w.exec_params1(
          "SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = pg_catalog.to_regclass($1) "
          "AND attname = 'fingerprint' AND NOT attisdropped)",
          table(kCrosswalkTable));
      if (fp[0].as<bool>()) w.exec0("ALTER TABLE " + table(kCrosswalkTable) + " ADD COLUMN fingerprint bigint");
      w.commit();
      return Status::ok();
    });
  }

  Result<std::optional<std::string>> checkpoint(std::string_view scope) override {
    return run("reading checkpoint '" + std::string(scope) + "'",
               [&](pqxx::connection& db) -> Result<std::optional<std::string>> {
                 pqxx::read_transaction r(db);
                 pqxx::result res = r.exec_params("SELECT position FROM " + table(kCheckpointTable) + " WHERE scope = $1",
                                                  std::string(scope));
                 if (res.empty()) return std::optional<std::string>();
                 return std::optional<std::string>(res[0][0].as<std::string>());
               });
  }

  Result<LoadOutcome> load(const LoadSpec& spec, const connector::Batch& input, std::string_view scope,
                           std::string_view position, std::string_view run_id,
                           const BeforeCommit& before_commit, const BatchRecord& record) override {
    CSB_ASSIGN_OR_RETURN(ResolvedSpec resolved, resolve_spec(model_, spec));
    LoadOutcome nulled;
    CSB_ASSIGN_OR_RETURN(std::optional<connector::Batch> replaced,
                         null_orphans(resolved, input, [&](const LoadColumn& c, const std::vector<std::string>& keys) {
                           return known_keys(c, keys);
                         }, nulled));
    const connector::Batch& rows = replaced ? *replaced : input;
    std::vector<size_t> accepted;
    CSB_ASSIGN_OR_RETURN(std::vector<RowReject> rejects, check_rows(resolved, rows, accepted));
    std::vector<int64_t> fingerprints(rows.rows(), 0);
    for (size_t row : accepted) fingerprints[row] = written_fingerprint(resolved, rows, row);
    return run("loading " + spec.entity, [&](pqxx::connection& db) -> Result<LoadOutcome> {
      LoadOutcome out = nulled;
      out.rejects = rejects;
      std::optional<LoadPlan> plan;
      if (!rows.empty()) {
        plan.emplace(pg::make_plan(db, [this](std::string_view name) { return table(name); }, resolved, rows));
        plan->fingerprints = &fingerprints;
        ensure_stage(db, resolved.columns.size());
      }
      pqxx::work w(db);
      if (plan) load_rows(w, *plan, accepted, out);
      if (!scope.empty()) set_checkpoint(w, scope, position, run_id);
      std::stable_sort(out.rejects.begin(), out.rejects.end(),
                       [](const RowReject& a, const RowReject& b) { return a.row < b.row; });
      if (record)
        for (const auto& [record_scope, record_position] : record(out)) set_checkpoint(w, record_scope, record_position, run_id);
      if (before_commit) CSB_RETURN_IF_ERROR(before_commit(out));  // the work's destructor rolls back
      w.commit();
      return out;
    });
  }

  Result<std::set<std::string>> known_keys(const LoadColumn& c, const std::vector<std::string>& keys) {
    return known_keys(c.lookup_entity, c.lookup_system, keys);
  }

  Result<std::set<std::string>> known_keys(std::string_view entity, std::string_view system,
                                           const std::vector<std::string>& keys) override {
    std::string array;
    for (const std::string& k : keys) append_array_element(k, array);
    return run("reading the crosswalk", [&](pqxx::connection& db) -> Result<std::set<std::string>> {
      pqxx::read_transaction r(db);
      pqxx::result res = r.exec_params("SELECT source_key FROM " + table(kCrosswalkTable) +
                                           " WHERE entity = $1 AND source_system = $2 AND source_key = ANY($3::text[])",
                                       std::string(entity), std::string(system), "{" + array + "}");
      std::set<std::string> out;
      for (const pqxx::row& row : res) out.insert(row[0].as<std::string>());
      return out;
    });
  }

  void set_checkpoint(pqxx::work& w, std::string_view scope, std::string_view position, std::string_view run_id) {
    w.exec_params("INSERT INTO " + table(kCheckpointTable) +
                      " AS c (scope, position, run_id, updated_at) VALUES ($1, $2, $3, now()) "
                      "ON CONFLICT (scope) DO UPDATE SET position = excluded.position, "
                      "run_id = excluded.run_id, updated_at = excluded.updated_at",
                  std::string(scope), std::string(position), std::string(run_id));
  }

  Result<int64_t> resolve_deferred() override {
    return run("resolving self-references", [&](pqxx::connection& db) -> Result<int64_t> {
      pqxx::work w(db);
      std::string pending = table(kPendingTable);
      pqxx::result groups = w.exec("SELECT DISTINCT entity, field FROM " + pending + " ORDER BY 1, 2");
      int64_t written = 0;
      for (const pqxx::row& g : groups) {
        std::string entity = g[0].as<std::string>(), field = quote_identifier(g[1].as<std::string>());
        // The key recorded last for a row wins (a resumed run may have recorded it twice).
        pqxx::result r = w.exec_params(
            "UPDATE " + table(entity) + " AS t SET " + field + " = r.new_id, \"migrated_at\" = now() FROM "
            "(SELECT DISTINCT ON (p.source_system, p.source_key) p.source_system, p.source_key, x.new_id FROM " +
                pending + " p LEFT JOIN " + table(kCrosswalkTable) +
                " x ON x.entity = p.entity AND x.source_system = p.ref_system AND x.source_key = p.ref_key "
                "WHERE p.entity = $1 AND p.field = $2 ORDER BY p.source_system, p.source_key, p.seq DESC) r "
                "WHERE t.\"source_system\" = r.source_system AND t.\"source_key\" = r.source_key AND t." +
                field + " IS DISTINCT FROM r.new_id",
            entity, g[1].as<std::string>());
        written += r.affected_rows();
      }
      w.exec0("DELETE FROM " + pending);
      w.commit();
      return written;
    });
  }

  Result<std::vector<std::pair<std::string, std::string>>> checkpoints(std::string_view scope_prefix) override {
    using Positions = std::vector<std::pair<std::string, std::string>>;
    return run("reading checkpoints '" + std::string(scope_prefix) + "…'", [&](pqxx::connection& db) -> Result<Positions> {
      pqxx::read_transaction r(db);
      pqxx::result res = r.exec_params("SELECT scope, position FROM " + table(kCheckpointTable) +
                                           " WHERE substr(scope, 1, length($1)) = $1 ORDER BY scope",
                                       std::string(scope_prefix));
      Positions out;
      for (const pqxx::row& row : res) out.emplace_back(row[0].as<std::string>(), row[1].as<std::string>());
      return out;
    });
  }

  Status reset_checkpoints(std::string_view scope_prefix, const std::vector<std::string>& scopes,
                           std::string_view position, std::string_view run_id) override {
    return run("setting checkpoints '" + std::string(scope_prefix) + "…'", [&](pqxx::connection& db) {
      pqxx::work w(db);
      w.exec_params("DELETE FROM " + table(kCheckpointTable) + " WHERE substr(scope, 1, length($1)) = $1",
                    std::string(scope_prefix));
      for (const std::string& scope : scopes) {
        // A scope outside the prefix (a delta's mark) may exist: set, as the SQLite store does.
        w.exec_params("INSERT INTO " + table(kCheckpointTable) +
                          " (scope, position, run_id, updated_at) VALUES ($1, $2, $3, now()) ON CONFLICT (scope) DO "
                          "UPDATE SET position = excluded.position, run_id = excluded.run_id, updated_at = now()",
                      scope, std::string(position), std::string(run_id));
      }
      w.commit();
      return Status::ok();
    });
  }

  Status clear_checkpoints(std::string_view scope_prefix) override {
    return run("clearing checkpoints", [&](pqxx::connection& db) {
      pqxx::work w(db);
      w.exec_params("DELETE FROM " + table(kCheckpointTable) + " WHERE substr(scope, 1, length($1)) = $1",
                    std::string(scope_prefix));
      w.commit();
      return Status::ok();
    });
  }

  Result<bool> defer_indexes(const std::string& entity) override {
    return run("deferring the indexes of " + entity, [&](pqxx::connection& db) -> Result<bool> {
      pqxx::work w(db);
      const std::string target = table(entity);
      if (w.exec1("SELECT EXISTS (SELECT 1 FROM " + target + ")")[0].as<bool>()) return false;
      // Indexes that back no constraint (unique keys, the primary key) and are not unique.
      pqxx::result indexes = w.exec_params(
          "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
          "WHERE i.indrelid = $1::regclass AND NOT i.indisunique AND NOT i.indisprimary "
          "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
          target);
      // The table's own foreign keys: their triggers fire for every row inserted, even one whose
      // references are all NULL (a third of the server's work of a plain COPY). Added again after
      // the rows, each is checked in one query.
      pqxx::result foreign = w.exec_params(
          "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::regclass "
          "AND contype = 'f' ORDER BY conname",
          target);
      if (indexes.empty() && foreign.empty()) return false;
      nlohmann::json definitions = nlohmann::json::array();
      for (const pqxx::row& row : indexes) {
        definitions.push_back(row[1].as<std::string>());
        w.exec0("DROP INDEX " + row[0].as<std::string>());
      }
      for (const pqxx::row& row : foreign) {
        const std::string name = quote_identifier(row[0].as<std::string>());
        definitions.push_back({{"constraint", row[0].as<std::string>()},
                               {"sql", "ALTER TABLE " + target + " ADD CONSTRAINT " + name + " " + row[1].as<std::string>()}});
        w.exec0("ALTER TABLE " + target + " DROP CONSTRAINT " + name);
      }
      set_checkpoint(w, "indexes:" + entity, definitions.dump(), "");
      w.commit();
      return true;
    });
  }

  Status restore_indexes() override {
    CSB_ASSIGN_OR_RETURN(auto noted, checkpoints("indexes:"));
    for (const auto& [scope, text] : noted) {
      CSB_RETURN_IF_ERROR(run("building the indexes of " + scope.substr(8), [&](pqxx::connection& db) -> Status {
        nlohmann::json definitions = nlohmann::json::parse(text, nullptr, false);
        const std::string target = table(scope.substr(8));
        pqxx::work w(db);
        w.exec0("SET LOCAL maintenance_work_mem = '256MB'");
        for (const auto& d : definitions.is_array() ? definitions : nlohmann::json::array()) {
          if (!d.is_string()) continue;  // an index
          std::string sql = d.get<std::string>();
          constexpr std::string_view kCreate = "CREATE INDEX ";
          if (sql.starts_with(kCreate)) sql.insert(kCreate.size(), "IF NOT EXISTS ");
          w.exec0(sql);
        }
        // A first load's statistics, as pg_restore leaves them to be taken: without them the
        // planner takes the freshly filled table for a small one (validate --delta reading 500
        // keys a query scanned the whole unique index each time). Taken before the foreign keys
        // check the rows: a reference column the load left all NULL is then found empty through
        // its index instead of read whole (0.4 s less a million rows for five such keys).
        w.exec0("ANALYZE " + target);
        for (const auto& d : definitions.is_array() ? definitions : nlohmann::json::array()) {
          if (!d.is_object() || !d.value("constraint", nlohmann::json()).is_string() ||
              !d.value("sql", nlohmann::json()).is_string())
            continue;  // a foreign key, added unless it is back
          bool exists = w.exec_params1("SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = $1::regclass "
                                       "AND conname = $2)",
                                       target, d["constraint"].get<std::string>())[0]
                            .as<bool>();
          if (!exists) w.exec0(d["sql"].get<std::string>());
        }
        w.exec_params0("DELETE FROM " + table(kCheckpointTable) + " WHERE scope = $1", scope);
        w.commit();
        return Status::ok();
      }));
    }
    if (noted.empty()) return Status::ok();
    // And the crosswalk's, which the first load filled as much: without them the next run's
    // read-back of changed rows (migrate/conflicts.h) took the entity's million entries for a
    // dozen and hashed them all for each batch (a 1 % delta of 1M rows: 3.5 s instead of 0.6 s).
    return run("taking the statistics of the crosswalk", [&](pqxx::connection& db) -> Status {
      pqxx::nontransaction n(db);
      n.exec0("ANALYZE " + table(kCrosswalkTable));
      return Status::ok();
    });
  }

  Status analyze(const std::vector<std::string>& entities) override {
    return run("taking the statistics of the target's tables", [&](pqxx::connection& db) -> Status {
      pqxx::nontransaction n(db);
      for (const std::string& entity : entities) n.exec0("ANALYZE " + table(entity));
      n.exec0("ANALYZE " + table(kCrosswalkTable));
      return Status::ok();
    });
  }

  Status lock_target() override {
    return run("locking the target", [&](pqxx::connection& db) { return take_lock(db); });
  }
  Status lock_lane(std::string_view lane) override {
    lane_ = lane;
    return run("locking the target for " + lane_, [&](pqxx::connection& db) { return take_lock(db); });
  }

  Status begin_run(const RunRecord& run_record) override {
    return run("recording run '" + run_record.run_id + "'", [&](pqxx::connection& db) {
      pqxx::work w(db);
      if (locked_) {
        w.exec_params0("UPDATE " + table(kRunsTable) + " SET status = 'interrupted' WHERE status = 'running' AND "
                       "($1 = '' OR strpos(run_id, '.') = 0 OR run_id LIKE '%.' || $1)", lane_);
      }
      pqxx::result r = w.exec_params(
          "INSERT INTO " + table(kRunsTable) +
              " (run_id, started_at, os_user, command, config_hash, status) VALUES ($1, now(), $2, $3, $4, 'running') "
              "ON CONFLICT (run_id) DO NOTHING",
          run_record.run_id, run_record.os_user, run_record.command, run_record.config_hash);
      if (r.affected_rows() == 0) return invalid_argument("run '" + run_record.run_id + "' is already recorded");
      w.commit();
      return Status::ok();
    });
  }

  Status end_run(std::string_view run_id, std::string_view status, std::string_view counts_json) override {
    std::string subject = "ending run '" + std::string(run_id) + "'";
    if (!nlohmann::json::accept(counts_json)) return invalid_argument(subject + ": the counts are not valid JSON");
    return run(subject, [&](pqxx::connection& db) {
      pqxx::work w(db);
      pqxx::result r = w.exec_params("UPDATE " + table(kRunsTable) +
                                         " SET ended_at = now(), status = $2, counts = $3::json WHERE run_id = $1",
                                     std::string(run_id), std::string(status), std::string(counts_json));
      if (r.affected_rows() == 0) return not_found(subject + ": no such run");
      w.commit();
      return Status::ok();
    });
  }

  Status set_run_counts(std::string_view run_id, std::string_view counts_json) override {
    std::string subject = "recording the counts of run '" + std::string(run_id) + "'";
    if (!nlohmann::json::accept(counts_json)) return invalid_argument(subject + ": the counts are not valid JSON");
    return run(subject, [&](pqxx::connection& db) {
      pqxx::work w(db);
      pqxx::result r = w.exec_params("UPDATE " + table(kRunsTable) + " SET counts = $2::json WHERE run_id = $1",
                                     std::string(run_id), std::string(counts_json));
      if (r.affected_rows() == 0) return not_found(subject + ": no such run");
      w.commit();
      return Status::ok();
    });
  }

  Result<std::vector<RunRecord>> list_runs(int limit) override {
    return run("listing runs", [&](pqxx::connection& db) -> Result<std::vector<RunRecord>> {
      pqxx::read_transaction r(db);
      std::string utc = std::string(" AT TIME ZONE 'UTC', ") + kUtcSeconds + ")";
      pqxx::result res = r.exec_params(
          "SELECT run_id, to_char(started_at" + utc + ", COALESCE(to_char(ended_at" + utc +
              ", ''), COALESCE(os_user, ''), COALESCE(command, ''), COALESCE(config_hash, ''), status, "
              "COALESCE(counts::text, '') FROM " +
              table(kRunsTable) + " ORDER BY started_at DESC, run_id DESC LIMIT $1",
          std::max(limit, 0));
      std::vector<RunRecord> runs;
      for (const pqxx::row& row : res) {
        runs.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                        row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::string>(),
                        row[6].as<std::string>(), row[7].as<std::string>()});
      }
      return runs;
    });
  }

  Result<std::optional<int64_t>> lookup(std::string_view entity, std::string_view source_system,
                                        std::string_view source_key) override {
    return run("looking up " + std::string(entity), [&](pqxx::connection& db) -> Result<std::optional<int64_t>> {
      pqxx::read_transaction r(db);
      pqxx::result res = r.exec_params("SELECT new_id FROM " + table(kCrosswalkTable) +
                                           " WHERE entity = $1 AND source_system = $2 AND source_key = $3",
                                       std::string(entity), std::string(source_system), std::string(source_key));
      if (res.empty()) return std::optional<int64_t>();
      return std::optional<int64_t>(res[0][0].as<int64_t>());
    });
  }

  Result<std::vector<std::string>> keys_after(std::string_view entity, std::string_view source_system,
                                              const std::optional<std::string>& after, size_t limit,
                                              bool tombstoned) override {
    return run("reading the keys of " + std::string(entity), [&](pqxx::connection& db) -> Result<std::vector<std::string>> {
      pqxx::read_transaction r(db);
      // COLLATE "C": byte order, whatever the database's collation.
      pqxx::result res = r.exec_params(
          "SELECT x.source_key FROM " + table(kCrosswalkTable) + " x JOIN " + table(entity) +
              " t ON t.\"id\" = x.new_id WHERE x.entity = $1 AND x.source_system = $2 AND ($3::text IS NULL OR "
              "x.source_key COLLATE \"C\" > $3::text COLLATE \"C\")" +
              (tombstoned ? "" : " AND t.\"deleted_at\" IS NULL") + " ORDER BY x.source_key COLLATE \"C\" LIMIT $4",
          std::string(entity), std::string(source_system), after, static_cast<int64_t>(limit));
      std::vector<std::string> keys;
      keys.reserve(res.size());
      for (const pqxx::row& row : res) keys.push_back(row[0].as<std::string>());
      return keys;
    });
  }

  Result<int64_t> live_rows(std::string_view entity) override {
    return run("counting the rows of " + std::string(entity), [&](pqxx::connection& db) -> Result<int64_t> {
      pqxx::read_transaction r(db);
      return r.exec1("SELECT count(*) FROM " + table(entity) + " WHERE \"deleted_at\" IS NULL")[0].as<int64_t>();
    });
  }

  Result<DeleteOutcome> delete_rows(std::string_view entity, std::string_view source_system,
                                    const std::vector<std::string>& keys, bool hard, bool apply) override {
    std::string array;
    for (const std::string& k : keys) append_array_element(k, array);
    array = "{" + array + "}";
    return run("deleting rows of " + std::string(entity), [&](pqxx::connection& db) -> Result<DeleteOutcome> {
      pqxx::work w(db);
      std::string target = table(entity);
      std::string rows = " WHERE t.\"source_system\" = $1 AND t.\"source_key\" = ANY($2::text[])";
      std::string system(source_system);
      DeleteOutcome out;
      out.matched = w.exec_params1("SELECT count(*) FROM " + target + " t" + rows +
                                       (hard ? "" : " AND t.\"deleted_at\" IS NULL"),
                                   system, array)[0]
                        .as<int64_t>();
      if (!apply || out.matched == 0) return out;  // the work's destructor rolls back (nothing written)
      w.exec_params("UPDATE " + target + " AS t SET \"deleted_at\" = now()" + rows + " AND t.\"deleted_at\" IS NULL",
                    system, array);
      if (hard) {
        pqxx::result gone = w.exec_params(
            "DELETE FROM " + target + " AS t" + rows + " AND " +
                unreferenced_sql(model_, entity, [&](std::string_view n) { return table(n); }) + " RETURNING t.\"id\"",
            system, array);
        out.removed = static_cast<int64_t>(gone.size());
        w.exec_params("DELETE FROM " + table(kCrosswalkTable) + " x WHERE x.entity = $1 AND x.source_system = $2 AND "
                      "x.source_key = ANY($3::text[]) AND NOT EXISTS (SELECT 1 FROM " + target +
                          " t WHERE t.\"id\" = x.new_id)",
                      std::string(entity), system, array);
      }
      w.commit();
      return out;
    });
  }

 private:
  // Runs `f` on the connection (reconnecting after a lost one) and turns
  // exceptions into the Status of `subject`. A lost connection takes its
  // temporary staging tables with it.
  template <typename F>
  std::invoke_result_t<F, pqxx::connection&> run(const std::string& subject, F&& f) {
    Status failed;
    if (!db_) {
      auto reconnected = connector::pg::connect(conn_);
      if (!reconnected.is_ok()) return reconnected.status().with_context(subject);
      db_ = std::move(reconnected).value();
      stages_.clear();
    }
    try {
      // The lock went with the lost session: take it again before anything else.
      if (locked_ && !lock_checked_) {
        Status relocked = take_lock(*db_);
        if (!relocked.is_ok()) return relocked.with_context(subject);
      }
      return f(*db_);
    } catch (const pqxx::sql_error& e) {
      // Serialization failures and deadlocks pass when the transaction is simply run again.
      if (e.sqlstate().substr(0, 2) == "40") {
        failed = unreachable(subject + ": transient conflict on postgres '" + redacted_ + "', retry: " +
                             connector::pg::first_line(e.what()));
      } else {
        failed = connector::pg::current_error(subject, redacted_);
      }
    } catch (...) {
      failed = connector::pg::current_error(subject, redacted_);
    }
    // Whatever libpq called it, a session that is no longer open was lost: retried on a new one.
    if (failed.code() == ErrorCode::kInternal && db_ && !db_->is_open()) {
      failed = unreachable(subject + ": lost the connection to postgres '" + redacted_ + "': " + failed.message());
    }
    if (failed.code() == ErrorCode::kUnreachable) {
      db_.reset();
      stages_.clear();
      lock_checked_ = false;
    }
    return failed;
  }

  // The migration lock of this schema, on this session. Waits a little: the session of a run
  // killed a moment ago may still be ending.
  Status take_lock(pqxx::connection& db) {
    pqxx::nontransaction n(db);
    n.exec0("SET lock_timeout = '" + std::to_string(kLockWaitSeconds) + "s'");
    try {
      // A lane (a shard) shares the target's lock and holds its own; an unsharded run holds the target's.
      const std::string key = "pg_catalog.hashtext('csbridge migrate ' || COALESCE(NULLIF($1, ''), current_schema())";
      n.exec_params1("SELECT pg_catalog.pg_advisory_lock" + std::string(lane_.empty() ? "" : "_shared") + "(" +
                         std::to_string(kLockClass) + ", " + key + "))", schema_);
      if (!lane_.empty()) {
        n.exec_params1("SELECT pg_catalog.pg_advisory_lock(" + std::to_string(kLockClass) + ", " + key +
                           " || ' ' || $2))", schema_, lane_);
      }
    } catch (const pqxx::sql_error& e) {
      if (e.sqlstate() != "55P03") throw;  // lock_not_available: another run holds it
      n.exec0("RESET lock_timeout");
      return Status(ErrorCode::kConflict, "another csbridge migrate is running on postgres '" + redacted_ + "'" +
                              (schema_.empty() ? "" : " schema " + quote_identifier(schema_)) +
                              (lane_.empty() ? "" : " as " + lane_ + " or unsharded") +
                              " (csbridge runs lists it as running): one migration at a time per target" +
                              (lane_.empty() ? "" : " and shard"));
    }
    n.exec0("RESET lock_timeout");
    locked_ = true;
    lock_checked_ = true;
    return Status::ok();
  }

  std::string table(std::string_view name) const {
    return schema_.empty() ? quote_identifier(name) : quote_identifier(schema_) + "." + quote_identifier(name);
  }

  std::string bookkeeping_ddl() const {
    return "CREATE TABLE IF NOT EXISTS " + table(kCrosswalkTable) +
           " (entity text NOT NULL, source_system text NOT NULL, source_key text NOT NULL, new_id bigint NOT NULL, "
           "fingerprint bigint, PRIMARY KEY (entity, source_system, source_key));\n"
           "CREATE TABLE IF NOT EXISTS " +
           table(kCheckpointTable) +
           " (scope text PRIMARY KEY, position text NOT NULL, run_id text, updated_at timestamptz NOT NULL);\n"
           "CREATE TABLE IF NOT EXISTS " +
           table(kPendingTable) +
           " (seq bigint GENERATED ALWAYS AS IDENTITY, entity text NOT NULL, source_system text NOT NULL, "
           "source_key text NOT NULL, field text NOT NULL, ref_system text NOT NULL, ref_key text);\n"
           "CREATE TABLE IF NOT EXISTS " +
           table(kRunsTable) +
           " (run_id text PRIMARY KEY, started_at timestamptz NOT NULL, ended_at timestamptz, os_user text, "
           "command text, config_hash text, status text NOT NULL, counts json);\n";
  }

  // One staging table per column count, kept for the session; ON COMMIT
  // DELETE ROWS leaves it empty between loads.
  void ensure_stage(pqxx::connection& db, size_t columns) {
    if (stages_.count(columns) != 0) return;
    std::string sql = "CREATE TEMP TABLE IF NOT EXISTS " + pg::stage_name(columns) + " (rn integer NOT NULL, k text NOT NULL";
    for (size_t i = 1; i <= columns; ++i) sql += ", c" + std::to_string(i) + " text";
    pqxx::work w(db);
    w.exec0(sql + ", fp bigint NOT NULL) ON COMMIT DELETE ROWS");
    w.commit();
    stages_.insert(columns);
  }

  // Loads `rows` (batch rows that passed the client checks). When the server
  // refuses them for a reason that lies in the data, the halves are loaded
  // separately, down to single rows, which become load_error rejects.
  void load_rows(pqxx::work& w, const LoadPlan& plan, std::span<const size_t> rows, LoadOutcome& out) {
    if (rows.empty()) return;
    AttemptResult result;
    try {
      attempt(w, plan, rows, result);
    } catch (const pqxx::sql_error& e) {
      if (!connector::pg::row_attributable(e.sqlstate())) throw;
      if (rows.size() == 1) {
        out.rejects.push_back(load_error_reject(*plan.spec, *plan.rows, rows[0], connector::pg::row_reason(e)));
        return;
      }
      size_t half = rows.size() / 2;
      load_rows(w, plan, rows.first(half), out);
      load_rows(w, plan, rows.subspan(half), out);
      return;
    }
    out.loaded += result.loaded;
    out.unchanged += result.unchanged;
    out.conflicts += result.conflicts;
    out.kept_target_edits += result.kept_target_edits;
    for (RowReject& r : result.rejects) out.rejects.push_back(std::move(r));
  }

  // One try inside a savepoint. Throws what the server refused. Batches of new keys (first loads,
  // resumes) are copied straight into their tables; once a batch finds a key already there (a
  // re-run, an update), batches of this entity and source system are staged and merged, until
  // one of them turns out all new again.
  void attempt(pqxx::work& w, const LoadPlan& plan, std::span<const size_t> rows, AttemptResult& result) {
    if (merge_mode_.count(plan.mode_key) == 0) {
      try {
        pqxx::subtransaction direct(w, "csbridge_direct");
        if (copy_new_rows(direct, plan, rows, result)) {
          direct.commit();
          return;
        }
        direct.abort();
        result = {};
        merge_mode_.insert(plan.mode_key);  // no sequence behind the id: the server numbers the rows
      } catch (const pqxx::sql_error& e) {
        if (e.sqlstate() != "23505") throw;  // a unique key exists: merge instead
        result = {};
        merge_mode_.insert(plan.mode_key);
      }
    }
    merge(w, plan, rows, result);
  }

  // The direct path: looked-up keys resolved through the crosswalk first (orphans become
  // rejects), ids drawn from the table's sequence, then COPY into the entity table and the
  // crosswalk. A key that exists fails it with unique_violation (23505). False (nothing
  // written) when the table's id has no sequence to draw from.
  bool copy_new_rows(pqxx::dbtransaction& t, const LoadPlan& plan, std::span<const size_t> rows,
                     AttemptResult& result) {
    const std::string& sequence = sequence_of(t, plan);
    if (sequence.empty()) return false;
    const ResolvedSpec& spec = *plan.spec;
    const connector::Batch& batch = *plan.rows;
    // The crosswalk's answers per looked-up column, and each row's id in them (nullptr: none).
    std::vector<std::unordered_map<std::string_view, std::string>> resolved(spec.columns.size());
    RowIds row_ids(spec.columns.size());
    std::vector<pqxx::result> answers;
    std::vector<bool> drop(batch.rows(), false);
    size_t kept = rows.size();
    for (size_t i = 0; i < spec.columns.size(); ++i) {
      const LoadColumn& c = spec.columns[i];
      if (c.lookup_entity.empty() || c.deferred) continue;
      std::string keys;
      std::set<std::string_view> seen;
      for (size_t row : rows) {
        if (batch.is_null(row, i + 1) || !seen.insert(batch.get(row, i + 1)).second) continue;
        append_array_element(batch.get(row, i + 1), keys);
      }
      if (seen.empty()) continue;
      pqxx::result ids = t.exec_params("SELECT source_key, new_id::text FROM " + table(kCrosswalkTable) +
                                           " WHERE entity = $1 AND source_system = $2 AND source_key = ANY($3::text[])",
                                       c.lookup_entity, c.lookup_system, "{" + keys + "}");
      answers.push_back(std::move(ids));
      for (const pqxx::row& r : answers.back()) {
        resolved[i].emplace(std::string_view(r[0].c_str(), r[0].size()), r[1].as<std::string>());
      }
      row_ids[i].assign(batch.rows(), nullptr);
      for (size_t row : rows) {
        if (batch.is_null(row, i + 1)) continue;
        auto it = resolved[i].find(batch.get(row, i + 1));
        if (it != resolved[i].end()) row_ids[i][row] = &it->second;
      }
      if (c.orphans_to_null) continue;
      for (size_t row : rows) {
        if (drop[row] || batch.is_null(row, i + 1) || row_ids[i][row] != nullptr) continue;
        drop[row] = true;
        --kept;
        result.rejects.push_back(orphan_reject(spec, batch, row, i + 1));
      }
    }
    if (kept == 0) return true;

    pqxx::result ids = t.exec_params("SELECT nextval($1::regclass) FROM generate_series(1, $2)", sequence,
                                     static_cast<int64_t>(kept));
    std::string now = t.exec1("SELECT now()")[0].as<std::string>();
    std::string system_text, entity_text;
    connector::pg::append_copy_text(spec.source_system, system_text);
    connector::pg::append_copy_text(spec.entity->name, entity_text);
    std::vector<int64_t> new_ids;
    new_ids.reserve(kept);
    for (const pqxx::row& r : ids) new_ids.push_back(r[0].as<int64_t>());
    if (!pg::copy_entity_binary(t, plan, rows, drop, new_ids, now, row_ids)) {
      pg::copy_entity_text(t, plan, rows, drop, new_ids, now, row_ids, system_text);
    }
    pg::copy_crosswalk(t, table(kCrosswalkTable), plan, rows, drop, new_ids);
    if (spec.has_deferred()) copy_pending(t, spec, batch, rows, drop, entity_text, system_text);
    result.loaded = static_cast<int64_t>(kept);
    return true;
  }

  // The self-references of the rows copied (the direct path's share of csbridge_pending_ref).
  void copy_pending(pqxx::transaction_base& t, const ResolvedSpec& spec, const connector::Batch& batch,
                    std::span<const size_t> rows, const std::vector<bool>& drop, const std::string& entity_text,
                    const std::string& system_text) {
    std::string line;
    std::unique_ptr<pqxx::tablewriter> copy = connector::pg::begin_copy(
        t, table(kPendingTable), {"entity", "source_system", "source_key", "field", "ref_system", "ref_key"});
    for (size_t i = 0; i < spec.columns.size(); ++i) {
      const LoadColumn& c = spec.columns[i];
      if (!c.deferred) continue;
      std::string prefix = entity_text + '\t' + system_text + '\t';
      std::string suffix;
      connector::pg::append_copy_text(c.field->name, suffix);
      suffix += '\t';
      connector::pg::append_copy_text(c.lookup_system, suffix);
      suffix += '\t';
      for (size_t row : rows) {
        if (drop[row]) continue;
        line = prefix;
        connector::pg::append_copy_text(batch.get(row, 0), line);
        line += '\t';
        line += suffix;
        if (batch.is_null(row, i + 1)) line += "\\N";
        else connector::pg::append_copy_text(batch.get(row, i + 1), line);
        copy->write_raw_line(line);
      }
    }
    copy->complete();
  }

  // The sequence behind the entity table's id (identity or serial), looked up once per table;
  // "" for none.
  const std::string& sequence_of(pqxx::transaction_base& t, const LoadPlan& plan) {
    auto it = sequences_.find(plan.target);
    if (it != sequences_.end()) return it->second;
    pqxx::row r = t.exec_params1("SELECT pg_catalog.pg_get_serial_sequence($1, 'id')", plan.target);
    return sequences_.emplace(plan.target, r[0].is_null() ? std::string() : r[0].as<std::string>()).first->second;
  }

  // One element of a PostgreSQL array literal, double-quoted.
  static void append_array_element(std::string_view value, std::string& out) {
    if (!out.empty()) out += ',';
    out += '"';
    for (char c : value) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }

  // The merge path: stage, drop orphans, insert (or merge when a key exists).
  void merge(pqxx::work& w, const LoadPlan& plan, std::span<const size_t> rows, AttemptResult& result) {
    pqxx::subtransaction sub(w, "csbridge_rows");
    sub.exec0("TRUNCATE " + plan.stage);
    const connector::Batch& batch = *plan.rows;
    {
      std::unique_ptr<pqxx::tablewriter> copy = connector::pg::begin_copy(sub, plan.stage, plan.stage_columns);
      std::string line;
      for (size_t row : rows) {
        line = std::to_string(row);
        for (size_t col = 0; col < batch.columns(); ++col) {
          line += '\t';
          if (batch.is_null(row, col)) {
            line += "\\N";
          } else {
            connector::pg::append_copy_text(batch.get(row, col), line);
          }
        }
        line += '\t';
        line += std::to_string((*plan.fingerprints)[row]);
        copy->write_raw_line(line);
      }
      copy->complete();
    }
    int64_t staged = static_cast<int64_t>(rows.size());
    if (!plan.orphan_sql.empty()) {
      pqxx::result orphans = sub.exec(plan.orphan_sql);
      if (!orphans.empty()) {
        std::string list;
        for (const pqxx::row& r : orphans) {
          size_t row = r[0].as<size_t>();
          for (size_t f = 0; f < plan.orphan_columns.size(); ++f) {
            if (!r[static_cast<pqxx::row::size_type>(f + 1)].as<bool>()) continue;
            result.rejects.push_back(orphan_reject(*plan.spec, batch, row, plan.orphan_columns[f]));
            break;
          }
          list += (list.empty() ? "" : ", ") + std::to_string(row);
        }
        sub.exec0("DELETE FROM " + plan.stage + " WHERE rn IN (" + list + ")");
        staged -= static_cast<int64_t>(orphans.size());
      }
    }
    if (!plan.readback_sql.empty()) staged -= settle_edits(sub, plan, result);
    // First loads and resumes bring only new keys: a plain INSERT is a third
    // cheaper than the speculative ON CONFLICT one. When a key exists (a re-run,
    // an update) it fails at once on the unique key, and the merge runs instead.
    std::optional<int64_t> inserted;
    {
      pqxx::subtransaction fresh(sub, "csbridge_new_keys");
      try {
        inserted = fresh.exec1(plan.insert_sql)[0].as<int64_t>();
        fresh.commit();
      } catch (const pqxx::sql_error& e) {
        if (e.sqlstate() != "23505") throw;
        fresh.abort();
      }
    }
    if (inserted) merge_mode_.erase(plan.mode_key);  // all new again: the next batch goes direct
    result.loaded = inserted ? *inserted : sub.exec1(plan.upsert_sql)[0].as<int64_t>();
    if (!plan.pending_sql.empty()) sub.exec0(plan.pending_sql);
    result.unchanged = staged - result.loaded;
    sub.commit();
  }

  // Rows changed in the target since csbridge wrote them (migrate/conflicts.h): each staged row
  // that exists and differs from its target row is read back and judged; those not to be
  // written leave the stage (a target_wins row's fingerprint becomes the incoming row's first).
  // Returns the rows rejected.
  int64_t settle_edits(pqxx::subtransaction& sub, const LoadPlan& plan, AttemptResult& result) {
    pqxx::result read = sub.exec(plan.readback_sql);
    if (read.empty()) return 0;
    const ResolvedSpec& spec = *plan.spec;
    std::string drop, keys, bases;
    int64_t rejected = 0;
    Cells cells;
    for (const pqxx::row& r : read) {
      size_t row = r[0].as<size_t>();
      cells.clear();
      for (pqxx::row::size_type i = 2; i < r.size(); ++i) {
        cells.push_back(r[i].is_null() ? std::nullopt : std::optional<std::string_view>(std::string_view(r[i].c_str(), r[i].size())));
      }
      int64_t incoming = (*plan.fingerprints)[row];
      ConflictAction a =
          action(decide(r[1].as<int64_t>(), current_fingerprint(spec, cells), incoming), spec.conflicts);
      result.conflicts += a.conflict ? 1 : 0;
      result.kept_target_edits += a.kept_edit ? 1 : 0;
      if (a.write) continue;
      drop += (drop.empty() ? "" : ", ") + std::to_string(row);
      if (a.reject) {
        result.rejects.push_back(conflict_reject(spec, *plan.rows, row, cells));
        ++rejected;
      } else if (a.new_base) {
        append_array_element(plan.rows->get(row, 0), keys);
        bases += (bases.empty() ? "" : ",") + std::to_string(incoming);
      }
    }
    if (!keys.empty()) {
      sub.exec_params0("UPDATE " + table(kCrosswalkTable) +
                           " x SET fingerprint = v.fp FROM unnest($3::text[], $4::bigint[]) v(k, fp) WHERE x.entity = "
                           "$1 AND x.source_system = $2 AND x.source_key = v.k",
                       spec.entity->name, spec.source_system, "{" + keys + "}", "{" + bases + "}");
    }
    if (!drop.empty()) sub.exec0("DELETE FROM " + plan.stage + " WHERE rn IN (" + drop + ")");
    return rejected;
  }

  ConnectionString conn_;
  std::string redacted_;
  std::string schema_;
  model::Model model_;
  std::unique_ptr<pqxx::connection> db_;  // null after a lost connection until the next call
  std::set<size_t> stages_;               // column counts whose staging table exists in this session
  std::set<std::string> merge_mode_;      // LoadPlan::mode_key of loads that found existing keys
  bool locked_ = false;        // lock_target() or lock_lane() succeeded: the session must hold the lock
  std::string lane_;           // lock_lane()'s lane ("" = the whole target)
  bool lock_checked_ = false;  // the current session holds it
  static constexpr int kLockClass = 735041;  // first key of the advisory lock
  std::map<std::string, std::string> sequences_;  // entity table → the sequence of its id
};

}  // namespace

Result<std::unique_ptr<TargetStore>> open_postgres_target(const ConnectionString& conn, const std::string& schema,
                                                          const model::Model& model) {
  CSB_ASSIGN_OR_RETURN(std::unique_ptr<pqxx::connection> db, connector::pg::connect(conn));
  return std::unique_ptr<TargetStore>(std::make_unique<PostgresTarget>(conn, schema, model, std::move(db)));
}

}  // namespace csbridge::migrate
