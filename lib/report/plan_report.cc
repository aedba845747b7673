#include "report/plan_report.h"

#include <algorithm>
#include <vector>

#include "util/strings.h"

namespace csbridge::report {
namespace {

constexpr const char* kKinds[] = {"new", "changed", "deleted", "conflicting"};

// What a run does with a conflicting row under the policy (README "Edits made on the target").
std::string settled(const std::string& policy) {
  if (policy == "source_wins") return "source_wins: a run writes the source's version";
  if (policy == "target_wins") return "target_wins: a run keeps the target's version";
  return "reject: a run rejects them (code conflict) until they are settled";
}

std::string right(const std::string& s, size_t width) {
  size_t w = util::display_width(s);
  return std::string(width > w ? width - w : 0, ' ') + s;
}

}  // namespace

std::string plan_text(const validate::MigrationPlan& plan) {
  const std::vector<std::string> head = {"new", "changed", "unchanged", "deleted", "conflicting", "orphans"};
  size_t name_w = std::string("entity").size();
  for (const auto& e : plan.entities) name_w = std::max(name_w, util::display_width(e.name));
  std::string out = "plan against " + plan.target + " (nothing written)\n\n" + util::pad_right("entity", name_w);
  for (const auto& h : head) out += "  " + right(h, 11);
  out += '\n';
  for (const auto& e : plan.entities) {
    out += util::pad_right(e.name, name_w);
    for (int64_t n : {e.new_rows, e.changed, e.unchanged, e.deleted, e.conflicting, e.orphans}) {
      out += "  " + right(std::to_string(n), 11);
    }
    out += '\n';
  }
  out += '\n';
  for (const auto& e : plan.entities) {
    for (const char* kind : kKinds) {
      auto it = e.first_keys.find(kind);
      if (it != e.first_keys.end() && !it->second.empty()) {
        out += e.name + " " + kind + ": " + util::join(it->second, ", ") + "\n";
      }
    }
    if (!e.reading.empty()) out += e.name + ": " + e.reading + "\n";
    if (!e.deletes.empty()) out += e.name + ": deletes " + e.deletes + "\n";
    if (e.not_detected > 0) {
      out += e.name + ": " + std::to_string(e.not_detected) +
             " target rows the source no longer gives; not deleted (no 'deletes:' in its blocks)\n";
    }
    if (e.kept_target_edits > 0) {
      out += e.name + ": " + std::to_string(e.kept_target_edits) +
             " rows edited in the target only: kept, not written (counted in unchanged)\n";
    }
  }
  int64_t conflicting = 0;
  for (const auto& e : plan.entities) conflicting += e.conflicting;
  if (conflicting > 0) {
    out += "conflicting: " + std::to_string(conflicting) +
           " rows changed in the target since csbridge wrote them and in the source since; delta.conflicts " +
           settled(plan.conflicts) + "\n";
  }
  return out;
}

nlohmann::json plan_json(const validate::MigrationPlan& plan) {
  nlohmann::json entities = nlohmann::json::array();
  for (const auto& e : plan.entities) {
    nlohmann::json first = nlohmann::json::object();
    for (const auto& [kind, keys] : e.first_keys) first[kind] = keys;
    entities.push_back({{"name", e.name},
                        {"new", e.new_rows},
                        {"changed", e.changed},
                        {"unchanged", e.unchanged},
                        {"deleted", e.deleted},
                        {"not_detected", e.not_detected},
                        {"deletes", e.deletes},
                        {"conflicting", e.conflicting},
                        {"kept_target_edits", e.kept_target_edits},
                        {"orphans", e.orphans},
                        {"first_keys", first},
                        {"reading", e.reading}});
  }
  return {{"target", plan.target}, {"conflicts", plan.conflicts}, {"entities", entities}};
}

}  // namespace csbridge::report
