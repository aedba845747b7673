// Renders `migrate --plan` (validate/plan.h): text for people, JSON (schemas/migrate_plan.schema.json).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "validate/plan.h"

namespace csbridge::report {

std::string plan_text(const validate::MigrationPlan& plan);
nlohmann::json plan_json(const validate::MigrationPlan& plan);

}  // namespace csbridge::report
