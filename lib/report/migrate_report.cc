#include "report/migrate_report.h"

#include <cstdio>

#include "util/strings.h"

namespace csbridge::report {
namespace {

std::string right(const std::string& s, size_t width) {
  size_t w = util::display_width(s);
  return std::string(width > w ? width - w : 0, ' ') + s;
}

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", s);
  return buf;
}

}  // namespace

std::string migrate_text(const migrate::MigrateSummary& summary) {
  const std::vector<std::string> head = {"read", "loaded", "unchanged", "rejected", "filtered", "resumed", "seconds"};
  size_t name_w = std::string("entity").size();
  for (const auto& e : summary.entities) name_w = std::max(name_w, util::display_width(e.name));
  std::string out = "run " + summary.run_id + ": " + summary.status + "\n\n" + util::pad_right("entity", name_w);
  for (const auto& h : head) out += "  " + right(h, 9);
  out += '\n';
  migrate::EntityCounts total;
  total.name = "total";
  bool balanced = true;
  auto row = [&](const migrate::EntityCounts& e) {
    std::string line = util::pad_right(e.name, name_w);
    for (int64_t n : {e.read, e.loaded, e.unchanged, e.rejected, e.filtered, e.skipped}) {
      line += "  " + right(std::to_string(n), 9);
    }
    return line + "  " + right(seconds(e.seconds), 9) + "\n";
  };
  for (const auto& e : summary.entities) {
    out += row(e);
    total.read += e.read;
    total.loaded += e.loaded;
    total.unchanged += e.unchanged;
    total.rejected += e.rejected;
    total.filtered += e.filtered;
    total.skipped += e.skipped;
    total.seconds += e.seconds;
    total.resumed_loaded += e.resumed_loaded;
    total.resumed_rejected += e.resumed_rejected;
    total.resumed_filtered += e.resumed_filtered;
    total.nulled_references += e.nulled_references;
    balanced &= e.read == e.loaded + e.unchanged + e.rejected + e.filtered;
  }
  out += row(total) + "\n";
  out += balanced ? "read = loaded + unchanged + rejected + filtered for every entity\n"
                  : "MISMATCH: read ≠ loaded + unchanged + rejected + filtered for some entity (please report this)\n";
  if (total.skipped > 0) {
    out += "resumed: " + std::to_string(total.skipped) + " rows an interrupted run committed were not read again (" +
           std::to_string(total.resumed_loaded) + " in the target, " + std::to_string(total.resumed_rejected) +
           " rejected, " + std::to_string(total.resumed_filtered) + " filtered; their reject lines were written then)\n";
  }
  for (const auto& e : summary.entities) {
    for (const auto& [field, n] : e.nulled_by_field) {
      out += e.name + "." + field + ": " + std::to_string(n) + (n == 1 ? " reference" : " references") +
             " to no row set to NULL (orphans: null); the legacy key is kept in custom." + field + "_orphan\n";
    }
  }
  for (const auto& e : summary.entities) {
    if (e.conflicts == 0 && e.kept_target_edits == 0) continue;
    out += e.name + ": changed in the target after csbridge wrote them: ";
    if (e.kept_target_edits > 0) {
      out += std::to_string(e.kept_target_edits) + " kept (the source had not changed)" + (e.conflicts > 0 ? ", " : "");
    }
    if (e.conflicts > 0) {
      out += std::to_string(e.conflicts) + " changed in the source too: " +
             (summary.conflicts == "source_wins"   ? "written (delta.conflicts: source_wins)"
              : summary.conflicts == "target_wins" ? "kept (delta.conflicts: target_wins)"
                                                   : "rejected with code conflict (delta.conflicts: reject)");
    }
    out += "\n";
  }
  for (const auto& e : summary.entities) {
    if (!e.delta.empty()) out += e.name + ": " + e.delta + (e.mark.empty() ? "" : "; mark " + e.mark) + "\n";
  }
  for (const auto& e : summary.entities) {
    if (e.deletes.empty()) continue;
    out += e.name + ": deletes " + e.deletes + "; " + std::to_string(e.deletes_found) + " found, " +
           std::to_string(e.deleted) + " deleted" + (e.removed > 0 ? " (" + std::to_string(e.removed) + " removed)" : "") +
           "\n";
  }
  if (summary.status == "too_many_deletes") out += "too many deletes: " + summary.deletes_error + "\n";
  std::string snapshots;  // one line per distinct way the sources were read
  for (const auto& e : summary.entities) {
    if (!e.snapshot.empty() && snapshots.find(e.snapshot) == std::string::npos) snapshots += "read: " + e.snapshot + "\n";
  }
  out += snapshots;
  if (summary.status == "dry_run") out += "dry run: nothing was written; loaded = rows that would be loaded\n";
  if (summary.status == "interrupted") {
    out += "interrupted: the batches read were committed; run the same command again to resume\n";
  }
  if (total.rejected > 0 && !summary.reject_file.empty()) {
    out += std::to_string(total.rejected) + " rejected rows, with their reasons, in " + summary.reject_file + "\n";
  }
  return out;
}

