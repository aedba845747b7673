// Deletes (`deletes:` of a mapping block, README "Delta runs"): rows the legacy system deleted
// become tombstones in the CS model (`deleted_at`), or with `migrate --hard-deletes` are removed
// with their crosswalk entries.
//
//   deletes: {column: is_deleted, values: [1]}   soft deletes: the source's rows whose column holds
//                                                one of the values (every reader of the block reads
//                                                the other rows only: mapping/loader.cc)
//   deletes: keys                                hard deletes: the keys the target holds (its
//                                                crosswalk, live rows) that the source no longer gives
//
// Bounded memory: the source's keys are sorted in runs of DeleteOptions::sort_run_keys keys,
// spilled to temporary files and merged (the source's own order is its collation's, not bytes),
// then merged with the crosswalk's keys read in byte order, a page at a time. The keys to delete
// are spilled to a temporary file too, so a run detects every block's deletes first, checks the
// guard (delta.max_delete_ratio), and only then applies them: children before parents. Nothing
// cascades: a ticket of a deleted customer is deleted only when the source says so. A row that
// comes back loses its tombstone when it loads (target_store.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connector/connector.h"
#include "mapping/block_reader.h"
#include "mapping/mapping.h"
#include "migrate/delta.h"
#include "util/status.h"

namespace csbridge::migrate {

class TargetStore;

struct DeleteOptions {
  bool hard = false;                // --hard-deletes: remove the rows (and their crosswalk entries)
  double max_percent = 5;           // delta.max_delete_ratio
  size_t sort_run_keys = 200000;    // source keys held in memory at once (a sorted run)
  size_t page_keys = 10000;         // crosswalk keys read per page; keys per delete transaction
};

// How `block` sees deletes, in words, for the summary and the plan.
std::string deletes_how(const mapping::Block& block);

// kConfig (file:line:col) for `deletes: keys` on a block whose entity and source another block
// of `blocks` loads too: the crosswalk cannot tell their keys apart.
Status check_deletes(const std::vector<const mapping::Block*>& blocks);

// Reads the legacy keys of the block's rows that pass `filter` (the block's own filter for
// `deletes: keys`, its filter with the deleted test for soft deletes) and the source predicate
// `where` ("" none), as migrate builds them (key_prefix, key columns joined by '|'); rows with a
// NULL key column are skipped (never loaded). Records the reader cannot read are counted in
// `unreadable` (their key is unknown). validate --shard reads the whole source's keys so.
Status read_legacy_keys(connector::Connector& db, const mapping::Block& block, const mapping::Condition& filter,
                        const std::string& where, const mapping::RelatedOpener& open_related, size_t batch_rows,
                        const std::function<Status(std::string)>& key, int64_t& unreadable);

// One block's deletes: found (nothing written), then applied.
struct BlockDeletes {
  const mapping::Block* block = nullptr;
  std::string how;
  int64_t found = 0;        // target rows to delete: live ones (with --hard-deletes: tombstoned ones too)
  int64_t live_rows = 0;    // live rows of the entity in the target when found
  int64_t applied = 0;      // rows tombstoned or removed
  int64_t removed = 0;      // of them removed (--hard-deletes); the rest keep a tombstone
  double percent() const { return live_rows > 0 ? 100.0 * static_cast<double>(found) / static_cast<double>(live_rows) : (found > 0 ? 100.0 : 0.0); }
};

// What the merge held in memory at most, for tests of the bound.
struct DeleteStats {
  size_t max_source_keys_held = 0;  // sorted-run buffer
  size_t max_target_keys_held = 0;  // one crosswalk page
  size_t sorted_runs = 0;           // runs spilled to temporary files
  size_t target_pages = 0;
  bool target_in_order = true;      // every crosswalk key came after the one before (byte order)
};

class DeletePass {
 public:
  DeletePass(TargetStore& store, DeleteOptions options) : store_(store), options_(options) {}
  ~DeletePass();
  DeletePass(const DeletePass&) = delete;
  DeletePass& operator=(const DeletePass&) = delete;

  // Finds the deletes of `block` (mode kNone: nothing) by reading its source on `db` and the
  // target; writes nothing; their keys wait in a temporary file for apply().
  Status detect(connector::Connector& db, const mapping::Block& block, const mapping::RelatedOpener& open_related);

  // The guard: kData naming the first block whose deletes exceed max_percent of its entity's
  // live rows (the count and the ratio); ok otherwise.
  Status guard() const;

  // Applies every detected block's deletes, in the reverse of detection order (children first),
  // a transaction per page of keys; `retry` as migrate's.
  Status apply(const Retry& retry);

  const std::vector<BlockDeletes>& blocks() const { return blocks_; }
  const DeleteStats& stats() const { return stats_; }

 private:
  TargetStore& store_;
  DeleteOptions options_;
  std::vector<BlockDeletes> blocks_;
  std::vector<std::FILE*> files_;  // parallel to blocks_
  DeleteStats stats_;
};

}  // namespace csbridge::migrate
