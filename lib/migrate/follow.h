// `migrate --follow`: delta runs in a loop, one run (and audit record) per cycle, until
// MigrateOptions::interrupt is set. A signal mid-cycle ends that cycle "interrupted" (its
// batches committed; the next start resumes it); between cycles it ends the wait at once.
#pragma once

#include <cstdint>
#include <functional>

#include "migrate/migrate.h"

namespace csbridge::migrate {

struct FollowOptions {
  double interval_seconds = 30;  // from the start of one cycle to the start of the next
  // Called after every cycle (a line per cycle).
  std::function<void(const MigrateSummary&, int64_t cycle)> on_cycle;
};

// Runs run_migration(options with delta = true) every interval. Returns the number of cycles
// run when interrupted; the first failing cycle's error otherwise (a source or the target
// unreachable past the retries, a config error).
Result<int64_t> follow(const config::Config& config, const mapping::MappingSet& mappings, const model::Model& model,
                       const MigrateOptions& options, const FollowOptions& follow, util::Progress* progress = nullptr);

}  // namespace csbridge::migrate
