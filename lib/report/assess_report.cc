#include "report/assess_report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string_view>
#include <utility>
#include <vector>

#include "report/assess_report_format.h"
#include "report/render.h"
#include "util/encoding.h"
#include "util/strings.h"

namespace csbridge::report {
namespace {

using assess::Assessment;
using assess::ColumnProfile;
using assess::Finding;
using assess::PiiHit;
using assess::Relationship;
using assess::Severity;
using assess::TableAssessment;
using nlohmann::json;

using namespace assess_detail;

// Rounding of JSON numbers, so that output is stable across runs and platforms.
constexpr int kRatioDigits = 4;
constexpr int kSecondsDigits = 3;
constexpr int kScoreDigits = 1;
constexpr int kLengthDigits = 2;

constexpr size_t kMaxNameCell = 28;   // column-table cells in text, in display columns
constexpr size_t kMaxTypeCell = 30;
constexpr size_t kMinPiiCell = 12;

// ---------------------------------------------------------------------------
// Text

void append_columns_text(const TableAssessment& t, std::string& out) {
  struct Row {
    std::string name, type, nulls, distinct, pii;
  };
  std::vector<Row> rows = {{"column", "type", "null", "distinct", "PII"}};
  for (const ColumnProfile& c : t.columns) {
    rows.push_back({util::ellipsize(c.name, kMaxNameCell), util::ellipsize(type_text(c), kMaxTypeCell),
                    t.profiled ? percent(c.null_ratio) : "-", t.profiled ? distinct_text(c) : "-", pii_text(c)});
  }
  size_t name_w = kLabelWidth, type_w = 0, null_w = 0, distinct_w = 0;
  for (const Row& r : rows) {
    name_w = std::max(name_w, util::display_width(r.name));
    type_w = std::max(type_w, util::display_width(r.type));
    null_w = std::max(null_w, util::display_width(r.nulls));
    distinct_w = std::max(distinct_w, util::display_width(r.distinct));
  }
  const size_t used = 2 + name_w + 1 + type_w + 2 + null_w + 2 + distinct_w + 2;
  const size_t pii_w = std::max(kMinPiiCell, kMaxLineWidth - std::min(used, kMaxLineWidth));
  for (const Row& r : rows) {
    out += rtrim("  " + util::pad_right(r.name, name_w) + " " + util::pad_right(r.type, type_w) + "  " +
                 pad_left(r.nulls, null_w) + "  " + pad_left(r.distinct, distinct_w) + "  " + util::ellipsize(r.pii, pii_w)) +
           "\n";
  }
}

void append_table_text(const TableAssessment& t, std::string& out) {
  out += "\n";
  append_wrapped(out, "", 2, table_name(t) + " — " + rows_text(t));
  append_field(out, "entity", entity_text(t.entity));
  if (!t.entity.name.empty() && !(t.entity.covered_required.empty() && t.entity.missing_required.empty())) {
    append_field(out, "required", required_text(t.entity));
  }
  append_field(out, "key", t.primary_key.empty() ? "no primary key" : "primary key " + key_text(t.primary_key));
  if (!t.unique_keys.empty()) {
    std::vector<std::string> keys;
    for (const auto& k : t.unique_keys) keys.push_back(key_text(k));
    append_field(out, "unique", util::join(keys, ", "));
  }
  if (!t.indexes.empty()) {
    std::vector<std::string> indexes;
    for (const auto& ix : t.indexes) indexes.push_back(index_text(ix));
    append_field(out, "indexes", util::join(indexes, ", "));
  }
  if (!t.foreign_keys.empty()) {
    std::vector<std::string> relations;
    for (const Relationship& r : t.foreign_keys) {
      std::string text = relationship_target(r) + ": " + relationship_kind(r);
      if (r.polymorphic) text += ", " + polymorphic_text(r);
      text += ", " + orphans_text(r);
      if (!r.declared && !r.reasons.empty()) text += " — " + r.reasons.front();
      relations.push_back(text);
    }
    append_field(out, "relations", relations);
  }
  if (std::string profile = profile_text(t); !profile.empty()) append_field(out, "profile", profile);
  if (!t.columns.empty()) append_columns_text(t, out);
  for (const Finding& f : t.findings) append_field(out, assess::severity_name(f.severity), finding_text(f));
}

// ---------------------------------------------------------------------------
// JSON

json text_json(const std::string& s) { return utf8_safe(s); }

json text_or_null(const std::string& s) { return s.empty() ? json(nullptr) : text_json(s); }

json texts_json(const std::vector<std::string>& v) {
  json out = json::array();
  for (const std::string& s : v) out.push_back(text_json(s));
  return out;
}

json column_json(const ColumnProfile& c) {
  json patterns = json::array();
  for (const auto& p : c.patterns) patterns.push_back({{"pattern", text_json(p.pattern)}, {"count", p.count}});
  json pii = json::array();
  for (const PiiHit& h : c.pii) {
    pii.push_back({{"class", model::pii_class_name(h.pii)},
                   {"count", h.count},
                   {"ratio", round_to(h.ratio, kRatioDigits)},
                   {"embedded", h.embedded},
                   {"invalid", h.invalid}});
  }
  return {{"name", text_json(c.name)},
          {"declared_type", text_json(c.declared_type)},
          {"type", connector::value_type_name(c.type)},
          {"observed_type", text_or_null(c.observed_type)},
          {"values", c.values},
          {"nulls", c.nulls},
          {"null_ratio", round_to(c.null_ratio, kRatioDigits)},
          {"distinct", c.distinct},
          {"distinct_exact", c.distinct_exact},
          {"min", c.min ? text_json(*c.min) : json(nullptr)},
          {"max", c.max ? text_json(*c.max) : json(nullptr)},
          {"min_length", c.min_length},
          {"max_length", c.max_length},
          {"avg_length", round_to(c.avg_length, kLengthDigits)},
          {"patterns", patterns},
          {"samples", texts_json(c.samples)},
          {"pii", pii},
          {"legacy_encoding", text_or_null(c.legacy_encoding)}};
}

json relationship_json(const Relationship& r) {
  return {{"columns", texts_json(r.columns)},
          {"ref_table", text_json(r.ref_table)},
          {"ref_columns", texts_json(r.ref_columns)},
          {"declared", r.declared},
          {"confidence", round_to(r.confidence, kRatioDigits)},
          {"orphan_ratio", round_to(r.orphan_ratio, kRatioDigits)},
          {"orphans", r.orphans},
          {"none_rows", r.none_rows},
          {"polymorphic", r.polymorphic},
          {"type_column", text_or_null(r.type_column)},
          {"type_value", text_or_null(r.type_value)},
          {"reasons", texts_json(r.reasons)}};
}

json finding_json(const Finding& f) {
  return {{"kind", f.kind},
          {"severity", assess::severity_name(f.severity)},
          {"column", text_or_null(f.column)},
          {"message", text_json(f.message)},
          {"count", f.count},
          {"examples", texts_json(f.examples)}};
}

json table_json(const TableAssessment& t) {
  json unique_keys = json::array();
  for (const auto& k : t.unique_keys) unique_keys.push_back(texts_json(k));
  json indexes = json::array();
  for (const auto& ix : t.indexes) {
    indexes.push_back({{"name", text_json(ix.name)}, {"columns", texts_json(ix.columns)}, {"unique", ix.unique}});
  }
  json columns = json::array();
  for (const ColumnProfile& c : t.columns) columns.push_back(column_json(c));
  json relationships = json::array();
  for (const Relationship& r : t.foreign_keys) relationships.push_back(relationship_json(r));
  json findings = json::array();
  for (const Finding& f : t.findings) findings.push_back(finding_json(f));
  return {{"name", text_json(t.ref.display())},
          {"schema", text_json(t.ref.schema)},
          {"is_view", t.is_view},
          {"rows", t.rows},
          {"rows_exact", t.rows_exact},
          {"profiled", t.profiled},
          {"sample_fraction", round_to(t.sample_fraction, kRatioDigits)},
          {"read_seconds", round_to(t.read_seconds, kSecondsDigits)},
          {"primary_key", texts_json(t.primary_key)},
          {"unique_keys", unique_keys},
          {"indexes", indexes},
          {"columns", columns},
          {"foreign_keys", relationships},
          {"entity",
           {{"name", text_or_null(t.entity.name)},
            {"confidence", round_to(t.entity.confidence, kRatioDigits)},
            {"reasons", texts_json(t.entity.reasons)},
            {"covered_required", texts_json(t.entity.covered_required)},
            {"missing_required", texts_json(t.entity.missing_required)}}},
          {"findings", findings}};
}

// ---------------------------------------------------------------------------
// Markdown

void append_table_markdown(const TableAssessment& t, std::string& out) {
  out += "### " + md_code(t.ref.display()) + (t.is_view ? " (view)" : "") + "\n\n";
  out += md_text(rows_text(t)) + " · " +
         (t.primary_key.empty() ? "no primary key" : "primary key (" + md_codes(t.primary_key) + ")") + "\n\n";
  out += "- **Entity:** " +
         (t.entity.name.empty() ? "none fits" : "**" + md_text(t.entity.name) + "** " + percent(t.entity.confidence));
  if (!t.entity.reasons.empty()) out += " — " + md_text(util::join(t.entity.reasons, "; "));
  out += "\n";
  if (!t.entity.name.empty() && !(t.entity.covered_required.empty() && t.entity.missing_required.empty())) {
    out += "- **Required CS fields:** " + std::to_string(t.entity.covered_required.size()) + " of " +
           std::to_string(t.entity.covered_required.size() + t.entity.missing_required.size()) + " have a source" +
           (t.entity.missing_required.empty() ? "" : "; missing " + md_codes(t.entity.missing_required)) + "\n";
  }
  if (!t.unique_keys.empty()) {
    std::vector<std::string> keys;
    for (const auto& k : t.unique_keys) keys.push_back("(" + md_codes(k) + ")");
    out += "- **Unique keys:** " + util::join(keys, ", ") + "\n";
  }
  if (!t.indexes.empty()) {
    std::vector<std::string> indexes;
    for (const auto& ix : t.indexes) {
      indexes.push_back((ix.unique ? "unique " : "") + md_code(ix.name) + " (" + md_codes(ix.columns) + ")");
    }
    out += "- **Indexes:** " + util::join(indexes, ", ") + "\n";
  }
  if (std::string profile = profile_text(t); !profile.empty()) out += "- **Profile:** " + md_text(profile) + "\n";
  out += "\n";

  if (!t.columns.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const ColumnProfile& c : t.columns) {
      rows.push_back({md_code(c.name), md_code(c.declared_type), md_text(c.observed_type),
                      t.profiled ? percent(c.null_ratio) : "-", t.profiled ? distinct_text(c) : "-",
                      md_text(pii_text(c))});
    }
    append_md_table({{"Column"}, {"Declared"}, {"Observed"}, {"Null", true}, {"Distinct", true}, {"PII"}}, rows, out);
  }
  if (!t.foreign_keys.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const Relationship& r : t.foreign_keys) {
      std::string kind = r.declared ? "declared" : "inferred";
      if (r.polymorphic) kind += ", polymorphic: " + md_code(r.type_column) + " = " + md_code(r.type_value);
      rows.push_back({md_codes(r.columns), md_code(r.ref_table) + " (" + md_codes(r.ref_columns) + ")", kind,
                      percent(r.confidence), percent(r.orphan_ratio) + " (" + group_digits(r.orphans) + ")",
                      md_text(util::join(r.reasons, "; "))});
    }
    out += "**Relationships**\n\n";
    append_md_table({{"Columns"}, {"References"}, {"Kind"}, {"Confidence", true}, {"Orphans", true}, {"Reasons"}},
                    rows, out);
  }
  if (!t.findings.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const Finding& f : t.findings) {
      rows.push_back({assess::severity_name(f.severity), md_code(f.kind), md_code(f.column), md_text(f.message),
                      count_cell(f.count), md_codes(std::vector<std::string>(
                                               f.examples.begin(),
                                               f.examples.begin() + std::min(f.examples.size(), kMaxExamples)))});
    }
    out += "**Findings**\n\n";
    append_md_table({{"Severity"}, {"Kind"}, {"Column"}, {"Message"}, {"Count", true}, {"Examples"}}, rows, out);
  }
}
}  // namespace

