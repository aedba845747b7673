// Renders what sharded migrations report (migrate/shards.h): the plan of `plan-shards`, a
// shard's run with the rows it held for the finish, the finish, and the plan's state for
// `runs`. Pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "migrate/shards.h"

namespace csbridge::report {

std::string shard_plan_text(const migrate::ShardPlan& plan);
nlohmann::json shard_plan_json(const migrate::ShardPlan& plan);  // the manifest, with its id

std::string shard_run_text(const migrate::ShardRunResult& result, int k, int n);
nlohmann::json shard_run_json(const migrate::ShardRunResult& result, int k, int n);

std::string finish_text(const migrate::FinishSummary& finish);
nlohmann::json finish_json(const migrate::FinishSummary& finish);

std::string plan_state_text(const migrate::PlanState& state);
// `runs --format json`'s "shard_plan": the plan's id, shards, mappings, when it was made, whether
// it finished, the batches of held rows waiting, and per shard its state and latest run.
nlohmann::json plan_state_json(const migrate::PlanState& state);

}  // namespace csbridge::report
