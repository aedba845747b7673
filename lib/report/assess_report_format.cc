#include "report/assess_report_format.h"

#include <algorithm>
#include <cmath>

#include "report/render.h"
#include "util/strings.h"

namespace csbridge::report::assess_detail {

// The result model (assess/assessment.h) by its short names.
using namespace csbridge::assess;

std::string seconds_text(double seconds) {
  return util::format_double(round_to(seconds, seconds < 1 ? 2 : 1)) + " s";
}

std::string human_duration(double seconds) {
  constexpr double kMinute = 60, kHour = 3600, kDay = 86400;
  constexpr double kHoursBeforeDays = 48;
  if (!(seconds >= 0.5)) return "under a second";
  if (std::round(seconds) < kMinute) return "about " + util::format_double(std::round(seconds)) + " s";
  if (std::round(seconds / kMinute) < kHour / kMinute) {
    return "about " + util::format_double(std::round(seconds / kMinute)) + " min";
  }
  if (round_to(seconds / kHour, 1) < kHoursBeforeDays) {
    return "about " + util::format_double(round_to(seconds / kHour, 1)) + " h";
  }
  return "about " + util::format_double(round_to(seconds / kDay, 1)) + " days";
}

FindingCounts finding_counts(const Assessment& a) {
  FindingCounts c{a.summary.findings_error, a.summary.findings_warning, 0};
  for (const TableAssessment& t : a.tables) {
    c.info += std::count_if(t.findings.begin(), t.findings.end(),
                            [](const Finding& f) { return f.severity == Severity::kInfo; });
  }
  return c;
}

std::string counts_text(const FindingCounts& c) {
  return plural(c.error, "error", "errors") + ", " + plural(c.warning, "warning", "warnings") + ", " +
         group_digits(c.info) + " info";
}

std::string source_title(const assess::SourceSummary& s) {
  return s.version.empty() ? s.engine : s.engine + " " + s.version;
}

std::string table_name(const TableAssessment& t) { return t.ref.display() + (t.is_view ? " (view)" : ""); }

std::string rows_text(const TableAssessment& t) {
  return plural(t.rows, "row", "rows") + (t.rows_exact ? "" : " (estimated)");
}

int64_t estimated_tables(const Assessment& a) {
  return std::count_if(a.tables.begin(), a.tables.end(), [](const TableAssessment& t) { return !t.rows_exact; });
}

std::string tables_text(const Assessment& a) {
  std::string text = plural(static_cast<int64_t>(a.tables.size()), "table", "tables");
  if (int64_t n = estimated_tables(a)) text += ", " + group_digits(n) + " estimated";
  return text;
}

std::string estimate_text(const assess::Summary& s) {
  std::string text = human_duration(s.estimate_seconds);
  if (s.read_rows_per_second > 0) text += " at " + group_digits(std::llround(s.read_rows_per_second)) + " rows/s";
  return text;
}

std::string type_text(const ColumnProfile& c) {
  if (c.observed_type.empty() || util::equals_icase(c.declared_type, c.observed_type)) {
    return c.declared_type.empty() ? "-" : c.declared_type;
  }
  if (c.declared_type.empty()) return c.observed_type;
  return c.declared_type + std::string(kArrow) + c.observed_type;
}

std::string pii_hit_text(const PiiHit& h) {
  std::string text = std::string(model::pii_class_name(h.pii)) + " " + percent(h.ratio);
  if (h.embedded) text += " in text";
  if (h.invalid > 0) text += " (" + group_digits(h.invalid) + " invalid)";
  return text;
}

std::string pii_text(const ColumnProfile& c) {
  std::vector<std::string> parts;
  for (const PiiHit& h : c.pii) parts.push_back(pii_hit_text(h));
  return util::join(parts, ", ");
}

std::string distinct_text(const ColumnProfile& c) {
  return (c.distinct_exact ? "" : "~") + group_digits(c.distinct);
}

std::string entity_text(const EntityGuess& e) {
  if (e.name.empty()) return "no CS entity fits" + (e.reasons.empty() ? "" : " — " + e.reasons.front());
  return e.name + " " + percent(e.confidence) + (e.reasons.empty() ? "" : " — " + e.reasons.front());
}

std::string required_text(const EntityGuess& e) {
  const size_t total = e.covered_required.size() + e.missing_required.size();
  std::string text = std::to_string(e.covered_required.size()) + " of " + std::to_string(total) +
                     " required fields have a source";
  if (!e.missing_required.empty()) text += "; missing: " + util::join(e.missing_required, ", ");
  return text;
}

std::string key_text(const std::vector<std::string>& columns) { return "(" + util::join(columns, ", ") + ")"; }

std::string relationship_target(const Relationship& r) {
  return key_text(r.columns) + std::string(kArrow) + r.ref_table + " " + key_text(r.ref_columns);
}

std::string relationship_kind(const Relationship& r) {
  return r.declared ? "declared" : "inferred " + percent(r.confidence);
}

std::string polymorphic_text(const Relationship& r) {
  return "polymorphic where " + r.type_column + " = '" + r.type_value + "'";
}

std::string orphans_text(const Relationship& r) {
  std::string none = r.none_rows > 0 ? ", " + group_digits(r.none_rows) + " rows of 0 (none)" : "";
  if (r.orphans == 0 && r.orphan_ratio == 0) return "no orphans" + none;
  return "orphans " + percent(r.orphan_ratio) + " (" + group_digits(r.orphans) + ")" + none;
}

std::string profile_text(const TableAssessment& t) {
  if (!t.profiled) return "not profiled: the data could not be read";
  if (t.sample_fraction < 1) return "profiled on a " + percent(t.sample_fraction) + " sample of the rows";
  return "";
}

std::string examples_text(const std::vector<std::string>& examples) {
  std::vector<std::string> shown(examples.begin(), examples.begin() + std::min(examples.size(), kMaxExamples));
  return util::join(shown, ", ");
}

std::string length_text(const ColumnProfile& c) {
  if (c.max_length == 0) return "";
  std::string text = c.min_length == c.max_length ? std::to_string(c.min_length)
                                                  : std::to_string(c.min_length) + "–" + std::to_string(c.max_length);
  return text + " (avg " + util::format_double(round_to(c.avg_length, 1)) + ")";
}

std::string count_cell(int64_t count) { return count > 0 ? group_digits(count) : ""; }

std::string index_text(const connector::IndexInfo& ix) {
  return (ix.unique ? "unique " : "") + ix.name + " " + key_text(ix.columns);
}

std::string finding_text(const Finding& f) {
  std::string text = f.kind + ": " + (f.column.empty() ? "" : f.column + " — ") + f.message;
  // Messages usually state their count already; say it only when they do not.
  if (f.count > 0 && f.message.find(group_digits(f.count)) == std::string::npos &&
      f.message.find(std::to_string(f.count)) == std::string::npos) {
    text += " (" + group_digits(f.count) + ")";
  }
  if (!f.examples.empty()) text += " e.g. " + examples_text(f.examples);
  return text;
}

}  // namespace csbridge::report::assess_detail
