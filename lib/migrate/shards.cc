#include "migrate/shards.h"

#include <pwd.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "mapping/check.h"
#include "migrate/reject_log.h"
#include "migrate/shard_store.h"
#include "migrate/target_store.h"

namespace csbridge::migrate {
namespace {

using nlohmann::json;

Result<std::unique_ptr<TargetStore>> open_store(const config::Config& config, const std::string& target_flag,
                                                const model::Model& model, const TargetOpener& opener = {}) {
  CSB_ASSIGN_OR_RETURN(config::Target target, config::resolve_target(config, target_flag));
  return opener ? opener(target.connection, target.schema, model)
                : TargetStore::open(target.connection, target.schema, model);
}

Result<std::optional<ShardPlan>> read_plan(TargetStore& store) {
  CSB_ASSIGN_OR_RETURN(std::optional<std::string> text, store.checkpoint(kPlanScope));
  if (!text) return std::optional<ShardPlan>();
  CSB_ASSIGN_OR_RETURN(ShardPlan plan, decode_plan(*text));
  return std::optional<ShardPlan>(std::move(plan));
}

// The shards (1-based) whose done mark holds the plan's id.
Result<std::set<int>> done_shards(TargetStore& store, const std::string& plan_id) {
  CSB_ASSIGN_OR_RETURN(auto marks, store.checkpoints(kDonePrefix));
  std::set<int> done;
  for (const auto& [scope, id] : marks) {
    if (id == plan_id) done.insert(std::atoi(scope.c_str() + kDonePrefix.size()));
  }
  return done;
}

std::string missing_list(const std::set<int>& done, int n) {
  std::string out;
  for (int k = 1; k <= n; ++k)
    if (!done.count(k)) out += (out.empty() ? "" : ", ") + std::to_string(k);
  return out;
}

// A held batch the finish loaded is marked "done <JSON>" in its transaction: the run that loaded
// it and what became of its rows. A finish killed before its audit record is written leaves them
// so; the next finish writes them into the killed one's record (record_killed_finishes). "done"
// alone: marked by a version that kept no outcome.
constexpr std::string_view kDoneMark = "done";
bool is_done(std::string_view position) { return position == kDoneMark || position.starts_with("done "); }

std::string done_mark(const std::string& run_id, const std::string& entity, const std::string& lane, int64_t held,
                      const LoadOutcome& outcome) {
  return std::string(kDoneMark) + " " +
         json({{"run", run_id}, {"entity", entity}, {"lane", lane}, {"held", held}, {"loaded", outcome.loaded},
               {"unchanged", outcome.unchanged}, {"rejected", static_cast<int64_t>(outcome.rejects.size())},
               {"nulled_references", outcome.nulled_references}})
             .dump(-1, ' ', false, json::error_handler_t::replace);
}

// Adds `c` to the counts of its entity in `into` (in the order entities come).
void add_counts(std::vector<FinishCounts>& into, const FinishCounts& c) {
  auto it = std::find_if(into.begin(), into.end(), [&](const FinishCounts& e) { return e.entity == c.entity; });
  if (it == into.end()) {
    into.push_back(c);
    return;
  }
  it->held += c.held, it->loaded += c.loaded, it->unchanged += c.unchanged;
  it->rejected += c.rejected, it->nulled_references += c.nulled_references;
  for (const auto& [lane, n] : c.rejected_by_shard) it->rejected_by_shard[lane] += n;
}

// The counts of a finish's audit record (what validate adds up, validate/counts.h).
json entities_json(const std::vector<FinishCounts>& entities) {
  json counts = json::array();
  for (const auto& c : entities) {
    counts.push_back({{"name", c.entity}, {"held", c.held}, {"loaded", c.loaded}, {"unchanged", c.unchanged},
                      {"rejected", c.rejected}, {"rejected_by_shard", c.rejected_by_shard},
                      {"nulled_references", c.nulled_references}});
  }
  return counts;
}

// Finishes killed before this one (`runs`, newest first: begin_run has marked them interrupted)
// have no counts in their audit records, yet the held batches they committed stay loaded (or
// rejected) and are not loaded again: their done marks say what became of them. Writes each
// killed finish's counts from its marks into its record, as it would have at its end, so that
// validate adds them up like any finish's. Returns the runs recorded, with their batches.
Result<std::vector<std::pair<std::string, int64_t>>> record_killed_finishes(TargetStore& store, const std::string& plan_id,
                                                                            const std::string& run_id,
                                                                            const std::vector<RunRecord>& runs) {
  std::map<std::string, std::vector<FinishCounts>> by_run;
  std::map<std::string, int64_t> batches;
  CSB_ASSIGN_OR_RETURN(auto held, store.checkpoints(kPendingPrefix));
  for (const auto& [scope, value] : held) {
    if (!is_done(value) || value == kDoneMark) continue;
    json j = json::parse(std::string_view(value).substr(kDoneMark.size() + 1), nullptr, false);
    if (!j.is_object() || !j.contains("run") || !j["run"].is_string() || !j.contains("entity") ||
        !j["entity"].is_string()) {
      continue;
    }
    auto number = [&](const char* k) { return j.contains(k) && j[k].is_number_integer() ? j[k].get<int64_t>() : 0; };
    FinishCounts c;
    c.entity = j["entity"].get<std::string>();
    c.held = number("held"), c.loaded = number("loaded"), c.unchanged = number("unchanged");
    c.rejected = number("rejected"), c.nulled_references = number("nulled_references");
    if (c.rejected > 0 && j.contains("lane") && j["lane"].is_string()) c.rejected_by_shard[j["lane"].get<std::string>()] = c.rejected;
    const std::string run = j["run"].get<std::string>();
    add_counts(by_run[run], c);
    ++batches[run];
  }
  std::vector<std::pair<std::string, int64_t>> recorded;
  for (const RunRecord& r : runs) {
    if (r.run_id == run_id || !r.counts_json.empty() || r.status == "ok" || r.status == "failed") continue;
    auto it = by_run.find(r.run_id);
    if (it == by_run.end()) continue;
    json counts = {{"plan", plan_id}, {"entities", entities_json(it->second)}, {"recorded_by", run_id}};
    CSB_RETURN_IF_ERROR(store.set_run_counts(r.run_id, counts.dump(-1, ' ', false, json::error_handler_t::replace)));
    recorded.emplace_back(r.run_id, batches[r.run_id]);
  }
  return recorded;
}

// Loads the held batches of one block (each with its done mark, in its transaction).
Status finish_block(TargetStore& store, const mapping::Block& block, const std::string& run_id, RejectLog& rejects,
                    FinishCounts& counts) {
  CSB_ASSIGN_OR_RETURN(auto held, store.checkpoints(std::string(kPendingPrefix) + block.scope() + "@"));
  for (const auto& [scope, value] : held) {
    if (is_done(value)) continue;
    CSB_ASSIGN_OR_RETURN(HeldBatch batch, decode_held(value));
    counts.held += static_cast<int64_t>(batch.rows.rows());
    const std::string lane = scope.substr(scope.rfind('#') + 1);  // "pending:<scope>#<lane>" (shard_store.h)
    auto write_rejects = [&](const LoadOutcome& outcome) -> Status {
      for (const RowReject& rr : outcome.rejects) {
        mapping::RowError error{std::string(batch.rows.get(rr.row, 0)), "", rr.code, rr.message, {}};
        CSB_RETURN_IF_ERROR(rejects.write(run_id, block, error, nullptr, 0, {}, {}));
      }
      return outcome.rejects.empty() ? Status::ok() : rejects.flush();
    };
    const int64_t rows = static_cast<int64_t>(batch.rows.rows());
    auto mark = [&](const LoadOutcome& outcome) -> std::vector<std::pair<std::string, std::string>> {
      return {{scope, done_mark(run_id, block.entity, lane, rows, outcome)}};
    };
    CSB_ASSIGN_OR_RETURN(LoadOutcome outcome, store.load(batch.spec, batch.rows, "", "", run_id, write_rejects, mark));
    counts.loaded += outcome.loaded;
    counts.unchanged += outcome.unchanged;
    counts.rejected += static_cast<int64_t>(outcome.rejects.size());
    if (!outcome.rejects.empty()) counts.rejected_by_shard[lane] += static_cast<int64_t>(outcome.rejects.size());
    counts.nulled_references += outcome.nulled_references;
  }
  return Status::ok();
}

}  // namespace

Result<ShardPlan> write_shard_plan(const config::Config& config, const mapping::MappingSet& mappings,
                                   const model::Model& model, const PlanShardsOptions& options,
                                   const std::string& target) {
  CSB_ASSIGN_OR_RETURN(ShardPlan plan, plan_shards(config, mappings, model, options));
  CSB_ASSIGN_OR_RETURN(auto store, open_store(config, target, model));
  CSB_RETURN_IF_ERROR(store->lock_target());  // no migration, no shard meanwhile
  CSB_RETURN_IF_ERROR(store->prepare());
  CSB_ASSIGN_OR_RETURN(std::optional<ShardPlan> old, read_plan(*store));
  if (old) {
    const std::string old_id = old->id();
    if (old_id == plan.id()) return plan;  // the same plan: the shards' marks stay
    CSB_ASSIGN_OR_RETURN(std::optional<std::string> finished, store->checkpoint(kFinishedScope));
    CSB_ASSIGN_OR_RETURN(auto started, store->checkpoints(kShardScopePrefix));
    CSB_ASSIGN_OR_RETURN(auto held, store->checkpoints(kPendingPrefix));
    CSB_ASSIGN_OR_RETURN(std::set<int> done, done_shards(*store, old_id));
    bool unfinished = (!finished || *finished != old_id) && (!started.empty() || !held.empty() || !done.empty());
    if (unfinished) {
      return invalid_argument("the target holds shard plan " + old_id + " of " + std::to_string(old->shards) +
                              " shards (made " + old->created_at + ") that has not finished (shards not done: " +
                              missing_list(done, old->shards) + "): run them (migrate --shard K/" +
                              std::to_string(old->shards) + ") and migrate --finish before planning again");
    }
  }
  CSB_RETURN_IF_ERROR(store->reset_checkpoints("shards:", {std::string(kPlanScope)}, encode_plan(plan), ""));
  return plan;
}

Result<FinishSummary> finish_shards(const config::Config& config, const mapping::MappingSet& mappings,
                                    const model::Model& model, const FinishOptions& options) {
  CSB_ASSIGN_OR_RETURN(auto store, open_store(config, options.target, model, options.open_target));
  CSB_RETURN_IF_ERROR(store->lock_lane("finish"));
  CSB_RETURN_IF_ERROR(store->prepare());
  CSB_ASSIGN_OR_RETURN(std::optional<ShardPlan> plan, read_plan(*store));
  if (!plan) return invalid_argument("--finish: the target holds no shard plan (csbridge plan-shards --shards N makes one)");
  FinishSummary summary;
  summary.plan_id = plan->id();
  CSB_ASSIGN_OR_RETURN(std::set<int> done, done_shards(*store, summary.plan_id));
  if (static_cast<int>(done.size()) < plan->shards) {
    return invalid_argument("--finish: shards " + missing_list(done, plan->shards) + " of " +
                            std::to_string(plan->shards) + " have not completed: run them (migrate --shard K/" +
                            std::to_string(plan->shards) + "); the last one to complete finishes the plan");
  }
  summary.run_id = make_run_id() + ".finish";
  RunRecord run{summary.run_id, "", "", os_user(), options.command_line, mappings_hash(mappings), "running", ""};
  CSB_RETURN_IF_ERROR(store->begin_run(run));
  RejectLog rejects;
  rejects.open(options.reject_file);
  std::set<std::string> chain;  // finishes killed before: their reject lines are not written again
  CSB_ASSIGN_OR_RETURN(auto runs, store->list_runs(1000));
  for (const RunRecord& r : runs) {
    if (r.run_id == summary.run_id || !r.run_id.ends_with(".finish")) continue;
    if (r.status == "ok") break;
    chain.insert(r.run_id);
  }
  if (!chain.empty() && !options.reject_file.empty()) {
    rejects.skip_lines_of(chain);
    // A killed finish may have written its rejects into another file (the finish a shard ran
    // wrote into that shard's --rejects): lines it synced for a batch it did not commit are not
    // written again here.
    for (const std::string& killed : chain) {
      CSB_ASSIGN_OR_RETURN(std::optional<std::string> file, store->checkpoint(std::string(kFinishRejectsPrefix) + killed));
      if (file && !file->empty()) rejects.skip_lines_of(chain, *file);
    }
  }
  if (!options.reject_file.empty()) {
    std::error_code ec;
    std::string where = std::filesystem::absolute(options.reject_file, ec).string();
    const std::string scope = std::string(kFinishRejectsPrefix) + summary.run_id;
    CSB_RETURN_IF_ERROR(store->reset_checkpoints(scope, {scope}, ec ? options.reject_file : where, summary.run_id));
  }
  auto ok_counts = [&] {
    return json({{"plan", summary.plan_id}, {"entities", entities_json(summary.entities)},
                 {"self_references", summary.self_references}})
        .dump(-1, ' ', false, json::error_handler_t::replace);
  };
  auto body = [&]() -> Status {
    CSB_ASSIGN_OR_RETURN(summary.killed_finishes, record_killed_finishes(*store, summary.plan_id, summary.run_id, runs));
    for (const mapping::Block* block : mapping::load_order(mappings, model)) {
      if (!plan->block(block->scope())) continue;
      FinishCounts counts;
      counts.entity = block->entity;
      // Counted also when the block fails: its batches committed before stay loaded.
      Status finished = finish_block(*store, *block, summary.run_id, rejects, counts);
      if (counts.held > 0) add_counts(summary.entities, counts);
      CSB_RETURN_IF_ERROR(finished);
    }
    CSB_ASSIGN_OR_RETURN(summary.self_references, store->resolve_deferred());
    CSB_RETURN_IF_ERROR(store->restore_indexes());
    std::vector<std::string> entities;
    for (const BlockShards& b : plan->blocks) {
      if (std::find(entities.begin(), entities.end(), b.entity) == entities.end()) entities.push_back(b.entity);
    }
    CSB_RETURN_IF_ERROR(store->analyze(entities));
    // The counts first: once the done marks are cleared, only this record tells what became of
    // the batches (a finish killed from here on keeps them; the next run marks it interrupted).
    CSB_RETURN_IF_ERROR(store->set_run_counts(summary.run_id, ok_counts()));
    CSB_RETURN_IF_ERROR(store->clear_checkpoints(kPendingPrefix));
    CSB_RETURN_IF_ERROR(store->clear_checkpoints(kFinishRejectsPrefix));
    return store->reset_checkpoints(kFinishedScope, {std::string(kFinishedScope)}, summary.plan_id, summary.run_id);
  };
  Status s = body();
  if (!s.is_ok()) {
    (void)store->end_run(summary.run_id, "failed",
                         json({{"error", s.message()}, {"plan", summary.plan_id},
                               {"entities", entities_json(summary.entities)}})
                             .dump(-1, ' ', false, json::error_handler_t::replace));
    return s;
  }
  CSB_RETURN_IF_ERROR(store->end_run(summary.run_id, "ok", ok_counts()));
  return summary;
}

Result<ShardRunResult> run_shard(const config::Config& config, const mapping::MappingSet& mappings,
                                 const model::Model& model, MigrateOptions options, int k, int n,
                                 util::Progress* progress) {
  const std::string shard = "--shard " + std::to_string(k) + "/" + std::to_string(n);
  if (options.dry_run) return invalid_argument(shard + ": a dry run has no target to read the plan from");
  if (options.delta) return invalid_argument(shard + ": --delta runs in one process (a delta's mark is per block)");
  CSB_ASSIGN_OR_RETURN(auto store, open_store(config, options.target, model, options.open_target));
  CSB_RETURN_IF_ERROR(store->prepare());
  CSB_ASSIGN_OR_RETURN(std::optional<ShardPlan> found, read_plan(*store));
  if (!found) {
    return invalid_argument(shard + ": the target holds no shard plan: run csbridge plan-shards --shards " +
                            std::to_string(n) + " first (once, before the shards start)");
  }
  auto plan = std::make_shared<ShardPlan>(std::move(*found));
  if (plan->shards != n) {
    return invalid_argument(shard + ": the target's plan (made " + plan->created_at + ") has " +
                            std::to_string(plan->shards) + " shards, not " + std::to_string(n) +
                            ": run its shards as --shard K/" + std::to_string(plan->shards) +
                            ", or plan again (plan-shards) once they have finished");
  }
  if (plan->mappings != mappings_hash(mappings)) {
    return invalid_argument(shard + ": the mapping files changed since the target's plan was made (" +
                            plan->created_at + "): every shard of a plan must run the same mappings; plan again "
                            "(plan-shards) once its shards have finished, or run them with the plan's mappings");
  }
  for (const mapping::Block* b : mapping::load_order(mappings, model)) {
    bool wanted = options.entities.empty() ||
                  std::find(options.entities.begin(), options.entities.end(), b->entity) != options.entities.end();
    if (wanted && !plan->block(b->scope())) {
      return invalid_argument(shard + ": " + b->display() + " is not in the target's plan: plan again (plan-shards)");
    }
  }
  const std::string plan_id = plan->id();
  options.key_range = [plan, k](const mapping::Block& block, const connector::Connector& db) -> Result<std::string> {
    const BlockShards* b = plan->block(block.scope());
    if (!b) return invalid_argument(block.display() + ": not in the shard plan");
    return range_predicate(db, *b, static_cast<size_t>(k - 1));
  };
  ShardRunResult result;
  auto held = std::make_shared<HeldRows>();
  const std::string lane = shard_lane(k, n);
  TargetOpener inner = options.open_target;
  options.open_target = [inner, lane, held](const std::string& c, const std::string& s,
                                            const model::Model& m) -> Result<std::unique_ptr<TargetStore>> {
    CSB_ASSIGN_OR_RETURN(auto opened, inner ? inner(c, s, m) : TargetStore::open(c, s, m));
    return shard_store(std::move(opened), lane, held);
  };
  CSB_ASSIGN_OR_RETURN(result.summary, run_migration(config, mappings, model, options, progress));
  result.held = held->by_entity;
  if (result.summary.status != "ok" && result.summary.status != "too_many_rejects") return result;
  const std::string mark = std::string(kDonePrefix) + std::to_string(k);
  CSB_RETURN_IF_ERROR(store->reset_checkpoints(mark, {mark}, plan_id, result.summary.run_id + "." + lane));
  CSB_ASSIGN_OR_RETURN(std::set<int> done, done_shards(*store, plan_id));
  if (static_cast<int>(done.size()) < n) {
    result.finish_note = "shards " + missing_list(done, n) + " of " + std::to_string(n) +
                         " have not completed: the last one to complete finishes the plan";
    return result;
  }
  FinishOptions f;
  f.target = options.target;
  f.reject_file = options.reject_file;
  f.command_line = options.command_line;
  f.open_target = inner;
  Result<FinishSummary> finished = finish_shards(config, mappings, model, f);
  if (finished.is_ok()) {
    result.finish = std::move(*finished);
  } else if (finished.status().code() == ErrorCode::kConflict) {
    result.finish_note = "another shard is finishing the plan";
  } else {
    return finished.status().with_context("finishing the shard plan (migrate --finish runs it again)");
  }
  return result;
}

Result<std::optional<PlanState>> plan_state(TargetStore& store) {
  CSB_ASSIGN_OR_RETURN(std::optional<ShardPlan> plan, read_plan(store));
  if (!plan) return std::optional<PlanState>();
  PlanState state;
  state.id = plan->id();
  CSB_ASSIGN_OR_RETURN(std::optional<std::string> finished, store.checkpoint(kFinishedScope));
  state.finished = finished && *finished == state.id;
  CSB_ASSIGN_OR_RETURN(auto held, store.checkpoints(kPendingPrefix));
  for (const auto& [scope, value] : held) state.held_batches += is_done(value) ? 0 : 1;
  CSB_ASSIGN_OR_RETURN(std::set<int> done, done_shards(store, state.id));
  CSB_ASSIGN_OR_RETURN(auto runs, store.list_runs(1000));
  for (int k = 1; k <= plan->shards; ++k) {
    ShardState s;
    s.shard = k;
    const std::string lane = shard_lane(k, plan->shards);
    CSB_ASSIGN_OR_RETURN(auto started, store.checkpoints(std::string(kShardScopePrefix) + lane + ":"));
    s.state = done.count(k) ? "done" : started.empty() ? "not started" : "started (interrupted or running)";
    for (const RunRecord& r : runs) {  // newest first
      if (!r.run_id.ends_with("." + lane)) continue;
      s.last_run = r.run_id;
      s.last_status = r.status;
      break;
    }
    state.shards.push_back(std::move(s));
  }
  state.plan = std::move(*plan);
  return std::optional<PlanState>(std::move(state));
}

}  // namespace csbridge::migrate