std::string assess_text(const Assessment& a) {
  const assess::Summary& s = a.summary;
  std::string out;
  append_wrapped(out, "", 2, "Assessment of " + source_title(a.source) + " — " + a.source.redacted);
  if (!a.generated_at.empty()) out += "generated " + a.generated_at + " in " + seconds_text(a.seconds) + "\n";
  out += "\nSummary\n";
  std::vector<std::string> readiness = {score_text(s.readiness)};
  for (const std::string& p : s.readiness_penalties) readiness.push_back("- " + p);
  append_field(out, "readiness", readiness);
  append_field(out, "CS fit", percent(s.cs_fit) + " of required CS fields have a source");
  append_field(out, "total rows", group_digits(s.total_rows) + " in " + tables_text(a));
  if (!s.migration_order.empty()) append_field(out, "order", util::join(s.migration_order, kArrow));
  append_field(out, "estimate", estimate_text(s));
  append_field(out, "findings", counts_text(finding_counts(a)));
  append_field(out, "PII", plural(s.pii_columns, "column", "columns"));
  if (!s.entities_missing.empty()) {
    append_field(out, "missing", "no table seems to hold " + util::join(s.entities_missing, ", "));
  }
  if (!s.suggested_config.empty()) append_field(out, "source config", s.suggested_config);
  for (const TableAssessment& t : a.tables) append_table_text(t, out);
  return utf8_safe(out);
}

