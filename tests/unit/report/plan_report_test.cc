#include "report/plan_report.h"

#include <doctest/doctest.h>

#include <string>

namespace csbridge::report {
namespace {

TEST_CASE("plan report: counts per entity, first keys, and how a delta reads it") {
  validate::MigrationPlan plan;
  plan.target = "sqlite:cs.db";
  validate::EntityPlan e;
  e.name = "ticket";
  e.new_rows = 2;
  e.changed = 1;
  e.unchanged = 40;
  e.deleted = 0;
  e.first_keys["new"] = {"T-1", "T-2"};
  e.reading = "no watermark: a delta compares every row";
  plan.entities.push_back(e);
  CHECK(plan_text(plan) ==
        "plan against sqlite:cs.db (nothing written)\n\n"
        "entity          new      changed    unchanged      deleted  conflicting      orphans\n"
        "ticket            2            1           40            0            0            0\n\n"
        "ticket new: T-1, T-2\n"
        "ticket: no watermark: a delta compares every row\n"
        "conflicting: target-side edits are not told apart yet (they count as changed)\n");
  nlohmann::json j = plan_json(plan);
  CHECK(j["entities"][0]["new"] == 2);
  CHECK(j["entities"][0]["first_keys"]["new"] == nlohmann::json::array({"T-1", "T-2"}));
  CHECK(j["entities"][0]["conflicting"] == 0);
}

}  // namespace
}  // namespace csbridge::report
