#include "validate/plan.h"

#include <set>

namespace csbridge::validate {

Result<MigrationPlan> plan_migration(const config::Config& config, const mapping::MappingSet& mappings,
                                     const model::Model& model, ValidateOptions options) {
  options.sandbox = false;
  options.sample_percent = 100;
  options.checks = {"rows"};
  CSB_ASSIGN_OR_RETURN(ValidationReport report, run_validation(config, mappings, model, options));
  MigrationPlan plan;
  plan.target = report.target;
  static const std::map<std::string, std::string> kKinds = {
      {"missing", "new"}, {"differs", "changed"}, {"extra", "deleted"}};
  for (const CheckResult& check : report.checks) {
    if (check.name != "rows") continue;
    EntityPlan e;
    e.name = check.entity;
    e.new_rows = check.figure("missing");
    e.changed = check.figure("differing");
    e.unchanged = check.figure("matched");
    e.deleted = check.figure("extra");
    e.orphans = check.figure("rejected_as_orphans");
    for (const Failure& f : check.failures) {
      auto kind = kKinds.find(f.kind);
      if (kind == kKinds.end()) continue;
      std::vector<std::string>& keys = e.first_keys[kind->second];
      if (keys.size() < kPlanFirstKeys) keys.push_back(f.key);
    }
    std::set<std::string> watermarks;
    bool without = false;
    for (const mapping::Block* b : mappings.blocks_of(e.name)) {
      if (b->watermark.empty()) without = true;
      else watermarks.insert(b->watermark);
    }
    for (const std::string& w : watermarks) {
      e.reading += (e.reading.empty() ? "" : "; ") + std::string("watermark ") + w + ": a delta reads past the mark";
    }
    if (without) e.reading += (e.reading.empty() ? "" : "; ") + std::string("no watermark: a delta compares every row");
    plan.entities.push_back(std::move(e));
  }
  return plan;
}

}  // namespace csbridge::validate
