// Check "counts": per entity, the rows the source holds (read from the source
// itself, never from the target) reconcile with the target:
//   source rows = loaded (rows in the target) + rejected + filtered
// with rejected and filtered taken from the migration run (the sandbox run,
// or the latest completed run in the target's audit table; when that is a
// shard of a plan (migrate --shard), every shard's latest completed run of
// the plan together with its finish). Also failed when the source no longer
// holds what the run read, or the target no longer holds what the run loaded.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "migrate/migrate.h"
#include "migrate/shard_store.h"
#include "migrate/shards.h"
#include "validate/checks.h"
#include "validate/source_stream.h"
#include "validate/target.h"

namespace csbridge::validate {

struct RunCounts {
  std::string run_id;
  int64_t read = 0;  // read + skipped (rows an interrupted run had committed)
  int64_t loaded = 0, rejected = 0, filtered = 0;
  bool delta = false;  // a `migrate --delta` run: it read only the rows past the mark
  std::string what{};  // how the check names the runs counted ("" = "run <run_id>")
};

// Per entity, the counts of the latest run whose status is ok (or too_many_rejects) that covered it.
// A delta run's counts are of its window only: check_counts then reconciles the whole source with
// the target and the rows the mapping refuses, as without a run.
Result<std::map<std::string, RunCounts>> latest_run_counts(migrate::TargetStore& store);
std::map<std::string, RunCounts> run_counts(const migrate::MigrateSummary& summary);

// Per entity, the counts of a shard plan's runs: of shard `k` (1-based) alone, or (k = 0) of
// every shard together with the finish. A shard's counts are its lane's latest completed run
// (with the interrupted runs it resumed; rows held for the finish counted as loaded); the
// finish (every run of it for this plan, failed and interrupted ones too: each records the held
// batches it committed — a killed one's record written by the next finish) turns held rows it
// rejects from loaded into rejected — for shard k, those the shard held.
Result<std::map<std::string, RunCounts>> plan_run_counts(migrate::TargetStore& store, const migrate::PlanState& plan,
                                                         int k);

// Rows of `entity` in the target whose source_system is one of `systems`.
Result<int64_t> count_target_rows(Target& target, const std::string& entity, const std::set<std::string>& systems);

// `as_of`, when not "": the source was read as of the last run's marks and had changed since
// (validate.cc): the source's rows up to the marks reconcile with the target's rows less those
// of keys changed since (the caller's target_rows), and the run's rejects; the run's own read and
// loaded are not compared. The text becomes the note.
CheckResult check_counts(const std::string& entity, const SourceCounts& source, int64_t target_rows,
                         const std::optional<RunCounts>& run, const std::string& as_of = "");

}  // namespace csbridge::validate
