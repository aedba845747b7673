// Check "references": every foreign key of the CS model in the target resolves
// to a row (no message or event whose ticket is gone, no ticket whose customer
// is gone). One query per reference field; SQLite does not enforce foreign
// keys on rows written with them off, and PostgreSQL targets may be loaded by
// other tools, so the check does not trust the constraints.
#pragma once

#include "validate/checks.h"
#include "validate/target.h"

namespace csbridge::validate {

Result<CheckResult> check_references(Target& target, const model::Entity& entity, size_t failure_cap);

}  // namespace csbridge::validate
