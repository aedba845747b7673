#include "validate/validate.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "connector/connector.h"
#include "migrate/delta.h"
#include "validate/counts.h"
#include "validate/crosswalk.h"
#include "validate/helpdesk.h"
#include "validate/model_check.h"
#include "validate/pii_check.h"
#include "validate/references.h"
#include "validate/rows.h"
#include "validate/sandbox.h"
#include "validate/source_stream.h"
#include "validate/target.h"
#include "util/strings.h"

namespace csbridge::validate {
namespace {

CheckResult named(const std::string& check, const std::string& entity) {
  CheckResult r;
  r.name = check;
  r.entity = entity;
  return r;
}

class Validation {
 public:
  Validation(const config::Config& config, const mapping::MappingSet& mappings, const model::Model& model,
             const ValidateOptions& options, std::vector<std::string> checks)
      : config_(config), mappings_(mappings), model_(model), options_(options), checks_(std::move(checks)) {}

  Status run(const std::string& connection, const std::string& schema,
             const std::optional<migrate::MigrateSummary>& summary, ValidationReport& report) {
    CSB_ASSIGN_OR_RETURN(target_, Target::open(connection, schema, model_));
    report.target = target_->redacted();
    if (summary) {
      runs_ = run_counts(*summary);
    } else if (wants("counts")) {
      CSB_ASSIGN_OR_RETURN(runs_, latest_run_counts(target_->store()));
    }

    std::vector<std::string> entities;
    for (const auto* b : mapping::load_order(mappings_, model_)) {
      if (std::find(entities.begin(), entities.end(), b->entity) == entities.end()) entities.push_back(b->entity);
    }
    std::optional<HelpdeskCheck> helpdesk;
    if (wants("helpdesk") && model_.entity("ticket") && model_.entity("ticket_message")) {
      helpdesk.emplace(options_.failure_cap);
      CSB_RETURN_IF_ERROR(helpdesk->open());
    }
    for (const auto& name : entities) {
      const model::Entity* entity = model_.entity(name);
      if (entity == nullptr) continue;
      CSB_ASSIGN_OR_RETURN(bool exists, target_->has_table(name));
      if (!exists) {
        for (const auto& c : checks_) {
          if (c == "helpdesk") continue;
          CheckResult r = named(c, name);
          r.fail({"", "no_table", "the target has no table " + name + ": nothing was migrated into it"}, 1);
          add(r);
        }
        continue;
      }
      CSB_RETURN_IF_ERROR(check_entity(*entity, name == "ticket_message" && helpdesk ? &*helpdesk : nullptr));
    }
    if (helpdesk) {
      bool mapped = !mappings_.blocks_of("ticket").empty() && !mappings_.blocks_of("ticket_message").empty();
      CSB_ASSIGN_OR_RETURN(bool tables, both_tables());
      if (mapped && tables) {
        step("helpdesk: reading tickets and messages of the target");
        CSB_RETURN_IF_ERROR(helpdesk->read_target(*target_));
        CSB_ASSIGN_OR_RETURN(CheckResult r, helpdesk->compare());
        add(r);
      } else {
        CheckResult r = named("helpdesk", "ticket");
        r.warn("nothing to compare: the mappings or the target hold no tickets with messages");
        add(r);
      }
    }
    for (const auto& c : checks_) {
      for (auto& r : results_[c]) report.checks.push_back(std::move(r));
    }
    return Status::ok();
  }

 private:
  bool wants(std::string_view c) const { return std::find(checks_.begin(), checks_.end(), c) != checks_.end(); }
  void add(CheckResult r) { results_[r.name].push_back(std::move(r)); }
  void step(const std::string& line) const {
    if (options_.progress) options_.progress->step(line);
  }
  Result<bool> both_tables() {
    CSB_ASSIGN_OR_RETURN(bool t, target_->has_table("ticket"));
    CSB_ASSIGN_OR_RETURN(bool m, target_->has_table("ticket_message"));
    return t && m;
  }

