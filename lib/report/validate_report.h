// Renders a validation report (validate/checks.h): a terminal summary, JSON
// (schemas/validate.schema.json) and JUnit XML for CI — one testsuite per
// check, one testcase per check and entity. Pure functions, no I/O.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "validate/checks.h"

namespace csbridge::report {

// One line per check and entity, with the first `listed` failures of each.
std::string validate_text(const validate::ValidationReport& report, size_t listed = 10);
// {"status", "target", "sandbox", "checks": [{"name", "entity", "status", "figures", "failure_count", "failures"}]}
nlohmann::json validate_json(const validate::ValidationReport& report);
// JUnit XML (well-formed, UTF-8), every listed failure in its testcase's <failure> text.
std::string validate_junit(const validate::ValidationReport& report);

}  // namespace csbridge::report
