// Check "rows": every source row through the mapping against its target row.
// Both sides become (legacy key → XXH3 fingerprint of the canonical row,
// canonical.h) records spilled by key hash (spill.h); each partition is then
// matched in memory. Listed: keys whose rows differ, keys missing from the
// target, keys the target has that the source does not give (with keep_keys(),
// only those read: see below).
//
// Compared per entity: every field but id, source_system, source_key and
// migrated_at; a field no block maps is NULL on the source side. A reference
// is compared as the legacy key it resolves to (the referenced row's
// source_system and source_key). Not differences: a reference the mapping
// lets become NULL (`orphans: null`) whose key has no crosswalk entry, and a
// missing row one of whose references has no crosswalk entry (migrate
// rejected it as orphan_reference).
//
// With tell_edits() (migrate --plan), the rows that differ are told apart as a
// load would (migrate/conflicts.h): the target's version is read back with the
// fingerprint csbridge wrote last, and a row changed in the target only is a
// kept target edit, a row changed on both sides a conflict (failures of kind
// kept_target_edit and conflict instead of differs).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mapping/mapping.h"
#include "migrate/load_checks.h"
#include "model/canonical.h"
#include "validate/checks.h"
#include "validate/source_stream.h"
#include "validate/spill.h"
#include "validate/target.h"

namespace csbridge::validate {

class RowsCheck : public SourceSink {
 public:
  // `blocks`: the entity's blocks. Call open() before streaming.
  RowsCheck(const model::Entity& entity, std::vector<const mapping::Block*> blocks, size_t failure_cap);
  Status open();

  Status begin_block(const mapping::Block& block, const mapping::BlockMapper& mapper) override;
  Status row(const connector::Batch& mapped, size_t row) override;
  Status refused(std::string_view source_key) override;

  // Reads the entity's target rows (may run on another thread than the source stream, with its own Target).
  Status read_target(Target& target);
  // Only the source's rows are compared (validate --delta, --shard): call keep_keys() before
  // streaming, then read_target_of_source() after it — the target rows of the keys the source
  // gave (mapped, or refused by the mapping: such a target row is `extra`), read by key; the
  // target is not read whole, so a target row whose key the source no longer gives is not read.
  void keep_keys() { keep_keys_ = true; }
  Status read_target_of_source(Target& target);
  // A full validate of a live source (validate.cc): keys (system \x1f key) whose source rows
  // changed past the last run's mark. A target row of such a key that the source stream did not
  // give (it was read as of the mark) is no `extra` row but counted in past_mark(). Call before
  // compare().
  void past_mark(std::set<std::string> keys) {
    past_ = std::move(keys);
    as_of_ = true;
  }
  int64_t past_mark() const { return past_mark_rows_; }
  // validate --shard of the last shard: the target rows whose key the source holds in no
  // shard's range, that is nowhere. Give every key the whole source holds (each block of the
  // entity, its where and filter; SourceStream::keys) to whole_source_key(), then
  // read_target_outside() (after read_target_of_source()) reads the live target rows of the
  // entity's systems whose key is not among them (nor among the keys streamed) as target rows —
  // `extra`, since the source side has none of them — and returns how many. Memory: a partition
  // of each key set (spill.h) and a chunk of the keys found.
  Status whole_source_key(std::string_view system, std::string_view key);
  Result<int64_t> read_target_outside(Target& target);
  // Tells target-side edits apart among the differing rows (call before streaming).
  void tell_edits(const model::Model& model) { edits_model_ = &model; }
  // Live target rows of the entity's source systems read so far (with keep_keys(): those of the
  // source's keys — what validate --shard counts as the shard's rows in the target).
  int64_t target_rows() const { return target_rows_; }
  // Matches both sides; `target` answers crosswalk lookups.
  Result<CheckResult> compare(Target& target);

 private:
  struct Column {
    std::string name;
    const model::Field* field = nullptr;
    bool reference = false;  // compared as system + legacy key
    bool soft = false;       // orphans: null in some block
  };
  std::string encode_payload(uint64_t hash, const std::optional<int64_t>& incoming,
                             const std::vector<std::optional<std::string>>& refs) const;
  // A legacy key ("system\x1fkey") with no crosswalk entry in `entity` (what migrate treats as
  // an orphan).
  Result<bool> orphan(Target& target, const std::string& value, const std::string& entity);
  // Whether a source row missing from the target was one migrate rejected: one of its required
  // references (`refs`, of the reference columns in order) has no crosswalk entry.
  Result<bool> rejected_as_orphan(Target& target, const std::vector<std::optional<std::string>>& refs);
  // How a source row (references `a`) differs from its target row (`b`): "" when it does not
  // ("values differ", "reference differs: f", "values differ; references: f, g"). A reference
  // `orphans: null` left NULL for a key with no crosswalk entry is no difference (counted).
  Result<std::string> difference(Target& target, bool values, const std::vector<std::optional<std::string>>& a,
                                 const std::vector<std::optional<std::string>>& b, int64_t& orphan_nulls);
  // A differing row whose edits are still to be told (tell_edits()).
  struct Differing {
    std::string key;   // spilled: system \x1f key
    std::string what;  // the differs message
    int64_t incoming = 0;
  };
  // Reads back the target's version of `rows` and records each as differs, kept_target_edit or
  // conflict; clears `rows`.
  Status tell(Target& target, std::vector<Differing>& rows, CheckResult& result, int64_t& kept, int64_t& conflicts,
              const std::function<std::string(std::string_view)>& name);

  const model::Entity& entity_;
  std::vector<const mapping::Block*> blocks_;
  std::set<std::string> systems_;
  size_t failure_cap_;
  std::vector<Column> columns_;
  std::unique_ptr<Spill> source_, target_;
  // The target rows, read whole (`where` "") or those a predicate over t. selects.
  Status read_target_where(Target& target, const std::string& where);
  bool keep_keys_ = false;
  std::set<std::string> past_;
  bool as_of_ = false;
  int64_t past_mark_rows_ = 0;
  std::map<std::string, std::vector<std::string>> source_keys_;  // by system, with keep_keys()
  std::unique_ptr<Spill> whole_;  // whole_source_key(): "system\x1fkey", no payload
  Status open_whole();
  // Per block: for each of columns_, the mapper output index (or -1) and lookup system.
  std::vector<int> output_of_;
  // tell_edits(): the load spec of each system's block (what a load would write and fingerprint).
  const model::Model* edits_model_ = nullptr;
  std::map<std::string, migrate::ResolvedSpec> specs_;
  const migrate::ResolvedSpec* spec_ = nullptr;  // the current block's, when it resolved
  std::vector<std::string> lookup_system_of_;
  std::string system_;
  int64_t other_systems_ = 0;
  int64_t target_rows_ = 0;
  // Scratch for row().
  model::Fingerprint fp_;
  std::vector<std::optional<std::string>> refs_;
  std::string key_;
};

}  // namespace csbridge::validate
