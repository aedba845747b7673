// Check "crosswalk": every row of an entity in the target has exactly one
// crosswalk entry (entity, source_system, source_key → its id), and every
// crosswalk entry of the entity points at a row with that provenance. The
// crosswalk is what later runs and lookups resolve legacy keys through: an
// entry missing or pointing elsewhere makes a re-run duplicate or mislink rows.
#pragma once

#include "validate/checks.h"
#include "validate/target.h"

namespace csbridge::validate {

Result<CheckResult> check_crosswalk(Target& target, const model::Entity& entity, size_t failure_cap);

}  // namespace csbridge::validate