nlohmann::json migrate_json(const migrate::MigrateSummary& summary) {
  nlohmann::json entities = nlohmann::json::array();
  for (const auto& e : summary.entities) {
    entities.push_back({{"name", e.name},
                        {"read", e.read},
                        {"loaded", e.loaded},
                        {"unchanged", e.unchanged},
                        {"rejected", e.rejected},
                        {"filtered", e.filtered},
                        {"resumed", e.skipped},
                        {"resumed_loaded", e.resumed_loaded},
                        {"resumed_rejected", e.resumed_rejected},
                        {"resumed_filtered", e.resumed_filtered},
                        {"nulled_references", e.nulled_by_field},
                        {"conflicts", e.conflicts},
                        {"kept_target_edits", e.kept_target_edits},
                        {"seconds", e.seconds}});
    if (!e.delta.empty()) entities.back()["delta"] = e.delta;
    if (!e.mark.empty()) entities.back()["mark"] = nlohmann::json::parse(e.mark, nullptr, false);
    if (!e.snapshot.empty()) entities.back()["snapshot"] = e.snapshot;
    if (!e.deletes.empty()) {
      entities.back()["deletes"] = {{"how", e.deletes}, {"found", e.deletes_found}, {"deleted", e.deleted},
                                    {"removed", e.removed}};
    }
  }
  nlohmann::json out = {{"run_id", summary.run_id},
                        {"status", summary.status},
                        {"reject_file", summary.reject_file},
                        {"conflicts", summary.conflicts},
                        {"entities", entities}};
  if (!summary.deletes_error.empty()) out["deletes_error"] = summary.deletes_error;
  return out;
}

std::string cycle_line(const migrate::MigrateSummary& summary, int64_t cycle) {
  int64_t read = 0, loaded = 0, unchanged = 0, rejected = 0;
  for (const auto& e : summary.entities) {
    read += e.read;
    loaded += e.loaded;
    unchanged += e.unchanged;
    rejected += e.rejected;
  }
  return "cycle " + std::to_string(cycle) + " run " + summary.run_id + ": " + summary.status + ", read " +
         std::to_string(read) + ", loaded " + std::to_string(loaded) + ", unchanged " + std::to_string(unchanged) +
         ", rejected " + std::to_string(rejected) + "\n";
}

std::string runs_text(const std::vector<migrate::RunRecord>& runs) {
  if (runs.empty()) return "no runs recorded in this target\n";
  std::string out;
  for (const auto& r : runs) {
    out += r.run_id + "  " + r.status + "  " + r.started_at + " → " + (r.ended_at.empty() ? "…" : r.ended_at) +
           "  " + r.os_user + "  config " + r.config_hash + "\n    " + r.command + "\n";
  }
  return out;
}

nlohmann::json runs_json(const std::vector<migrate::RunRecord>& runs) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : runs) {
    nlohmann::json counts = nullptr;
    if (!r.counts_json.empty()) counts = nlohmann::json::parse(r.counts_json, nullptr, false);
    out.push_back({{"run_id", r.run_id},
                   {"started_at", r.started_at},
                   {"ended_at", r.ended_at.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.ended_at)},
                   {"os_user", r.os_user},
                   {"command", r.command},
                   {"config_hash", r.config_hash},
                   {"status", r.status},
                   {"counts", counts}});
  }
  return out;
}

}  // namespace csbridge::report