  Status check_entity(const model::Entity& entity, HelpdeskCheck* helpdesk) {
    const std::string& name = entity.name;
    std::vector<const mapping::Block*> blocks = mappings_.blocks_of(name);
    std::set<std::string> systems;
    for (const auto* b : blocks) systems.insert(b->source);

    if (wants("counts") || wants("rows") || helpdesk) {
      step(name + ": reading the source through the mapping" + (wants("rows") ? " and the target" : ""));
      std::vector<SourceSink*> sinks;
      std::optional<RowsCheck> rows;
      if (wants("rows")) {
        rows.emplace(entity, blocks, options_.failure_cap);
        CSB_RETURN_IF_ERROR(rows->open());
        if (options_.delta) rows->keep_keys();
        sinks.push_back(&*rows);
      }
      if (helpdesk) sinks.push_back(helpdesk);
      // The target rows are read on a connection of their own while the source is mapped
      // (with --delta, after it: those of the keys the source gave).
      Status target_read;
      std::thread reader;
      std::unique_ptr<Target> second;
      if (rows && !options_.delta) {
        CSB_ASSIGN_OR_RETURN(second, Target::open(target_->connection(), target_->schema(), model_));
        reader = std::thread([&] { target_read = rows->read_target(*second); });
      }
      SourceCounts counts;
      SourceStream stream(config_, options_.open_source, options_.env, options_.sample_percent);
      stream.resolve_with([&](const std::string& entity, const std::string& system, const std::vector<std::string>& keys) {
        return target_->store().known_keys(entity, system, keys);
      });
      std::vector<std::string> how;  // with --delta: how each block was read
      if (options_.delta) {
        stream.narrow_with([&](const mapping::Block& b, connector::Connector& db) -> Result<std::string> {
          CSB_ASSIGN_OR_RETURN(auto narrowed, delta_narrow(b, db));
          how.push_back(b.display() + ": " + narrowed.second);
          return narrowed.first;
        });
      }
      Status source_read = stream.run(blocks, sinks, counts);
      if (reader.joinable()) reader.join();
      CSB_RETURN_IF_ERROR(source_read);
      CSB_RETURN_IF_ERROR(target_read);
      if (rows) {
        if (options_.delta) CSB_RETURN_IF_ERROR(rows->read_target_of_source(*target_));
        CSB_ASSIGN_OR_RETURN(CheckResult r, rows->compare(*target_));
        if (options_.delta) r.note = "--delta: " + util::join(how, "; ");
        add(std::move(r));
      }
      if (wants("counts")) {
        CSB_ASSIGN_OR_RETURN(int64_t loaded, count_target_rows(*target_, name, systems));
        auto run = runs_.find(name);
        add(check_counts(name, counts, loaded, run == runs_.end() ? std::nullopt : std::optional(run->second)));
      }
    }
    if (wants("references")) {
      step(name + ": references");
      CSB_ASSIGN_OR_RETURN(CheckResult r, check_references(*target_, entity, options_.failure_cap));
      add(std::move(r));
    }
    if (wants("model")) {
      step(name + ": model constraints");
      CSB_ASSIGN_OR_RETURN(CheckResult r, check_model(*target_, entity, options_.failure_cap));
      add(std::move(r));
    }
    if (wants("pii")) {
      step(name + ": personal data");
      CSB_ASSIGN_OR_RETURN(CheckResult r, check_pii(*target_, entity, config_.masking, options_.failure_cap));
      add(std::move(r));
    }
    if (wants("crosswalk")) {
      step(name + ": crosswalk");
      CSB_ASSIGN_OR_RETURN(CheckResult r, check_crosswalk(*target_, entity, options_.failure_cap));
      add(std::move(r));
    }
    return Status::ok();
  }

  // With --delta: the predicate a block is read with — the window its last completed run read
  // between two marks, or about options_.delta_sample rows at random — and how, for the note.
  Result<std::pair<std::string, std::string>> delta_narrow(const mapping::Block& block, connector::Connector& db) {
    if (!db.runs_sql()) return std::make_pair(std::string(), db.backend() + " source read whole (no SQL to narrow it)");
    // A block with a watermark is compared as of its mark: rows changed in the source since
    // the last run are for the next one to load, not differences.
    std::string window, as_of, said = "no watermark";
    if (!block.watermark.empty()) {
      CSB_ASSIGN_OR_RETURN(auto kept, target_->store().checkpoint(migrate::window_scope(block.scope())));
      said = "no window recorded (no run completed with the watermark)";
      if (kept) {
        CSB_ASSIGN_OR_RETURN(migrate::DeltaBounds bounds, migrate::decode_bounds(*kept));
        migrate::DeltaBounds upto{std::nullopt, bounds.upper, ""};
        CSB_ASSIGN_OR_RETURN(as_of, migrate::delta_predicate(db, block, upto, 0));
        if (!bounds.lower) return std::make_pair(as_of, std::string("its last run read it whole: compared up to its mark"));
        CSB_ASSIGN_OR_RETURN(window, migrate::delta_predicate(db, block, bounds, config_.delta.lookback_seconds));
        said = "the last run's window";
      }
    }
    int64_t rows = -1;
    if (block.query.empty()) {
      if (auto n = db.count(block.table_ref(), true); n.is_ok()) rows = n->rows;
    }
    CSB_ASSIGN_OR_RETURN(connector::SourceInfo info, db.info());
    double fraction = rows > 0 ? static_cast<double>(options_.delta_sample) / static_cast<double>(rows) : 1.0;
    std::string sample = migrate::random_sample_predicate(info.engine, fraction);
    if (sample.empty()) {
      return std::make_pair(as_of, said + "; compared whole" + (as_of.empty() ? "" : " up to the mark") + " (" +
                                       (fraction >= 1 ? "no more rows than the sample" : info.engine + ": no random sample") +
                                       ")");
    }
    said += "; plus about " + std::to_string(options_.delta_sample) + " of ~" + std::to_string(rows) + " rows at random";
    if (!as_of.empty()) sample = "(" + as_of + ") AND (" + sample + ")";
    return std::make_pair(window.empty() ? sample : "(" + window + ") OR (" + sample + ")", said);
  }

