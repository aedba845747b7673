// The target side of a migration: the CS tables in PostgreSQL or SQLite plus
// the bookkeeping that makes loads idempotent and resumable (docs/reliability.md
// "Nothing lost, nothing doubled"):
//   csbridge_crosswalk  (entity, source_system, source_key) → new_id, one entry per loaded row
//   csbridge_checkpoint (scope → position), written in the transaction of the batch it describes
//   csbridge_runs       the audit record of every run
//   csbridge_pending_ref  legacy keys of self-references (ticket.merged_into_id) loaded with their
//                       rows, waiting for resolve_deferred()
//
// Errors: a Status whose code says what to do about it.
//   kUnreachable  the target cannot be reached or the connection broke (server restart,
//                 network, "database is locked" past the busy timeout, serialization failure);
//                 the message says so. The batch's transaction was rolled back — or, when the
//                 connection broke during COMMIT, may have committed. Either way retrying the
//                 same load() is safe: loads are idempotent and checkpoint() tells where the
//                 target is. The store reconnects on the next call.
//   kInvalidArgument / kNotFound  a LoadSpec that does not fit the model or the batch, a
//                 statement the target refused as a whole: permanent, do not retry.
//   kData         (PostgreSQL) a batch the server refused in a way no single row explains.
// Rows the target cannot take are never errors: they come back as RowRejects.
//
// Threads: one store belongs to one thread at a time; several stores (the loaders of one
// migration, or several csbridge processes) may load into one target at once as long as
// they load disjoint keys.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connector/connector.h"
#include "model/cs_model.h"
#include "util/status.h"

namespace csbridge::migrate {

// The bookkeeping tables, beside the CS tables (in the same PostgreSQL schema).
inline constexpr std::string_view kCrosswalkTable = "csbridge_crosswalk";
inline constexpr std::string_view kCheckpointTable = "csbridge_checkpoint";
inline constexpr std::string_view kRunsTable = "csbridge_runs";
inline constexpr std::string_view kPendingTable = "csbridge_pending_ref";

// What a load does with a row that was changed in the target after csbridge wrote it and has
// changed in the source since (migrate/conflicts.h): `delta.conflicts`.
enum class ConflictPolicy { kReject, kSourceWins, kTargetWins };
// "reject", "source_wins" or "target_wins" (config and CLI check the name; anything else: reject).
ConflictPolicy parse_conflict_policy(std::string_view name);

// What one mapping block loads into one CS entity.
struct LoadSpec {
  std::string entity;         // CS entity
  std::string source_system;  // provenance: the source's name (at most 64 characters)
  // CS fields in batch order after the source_key column. Never id, source_system, source_key or
  // migrated_at (the store writes those); `custom` is allowed. Every required field of the entity
  // must be among them.
  std::vector<std::string> columns;
  // Empty, or parallel to columns: "" or the entity whose LEGACY KEY the column carries (the field
  // must reference that entity). The store resolves the key to that entity's new id through the
  // crosswalk, in SQL.
  std::vector<std::string> lookups;
  // Empty, or parallel to columns: the source_system of the looked-up entity ("" = source_system).
  std::vector<std::string> lookup_systems;
  // Empty, or parallel to columns: true where a legacy key with no crosswalk entry becomes NULL
  // (the mapping's `orphans: null`) instead of rejecting the row. Not for required fields.
  std::vector<bool> orphans_to_null = {};
  ConflictPolicy conflicts = ConflictPolicy::kReject;
};

// A row the target did not take. `row` is the 0-based row of the batch. Codes:
//   nul_byte          text holds 0x00 (PostgreSQL cannot store it; refused on SQLite too, for parity)
//   too_long          a string field over its max_length, counted in characters
//   bad_value         not valid UTF-8, not in the enum's domain, not an integer in range, not a
//                     decimal that fits, not true/false, not a date/timestamp, not JSON
//   required_missing  NULL in a required field (or in source_key)
//   duplicate_key     the source_key repeats an earlier row of the same batch (the first one loads)
//   orphan_reference  a legacy key with no crosswalk entry for the referenced entity
//   load_error        the database refused the row (a constraint, a trigger, a cast)
//   conflict          changed in the target after csbridge wrote it, and in the source since
//                     (LoadSpec::conflicts reject); `target_values` holds the target's version
// `message` names the entity, the source_key and the column; it carries the offending value only
// when the field's PII class is none.
struct RowReject {
  size_t row = 0;
  std::string code;
  std::string message;
  std::vector<std::pair<std::string, std::optional<std::string>>> target_values = {};  // field → value, unmasked
};

// Every row of a batch is in exactly one place: loaded + unchanged + rejects.size() == rows.
struct LoadOutcome {
  int64_t loaded = 0;     // inserted, or updated in place (keeping its id)
  int64_t unchanged = 0;  // already there with identical values: not written at all
  std::vector<RowReject> rejects;  // ordered by row
  // Lookups with orphans_to_null whose legacy key had no crosswalk entry: set to NULL, the
  // legacy key kept in the row's `custom` as "<field>_orphan" (when the entity has custom).
  int64_t nulled_references = 0;
  std::map<std::string, int64_t> nulled_by_field;
  // Rows changed in the target after csbridge wrote them (migrate/conflicts.h), among the above:
  // conflicts (the source changed too; rejected, written or kept as LoadSpec::conflicts says) and
  // edits kept because the source had not changed (counted in unchanged).
  int64_t conflicts = 0;
  int64_t kept_target_edits = 0;
};

// One run in the audit table. Times are UTC "YYYY-MM-DD HH:MM:SS", set by the store.
struct RunRecord {
  std::string run_id;
  std::string started_at;   // set by begin_run (ignored on input)
  std::string ended_at;     // "" while the run has not ended
  std::string os_user;
  std::string command;      // the command line with secrets already removed by the caller
  std::string config_hash;
  std::string status;       // "running" from begin_run until end_run sets the outcome
  std::string counts_json;  // "" until end_run; a JSON document
};

// What delete_rows() did (or, counting, would do): rows matched, and of them removed (hard).
struct DeleteOutcome {
  int64_t matched = 0;
  int64_t removed = 0;
};

using BeforeCommit = std::function<Status(const LoadOutcome&)>;
// Further checkpoints (scope, position) written in the batch's transaction once its outcome
// is known: migrate records there which rows the batch covered and what became of them (and a
// shard the rows it holds for the finish, migrate/shard_store.h).
using BatchRecord = std::function<std::vector<std::pair<std::string, std::string>>(const LoadOutcome&)>;

class TargetStore {
 public:
  virtual ~TargetStore() = default;

