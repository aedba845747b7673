// `migrate`: runs the mapping blocks from the legacy sources into the CS model
// in the target, in dependency order (parents first). Per block: stream the
// source ordered by its legacy key in batches, map every row (row_mapper:
// steps, conversion, masking), and load each batch together with its
// checkpoint in one transaction (target_store). Rows that cannot be mapped
// or loaded go to the reject file; every row read ends in exactly one place:
// read = loaded + rejected + filtered.
//
// Batches are mapped on the calling thread and loaded by options.load_connections
// loaders (PostgreSQL; one for SQLite), each on its own connection.
//
// Resumable: every batch commits, in its own transaction, a record of the rows
// it covers (first and last position in the block's ordered read) and of what
// became of them; each loader also commits its position. The next run (or
// --resume) skips every row an earlier run of the chain committed, so a reject
// line is written once per chain of runs, a block the interrupted run finished
// is not read again, and the counts of the whole chain are known (`resumed_*`).
// A run that completes clears them, so running again starts over and changes
// nothing (identical rows are not written).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "connector/connector.h"
#include "mapping/mapping.h"
#include "model/cs_model.h"
#include "util/progress.h"
#include "util/status.h"

namespace csbridge::migrate {

class TargetStore;
// Opens a target store (TargetStore::open by default); tests wrap it to inject faults.
using TargetOpener = std::function<Result<std::unique_ptr<TargetStore>>(
    const std::string& connection, const std::string& schema, const model::Model& model)>;

struct MigrateOptions {
  std::vector<std::string> entities;  // only these CS entities (empty = all mapped)
  bool dry_run = false;               // map everything, write nothing (no target needed)
  bool resume_only = false;           // refuse to start when no interrupted run left checkpoints
  double sample_percent = 100;        // keep this share of rows, chosen by a hash of the legacy key
  std::string where;                  // extra SQL predicate for every block's source
  int64_t limit = -1;                 // at most this many rows per block
  std::string since;                  // only rows whose block `watermark` column is later than this
  // --delta: blocks with a `watermark:` read only the rows past their mark (migrate/delta.h), up to
  // the source's clock minus config.delta.settle; the others are read whole and compared.
  bool delta = false;
  // --hard-deletes: rows the source deleted (a block's `deletes:`) are removed with their
  // crosswalk entries instead of tombstoned (deleted_at), where no row refers to them.
  bool hard_deletes = false;
  // --conflicts: overrides config.delta.conflicts for this run ("" = the config's): what happens to
  // a row changed in the target after csbridge wrote it and in the source since (migrate/conflicts.h).
  std::string conflicts;
  // Source keys sorted in memory at once by `deletes: keys` (0 = the default); tests make it small.
  size_t delete_sort_run_keys = 0;
  // Rows still in conflict a delta reads by key; more and it reads the block whole (0 = the
  // default, migrate/delta.h kMaxConflictRereads); tests make it small.
  size_t max_conflict_rereads = 0;
  // Set (to the signal's number) by SIGINT/SIGTERM: the run stops reading, the batches already
  // read load and commit, and the run ends "interrupted" (resumable); nullptr = never.
  const std::atomic<int>* interrupt = nullptr;
  std::string reject_file;            // JSONL of rejected rows ("" = none written)
  int64_t max_rejects = -1;           // more rejects than this → status "too_many_rejects" (-1 = no limit)
  double max_rejects_percent = -1;    // or more than this share of rows read
  std::string target;                 // --target: a source name or connection string ("" = the config's target)
  std::string schema;                 // override of config.target.schema
  std::string command_line;           // for the audit record, secrets already removed
  size_t source_chunk_rows = 0;       // ReadRequest::chunk_rows of every block's source read (0 = the connector's)
  config::EnvLookup env = config::process_environment();
  TargetOpener open_target;           // empty: TargetStore::open
  // A shard's key range of a block (migrate/shards.h): a predicate in the source's SQL ANDed into
  // what the block reads ("" = all). A run with one reads a subset: no deletes, no delta marks.
  std::function<Result<std::string>(const mapping::Block&, const connector::Connector&)> key_range;
  // Opens a named source (empty: config::open_source, with its declared encodings); tests wrap it.
  std::function<Result<std::unique_ptr<connector::Connector>>(const config::SourceConfig&)> open_source;
};

// Per entity: read = loaded + unchanged + rejected + filtered (rows of this run), and
// skipped = resumed_loaded + resumed_rejected + resumed_filtered (rows earlier, interrupted
// runs of the chain committed) when those runs recorded their batches.
struct EntityCounts {
  std::string name;
  int64_t read = 0;       // rows read from the source and processed by this run
  int64_t loaded = 0;     // written: inserted or updated (a dry run: rows that would load)
  int64_t unchanged = 0;  // already in the target with identical values: not written
  int64_t rejected = 0;
  int64_t filtered = 0;   // left out by --sample
  int64_t skipped = 0;    // committed by an earlier, interrupted run of the chain: not processed again
  int64_t resumed_loaded = 0;    // of skipped: in the target (written or unchanged then)
  int64_t resumed_rejected = 0;  // of skipped: rejected then (their reject lines were written then)
  int64_t resumed_filtered = 0;  // of skipped: filtered then
  int64_t nulled_references = 0;  // lookups with `orphans: null` whose legacy key had no row
  std::map<std::string, int64_t> nulled_by_field;  // the same, per field
  // Rows changed in the target after csbridge wrote them (migrate/conflicts.h): conflicts (changed
  // in the source too; rejected, written or kept as delta.conflicts says) and target edits kept
  // because the source had not changed (counted in unchanged).
  int64_t conflicts = 0;
  int64_t kept_target_edits = 0;
  double seconds = 0;
  // Blocks with a watermark: what this run read ("delta past the mark", "full", "delta from the
  // start (no mark yet)") and the (watermark, key) upper bound that becomes the mark, as JSON.
  std::string delta;
  std::string mark;
  // How the run read the block's source as of one moment (connector/snapshot.h), or that it could not.
  std::string snapshot;
  // Blocks with `deletes:`: how deletes are seen, the target rows the source says are deleted, and
  // of them those this run tombstoned (deleted_at set) or, with --hard-deletes, removed.
  std::string deletes;
  int64_t deletes_found = 0;
  int64_t deleted = 0;
  int64_t removed = 0;

