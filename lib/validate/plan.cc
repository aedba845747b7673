#include "validate/plan.h"

#include <set>

#include "migrate/deletes.h"
#include "migrate/target_store.h"

namespace csbridge::validate {
namespace {

// The deletes migrate would find for the entity's blocks (DeletePass, nothing written): the
// target opened as migrate opens it, each block's source on a connection of its own.
Status count_deletes(const config::Config& config, const mapping::MappingSet& mappings, const model::Model& model,
                     const ValidateOptions& options, EntityPlan& e) {
  std::vector<const mapping::Block*> blocks;
  for (const mapping::Block* b : mappings.blocks_of(e.name)) {
    if (b->deletes.mode != mapping::Deletes::Mode::kNone) blocks.push_back(b);
  }
  if (blocks.empty()) return Status::ok();
  CSB_ASSIGN_OR_RETURN(config::Target target, config::resolve_target(config, options.target, options.schema));
  CSB_ASSIGN_OR_RETURN(auto store, migrate::TargetStore::open(target.connection, target.schema, model));
  migrate::DeleteOptions o;
  o.max_percent = config.delta.max_delete_percent;
  migrate::DeletePass pass(*store, o);
  for (const mapping::Block* b : blocks) {
    const config::SourceConfig* source = config.source(b->source);
    if (!source) return config_error(b->display() + ": unknown source '" + b->source + "'");
    CSB_ASSIGN_OR_RETURN(auto db, options.open_source(*source));
    auto related = [&]() { return options.open_source(*source); };
    CSB_RETURN_IF_ERROR(pass.detect(*db, *b, related));
  }
  for (const migrate::BlockDeletes& d : pass.blocks()) {
    e.deleted += d.found;
    e.deletes += (e.deletes.empty() ? "" : "; ") + d.block->display() + ": " + d.how;
  }
  return Status::ok();
}

}  // namespace

Result<MigrationPlan> plan_migration(const config::Config& config, const mapping::MappingSet& mappings,
                                     const model::Model& model, ValidateOptions options,
                                     const std::string& conflicts) {
  options.sandbox = false;
  options.sample_percent = 100;
  options.checks = {"rows"};
  options.tell_edits = true;
  options.as_of_marks = false;  // what a run would read: every row
  CSB_ASSIGN_OR_RETURN(ValidationReport report, run_validation(config, mappings, model, options));
  MigrationPlan plan;
  plan.target = report.target;
  plan.conflicts = conflicts.empty() ? config.delta.conflicts : conflicts;
  static const std::map<std::string, std::string> kKinds = {
      {"missing", "new"}, {"differs", "changed"}, {"extra", "deleted"}, {"conflict", "conflicting"}};
  for (const CheckResult& check : report.checks) {
    if (check.name != "rows") continue;
    EntityPlan e;
    e.name = check.entity;
    e.new_rows = check.figure("missing");
    e.conflicting = check.figure("conflicts");
    e.kept_target_edits = check.figure("kept_target_edits");
    e.changed = check.figure("differing") - e.conflicting - e.kept_target_edits;
    e.unchanged = check.figure("matched") + e.kept_target_edits;
    CSB_RETURN_IF_ERROR(count_deletes(config, mappings, model, options, e));
    if (e.deletes.empty()) e.not_detected = check.figure("extra");
    e.orphans = check.figure("rejected_as_orphans");
    bool keys_only = !mappings.blocks_of(e.name).empty();
    for (const mapping::Block* b : mappings.blocks_of(e.name)) {
      keys_only = keys_only && b->deletes.mode == mapping::Deletes::Mode::kKeys;
    }
    for (const Failure& f : check.failures) {
      auto kind = kKinds.find(f.kind);
      if (kind == kKinds.end()) continue;
      // Rows the source no longer gives are the deletes only where the entity's blocks compare keys.
      if (kind->second == "deleted" && !keys_only) continue;
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
