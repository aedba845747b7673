#include "validate/validate.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "connector/connector.h"
#include "migrate/delta.h"
#include "migrate/shard_plan.h"
#include "migrate/shards.h"
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
             const ValidateOptions& options, std::vector<std::string> checks,
             std::optional<std::pair<int, int>> shard)
      : config_(config), mappings_(mappings), model_(model), options_(options), checks_(std::move(checks)),
        shard_(shard) {}

  Status run(const std::string& connection, const std::string& schema,
             const std::optional<migrate::MigrateSummary>& summary, ValidationReport& report) {
    CSB_ASSIGN_OR_RETURN(target_, Target::open(connection, schema, model_));
    report.target = target_->redacted();
    if (shard_) {
      CSB_RETURN_IF_ERROR(read_shard_plan());
    } else if (summary) {
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

    if (wants("counts") || wants("rows") || helpdesk) CSB_RETURN_IF_ERROR(compare_source(entity, blocks, systems, helpdesk));
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

  // The checks that read the source (counts, rows, helpdesk): the source read once through the
  // mapping, whole or narrowed (--delta: a window and a sample; --shard: the shard's ranges).
  Status compare_source(const model::Entity& entity, const std::vector<const mapping::Block*>& blocks,
                        const std::set<std::string>& systems, HelpdeskCheck* helpdesk) {
    const std::string& name = entity.name;
    // Only the target rows of the keys the source gave are read (the target is not read whole).
    const bool by_key = options_.delta || shard_.has_value();
    step(name + ": reading the source through the mapping" + (wants("rows") ? " and the target" : ""));
    std::vector<SourceSink*> sinks;
    std::optional<RowsCheck> rows;
    // With --shard, the counts of the shard's rows in the target are those of the source's keys.
    if (wants("rows") || (shard_ && wants("counts"))) {
      rows.emplace(entity, blocks, options_.failure_cap);
      CSB_RETURN_IF_ERROR(rows->open());
      if (by_key) rows->keep_keys();
      if (options_.tell_edits) rows->tell_edits(model_);
      sinks.push_back(&*rows);
    }
    if (helpdesk) sinks.push_back(helpdesk);
    // The target rows are read on a connection of their own while the source is mapped
    // (by key: after it, those of the keys the source gave).
    Status target_read;
    std::thread reader;
    std::unique_ptr<Target> second;
    if (rows && !by_key) {
      CSB_ASSIGN_OR_RETURN(second, Target::open(target_->connection(), target_->schema(), model_));
      reader = std::thread([&] { target_read = rows->read_target(*second); });
    }
    SourceCounts counts;
    SourceStream stream(config_, options_.open_source, options_.env, options_.sample_percent);
    stream.resolve_with([&](const std::string& entity, const std::string& system, const std::vector<std::string>& keys) {
      return target_->store().known_keys(entity, system, keys);
    });
    std::vector<std::string> how;  // with --delta or --shard: how each block was read
    if (options_.delta) {
      stream.narrow_with([&](const mapping::Block& b, connector::Connector& db) -> Result<std::string> {
        CSB_ASSIGN_OR_RETURN(auto narrowed, delta_narrow(b, db));
        how.push_back(b.display() + ": " + narrowed.second);
        return narrowed.first;
      });
    } else if (shard_) {
      stream.narrow_with([&](const mapping::Block& b, connector::Connector& db) { return shard_narrow(b, db, how); });
    }
    // A full validate reads each block with a watermark as of its last completed run's mark, so
    // that a source still in use shows no false differences: what changed since is the next run's.
    std::map<const mapping::Block*, std::string> past;  // block → the predicate of its rows past the mark
    if (!by_key && options_.as_of_marks) {
      stream.narrow_with([&](const mapping::Block& b, connector::Connector& db) { return mark_narrow(b, db, past); });
    }
    Status source_read = stream.run(blocks, sinks, counts);
    if (reader.joinable()) reader.join();
    CSB_RETURN_IF_ERROR(source_read);
    CSB_RETURN_IF_ERROR(target_read);
    // Then the keys of the rows changed past the marks (read after the rows: a row that moves
    // meanwhile was read as it was at the mark, or is among these).
    std::set<std::string> past_keys;
    if (!past.empty()) {
      step(name + ": the rows changed in the source since the last run's mark");
      CSB_ASSIGN_OR_RETURN(past_keys, read_past_keys(past));
    }
    std::string as_of;
    if (!past_keys.empty()) {
      as_of = std::to_string(past_keys.size()) +
              " source rows changed since the last run's mark are left out on both sides (read as of the mark; "
              "the next run loads them)";
      if (rows) rows->past_mark(past_keys);
    }
    const std::string shard_note = shard_ ? "--shard " + std::to_string(shard_->first) + "/" +
                                                std::to_string(shard_->second) + ", plan " + plan_id_ + ": " +
                                                util::join(how, "; ")
                                          : "";
    // --shard N/N: also the target rows whose key the source holds in no shard's range (the
    // source no longer gives it): every target row is so read by exactly one shard's validate.
    std::optional<int64_t> outside;
    if (rows) {
      if (by_key) CSB_RETURN_IF_ERROR(rows->read_target_of_source(*target_));
      if (shard_ && shard_->first == shard_->second) {
        CSB_ASSIGN_OR_RETURN(outside, read_outside(name, blocks, stream, *rows));
      }
      if (wants("rows")) {
        CSB_ASSIGN_OR_RETURN(CheckResult r, rows->compare(*target_));
        if (options_.delta) r.note = "--delta: " + util::join(how, "; ");
        if (shard_) r.note = shard_note;
        if (!as_of.empty()) r.note = as_of;
        if (outside) {
          r.set("outside_ranges", *outside);
          r.note += "; as the last shard, also the " + std::to_string(*outside) +
                    " target rows whose key the source holds in no shard's range";
        }
        add(std::move(r));
      }
    }
    if (wants("counts")) {
      int64_t loaded = 0;
      if (shard_) {
        loaded = rows->target_rows();
      } else {
        CSB_ASSIGN_OR_RETURN(loaded, count_target_rows(*target_, name, systems));
        if (!past_keys.empty()) {
          // The target rows of keys changed since the mark are not among the source's rows read.
          if (rows && wants("rows")) {
            loaded -= rows->past_mark();
          } else {
            CSB_ASSIGN_OR_RETURN(int64_t n, count_target_keys(*target_, name, past_keys));
            loaded -= n;
          }
        }
      }
      auto run = runs_.find(name);
      CheckResult r = check_counts(name, counts, loaded, run == runs_.end() ? std::nullopt : std::optional(run->second),
                                   as_of);
      if (shard_) {
        r.note = shard_note + " (target rows: those of its keys" +
                 (outside ? ", and the " + std::to_string(*outside) + " whose key the source holds in no shard's range"
                          : std::string()) +
                 ")" + (r.note.empty() ? "" : "; " + r.note);
      }
      add(std::move(r));
    }
    return Status::ok();
  }

  // --shard N/N: reads every key the whole source holds for the entity's blocks (their where and
  // filter, no range) and then the target rows whose key is not among them; returns how many.
  Result<int64_t> read_outside(const std::string& name, const std::vector<const mapping::Block*>& blocks,
                               SourceStream& stream, RowsCheck& rows) {
    step(name + ": the whole source's keys (the last shard reads the target rows of keys in no shard's range)");
    int64_t unreadable = 0;
    for (const mapping::Block* b : blocks) {
      CSB_RETURN_IF_ERROR(stream.keys(*b, [&](std::string key) { return rows.whole_source_key(b->source, key); },
                                      unreadable));
    }
    return rows.read_target_outside(*target_);
  }

  // --shard: the target's plan, refused when there is none, of another N or other mappings;
  // the counts of the shard's own audit records.
  Status read_shard_plan() {
    const auto [k, n] = *shard_;
    const std::string shard = "--shard " + std::to_string(k) + "/" + std::to_string(n);
    CSB_ASSIGN_OR_RETURN(std::optional<migrate::PlanState> state, migrate::plan_state(target_->store()));
    if (!state) {
      return invalid_argument(shard + ": the target holds no shard plan (plan-shards makes one before the shards "
                              "migrate): validate it whole (validate without --shard)");
    }
    if (state->plan.shards != n) {
      return invalid_argument(shard + ": the target's plan " + state->id + " (made " + state->plan.created_at +
                              ") has " + std::to_string(state->plan.shards) + " shards, not " + std::to_string(n) +
                              ": validate its shards as --shard K/" + std::to_string(state->plan.shards));
    }
    if (state->plan.mappings != migrate::mappings_hash(mappings_)) {
      return invalid_argument(shard + ": the mapping files changed since the target's plan " + state->id +
                              " was made (" + state->plan.created_at +
                              "): its ranges are of the plan's mappings; validate the target whole (without --shard)");
    }
    for (const mapping::Block& b : mappings_.blocks) {
      if (!state->plan.block(b.scope())) {
        return invalid_argument(shard + ": " + b.display() + " is not in the target's plan " + state->id +
                                ": validate the target whole (without --shard)");
      }
    }
    plan_id_ = state->id;
    if (wants("counts")) {
      CSB_ASSIGN_OR_RETURN(runs_, plan_run_counts(target_->store(), *state, k));
    }
    plan_ = std::move(state->plan);
    return Status::ok();
  }

  // --shard: the predicate of the shard's range of a block, and (into `how`) which range it is.
  Result<std::string> shard_narrow(const mapping::Block& block, connector::Connector& db, std::vector<std::string>& how) {
    const migrate::BlockShards* b = plan_.block(block.scope());
    if (!b) return invalid_argument(block.display() + ": not in the target's shard plan");
    const size_t k = static_cast<size_t>(shard_->first - 1);
    const migrate::ShardRange& r = b->shards.at(k);
    auto bound = [](const std::optional<migrate::Mark>& m, const char* none) {
      return m ? "(" + util::join(*m, ", ") + ")" : std::string(none);
    };
    how.push_back(block.display() + " key (" + util::join(b->key, ", ") + ") " +
                  (r.empty ? std::string("no keyed rows")
                           : "after " + bound(r.lower, "the start") + " up to " + bound(r.upper, "the end")) +
                  (k == 0 ? ", with NULL keys" : ""));
    return migrate::range_predicate(db, *b, k);
  }

  // With --delta: the predicate a block is read with — the window its last completed run read
  // between two marks, or about options_.delta_sample rows at random — and how, for the note.
  // A full validate: the predicate reading a block with a watermark as of its last completed
  // run's mark (with the rows whose watermark is NULL, which no delta reads: compared whole);
  // `past` gets the predicate of the rows changed since. "" reads the block whole (no watermark,
  // no SQL, no completed run).
  Result<std::string> mark_narrow(const mapping::Block& block, connector::Connector& db,
                                  std::map<const mapping::Block*, std::string>& past) {
    if (block.watermark.empty() || !db.runs_sql()) return std::string();
    CSB_ASSIGN_OR_RETURN(auto kept, target_->store().checkpoint(migrate::window_scope(block.scope())));
    if (!kept) return std::string();
    CSB_ASSIGN_OR_RETURN(migrate::DeltaBounds bounds, migrate::decode_bounds(*kept));
    migrate::DeltaBounds upto{std::nullopt, bounds.upper, ""};
    CSB_ASSIGN_OR_RETURN(std::string as_of, migrate::delta_predicate(db, block, upto, 0));
    const std::string watermark = db.quote_name(block.watermark);
    past[&block] = watermark + " IS NOT NULL AND NOT (" + as_of + ")";
    return "(" + as_of + ") OR " + watermark + " IS NULL";
  }

  // The keys (system \x1f key, as the rows check spills them) of the rows mark_narrow() left out.
  Result<std::set<std::string>> read_past_keys(const std::map<const mapping::Block*, std::string>& past) {
    class Keys : public SourceSink {
     public:
      Status begin_block(const mapping::Block& block, const mapping::BlockMapper&) override {
        system_ = block.source;
        return Status::ok();
      }
      Status row(const connector::Batch& mapped, size_t r) override {
        keys.insert(system_ + '\x1f' + std::string(mapped.get(r, 0)));
        return Status::ok();
      }
      std::set<std::string> keys;

     private:
      std::string system_;
    } sink;
    std::vector<const mapping::Block*> blocks;
    for (const auto& [block, predicate] : past) blocks.push_back(block);
    SourceStream stream(config_, options_.open_source, options_.env, options_.sample_percent);
    stream.resolve_with([&](const std::string& entity, const std::string& system, const std::vector<std::string>& keys) {
      return target_->store().known_keys(entity, system, keys);
    });
    stream.narrow_with([&](const mapping::Block& b, connector::Connector&) -> Result<std::string> { return past.at(&b); });
    SourceCounts ignored;
    std::vector<SourceSink*> sinks = {&sink};
    CSB_RETURN_IF_ERROR(stream.run(blocks, sinks, ignored));
    return std::move(sink.keys);
  }

  // Live target rows of `entity` whose key (system \x1f key) is among `keys`.
  Result<int64_t> count_target_keys(Target& target, const std::string& entity, const std::set<std::string>& keys) {
    CSB_ASSIGN_OR_RETURN(std::string live, target.live(entity));
    std::map<std::string, std::vector<std::string>> by_system;
    for (const std::string& k : keys) {
      size_t sep = k.find('\x1f');
      by_system[k.substr(0, sep)].push_back(k.substr(sep + 1));
    }
    int64_t n = 0;
    constexpr size_t kChunk = 5000;
    for (const auto& [system, list] : by_system) {
      for (size_t at = 0; at < list.size(); at += kChunk) {
        std::string in;
        for (size_t i = at; i < list.size() && i < at + kChunk; ++i) in += (i > at ? ", " : "") + Target::literal(list[i]);
        CSB_ASSIGN_OR_RETURN(int64_t c, target.scalar("SELECT count(*) FROM " + target.table(entity) +
                                                       " WHERE \"source_system\" = " + Target::literal(system) +
                                                       " AND \"source_key\" IN (" + in + ") AND " + live));
        n += c;
      }
    }
    return n;
  }

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
  std::optional<std::pair<int, int>> shard_;  // --shard: (K, N), K from 1
  migrate::ShardPlan plan_;                    // with shard_: the target's plan
  std::string plan_id_;
  std::unique_ptr<Target> target_;
  std::map<std::string, RunCounts> runs_;
  std::map<std::string, std::vector<CheckResult>> results_;
};

}  // namespace