  // Opens the target named by a connection string: postgresql://…, postgres://…, service=…,
  // host=… (PostgreSQL; `schema` is the schema for every table, "" = the search_path default)
  // or sqlite:PATH / *.db (SQLite; created when missing unless ?mode=rw; `schema` must be "").
  // kUnreachable when the target cannot be reached, kInvalidArgument for other schemes. The
  // model is copied.
  static Result<std::unique_ptr<TargetStore>> open(const std::string& connection, const std::string& schema,
                                                   const model::Model& model);

  // Creates the CS tables and the bookkeeping tables that do not exist yet (never alters or
  // drops). Safe to call from several processes at once.
  virtual Status prepare() = 0;

  // The position last committed for `scope`, or nullopt when none is.
  virtual Result<std::optional<std::string>> checkpoint(std::string_view scope) = 0;

  // Loads `rows` (column 0 = source_key, then spec.columns, canonical text as in
  // connector/connector.h) as an idempotent upsert by (source_system, source_key), records one
  // crosswalk entry per row, and sets checkpoint(scope) = position (with run_id), all in ONE
  // transaction: after a crash either all of it is there or none. An empty scope sets no
  // checkpoint. Identical rows are not written (migrated_at keeps its value); changed rows are
  // updated in place. Memory is bounded by the batch.
  //
  // `before_commit`, when set, is called with the outcome (rejects ordered by row) after the
  // rows and the checkpoint are written and before COMMIT: the caller records the rejects
  // durably there, so that a crash never commits a batch whose rejects are lost. An error it
  // returns rolls the batch back and is returned. After a lost connection it may have run
  // for a batch that did not commit, and runs again on the retry. `record`, when set, gives more
  // checkpoints to set in the same transaction, from the outcome. A batch of no rows
  // writes only its checkpoints.
  virtual Result<LoadOutcome> load(const LoadSpec& spec, const connector::Batch& rows, std::string_view scope,
                                   std::string_view position, std::string_view run_id,
                                   const BeforeCommit& before_commit = {}, const BatchRecord& record = {}) = 0;

  // Sets the fields that look up their own entity (LoadSpec lookups naming spec.entity, which
  // need orphans_to_null): load() leaves them as they are and records their legacy keys; this
  // resolves every recorded key through the crosswalk (NULL for a key that never loaded), writes
  // the rows whose value changes (migrated_at too) and forgets the keys, in one transaction.
  // Returns the rows written.
  virtual Result<int64_t> resolve_deferred() = 0;

  // Every checkpoint whose scope starts with `scope_prefix`, as (scope, position), by scope.
  virtual Result<std::vector<std::pair<std::string, std::string>>> checkpoints(std::string_view scope_prefix) = 0;

  // In one transaction: removes the checkpoints whose scope starts with `scope_prefix` and sets
  // each of `scopes` to `position` (a scope outside the prefix, such as a delta's mark, is
  // replaced). Parallel loaders of one block
  // start this way, each with a scope of its own.
  virtual Status reset_checkpoints(std::string_view scope_prefix, const std::vector<std::string>& scopes,
                                   std::string_view position, std::string_view run_id) = 0;

  // Removes the checkpoints whose scope starts with `scope_prefix` (a completed run).
  virtual Status clear_checkpoints(std::string_view scope_prefix) = 0;

