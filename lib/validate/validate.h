// `validate`: proves a migration consistent. Optionally migrates into a
// sandbox first (sandbox.h), then runs the selected checks (checks.h) against
// the target and returns the report; lib/report/validate_report.h renders it.
//
// The source is read once per entity for counts, rows and helpdesk, while the
// target rows are read on a second connection at the same time. Memory is
// bounded by batches and one key-hash partition (spill.h), not by table size.
//
// Errors (a Status, no report): kConfig/kInvalidArgument for a config or
// option problem, kUnreachable when a source or the target cannot be
// reached, kNotFound for a mapped column the source lacks, kIo for temporary
// files. Failed checks are not errors: they are in the report.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "config/config.h"
#include "mapping/check.h"
#include "mapping/mapping.h"
#include "migrate/migrate.h"
#include "model/cs_model.h"
#include "util/progress.h"
#include "validate/checks.h"

namespace csbridge::validate {

using Migrator = std::function<Result<migrate::MigrateSummary>(const config::Config&, const mapping::MappingSet&,
                                                               const model::Model&, const migrate::MigrateOptions&)>;

struct ValidateOptions {
  bool sandbox = false;            // migrate into a throw-away target first
  bool keep = false;               // keep the sandbox afterwards
  double sample_percent = 100;     // --sample: the slice of legacy keys migrated and compared
  std::vector<std::string> checks;  // names from kCheckNames; empty = all (with delta: kDeltaChecks)
  // --delta: the rows check compares, per block, the rows the last completed run read (its
  // window between two marks) plus about `delta_sample` rows drawn at random from the rest,
  // each with its target row; counts and helpdesk need a full validate.
  bool delta = false;
  int64_t delta_sample = 1000;
  // --shard K/N (or N, K from the environment as migrate --shard takes it): only shard K's key
  // ranges of every block of the target's plan (migrate/shard_plan.h) are read from the source,
  // only the target rows of those keys, and counts reconcile with shard K's own audit records.
  // The last shard (K = N) also reads the target rows whose key the whole source no longer holds
  // (in no shard's range): every target row is so read by exactly one shard's validate.
  // Default checks: kShardChecks. The plan must exist and have N shards (kInvalidArgument).
  std::string shard;
  // A full validate reads each block with a watermark as of its last completed run's mark (rows
  // changed in the source since are left out on both sides); migrate --plan reads whole.
  bool as_of_marks = true;
  // migrate --plan: the rows check tells target-side edits apart among the rows that differ
  // (RowsCheck::tell_edits()).
  bool tell_edits = false;
  size_t failure_cap = 10000;      // failures listed per check and entity (all are counted)
  std::string target;              // override of config.target.connection ("" = the config's)
  std::string schema;              // override of config.target.schema
  std::string command_line;        // for the sandbox run's audit record, secrets removed
  mapping::SourceOpener open_source = mapping::default_source_opener();
  config::EnvLookup env = config::process_environment();
  Migrator migrate;                // nullptr = migrate::run_migration
  util::Progress* progress = nullptr;  // told each step (nullptr: nobody)
};

// The checks `validate --delta` runs when none are named: the one that reads only what changed
// (references, model, pii and crosswalk read the whole target; they can be named with it).
inline constexpr std::string_view kDeltaChecks[] = {"rows"};
// The checks `validate --shard` runs when none are named: those that read only the shard's rows.
inline constexpr std::string_view kShardChecks[] = {"counts", "rows"};

Result<ValidationReport> run_validation(const config::Config& config, const mapping::MappingSet& mappings,
                                        const model::Model& model, const ValidateOptions& options);

}  // namespace csbridge::validate