json assess_json(const Assessment& a) {
  const assess::Summary& s = a.summary;
  const FindingCounts counts = finding_counts(a);
  json tables = json::array();
  for (const TableAssessment& t : a.tables) tables.push_back(table_json(t));
  return {{"source",
           {{"engine", text_json(a.source.engine)},
            {"version", text_json(a.source.version)},
            {"redacted", text_json(a.source.redacted)}}},
          {"generated_at", text_or_null(a.generated_at)},
          {"seconds", round_to(a.seconds, kSecondsDigits)},
          {"tables", tables},
          {"summary",
           {{"readiness", round_to(s.readiness, kScoreDigits)},
            {"readiness_penalties", texts_json(s.readiness_penalties)},
            {"cs_fit", round_to(s.cs_fit, kRatioDigits)},
            {"migration_order", texts_json(s.migration_order)},
            {"entities_missing", texts_json(s.entities_missing)},
            {"total_rows", s.total_rows},
            {"read_rows_per_second", round_to(s.read_rows_per_second, kScoreDigits)},
            {"estimate_seconds", round_to(s.estimate_seconds, kScoreDigits)},
            {"pii_columns", s.pii_columns},
            {"suggested_source_config", texts_json(s.suggested_config)},
            {"findings", {{"error", counts.error}, {"warning", counts.warning}, {"info", counts.info}}}}}};
}

