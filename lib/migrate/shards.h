// Sharded migrations: `plan-shards --shards N` writes a plan of key ranges into the target
// (migrate/shard_plan.h); `migrate --shard K/N` runs shard K's range of every block through the
// unchanged pipeline of migrate.h, with its own lock lane, checkpoints and audit records
// (migrate/shard_store.h); the finish loads what the shards held back (rows whose lookup
// another shard was to load), resolves self-references, and records the plan finished. The
// finish runs when the last shard completes (the shard that sees every shard's done mark), or
// as `migrate --finish`. N copies of one command, coordinated only through the target.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "mapping/mapping.h"
#include "migrate/migrate.h"
#include "migrate/shard_plan.h"
#include "model/cs_model.h"
#include "util/progress.h"
#include "util/status.h"

namespace csbridge::migrate {

// plan-shards: plans and writes the plan into the target (and returns it). Takes the target's
// migration lock (no migration may run meanwhile). A plan whose shards have not all finished is
// kept: kInvalidArgument naming them (finish or rerun them first); the same plan again is no
// change. `target` as MigrateOptions::target.
Result<ShardPlan> write_shard_plan(const config::Config& config, const mapping::MappingSet& mappings,
                                   const model::Model& model, const PlanShardsOptions& options,
                                   const std::string& target);

// What the finish did, per entity: rows held by the shards, and of them loaded (written or
// unchanged) and rejected (orphan_reference and the load's other reasons, to the reject file).
struct FinishCounts {
  std::string entity;
  int64_t held = 0, loaded = 0, unchanged = 0, rejected = 0, nulled_references = 0;
  std::map<std::string, int64_t> rejected_by_shard;  // of `rejected`, by the lane that held them (shard-K-of-N)
};
struct FinishSummary {
  std::string run_id;
  std::string plan_id;
  std::vector<FinishCounts> entities;  // in load order, entities with held rows
  int64_t self_references = 0;         // rows whose self-reference was set
  // Finishes killed before this one whose audit records it completed with the held batches they
  // had committed (run id, batches); see finish_shards.
  std::vector<std::pair<std::string, int64_t>> killed_finishes;
};

struct FinishOptions {
  std::string target;        // as MigrateOptions::target
  std::string reject_file;   // "" = none written
  std::string command_line;  // for the audit record
  TargetOpener open_target;  // empty: TargetStore::open
};

// The finish of the target's plan (held rows loaded, self-references resolved, the plan's tables
// analyzed). kInvalidArgument when there is no plan or a shard has not
// completed (named); kConflict when another finish holds the lane. Its audit record (run id
// "<time>.finish") holds the plan id and the counts per entity, also when it failed (the held
// batches it committed before), so that validate can add them to the shards' counts. Each held
// batch it loads is marked done, in the batch's transaction, with its run id and what became of
// its rows: a finish killed (SIGKILL, a lost machine) leaves its record "running" with no counts,
// and the next finish — after its begin_run marked that record interrupted, under the finish's
// lane lock — writes the killed finish's counts from those marks into its record (status and
// times kept), before it loads the batches still held. A finish writes its own counts into its
// record before it clears the done marks, so that a kill after that loses none either.
Result<FinishSummary> finish_shards(const config::Config& config, const mapping::MappingSet& mappings,
                                    const model::Model& model, const FinishOptions& options);

struct ShardRunResult {
  MigrateSummary summary;
  std::map<std::string, int64_t> held;   // rows held for the finish, per entity
  std::optional<FinishSummary> finish;   // when this shard was the last to complete
  std::string finish_note;               // why it did not finish ("" when it did, or need not)
};

// migrate --shard K/N: checks the target's plan (kInvalidArgument: none, another N, other
// mapping files, a block it does not cover, --delta or --dry-run), runs shard K, marks it done
// when it completes, and finishes the plan when every shard is done.
Result<ShardRunResult> run_shard(const config::Config& config, const mapping::MappingSet& mappings,
                                 const model::Model& model, MigrateOptions options, int k, int n,
                                 util::Progress* progress = nullptr);

// What `runs` shows of the target's plan: nullopt when it holds none.
struct ShardState {
  int shard = 0;
  std::string state;  // done | started (interrupted or running) | not started
  std::string last_run, last_status;
};
struct PlanState {
  ShardPlan plan;
  std::string id;
  bool finished = false;
  int64_t held_batches = 0;  // batches of held rows waiting for the finish
  std::vector<ShardState> shards;
};
class TargetStore;
Result<std::optional<PlanState>> plan_state(TargetStore& store);

}  // namespace csbridge::migrate
