// `migrate --plan`: what a migration would change in the target, written nowhere. Every source
// row through the mapping is compared with its target row (validate's rows check: fingerprints,
// bounded memory), per entity: new (not in the target), changed (differs), unchanged, deleted
// (in the target, no longer given by the source), conflicting (changed in the target since
// csbridge wrote it, and in the source since: migrate/conflicts.h), with the first legacy keys of
// each.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "validate/validate.h"

namespace csbridge::validate {

struct EntityPlan {
  std::string name;
  int64_t new_rows = 0;   // in the source, not in the target
  int64_t changed = 0;    // in both, values or references differ: a load writes them
  int64_t unchanged = 0;  // in both, equal, or edited in the target only (kept_target_edits)
  // Rows changed in the target after csbridge wrote them (the crosswalk's fingerprint of what
  // it wrote against the target's row now), not among `changed`: the source changed them too
  // (conflicting: settled by the policy), or did not (kept_target_edits: a load keeps the
  // target's version; counted in unchanged as migrate counts them).
  int64_t conflicting = 0;
  int64_t kept_target_edits = 0;
  // Rows migrate would delete (tombstone): what the entity's blocks' `deletes:` find, by the same
  // logic (migrate/deletes.h): live target rows the source soft-deleted or no longer gives.
  int64_t deleted = 0;
  // Live target rows the source no longer gives, of entities with no `deletes:` (rows check):
  // migrate leaves them.
  int64_t not_detected = 0;
  std::string deletes;    // per block: how deletes are seen
  int64_t orphans = 0;    // in the source, referring to a row the target does not hold (yet)
  std::map<std::string, std::vector<std::string>> first_keys;  // new | changed | deleted | conflicting → keys
  std::string reading;  // how a delta reads the entity's blocks (watermark or full comparison)
};

struct MigrationPlan {
  std::string target;  // password removed
  std::string conflicts;  // the policy a run would settle conflicts with: reject | source_wins | target_wins
  std::vector<EntityPlan> entities;
};

inline constexpr size_t kPlanFirstKeys = 5;

// Reads the source and the target (options.target/schema; sandbox, sample and checks ignored).
// `conflicts`: the policy a run would use (migrate --conflicts; "" = config.delta.conflicts).
// Errors as run_validation's.
Result<MigrationPlan> plan_migration(const config::Config& config, const mapping::MappingSet& mappings,
                                     const model::Model& model, ValidateOptions options,
                                     const std::string& conflicts = "");

}  // namespace csbridge::validate
