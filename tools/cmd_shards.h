// csbridge plan-shards (setup_plan_shards, cli.h), and the sharded forms of migrate (--shard, --finish, --plan-shards).
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "cli.h"
#include "mapping_project.h"
#include "migrate/migrate.h"

namespace csbridge::cli {

// migrate --plan-shards N / plan-shards --shards N: plans, writes the plan into the target, prints it.
int run_plan_shards(Context& ctx, const Project& project, int shards, const std::vector<std::string>& entities,
                    const std::string& target, bool json);
// migrate --shard K/N (or N, K from the environment).
int run_migrate_shard(Context& ctx, const Project& project, const migrate::MigrateOptions& options,
                      const std::string& shard, bool json, const std::atomic<int>& stop_signal);
// migrate --finish.
int run_finish(Context& ctx, const Project& project, const migrate::MigrateOptions& options, bool json);

}  // namespace csbridge::cli
