// The target as one shard of a plan sees it (`migrate --shard K/N`, migrate/shards.h): a
// TargetStore wrapped so that the unchanged pipeline of migrate.cc runs one shard beside others
// in one target.
//   - Its lock is the shard's lane (TargetStore::lock_lane "shard-K-of-N"): shards of one target
//     run at once; an unsharded migration excludes them all.
//   - Its checkpoints are its own: every scope is kept as "shard:shard-K-of-N:<scope>".
//   - Its audit records are its own: run ids end ".shard-K-of-N"; list_runs shows it its own runs
//     and the unsharded ones (the chain a resumed shard continues).
//   - Rows whose lookup (into another entity) finds no crosswalk entry yet are not loaded: another
//     shard may load that key later. They are held in the target, in the transaction of their
//     batch, as a checkpoint "pending:<block scope>@<last>#<lane>" (the batch's mapped rows and
//     the LoadSpec, JSON) and loaded by the finish (shards.h), when every shard has loaded its
//     rows: then a key that never loaded rejects the row (orphan_reference) or is NULL (`orphans:
//     null`), exactly as a one-process run does. Held rows count as loaded for the run's
//     read = loaded + unchanged + rejected + filtered, and as `held` in HeldRows and the audit.
//   - Self-references (resolve_deferred) and deferred indexes (defer_indexes) wait for the
//     finish too: a shard resolves nothing another shard may still load, and never drops an
//     index another shard loads into (indexes are deferred only by unsharded runs).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "migrate/target_store.h"

namespace csbridge::migrate {

// Rows held for the finish, per entity, by every store of one shard run (its loaders).
struct HeldRows {
  std::mutex mutex;
  std::map<std::string, int64_t> by_entity;
};

// "shard-K-of-N": the lane of shard K of N (lock, run ids).
std::string shard_lane(int k, int n);

// Wraps `inner` as shard `lane`'s view (see above). `held` is shared by the loaders of one run.
std::unique_ptr<TargetStore> shard_store(std::unique_ptr<TargetStore> inner, const std::string& lane,
                                         std::shared_ptr<HeldRows> held);

// A held batch: its LoadSpec and mapped rows (column 0 the source_key), as written by the shard.
struct HeldBatch {
  LoadSpec spec;
  connector::Batch rows;
};
Result<HeldBatch> decode_held(std::string_view text);

}  // namespace csbridge::migrate
