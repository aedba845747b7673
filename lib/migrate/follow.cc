#include "migrate/follow.h"

#include <chrono>
#include <thread>

namespace csbridge::migrate {

Result<int64_t> follow(const config::Config& config, const mapping::MappingSet& mappings, const model::Model& model,
                       const MigrateOptions& options, const FollowOptions& follow, util::Progress* progress) {
  if (!(follow.interval_seconds > 0)) return invalid_argument("--interval must be above 0");
  if (options.dry_run) return invalid_argument("--follow and --dry-run do not go together");
  MigrateOptions cycle_options = options;
  cycle_options.delta = true;
  auto stopped = [&] { return options.interrupt && options.interrupt->load() != 0; };
  using Clock = std::chrono::steady_clock;
  constexpr auto kPoll = std::chrono::milliseconds(100);  // how soon a signal ends the wait
  int64_t cycles = 0;
  while (!stopped()) {
    auto started = Clock::now();
    CSB_ASSIGN_OR_RETURN(MigrateSummary summary, run_migration(config, mappings, model, cycle_options, progress));
    ++cycles;
    if (follow.on_cycle) follow.on_cycle(summary, cycles);
    auto next = started + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(follow.interval_seconds));
    while (!stopped() && Clock::now() < next) std::this_thread::sleep_for(kPoll);
  }
  return cycles;
}

}  // namespace csbridge::migrate
