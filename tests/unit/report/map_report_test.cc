#include "report/map_report.h"

#include <doctest/doctest.h>

namespace csbridge::report {

TEST_CASE("map report: SARIF locations are URIs with the diagnostic's line and column") {
  CheckReport r;
  r.diagnostics.push_back({{"mappings/ticket.yaml", 10, 9}, mapping::Severity::kError, "bad_step", "unknown step"});
  r.diagnostics.push_back({{"mappings/工单 v2.yaml", 3, 1}, mapping::Severity::kWarning, "todo", "a TODO"});
  r.diagnostics.push_back({{"/srv/project/mappings/a.yaml", 0, 0}, mapping::Severity::kWarning, "todo", "no place"});
  nlohmann::json sarif = check_sarif(r, "1.0");
  CHECK(sarif["version"] == "2.1.0");
  const auto& results = sarif["runs"][0]["results"];
  REQUIRE(results.size() == 3);
  const auto& first = results[0]["locations"][0]["physicalLocation"];
  CHECK(first["artifactLocation"]["uri"] == "mappings/ticket.yaml");
  CHECK(first["region"]["startLine"] == 10);
  CHECK(first["region"]["startColumn"] == 9);
  CHECK(results[0]["level"] == "error");
  CHECK(results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] ==
        "mappings/%E5%B7%A5%E5%8D%95%20v2.yaml");
  CHECK(results[1]["level"] == "warning");
  const auto& third = results[2]["locations"][0]["physicalLocation"];
  CHECK(third["artifactLocation"]["uri"] == "file:///srv/project/mappings/a.yaml");
  CHECK_FALSE(third.contains("region"));
  CHECK(sarif["runs"][0]["tool"]["driver"]["rules"].size() == 2);
}

}  // namespace csbridge::report