  // Takes the target's migration lock, held as long as the store lives: one migration at a
  // time per target (PostgreSQL: per schema, a session advisory lock, taken again after a
  // reconnect; SQLite: flock on "<file>-csbridge.lock"). Needs no table: call it before
  // prepare(). Waits up to kLockWaitSeconds for a killed run's lock to go, then fails with
  // kConflict naming the reason. While it is held no other run can be running: begin_run
  // marks the runs still recorded as "running" "interrupted".
  virtual Status lock_target() = 0;
  static constexpr int kLockWaitSeconds = 3;
  // The lock of one lane of the target (a shard of a plan, "shard-2-of-4"; the finish of a plan,
  // "finish"), held as long as the store lives: shared with the other lanes, exclusive within
  // its own, excluded by lock_target (an unsharded migration) and excluding it. Waits and fails
  // as lock_target. While it is held, begin_run marks "interrupted" only the runs recorded
  // "running" by this lane (run ids ending ".<lane>") or by unsharded runs (no '.').
  virtual Status lock_lane(std::string_view lane) = 0;

  // Audit. begin_run inserts the record as "running" (kInvalidArgument when the run_id exists);
  // end_run sets ended_at, the outcome and the counts (kNotFound for an unknown run_id);
  // list_runs gives the latest `limit` runs, newest first.
  virtual Status begin_run(const RunRecord& run) = 0;
  virtual Status end_run(std::string_view run_id, std::string_view status, std::string_view counts_json) = 0;
  // Sets the counts of a run that ended without them (killed: begin_run marked it interrupted),
  // leaving its status and times: the finish of a shard plan records there what a finish killed
  // before it committed (migrate/shards.h). kNotFound for an unknown run_id.
  virtual Status set_run_counts(std::string_view run_id, std::string_view counts_json) = 0;
  virtual Result<std::vector<RunRecord>> list_runs(int limit) = 0;

  // The new id of a legacy key, for validate; nullopt when the crosswalk has no entry.
  virtual Result<std::optional<int64_t>> lookup(std::string_view entity, std::string_view source_system,
                                                std::string_view source_key) = 0;

  // The keys among `keys` the crosswalk holds for (entity, source_system), in one read: how a
  // shared key space finds which entity a legacy key belongs to (migrate/shared_keys.h).
  virtual Result<std::set<std::string>> known_keys(std::string_view entity, std::string_view source_system,
                                                   const std::vector<std::string>& keys) = 0;

  // First loads build an entity's secondary indexes and add its foreign keys after its rows
  // instead of with every batch (as pg_restore does). defer_indexes drops the non-unique indexes
  // and the foreign keys of the entity's table when the table is empty, noting their definitions
  // in a checkpoint ("indexes:<entity>") in the same transaction; true when it dropped any.
  // restore_indexes builds every noted index again, adds every noted foreign key (checking the
  // rows), takes the table's statistics (ANALYZE) and forgets its note, one transaction per
  // entity, so that a run killed before or during the build leaves the note and the next block
  // end or run end builds them. The unique keys the loads rely on stay; references need no
  // foreign key while loading, since every one is resolved through the crosswalk. SQLite:
  // nothing deferred.
  virtual Result<bool> defer_indexes(const std::string& entity) {
    (void)entity;
    return false;
  }
  virtual Status restore_indexes() { return Status::ok(); }
  // Takes the statistics (ANALYZE) of the entities' tables and of the crosswalk: the finish of a
  // sharded first load does, since its shards defer no index (statistics an autovacuum took while
  // the tables filled left validate's helpdesk query 300x slower). SQLite: nothing.
  virtual Status analyze(const std::vector<std::string>& entities) {
    (void)entities;
    return Status::ok();
  }

  // Deletes (migrate/deletes.h). The keys of (entity, source_system) in the crosswalk whose row is
  // live (deleted_at NULL; `tombstoned` too: every row), sorting after `after` (nullopt: from the
  // first) in byte order, at most `limit`, in byte order: a key set read page by page, never whole.
  virtual Result<std::vector<std::string>> keys_after(std::string_view entity, std::string_view source_system,
                                                      const std::optional<std::string>& after, size_t limit,
                                                      bool tombstoned) = 0;

  // The live rows (deleted_at NULL) of an entity, whatever their source system.
  virtual Result<int64_t> live_rows(std::string_view entity) = 0;

  // The rows of (entity, source_system) among `keys` that a delete touches: live rows, or with
  // `hard` every row. `apply` false counts them and writes nothing; true sets their deleted_at
  // (the time of the target's clock) and, with `hard`, removes those no row of any entity refers
  // to, with their crosswalk entries (the rest keep their tombstone), in one transaction.
  virtual Result<DeleteOutcome> delete_rows(std::string_view entity, std::string_view source_system,
                                            const std::vector<std::string>& keys, bool hard, bool apply) = 0;

  // "postgres" or "sqlite".
  virtual std::string backend() const = 0;
};

}  // namespace csbridge::migrate
