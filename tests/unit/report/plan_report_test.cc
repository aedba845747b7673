#include "report/plan_report.h"

#include <doctest/doctest.h>

#include <string>

namespace csbridge::report {
namespace {

TEST_CASE("plan report: counts per entity, first keys, and how a delta reads it") {
  validate::MigrationPlan plan;
  plan.target = "sqlite:cs.db";
  plan.conflicts = "reject";
  validate::EntityPlan e;
  e.name = "ticket";
  e.new_rows = 2;
  e.changed = 1;
  e.unchanged = 40;
  e.deleted = 0;
  e.conflicting = 1;
  e.kept_target_edits = 3;
  e.first_keys["new"] = {"T-1", "T-2"};
  e.first_keys["conflicting"] = {"T-9"};
  e.reading = "no watermark: a delta compares every row";
  plan.entities.push_back(e);
  CHECK(plan_text(plan) ==
        "plan against sqlite:cs.db (nothing written)\n\n"
        "entity          new      changed    unchanged      deleted  conflicting      orphans\n"
        "ticket            2            1           40            0            1            0\n\n"
        "ticket new: T-1, T-2\n"
        "ticket conflicting: T-9\n"
        "ticket: no watermark: a delta compares every row\n"
        "ticket: 3 rows edited in the target only: kept, not written (counted in unchanged)\n"
        "conflicting: 1 rows changed in the target since csbridge wrote them and in the source since; "
        "delta.conflicts reject: a run rejects them (code conflict) until they are settled\n");
  nlohmann::json j = plan_json(plan);
  CHECK(j["entities"][0]["new"] == 2);
  CHECK(j["entities"][0]["first_keys"]["new"] == nlohmann::json::array({"T-1", "T-2"}));
  CHECK(j["entities"][0]["conflicting"] == 1);
  CHECK(j["entities"][0]["kept_target_edits"] == 3);
  CHECK(j["conflicts"] == "reject");
}

}  // namespace
}  // namespace csbridge::report
