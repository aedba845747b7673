#include "validate/checks.h"

#include <algorithm>

#include "util/strings.h"

namespace csbridge::validate {

const char* status_name(CheckStatus status) {
  switch (status) {
    case CheckStatus::kPassed: return "passed";
    case CheckStatus::kWarning: return "warning";
    case CheckStatus::kFailed: return "failed";
  }
  return "failed";
}

CheckStatus worst(CheckStatus a, CheckStatus b) { return static_cast<int>(a) >= static_cast<int>(b) ? a : b; }

void CheckResult::fail(Failure failure, size_t cap) {
  status = CheckStatus::kFailed;
  ++failure_count;
  if (failures.size() < cap) failures.push_back(std::move(failure));
}

void CheckResult::warn(std::string why) {
  status = worst(status, CheckStatus::kWarning);
  note = std::move(why);
}

void CheckResult::set(std::string_view name, int64_t value) {
  for (auto& [n, v] : figures) {
    if (n == name) {
      v = value;
      return;
    }
  }
  figures.emplace_back(std::string(name), value);
}

int64_t CheckResult::figure(std::string_view name) const {
  for (const auto& [n, v] : figures) {
    if (n == name) return v;
  }
  return 0;
}

void CheckResult::sort_failures() {
  std::stable_sort(failures.begin(), failures.end(), [](const Failure& a, const Failure& b) { return a.key < b.key; });
}

CheckStatus ValidationReport::status() const {
  CheckStatus s = CheckStatus::kPassed;
  for (const auto& c : checks) s = worst(s, c.status);
  return s;
}

Result<std::vector<std::string>> parse_checks(const std::vector<std::string>& names) {
  std::vector<std::string> known(std::begin(kCheckNames), std::end(kCheckNames));
  if (names.empty()) return known;
  std::vector<std::string> wanted;
  for (const auto& raw : names) {
    for (const auto& part : util::split(raw, ',')) {
      std::string name(util::trim(part));
      if (name.empty()) continue;
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        std::string match = util::closest_match(name, known);
        return invalid_argument("--checks: unknown check '" + name + "'" +
                                (match.empty() ? "; checks: " + util::join(known, ", ")
                                               : ", did you mean '" + match + "'?"));
      }
      wanted.push_back(name);
    }
  }
  if (wanted.empty()) return invalid_argument("--checks: name at least one check (" + util::join(known, ", ") + ")");
  std::vector<std::string> ordered;
  for (const auto& k : known) {
    if (std::find(wanted.begin(), wanted.end(), k) != wanted.end()) ordered.push_back(k);
  }
  return ordered;
}

}  // namespace csbridge::validate
