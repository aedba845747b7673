#include "validate/counts.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace csbridge::validate {
namespace {
constexpr size_t kListed = 10;  // count failures name no key: a few lines suffice
}  // namespace

Result<std::map<std::string, RunCounts>> latest_run_counts(migrate::TargetStore& store) {
  constexpr int kRunsConsidered = 100;
  CSB_ASSIGN_OR_RETURN(auto runs, store.list_runs(kRunsConsidered));
  std::map<std::string, RunCounts> out;
  for (const auto& run : runs) {  // newest first
    if (run.status != "ok" && run.status != "too_many_rejects") continue;
    auto counts = nlohmann::json::parse(run.counts_json, nullptr, false);
    if (!counts.is_array()) continue;
    for (const auto& e : counts) {
      if (!e.is_object() || !e.contains("name") || !e["name"].is_string()) continue;
      std::string name = e["name"].get<std::string>();
      if (out.count(name)) continue;
      auto n = [](const nlohmann::json& o, const char* k) {
        return o.contains(k) && o[k].is_number_integer() ? o[k].get<int64_t>() : 0;
      };
      RunCounts c{run.run_id, n(e, "read") + n(e, "skipped"), n(e, "loaded"), n(e, "rejected"), n(e, "filtered")};
      // Runs since the chain counts were recorded: the rows of the whole chain of runs (a resumed
      // run and the interrupted ones before it) in the target, rejected and filtered; "loaded"
      // then counts only the rows the run wrote. Older runs counted unchanged rows as loaded.
      if (e.contains("chain") && e["chain"].is_object()) {
        const auto& chain = e["chain"];
        c.loaded = n(chain, "in_target");
        c.rejected = n(chain, "rejected");
        c.filtered = n(chain, "filtered");
      }
      c.delta = e.contains("delta") && e["delta"].is_string() && e["delta"].get<std::string>().rfind("delta ", 0) == 0;
      out[name] = c;
    }
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
                         const std::optional<RunCounts>& run) {
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
    return r;
  }
  r.set("run_read", run->read);
  r.set("run_loaded", run->loaded);
  reconcile(run->rejected, run->filtered);
  if (run->read != source.read) {
    r.fail({"", "source_changed",
            "the source holds " + std::to_string(source.read) + " rows, run " + run->run_id + " read " +
                std::to_string(run->read)},
           kListed);
  }
  if (run->loaded != target_rows) {
    r.fail({"", "target_changed",
            "the target holds " + std::to_string(target_rows) + " rows, run " + run->run_id +
                " (with the interrupted runs it resumed) left " + std::to_string(run->loaded)},
           kListed);
  }
  // Said, not warned: a query that leaves rows out usually does so on purpose (a join that splits
  // tickets by the kind of their reference); the figure and the note let a person check it.
  if (!query_note.empty()) r.note += (r.note.empty() ? "" : "; ") + query_note;
  return r;
}

}  // namespace csbridge::validate
