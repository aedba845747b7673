#include "validate/counts.h"

#include <nlohmann/json.hpp>

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
      auto n = [&](const char* k) { return e.contains(k) && e[k].is_number_integer() ? e[k].get<int64_t>() : 0; };
      out[name] = {run.run_id, n("read") + n("skipped"), n("loaded"), n("rejected"), n("filtered")};
    }
  }
  return out;
}

std::map<std::string, RunCounts> run_counts(const migrate::MigrateSummary& summary) {
  std::map<std::string, RunCounts> out;
  for (const auto& e : summary.entities) {
    out[e.name] = {summary.run_id, e.read + e.skipped, e.loaded, e.rejected, e.filtered};
  }
  return out;
}

Result<int64_t> count_target_rows(Target& target, const std::string& entity, const std::set<std::string>& systems) {
  std::string in;
  for (const auto& s : systems) in += (in.empty() ? "" : ", ") + Target::literal(s);
  return target.scalar("SELECT count(*) FROM " + target.table(entity) + " WHERE \"source_system\" IN (" + in + ")");
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
  if (!run) {
    // No run to take load rejects from: only what the mapping itself refuses is known.
    reconcile(source.rejected, source.filtered);
    r.note = "no completed migration run in the target covers " + entity +
             ": rejected counts only the rows the mapping refuses";
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
            "the target holds " + std::to_string(target_rows) + " rows, run " + run->run_id + " loaded " +
                std::to_string(run->loaded)},
           kListed);
  }
  return r;
}

}  // namespace csbridge::validate
