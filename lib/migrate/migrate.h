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
// Resumable: a killed run leaves checkpoints (rows consumed) per block and
// loader in the target; the next run (or --resume) starts each block after the
// smallest of its loaders' positions, where every earlier batch is committed. A
// run that completes clears them, so running again starts over and changes
// nothing (identical rows are not written).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "mapping/mapping.h"
#include "model/cs_model.h"
#include "util/status.h"

namespace csbridge::migrate {

struct MigrateOptions {
  std::vector<std::string> entities;  // only these CS entities (empty = all mapped)
  bool dry_run = false;               // map everything, write nothing (no target needed)
  double sample_percent = 100;        // keep this share of rows, chosen by a hash of the legacy key
  std::string where;                  // extra SQL predicate for every block's source
  int64_t limit = -1;                 // at most this many rows per block
  std::string since;                  // only rows whose block `watermark` column is later than this
  std::string reject_file;            // JSONL of rejected rows ("" = none written)
  int64_t max_rejects = -1;           // more rejects than this → status "too_many_rejects" (-1 = no limit)
  double max_rejects_percent = -1;    // or more than this share of rows read
  std::string target;                 // override of config.target.connection ("" = the config's)
  std::string schema;                 // override of config.target.schema
  std::string command_line;           // for the audit record, secrets already removed
  config::EnvLookup env = config::process_environment();
};

struct EntityCounts {
  std::string name;
  int64_t read = 0;       // rows read from the source
  int64_t loaded = 0;     // in the target after the run (written or already identical)
  int64_t unchanged = 0;  // of loaded: already there with identical values
  int64_t rejected = 0;
  int64_t filtered = 0;   // left out by --sample
  int64_t skipped = 0;    // committed by an earlier, interrupted run (resume), not read again
  double seconds = 0;
};

struct MigrateSummary {
  std::string run_id;
  std::vector<EntityCounts> entities;  // in load order
  std::string status;                  // ok | too_many_rejects | dry_run
  std::string reject_file;
};

// Progress for a terminal: one block at a time.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void block_started(const std::string& block, int64_t estimated_rows) = 0;
  virtual void rows_done(int64_t rows) = 0;
  virtual void block_finished() = 0;
};

// Whether --sample PCT keeps the row of `source_key`: a hash of the key, so
// the same rows are chosen on every run (and by validate --sample).
bool in_sample(std::string_view source_key, double percent);

// Errors: kConfig for mapping files with errors (run map check), kUnreachable
// when a source or the target cannot be reached (after retries for dropped
// connections), kIo for the reject file. Rows never make the run fail.
Result<MigrateSummary> run_migration(const config::Config& config, const mapping::MappingSet& mappings,
                                     const model::Model& model, const MigrateOptions& options,
                                     ProgressSink* progress = nullptr);

}  // namespace csbridge::migrate
