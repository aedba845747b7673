// Shard plans (`csbridge plan-shards --shards N`, `migrate --shard K/N`): every mapping block's
// legacy key cut into N ranges of about equal rows, so that N copies of one command, started by
// a job system (a Kubernetes Indexed Job, a Slurm array, GNU parallel), each migrate one range of
// every block into one target.
//
// A range is a half-open interval of key tuples, (lower, upper], compared lexicographically in
// the source's own SQL (as delta marks are, migrate/delta.h): ranges of text keys follow the
// source's collation, since the source both gave the bounds (its ORDER BY) and tests them. Rows
// with a NULL key column belong to the first shard (a one-process run rejects them as no_key;
// so does that shard). Bounds are taken from PostgreSQL's statistics where they describe the
// key (one column, a table with no filter, statistics taken, no most-common values), else by
// reading the key columns alone in the source's order and keeping one key per shard boundary
// (two statements: a count, then the ordered keys; memory: the N-1 bounds). A block whose source
// runs no SQL (files, APIs) cannot be sharded: kInvalidArgument naming it.
//
// The plan is kept in the target as a checkpoint ("shards:plan", JSON) with the hash of the
// mapping files it was made for: a shard of another N or other mappings is refused.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "connector/connector.h"
#include "mapping/mapping.h"
#include "migrate/delta.h"
#include "model/cs_model.h"
#include "util/progress.h"
#include "util/status.h"

namespace csbridge::migrate {

inline constexpr int kMaxShards = 1024;

// One shard's part of a block: the key tuples in (lower, upper] (no lower: from the first; no
// upper: to the last), about `rows` of them when the plan was made.
struct ShardRange {
  std::optional<Mark> lower;
  std::optional<Mark> upper;
  int64_t rows = 0;
  bool empty = false;  // no keyed rows at all (fewer rows than shards)
};

struct BlockShards {
  std::string scope;    // mapping::Block::scope()
  std::string display;  // mapping::Block::display()
  std::string entity;
  std::vector<std::string> key;  // the key columns as the source spells them
  std::string how;               // "PostgreSQL statistics (pg_stats)" or "ordered key scan"
  int64_t rows = 0;              // rows of the block (estimated from statistics, else counted)
  std::vector<ShardRange> shards;  // N of them, in key order
};

struct ShardPlan {
  int shards = 0;
  std::string mappings;    // mappings_hash() of the mapping files it was made for
  std::string created_at;  // UTC, "YYYY-MM-DD HH:MM:SS"
  std::vector<BlockShards> blocks;  // in load order
  // A short hash of the plan (shards, mappings and every bound): what shards record as done.
  std::string id() const;
  const BlockShards* block(std::string_view scope) const;
};

// The checkpoint scopes of the plan and of what its shards did.
inline constexpr std::string_view kPlanScope = "shards:plan";
inline constexpr std::string_view kDonePrefix = "shards:done:";   // + K: the plan id, once shard K completed
inline constexpr std::string_view kFinishedScope = "shards:finished";  // the plan id, once finished
inline constexpr std::string_view kFinishRejectsPrefix = "shards:rejects:";  // + a finish's run id: its reject file
inline constexpr std::string_view kPendingPrefix = "pending:";    // rows held for the finish (shard_store.h)
inline constexpr std::string_view kShardScopePrefix = "shard:";   // a shard's own checkpoints

// SHA-256 (16 hex digits) of the mapping files' texts, in order.
std::string mappings_hash(const mapping::MappingSet& mappings);

// JSON text of a plan (the manifest written to the target and to stdout) and back.
std::string encode_plan(const ShardPlan& plan);
Result<ShardPlan> decode_plan(std::string_view text);

struct PlanShardsOptions {
  int shards = 0;
  std::vector<std::string> entities;  // only these CS entities' blocks (empty = all)
  size_t batch_rows = 10000;          // keys per batch of the ordered scan
  // Opens a named source (empty: config::open_source); tests wrap it.
  std::function<Result<std::unique_ptr<connector::Connector>>(const config::SourceConfig&)> open_source;
  util::Progress* progress = nullptr;
};

// Reads the key quantiles of every block (in load order) from its source. kInvalidArgument for
// N outside 1..kMaxShards or a block whose source runs no SQL; kUnreachable for a source that
// cannot be reached.
Result<ShardPlan> plan_shards(const config::Config& config, const mapping::MappingSet& mappings,
                              const model::Model& model, const PlanShardsOptions& options);

// The predicate, in the source's SQL, of shard `k` (0-based) of a block: "" when the plan has
// one shard.
std::string range_predicate(const connector::Connector& db, const BlockShards& block, size_t k);

// Shard "K/N" (K 1-based) or "N" with K from the environment (0-based indexes, as Kubernetes
// Indexed Jobs (JOB_COMPLETION_INDEX), Slurm arrays (SLURM_ARRAY_TASK_ID, with --array=0-(N-1))
// and Cloud Run jobs (CLOUD_RUN_TASK_INDEX) give them). Returns (K, N), K 1-based;
// kInvalidArgument naming the problem.
Result<std::pair<int, int>> parse_shard(std::string_view text, const config::EnvLookup& env);

}  // namespace csbridge::migrate
