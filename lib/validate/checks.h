// The result model of `validate`: one CheckResult per check and entity, each
// with its status, figures and the offending legacy keys. The checks fill it;
// report/validate_report.h renders it (text, JSON, JUnit).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace csbridge::validate {

// The checks, in the order they run and are reported.
inline constexpr std::string_view kCheckNames[] = {"counts", "rows", "references", "model",
                                                   "pii", "crosswalk", "helpdesk"};

enum class CheckStatus { kPassed, kWarning, kFailed };
const char* status_name(CheckStatus status);
// The worse of two statuses (failed > warning > passed).
CheckStatus worst(CheckStatus a, CheckStatus b);

// One offending row: the legacy key (source_key) and what is wrong with it.
struct Failure {
  std::string key;      // the legacy key, "" when the failure concerns no single row
  std::string kind;     // stable id for scripts: differs, missing, extra, orphan_reference, raw_phone, …
  std::string message;  // one line; never a PII value
};

struct CheckResult {
  std::string name;    // one of kCheckNames
  std::string entity;  // CS entity ("" for a check over the whole target)
  CheckStatus status = CheckStatus::kPassed;
  std::vector<std::pair<std::string, int64_t>> figures;  // in insertion order
  std::vector<Failure> failures;  // the first `failure_cap` failures, ordered by key
  int64_t failure_count = 0;      // all failures found, listed or not
  std::string note;               // one line for people ("" = none)

  // Records a failure (kept when under `cap`) and marks the check failed.
  void fail(Failure failure, size_t cap);
  // Marks the check as a warning (unless it failed) with `note`.
  void warn(std::string note);
  void set(std::string_view figure, int64_t value);
  int64_t figure(std::string_view figure) const;  // 0 when absent
  // Orders the listed failures by key, so reports are stable.
  void sort_failures();
};

struct ValidationReport {
  std::vector<CheckResult> checks;
  std::string target;   // the target checked, password removed
  std::string sandbox;  // "" or where the sandbox was (schema or file), with whether it was kept
  CheckStatus status() const;
};

// Parses a --checks list ("rows,pii"): the selected names in kCheckNames
// order. Empty input selects every check. kInvalidArgument naming an unknown
// check (with "did you mean").
Result<std::vector<std::string>> parse_checks(const std::vector<std::string>& names);

}  // namespace csbridge::validate
