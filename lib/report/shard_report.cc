#include "report/shard_report.h"

#include "report/migrate_report.h"
#include "util/strings.h"

namespace csbridge::report {
namespace {

std::string bound(const std::optional<migrate::Mark>& mark, const char* none) {
  return mark ? "(" + util::join(*mark, ", ") + ")" : none;
}

}  // namespace

std::string shard_plan_text(const migrate::ShardPlan& plan) {
  std::string out = "shard plan " + plan.id() + ": " + std::to_string(plan.shards) + " shards, mappings " +
                    plan.mappings + ", made " + plan.created_at + " UTC\n";
  for (const auto& b : plan.blocks) {
    out += "  " + b.display + " (" + b.entity + "), key (" + util::join(b.key, ", ") + "), " + std::to_string(b.rows) +
           " rows, by " + b.how + "\n";
    for (size_t k = 0; k < b.shards.size(); ++k) {
      const auto& r = b.shards[k];
      out += "    shard " + std::to_string(k + 1) + ": " +
             (r.empty ? std::string("no keyed rows") : "after " + bound(r.lower, "the start") + " up to " + bound(r.upper, "the end")) +
             ", about " + std::to_string(r.rows) + " rows\n";
    }
  }
  out += "run each shard as: csbridge migrate --shard K/" + std::to_string(plan.shards) +
         " (K = 1 … " + std::to_string(plan.shards) + "), at the same time or not\n";
  return out;
}

nlohmann::json shard_plan_json(const migrate::ShardPlan& plan) {
  nlohmann::json j = nlohmann::json::parse(migrate::encode_plan(plan));
  j["id"] = plan.id();
  return j;
}

std::string finish_text(const migrate::FinishSummary& f) {
  std::string out = "finished shard plan " + f.plan_id + " (run " + f.run_id + ")\n";
  for (const auto& [run, batches] : f.killed_finishes) {
    out += "  finish " + run + " was interrupted: its audit record now holds the " + std::to_string(batches) +
           " held batch" + (batches == 1 ? "" : "es") + " it committed\n";
  }
  if (f.entities.empty()) out += "  no rows were held for the finish\n";
  for (const auto& c : f.entities) {
    out += "  " + c.entity + ": held " + std::to_string(c.held) + ", loaded " + std::to_string(c.loaded) +
           ", unchanged " + std::to_string(c.unchanged) + ", rejected " + std::to_string(c.rejected) +
           (c.nulled_references ? ", nulled references " + std::to_string(c.nulled_references) : "") + "\n";
  }
  out += "  self-references set: " + std::to_string(f.self_references) + "\n";
  return out;
}

nlohmann::json finish_json(const migrate::FinishSummary& f) {
  nlohmann::json entities = nlohmann::json::array();
  for (const auto& c : f.entities) {
    entities.push_back({{"name", c.entity}, {"held", c.held}, {"loaded", c.loaded}, {"unchanged", c.unchanged},
                        {"rejected", c.rejected}, {"nulled_references", c.nulled_references}});
  }
  nlohmann::json killed = nlohmann::json::array();
  for (const auto& [run, batches] : f.killed_finishes) killed.push_back({{"run_id", run}, {"batches", batches}});
  return {{"run_id", f.run_id},
          {"plan", f.plan_id},
          {"entities", entities},
          {"self_references", f.self_references},
          {"interrupted_finishes_recorded", killed}};
}

std::string shard_run_text(const migrate::ShardRunResult& result, int k, int n) {
  std::string out = "shard " + std::to_string(k) + " of " + std::to_string(n) + "\n" + migrate_text(result.summary);
  for (const auto& [entity, rows] : result.held) {
    out += "held for the finish: " + entity + " " + std::to_string(rows) +
           " rows (counted as loaded above: their lookups wait for rows another shard loads)\n";
  }
  if (result.finish) out += finish_text(*result.finish);
  else if (!result.finish_note.empty()) out += "not finished yet: " + result.finish_note + "\n";
  return out;
}

nlohmann::json shard_run_json(const migrate::ShardRunResult& result, int k, int n) {
  nlohmann::json j = migrate_json(result.summary);
  j["shard"] = {{"k", k}, {"n", n}, {"held", result.held}};
  j["finish"] = result.finish ? finish_json(*result.finish) : nlohmann::json(nullptr);
  if (!result.finish_note.empty()) j["finish_note"] = result.finish_note;
  return j;
}

std::string plan_state_text(const migrate::PlanState& s) {
  std::string out = "shard plan " + s.id + ": " + std::to_string(s.plan.shards) + " shards, made " + s.plan.created_at +
                    " UTC, " + (s.finished ? "finished" : "not finished") +
                    (s.held_batches ? ", " + std::to_string(s.held_batches) + " batches of held rows wait for the finish"
                                    : "") + "\n";
  for (const auto& sh : s.shards) {
    out += "  shard " + std::to_string(sh.shard) + ": " + sh.state +
           (sh.last_run.empty() ? "" : ", last run " + sh.last_run + " " + sh.last_status) + "\n";
  }
  return out;
}

nlohmann::json plan_state_json(const migrate::PlanState& s) {
  nlohmann::json shards = nlohmann::json::array();
  for (const auto& sh : s.shards) {
    shards.push_back({{"shard", sh.shard},
                      {"state", sh.state == "done" ? "done" : sh.state == "not started" ? "not_started" : "started"},
                      {"last_run", sh.last_run.empty() ? nlohmann::json(nullptr) : nlohmann::json(sh.last_run)},
                      {"last_status", sh.last_status.empty() ? nlohmann::json(nullptr) : nlohmann::json(sh.last_status)}});
  }
  return {{"id", s.id},
          {"shards", s.plan.shards},
          {"mappings", s.plan.mappings},
          {"created_at", s.plan.created_at},
          {"finished", s.finished},
          {"held_batches", s.held_batches},
          {"shard_states", shards}};
}

}  // namespace csbridge::report
