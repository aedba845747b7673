// Check "model": the CS model's constraints hold in the target, whatever the
// engine enforced: required fields present, enumerations in their domain,
// strings within max_length (SQLite does not enforce it), and timestamps in
// their natural order (a ticket is created before it is solved or updated).
#pragma once

#include <string_view>

#include "validate/checks.h"
#include "validate/target.h"

namespace csbridge::validate {

// Pairs of timestamp fields where the first must not be later than the second.
struct Ordering {
  std::string_view entity, earlier, later;
};
inline constexpr Ordering kOrderings[] = {
    {"ticket", "created_at", "solved_at"},
    {"ticket", "created_at", "updated_at"},
};

Result<CheckResult> check_model(Target& target, const model::Entity& entity, size_t failure_cap);

}  // namespace csbridge::validate
