// Renders what `migrate` and `runs` report: the per-entity counts of a run
// (text, and JSON per schemas/migrate.schema.json) and the audit records.
// Pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "migrate/migrate.h"
#include "migrate/target_store.h"

namespace csbridge::report {

std::string migrate_text(const migrate::MigrateSummary& summary);
nlohmann::json migrate_json(const migrate::MigrateSummary& summary);
// One line of `migrate --follow`: the cycle's number, run and counts.
std::string cycle_line(const migrate::MigrateSummary& summary, int64_t cycle);

std::string runs_text(const std::vector<migrate::RunRecord>& runs);
nlohmann::json runs_json(const std::vector<migrate::RunRecord>& runs);

}  // namespace csbridge::report