Result<ValidationReport> run_validation(const config::Config& config, const mapping::MappingSet& mappings,
                                        const model::Model& model, const ValidateOptions& options) {
  std::vector<std::string> named = options.checks;
  if (options.delta && named.empty()) named.assign(std::begin(kDeltaChecks), std::end(kDeltaChecks));
  std::optional<std::pair<int, int>> shard;
  if (!options.shard.empty()) {
    CSB_ASSIGN_OR_RETURN(shard, migrate::parse_shard(options.shard, options.env));
    if (named.empty()) named.assign(std::begin(kShardChecks), std::end(kShardChecks));
  }
  CSB_ASSIGN_OR_RETURN(std::vector<std::string> checks, parse_checks(named));
  if (shard) {
    const std::string flag = "--shard " + options.shard;
    if (options.delta) return invalid_argument(flag + ": no --delta (a delta runs in one process, unsharded)");
    if (options.sandbox) return invalid_argument(flag + ": the shards' ranges are in the target's plan: no --sandbox");
    if (std::find(checks.begin(), checks.end(), "helpdesk") != checks.end()) {
      return invalid_argument(flag + ": the helpdesk check reads every ticket's messages: run it in a full validate");
    }
  }
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

  Validation validation(config, mappings, model, options, checks, shard);
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
