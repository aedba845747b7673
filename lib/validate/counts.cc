#include "validate/counts.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "util/strings.h"

namespace csbridge::validate {
namespace {
constexpr size_t kListed = 10;  // count failures name no key: a few lines suffice

int64_t number(const nlohmann::json& o, const char* k) {
  return o.is_object() && o.contains(k) && o[k].is_number_integer() ? o[k].get<int64_t>() : 0;
}

// One entity's counts in a run's audit record (an element of its counts array).
std::optional<std::pair<std::string, RunCounts>> entity_counts(const nlohmann::json& e, const std::string& run_id) {
  if (!e.is_object() || !e.contains("name") || !e["name"].is_string()) return std::nullopt;
  RunCounts c{run_id, number(e, "read") + number(e, "skipped"), number(e, "loaded"), number(e, "rejected"),
              number(e, "filtered")};
  // Runs since the chain counts were recorded: the rows of the whole chain of runs (a resumed
  // run and the interrupted ones before it) in the target, rejected and filtered; "loaded"
  // then counts only the rows the run wrote. Older runs counted unchanged rows as loaded.
  if (e.contains("chain") && e["chain"].is_object()) {
    const auto& chain = e["chain"];
    c.loaded = number(chain, "in_target");
    c.rejected = number(chain, "rejected");
    c.filtered = number(chain, "filtered");
  }
  c.delta = e.contains("delta") && e["delta"].is_string() && e["delta"].get<std::string>().rfind("delta ", 0) == 0;
  return std::make_pair(e["name"].get<std::string>(), c);
}

bool completed(const migrate::RunRecord& run) { return run.status == "ok" || run.status == "too_many_rejects"; }

// Runs a plan's shards and finish leave: a shard's run ids end ".shard-K-of-N", the finish's ".finish".
constexpr std::string_view kShardRunMark = ".shard-";
constexpr std::string_view kFinishRunSuffix = ".finish";
constexpr int kRunsConsidered = 100;

}  // namespace

Result<std::map<std::string, RunCounts>> latest_run_counts(migrate::TargetStore& store) {
  CSB_ASSIGN_OR_RETURN(auto runs, store.list_runs(kRunsConsidered));
  std::map<std::string, RunCounts> out;
  bool sharded = false;
  for (const auto& run : runs) {  // newest first
    if (!completed(run)) continue;
    auto counts = nlohmann::json::parse(run.counts_json, nullptr, false);
    if (!counts.is_array()) continue;
    for (const auto& e : counts) {
      auto c = entity_counts(e, run.run_id);
      if (!c || out.count(c->first)) continue;
      sharded = sharded || run.run_id.find(kShardRunMark) != std::string::npos;
      out[c->first] = c->second;
    }
  }
  if (!sharded) return out;
  // An entity whose latest run is one shard's: the plan's shards and finish together.
  CSB_ASSIGN_OR_RETURN(std::optional<migrate::PlanState> plan, migrate::plan_state(store));
  if (!plan) return out;
  CSB_ASSIGN_OR_RETURN(auto whole, plan_run_counts(store, *plan, 0));
  for (auto& [name, c] : out) {
    if (c.run_id.find(kShardRunMark) == std::string::npos) continue;
    if (auto it = whole.find(name); it != whole.end()) c = it->second;
  }
  return out;
}

Result<std::map<std::string, RunCounts>> plan_run_counts(migrate::TargetStore& store, const migrate::PlanState& plan,
                                                         int k) {
  // Every shard's latest run and the finishes: a plan of N shards leaves at least N + 1 records.
  CSB_ASSIGN_OR_RETURN(auto runs, store.list_runs(std::max(kRunsConsidered, 4 * plan.plan.shards + 100)));
  std::map<std::string, RunCounts> out;
  std::vector<std::string> counted, missing;
  for (int shard = 1; shard <= plan.plan.shards; ++shard) {
    if (k != 0 && shard != k) continue;
    const std::string suffix = "." + migrate::shard_lane(shard, plan.plan.shards);
    auto run = std::find_if(runs.begin(), runs.end(),
                            [&](const migrate::RunRecord& r) { return completed(r) && r.run_id.ends_with(suffix); });
    if (run == runs.end()) {
      missing.push_back(std::to_string(shard));
      continue;
    }
    counted.push_back(run->run_id);
    auto counts = nlohmann::json::parse(run->counts_json, nullptr, false);
    if (!counts.is_array()) continue;
    for (const auto& e : counts) {
      auto c = entity_counts(e, run->run_id);
      if (!c) continue;
      RunCounts& sum = out[c->first];
      sum.read += c->second.read, sum.loaded += c->second.loaded;
      sum.rejected += c->second.rejected, sum.filtered += c->second.filtered;
    }
  }
  // The finish rejects held rows (orphan references): in the shards' counts they are loaded.
  // Every finish run that recorded counts for this plan: ok, failed, and interrupted (killed;
  // the next finish wrote what it had committed into its record, migrate/shards.h).
  int finishes = 0;
  const std::string lane = k == 0 ? "" : migrate::shard_lane(k, plan.plan.shards);
  for (const auto& run : runs) {
    if (!run.run_id.ends_with(kFinishRunSuffix) || run.counts_json.empty()) continue;
    auto counts = nlohmann::json::parse(run.counts_json, nullptr, false);
    if (!counts.is_object() || !counts.contains("plan") || counts["plan"] != plan.id) continue;
    if (!counts.contains("entities") || !counts["entities"].is_array()) continue;
    ++finishes;
    for (const auto& e : counts["entities"]) {
      if (!e.is_object() || !e.contains("name") || !e["name"].is_string()) continue;
      int64_t rejected = k == 0 ? number(e, "rejected") : number(e.value("rejected_by_shard", nlohmann::json()), lane.c_str());
      auto it = out.find(e["name"].get<std::string>());
      if (it == out.end() || rejected == 0) continue;
      it->second.loaded -= rejected;
      it->second.rejected += rejected;
    }
  }
  std::string what = (k == 0 ? "the shards of plan " : "shard " + std::to_string(k) + " of plan ") + plan.id + " (" +
                     (counted.empty() ? "no completed run" : "runs " + util::join(counted, ", "));
  if (!missing.empty()) what += "; shards " + util::join(missing, ", ") + " have no completed run";
  what += k == 0 ? (plan.finished ? "; finished" : "; not finished") : "";
  what += finishes ? ", with " + std::to_string(finishes) + " finish run" + (finishes > 1 ? "s" : "") + ")" : ")";
  for (auto& [name, c] : out) {
    c.run_id = counted.empty() ? "" : counted.front();
    c.what = what;
  }
  return out;
}

std::map<std::string, RunCounts> run_counts(const migrate::MigrateSummary& summary) {
  std::map<std::string, RunCounts> out;
  for (const auto& e : summary.entities) {
    out[e.name] = {summary.run_id, e.read + e.skipped, e.chain_in_target(), e.chain_rejected(), e.chain_filtered()};
  }
  return out;
}

Result<int64_t> count_target_rows(Target& target, const std::string& entity, const std::set<std::string>& systems) {
  std::string in;
  for (const auto& s : systems) in += (in.empty() ? "" : ", ") + Target::literal(s);
  // Tombstoned rows are rows the source deleted: not among the source's rows, not counted.
  CSB_ASSIGN_OR_RETURN(std::string live, target.live(entity));
  return target.scalar("SELECT count(*) FROM " + target.table(entity) + " WHERE \"source_system\" IN (" + in +
                       ") AND " + live);
}

CheckResult check_counts(const std::string& entity, const SourceCounts& source, int64_t target_rows,
                         const std::optional<RunCounts>& run, const std::string& as_of) {
  CheckResult r;
  r.name = "counts";
  r.entity = entity;
  r.set("source_rows", source.read);
  r.set("loaded", target_rows);
  auto reconcile = [&](int64_t rejected, int64_t filtered) {
    r.set("rejected", rejected);
    r.set("filtered", filtered);
    if (source.read != target_rows + rejected + filtered) {
      r.fail({"", "not_reconciled",
              "source rows " + std::to_string(source.read) + " ≠ loaded " + std::to_string(target_rows) +
                  " + rejected " + std::to_string(rejected) + " + filtered " + std::to_string(filtered)},
             kListed);
    }
  };
  // Counts of a `query:` block start at the query's output: what it left out is said, not failed
  // (a query may filter on purpose), and counted where its driving table could be.
  std::string query_note;
  int64_t query_left_out = 0;
  bool query_counted = false;
  for (const auto& q : source.queries) {
    std::string line = q.block + " reads a query: counts start at its " + std::to_string(q.query_rows) + " rows";
    if (q.table_rows >= 0) {
      int64_t left_out = q.table_rows - q.query_rows;
      query_left_out += std::max<int64_t>(left_out, 0);
      query_counted = true;
      line += left_out > 0 ? "; " + std::to_string(left_out) + " rows of its driving table " + q.driving_table +
                                 " are not among them (a join or WHERE left them out)"
                           : " (its driving table " + q.driving_table + " holds " + std::to_string(q.table_rows) + ")";
    } else {
      line += "; rows of its tables the query leaves out are not counted";
    }
    query_note += (query_note.empty() ? "" : "; ") + line;
  }
  if (query_counted) r.set("query_left_out", query_left_out);
  if (!run || run->delta) {
    // No run to take load rejects from: only what the mapping itself refuses is known.
    reconcile(source.rejected, source.filtered);
    r.note = run ? "the latest run of " + entity + " (" + run->run_id +
                       ") was a delta, whose counts cover its window: rejected counts only the rows the mapping refuses"
                 : "no completed migration run in the target covers " + entity +
                       ": rejected counts only the rows the mapping refuses";
    if (!query_note.empty()) r.note += "; " + query_note;
    if (!as_of.empty()) r.note += "; " + as_of;
    return r;
  }
  r.set("run_read", run->read);
  r.set("run_loaded", run->loaded);
  reconcile(run->rejected, run->filtered);
  if (!as_of.empty()) {
    // Read as of the run's marks: what the run read and loaded since moved on; the rows up to the
    // marks reconcile with the run's rejects.
    r.note = as_of + (query_note.empty() ? "" : "; " + query_note);
    return r;
  }
  const std::string runs = run->what.empty() ? "run " + run->run_id : run->what;
  if (run->read != source.read) {
    r.fail({"", "source_changed",
            "the source holds " + std::to_string(source.read) + " rows, " + runs + " read " + std::to_string(run->read)},
           kListed);
  }
  if (run->loaded != target_rows) {
    r.fail({"", "target_changed",
            "the target holds " + std::to_string(target_rows) + " rows, " + runs +
                (run->what.empty() ? " (with the interrupted runs it resumed)" : "") + " left " +
                std::to_string(run->loaded)},
           kListed);
  }
  if (!run->what.empty()) r.note = "reconciled with " + run->what;
  // Said, not warned: a query that leaves rows out usually does so on purpose (a join that splits
  // tickets by the kind of their reference); the figure and the note let a person check it.
  if (!query_note.empty()) r.note += (r.note.empty() ? "" : "; ") + query_note;
  return r;
}

}  // namespace csbridge::validate