  // Rows of the whole chain of runs that are in the target: what validate reconciles against.
  int64_t chain_in_target() const { return loaded + unchanged + resumed_loaded; }
  int64_t chain_rejected() const { return rejected + resumed_rejected; }
  int64_t chain_filtered() const { return filtered + resumed_filtered; }
};

struct MigrateSummary {
  std::string run_id;
  std::vector<EntityCounts> entities;  // in load order
  std::string status;                  // ok | too_many_rejects | too_many_deletes | dry_run | interrupted
  std::string deletes_error;           // too_many_deletes: the guard's message (block, count, ratio)
  std::string conflicts;               // the run's delta.conflicts: reject | source_wins | target_wins
  std::string reject_file;
};

// A new run's id: the UTC time to the second and 16 random bits ("20261207T104512Z-3fa2").
std::string make_run_id();
// The operating-system user running csbridge, for the audit record ("" when unknown).
std::string os_user();

// Whether --sample PCT keeps the row of `source_key`: a hash of the key, so
// the same rows are chosen on every run (and by validate --sample).
bool in_sample(std::string_view source_key, double percent);

// Errors: kConfig for mapping files with errors (run map check), kInvalidArgument for
// resume_only with nothing to resume (or with dry_run), kUnreachable
// when a source or the target cannot be reached (after retries for dropped
// connections), kIo for the reject file. Rows never make the run fail.
Result<MigrateSummary> run_migration(const config::Config& config, const mapping::MappingSet& mappings,
                                     const model::Model& model, const MigrateOptions& options,
                                     util::Progress* progress = nullptr);

}  // namespace csbridge::migrate