  const config::Config& config_;
  const mapping::MappingSet& mappings_;
  const model::Model& model_;
  const ValidateOptions& options_;
  std::vector<std::string> checks_;
  std::unique_ptr<Target> target_;
  std::map<std::string, RunCounts> runs_;
  std::map<std::string, std::vector<CheckResult>> results_;
};

}  // namespace

Result<ValidationReport> run_validation(const config::Config& config, const mapping::MappingSet& mappings,
                                        const model::Model& model, const ValidateOptions& options) {
  std::vector<std::string> named = options.checks;
  if (options.delta && named.empty()) named.assign(std::begin(kDeltaChecks), std::end(kDeltaChecks));
  CSB_ASSIGN_OR_RETURN(std::vector<std::string> checks, parse_checks(named));
  if (options.delta) {
    for (const auto& c : checks) {
      if (c == "counts" || c == "helpdesk") {
        return invalid_argument("--delta compares the rows of the last delta and a sample; the " + c +
                                " check reads everything: run it in a full validate");
      }
    }
    if (options.sandbox) return invalid_argument("--delta checks the last delta run of the target: no --sandbox");
    if (options.delta_sample < 0) return invalid_argument("--delta-sample must be 0 or more rows");
  }
  if (!(options.sample_percent > 0 && options.sample_percent <= 100)) {
    return invalid_argument("--sample must be a percentage above 0 and at most 100");
  }
  if (options.sample_percent < 100 && !options.sandbox) {
    return invalid_argument("--sample needs --sandbox: it chooses the slice the sandbox run migrates");
  }
  if (mappings.blocks.empty()) return invalid_argument("nothing to validate: no mapping blocks");
  // A sandbox needs no target (it decides only whether the throw-away one is a PostgreSQL schema).
  auto target = config::resolve_target(config, options.target, options.schema);
  if (!target.is_ok() && !options.sandbox) {
    return config_error(target.status().message() + ", or use --sandbox");
  }
  std::string connection = target.is_ok() ? target->connection : "";
  std::string schema = target.is_ok() ? target->schema : "";

  ValidationReport report;
  std::optional<migrate::MigrateSummary> summary;
  std::optional<Sandbox> sandbox;
  if (options.sandbox) {
    CSB_ASSIGN_OR_RETURN(sandbox, plan_sandbox(connection));
    connection = sandbox->connection;
    schema = sandbox->schema;
    migrate::MigrateOptions m;
    m.target = sandbox->connection;
    m.schema = sandbox->schema;
    m.sample_percent = options.sample_percent;
    m.command_line = options.command_line;
    m.env = options.env;
    if (options.progress) options.progress->step("sandbox: migrating into " + sandbox->describe());
    auto migrated = options.migrate ? options.migrate(config, mappings, model, m)
                                    : migrate::run_migration(config, mappings, model, m);
    if (!migrated.is_ok()) {
      if (!options.keep) (void)drop_sandbox(*sandbox);
      return migrated.status().with_context("sandbox migration");
    }
    summary = std::move(migrated).value();
  }

  Validation validation(config, mappings, model, options, checks);
  Status s = validation.run(connection, schema, summary, report);
  if (sandbox) {
    report.sandbox = sandbox->describe() + (options.keep ? " (kept)" : " (dropped)");
    if (!options.keep) {
      Status dropped = drop_sandbox(*sandbox);
      if (s.is_ok() && !dropped.is_ok()) s = dropped.with_context("dropping the sandbox");
    }
  }
  CSB_RETURN_IF_ERROR(s);
  return report;
}

}  // namespace csbridge::validate