std::string assess_markdown(const Assessment& a) {
  const assess::Summary& s = a.summary;
  std::string out = "# Assessment of " + md_text(source_title(a.source)) + "\n\n";
  out += "Source " + md_code(a.source.redacted);
  if (!a.generated_at.empty()) out += " · generated " + md_text(a.generated_at) + " in " + seconds_text(a.seconds);
  out += "\n\n## Summary\n\n";
  std::vector<std::vector<std::string>> rows = {
      {"Readiness", "**" + score_text(s.readiness) + "**"},
      {"CS fit", percent(s.cs_fit) + " of required CS fields have a source"},
      {"Total rows", group_digits(s.total_rows) + " in " + tables_text(a)},
      {"Estimate", estimate_text(s)},
      {"Findings", counts_text(finding_counts(a))},
      {"PII columns", group_digits(s.pii_columns)},
  };
  if (!s.migration_order.empty()) {
    std::vector<std::string> names;
    for (const std::string& n : s.migration_order) names.push_back(md_code(n));
    rows.push_back({"Migration order", util::join(names, kArrow)});
  }
  if (!s.entities_missing.empty()) rows.push_back({"CS entities missing", md_codes(s.entities_missing)});
  if (!s.suggested_config.empty()) rows.push_back({"Suggested source config", md_codes(s.suggested_config)});
  append_md_table({{"Measure"}, {"Value"}}, rows, out);
  if (!s.readiness_penalties.empty()) {
    out += "What lowers readiness:\n\n";
    for (const std::string& p : s.readiness_penalties) out += "- " + md_text(p) + "\n";
    out += "\n";
  }
  if (!a.tables.empty()) out += "## Tables\n\n";
  for (const TableAssessment& t : a.tables) append_table_markdown(t, out);
  while (out.size() >= 2 && out.ends_with("\n\n")) out.pop_back();
  return utf8_safe(out);
}

}  // namespace csbridge::report
