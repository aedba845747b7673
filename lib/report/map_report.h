// Renders what `map check` and `map preview` report. `map check`: text
// (file:line:col: severity: message, the line and a caret), JSON
// (schemas/map_check.schema.json) and SARIF 2.1.0 for CI annotations.
// `map preview`: source and mapped rows side by side, or JSON. Pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "mapping/mapping.h"
#include "mapping/preview.h"

namespace csbridge::report {

struct CheckReport {
  std::vector<mapping::Diagnostic> diagnostics;  // in the order found
  const mapping::MappingSet* set = nullptr;      // for source lines under the messages
  int files = 0, blocks = 0;
  bool unreadable = false;
  bool data_checked = false;                     // sources were reached for the data checks
};

std::string check_text(const CheckReport& report);
nlohmann::json check_json(const CheckReport& report);
nlohmann::json check_sarif(const CheckReport& report, const std::string& tool_version);

std::string preview_text(const std::string& entity, const std::vector<mapping::BlockPreview>& blocks);
nlohmann::json preview_json(const std::string& entity, const std::vector<mapping::BlockPreview>& blocks);

}  // namespace csbridge::report
