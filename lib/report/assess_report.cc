#include "report/assess_report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string_view>
#include <utility>
#include <vector>

#include "report/render.h"
#include "util/encoding.h"
#include "util/strings.h"

namespace csbridge::report {
namespace {

using assess::Assessment;
using assess::ColumnProfile;
using assess::EntityGuess;
using assess::Finding;
using assess::PiiHit;
using assess::Relationship;
using assess::Severity;
using assess::TableAssessment;
using model::PiiClass;
using nlohmann::json;

// Rounding of JSON numbers, so that output is stable across runs and platforms.
constexpr int kRatioDigits = 4;
constexpr int kSecondsDigits = 3;
constexpr int kScoreDigits = 1;
constexpr int kLengthDigits = 2;

constexpr size_t kMaxNameCell = 28;   // column-table cells in text, in display columns
constexpr size_t kMaxTypeCell = 30;
constexpr size_t kMinPiiCell = 12;
constexpr size_t kMaxExamples = 3;
constexpr size_t kMaxPatterns = 3;
constexpr size_t kMaxSamples = 5;

constexpr std::string_view kArrow = " → ";

// ---------------------------------------------------------------------------
// Shared formatting

// Short runs keep two decimals so that they do not read "0 s".
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

struct FindingCounts {
  int64_t error = 0, warning = 0, info = 0;
};

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
  if (r.orphans == 0 && r.orphan_ratio == 0) return "no orphans";
  return "orphans " + percent(r.orphan_ratio) + " (" + group_digits(r.orphans) + ")";
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

// A finding as one line for text reports: "kind: column — message (count) e.g. …".
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

// ---------------------------------------------------------------------------
// HTML

constexpr double kHighNullRatio = 0.5, kSomeNullRatio = 0.1;
constexpr double kStrongConfidence = 0.75, kFairConfidence = 0.5;

struct PiiColor {
  PiiClass pii;
  const char* color;
};
constexpr std::array<PiiColor, 7> kPiiColors = {{
    {PiiClass::kName, "#8e6fd8"},
    {PiiClass::kPhone, "#e8684a"},
    {PiiClass::kNationalId, "#c2255c"},
    {PiiClass::kEmail, "#3d8bd9"},
    {PiiClass::kBankCard, "#f2a33a"},
    {PiiClass::kAddress, "#2aa198"},
    {PiiClass::kFreeText, "#94a3b8"},
}};

const char* null_color(double ratio) {
  return ratio >= kHighNullRatio ? kColorBad : ratio >= kSomeNullRatio ? kColorWarn : kColorFair;
}

const char* confidence_color(double confidence) {
  return confidence >= kStrongConfidence ? kColorGood : confidence >= kFairConfidence ? kColorFair : kColorWarn;
}

// Horizontal bar charts share one geometry: labels right-aligned left of the bars, value after.
constexpr double kChartWidth = 1000;
constexpr double kChartLabelRight = 240;
constexpr double kChartBarX = 250;
constexpr double kChartBarWidth = 640;
constexpr double kChartValueX = 900;
constexpr double kChartRow = 22;
constexpr double kChartBar = 12;
constexpr double kChartGroupHead = 28;
constexpr double kChartPad = 8;
constexpr double kChartTextDy = 4;  // baseline below a row's middle
constexpr double kMinBarWidth = 2;  // a non-zero value stays visible
constexpr size_t kChartLabelChars = 32;
constexpr size_t kChartHeadChars = 90;

std::string svg_open(std::string_view id, std::string_view label, double height) {
  return "<svg class=\"chart\" id=\"" + std::string(id) + "\" viewBox=\"0 0 " + num(kChartWidth) + " " + num(height) +
         "\" width=\"" + num(kChartWidth) + "\" height=\"" + num(height) + "\" role=\"img\" aria-label=\"" +
         esc(label) + "\">";
}

// Where the parts of a bar row go. The null chart, long on real databases,
// sets its tables in two narrower columns.
struct BarLayout {
  double label_right, bar_x, bar_width, value_x;
  size_t label_chars, head_chars;
};
constexpr BarLayout kWideBars{kChartLabelRight, kChartBarX, kChartBarWidth, kChartValueX, kChartLabelChars,
                              kChartHeadChars};
constexpr BarLayout kHalfBars{150, 158, 262, 428, 22, 42};
constexpr double kChartColumnGap = 24;
constexpr double kSecondColumnX = (kChartWidth + kChartColumnGap) / 2;
constexpr size_t kTwoColumnMinRows = 24;

// A label, a track and a bar of `ratio` (0..1) in one row starting at (x0, y).
std::string svg_bar_row(const BarLayout& l, double x0, double y, std::string_view label, double ratio,
                        const char* color, std::string_view value, std::string_view tooltip) {
  const double mid = y + kChartRow / 2;
  std::string out = "<g><title>" + esc(tooltip) + "</title>";
  out += svg_text(x0 + l.label_right, mid + kChartTextDy, util::ellipsize(label, l.label_chars), "text-anchor=\"end\"");
  out += svg_rect(x0 + l.bar_x, mid - kChartBar / 2, l.bar_width, kChartBar, kColorTrack);
  if (ratio > 0) {
    out += svg_rect(x0 + l.bar_x, mid - kChartBar / 2, std::max(kMinBarWidth, std::min(ratio, 1.0) * l.bar_width),
                    kChartBar, color);
  }
  out += svg_text(x0 + l.value_x, mid + kChartTextDy, value, "class=\"v\"");
  return out + "</g>";
}

bool has_profile_rows(const TableAssessment& t) { return t.profiled && !t.columns.empty(); }

double null_group_height(const TableAssessment& t) {
  return kChartGroupHead + kChartRow * static_cast<double>(has_profile_rows(t) ? t.columns.size() : 1);
}

std::string null_group_svg(const TableAssessment& t, const BarLayout& l, double x0, double y) {
  std::string out = svg_text(x0, y + kChartGroupHead - 9, util::ellipsize(table_name(t), l.head_chars), "class=\"head\"");
  y += kChartGroupHead;
  if (!has_profile_rows(t)) {
    return out + svg_text(x0 + l.bar_x, y + kChartRow / 2 + kChartTextDy,
                          t.profiled ? "no columns" : "not profiled: the data could not be read", "class=\"muted\"");
  }
  for (const ColumnProfile& c : t.columns) {
    const std::string tooltip = t.ref.display() + "." + c.name + ": " + percent(c.null_ratio) + " null (" +
                                group_digits(c.nulls) + " of " + group_digits(c.values) + ")";
    out += svg_bar_row(l, x0, y, c.name, c.null_ratio, null_color(c.null_ratio), percent(c.null_ratio), tooltip);
    y += kChartRow;
  }
  return out;
}

std::string null_chart_svg(const Assessment& a) {
  if (a.tables.empty()) {
    return svg_open("chart-nulls", "null ratio per column", kChartRow + kChartPad) +
           svg_text(0, kChartRow, "No tables.", "class=\"muted\"") + "</svg>";
  }
  std::vector<double> ends;  // height of the tables up to and including each one
  size_t rows = 0;
  for (const TableAssessment& t : a.tables) {
    ends.push_back((ends.empty() ? 0 : ends.back()) + null_group_height(t));
    rows += has_profile_rows(t) ? t.columns.size() : 1;
  }
  const double total = ends.back();
  // Tables in order down the first column, then down the second, split where the columns come out most even.
  size_t split = a.tables.size();
  if (a.tables.size() > 1 && rows >= kTwoColumnMinRows) {
    split = 1;
    for (size_t k = 1; k < a.tables.size(); ++k) {
      if (std::max(ends[k - 1], total - ends[k - 1]) < std::max(ends[split - 1], total - ends[split - 1])) split = k;
    }
  }
  const BarLayout& layout = split < a.tables.size() ? kHalfBars : kWideBars;
  std::string body;
  double y = 0;
  for (size_t i = 0; i < a.tables.size(); ++i) {
    if (i == split) y = 0;
    body += null_group_svg(a.tables[i], layout, i < split ? 0 : kSecondColumnX, y);
    y += null_group_height(a.tables[i]);
  }
  const double height =
      (split < a.tables.size() ? std::max(ends[split - 1], total - ends[split - 1]) : total) + kChartPad;
  return svg_open("chart-nulls", "null ratio per column", height) + body + "</svg>";
}

std::string pii_chart_svg(const Assessment& a) {
  constexpr double kLegendRow = 28, kSwatch = 12, kLegendGap = 18, kCharWidth = 6.6, kMinLabelWidth = 18;
  std::vector<bool> present(kPiiColors.size(), false);
  struct TableRow {
    const TableAssessment* table;
    std::vector<int> counts;  // columns per class, as kPiiColors
    std::vector<std::string> tooltips;
    int columns = 0;
  };
  std::vector<TableRow> rows;
  int max_total = 0;
  for (const TableAssessment& t : a.tables) {
    TableRow row{&t, std::vector<int>(kPiiColors.size(), 0), std::vector<std::string>(kPiiColors.size()), 0};
    for (const ColumnProfile& c : t.columns) {
      if (!c.pii.empty()) ++row.columns;
      for (const PiiHit& h : c.pii) {
        for (size_t k = 0; k < kPiiColors.size(); ++k) {
          if (kPiiColors[k].pii != h.pii) continue;
          present[k] = true;
          ++row.counts[k];
          row.tooltips[k] += (row.tooltips[k].empty() ? "" : ", ") + c.name + " " + percent(h.ratio);
        }
      }
    }
    if (row.columns == 0) continue;
    int total = 0;
    for (int n : row.counts) total += n;
    max_total = std::max(max_total, total);
    rows.push_back(std::move(row));
  }
  if (rows.empty()) {
    return svg_open("chart-pii", "personal data per table", kChartRow + kChartPad) +
           svg_text(0, kChartRow, "No personal data detected.", "class=\"muted\"") + "</svg>";
  }
  std::string body;
  double x = kChartBarX;
  for (size_t k = 0; k < kPiiColors.size(); ++k) {
    if (!present[k]) continue;
    const std::string name = model::pii_class_name(kPiiColors[k].pii);
    body += svg_rect(x, (kLegendRow - kSwatch) / 2, kSwatch, kSwatch, kPiiColors[k].color);
    body += svg_text(x + kSwatch + 5, kLegendRow / 2 + kChartTextDy, name);
    x += kSwatch + 5 + static_cast<double>(name.size()) * kCharWidth + kLegendGap;
  }
  double y = kLegendRow;
  const double unit = kChartBarWidth / max_total;
  for (const TableRow& row : rows) {
    const double mid = y + kChartRow / 2;
    body += "<g>" + svg_text(kChartLabelRight, mid + kChartTextDy, util::ellipsize(table_name(*row.table), kChartLabelChars),
                             "text-anchor=\"end\"");
    double bx = kChartBarX;
    for (size_t k = 0; k < kPiiColors.size(); ++k) {
      if (row.counts[k] == 0) continue;
      const double w = row.counts[k] * unit;
      body += "<g><title>" + esc(std::string(model::pii_class_name(kPiiColors[k].pii)) + ": " + row.tooltips[k]) +
              "</title>" + svg_rect(bx, mid - kChartBar / 2 - 2, w - 1, kChartBar + 4, kPiiColors[k].color);
      if (w >= kMinLabelWidth) {
        body += svg_text(bx + w / 2, mid + kChartTextDy, std::to_string(row.counts[k]),
                         "text-anchor=\"middle\" class=\"on-bar\"");
      }
      body += "</g>";
      bx += w;
    }
    body += svg_text(kChartValueX, mid + kChartTextDy, plural(row.columns, "column", "columns"), "class=\"v\"") +
            "</g>";
    y += kChartRow;
  }
  return svg_open("chart-pii", "personal data per table", y + kChartPad) + body + "</svg>";
}

std::string entity_chart_svg(const Assessment& a) {
  constexpr double kEntityX = 262, kBarX = 420, kBarWidth = 470;
  constexpr size_t kEntityChars = 20;
  std::string body = svg_text(kChartLabelRight, 14, "table", "text-anchor=\"end\" class=\"muted\"") +
                     svg_text(kEntityX, 14, "CS entity", "class=\"muted\"") +
                     svg_text(kBarX, 14, "confidence", "class=\"muted\"");
  double y = kChartGroupHead - 6;
  for (const TableAssessment& t : a.tables) {
    const EntityGuess& e = t.entity;
    const double mid = y + kChartRow / 2;
    std::string tooltip = t.ref.display() + " → " + (e.name.empty() ? "no CS entity" : e.name) + " " +
                          percent(e.confidence);
    if (!e.reasons.empty()) tooltip += ": " + util::join(e.reasons, "; ");
    if (!e.name.empty() && !(e.covered_required.empty() && e.missing_required.empty())) {
      tooltip += " — " + required_text(e);
    }
    body += "<g><title>" + esc(tooltip) + "</title>";
    body += svg_text(kChartLabelRight, mid + kChartTextDy, util::ellipsize(table_name(t), kChartLabelChars),
                     "text-anchor=\"end\"");
    body += svg_text(kEntityX, mid + kChartTextDy, e.name.empty() ? "no match" : util::ellipsize(e.name, kEntityChars),
                     e.name.empty() ? "class=\"muted\"" : "class=\"entity\"");
    body += svg_rect(kBarX, mid - kChartBar / 2, kBarWidth, kChartBar, kColorTrack);
    if (e.confidence > 0) {
      body += svg_rect(kBarX, mid - kChartBar / 2, std::max(kMinBarWidth, std::min(e.confidence, 1.0) * kBarWidth),
                       kChartBar, e.name.empty() ? kColorMuted : confidence_color(e.confidence));
    }
    body += svg_text(kChartValueX, mid + kChartTextDy, percent(e.confidence), "class=\"v\"") + "</g>";
    y += kChartRow;
  }
  return svg_open("chart-entities", "CS entity per table", y + kChartPad) + body + "</svg>";
}

constexpr size_t kOpenDetailsMaxTables = 3;  // small reports show every table unfolded

std::string severity_badge(Severity s) {
  return badge(std::string("b-") + assess::severity_name(s), assess::severity_name(s));
}

void append_html_header(const Assessment& a, std::string& out) {
  const assess::Summary& s = a.summary;
  out += "<header class=\"hero\"><div>\n<p class=\"eyebrow\">csbridge assess db</p>\n";
  out += "<h1>Legacy database assessment</h1>\n";
  out += "<div><strong>" + esc(source_title(a.source)) + "</strong> &nbsp;<span class=\"src mono\">" +
         esc(a.source.redacted) + "</span></div>\n";
  if (!a.generated_at.empty()) {
    out += "<p class=\"meta\">Generated " + esc(a.generated_at) + " in " + esc(seconds_text(a.seconds)) + "</p>\n";
  }
  if (s.readiness_penalties.empty()) {
    out += "<p class=\"ok\">Nothing lowers readiness.</p>\n";
  } else {
    out += "<ul class=\"penalties\" aria-label=\"what lowers readiness\">";
    for (const std::string& p : s.readiness_penalties) out += "<li>" + esc(p) + "</li>";
    out += "</ul>\n";
  }
  out += "</div>\n<div>" + gauge_svg(s.readiness) + "</div></header>\n";
}

void append_html_cards(const Assessment& a, std::string& out) {
  const assess::Summary& s = a.summary;
  const FindingCounts counts = finding_counts(a);
  int64_t pii_tables = 0, entities_found = 0;
  for (const TableAssessment& t : a.tables) {
    pii_tables +=
        std::any_of(t.columns.begin(), t.columns.end(), [](const ColumnProfile& c) { return !c.pii.empty(); });
    entities_found += !t.entity.name.empty();
  }
  out += "<section class=\"cards\">\n";
  out += card("CS fit", esc(percent(s.cs_fit)),
              meter(s.cs_fit, "meter") + "of the required CS fields have a source column");
  out += card("Total rows", esc(group_digits(s.total_rows)), "in " + esc(tables_text(a)));
  out += card("Migration estimate", esc(human_duration(s.estimate_seconds)),
              s.read_rows_per_second > 0
                  ? "at " + esc(group_digits(std::llround(s.read_rows_per_second))) + " rows/s read in this run"
                  : "from the row counts");
  out += card("Findings", esc(group_digits(counts.error + counts.warning + counts.info)),
              badge(counts.error ? "b-error" : "b-muted", plural(counts.error, "error", "errors")) +
                  badge(counts.warning ? "b-warning" : "b-muted", plural(counts.warning, "warning", "warnings")) +
                  badge(counts.info ? "b-info" : "b-muted", group_digits(counts.info) + " info"));
  out += card("PII columns", esc(group_digits(s.pii_columns)), "in " + esc(plural(pii_tables, "table", "tables")));
  out += card("CS entities found", esc(group_digits(entities_found)),
              s.entities_missing.empty() ? "none missing" : "missing: " + esc(util::join(s.entities_missing, ", ")));
  out += "</section>\n";
  if (!s.suggested_config.empty()) {
    out += "<section class=\"panel\"><h2>Suggested source config</h2><p class=\"cap\">Declares the legacy "
           "encodings found, under the source in csbridge.yaml.</p><pre>";
    for (const std::string& line : s.suggested_config) out += esc(line) + "\n";
    out += "</pre></section>\n";
  }
  if (!s.migration_order.empty()) {
    out += "<section class=\"panel\"><h2>Migration order</h2><p class=\"cap\">Parents before the tables that "
           "reference them.</p><ol class=\"order\">";
    for (const std::string& name : s.migration_order) out += "<li>" + esc(name) + "</li>";
    out += "</ol></section>\n";
  }
}

void append_html_charts(const Assessment& a, std::string& out) {
  out += "<section class=\"panel\"><h2>Null ratio per column</h2><p class=\"cap\">Share of rows where the column is "
         "NULL; red from 50%, amber from 10%.</p>\n" + null_chart_svg(a) + "</section>\n";
  out += "<section class=\"panel\"><h2>Personal data per table</h2><p class=\"cap\">Columns holding each PII class "
         "(a column may hold several); hover for the columns and hit ratios.</p>\n" + pii_chart_svg(a) +
         "</section>\n";
  out += "<section class=\"panel\"><h2>CS entity fit</h2><p class=\"cap\">The customer-service entity each table most "
         "likely holds, with the confidence of the guess.</p>\n" + entity_chart_svg(a) + "</section>\n";
}

void append_html_relationships(const Assessment& a, std::string& out) {
  out += "<section class=\"panel\"><h2>Relationships</h2><p class=\"cap\">Foreign keys the source declares and "
         "relationships inferred from names and value containment.</p>\n";
  std::string rows;
  for (const TableAssessment& t : a.tables) {
    for (const Relationship& r : t.foreign_keys) {
      std::string kind = r.declared ? badge("b-declared", "declared") : badge("b-inferred", "inferred");
      if (r.polymorphic) {
        kind += badge("b-poly", "polymorphic") + "<div class=\"muted nw\"><code>" + esc(r.type_column) + "</code> = '" +
                esc(r.type_value) + "'</div>";
      }
      rows += "<tr><td class=\"nw\"><code>" + esc(t.ref.display()) + "</code> (" + code_list(r.columns) +
              ")</td><td class=\"nw\"><code>" + esc(r.ref_table) + "</code> (" + code_list(r.ref_columns) +
              ")</td><td>" + kind + "</td><td class=\"n\">" +
              meter(r.confidence, "mini", confidence_color(r.confidence)) + esc(percent(r.confidence)) +
              "</td><td class=\"n\">" + esc(percent(r.orphan_ratio)) + " <span class=\"muted\">(" +
              esc(group_digits(r.orphans)) + ")</span></td><td>" + esc(util::join(r.reasons, "; ")) + "</td></tr>\n";
    }
  }
  if (rows.empty()) {
    out += "<p class=\"muted\">No relationships declared or found.</p>";
  } else {
    out += "<div class=\"scroll\"><table><thead><tr><th>From</th><th>To</th><th>Kind</th><th class=\"n\">Confidence"
           "</th><th class=\"n\">Orphans</th><th>Why</th></tr></thead><tbody>\n" + rows + "</tbody></table></div>";
  }
  out += "</section>\n";
}

using TableFinding = std::pair<const TableAssessment*, const Finding*>;

std::string findings_table(const std::vector<TableFinding>& findings, bool with_table) {
  std::string out = "<div class=\"scroll\"><table><thead><tr><th>Severity</th>" +
                    std::string(with_table ? "<th>Table</th>" : "") +
                    "<th>Column</th><th>Kind</th><th>Message</th><th class=\"n\">Count</th><th>Examples</th></tr>"
                    "</thead><tbody>\n";
  for (const auto& [t, f] : findings) {
    out += "<tr><td>" + severity_badge(f->severity) + "</td>";
    if (with_table) out += "<td><code>" + esc(t->ref.display()) + "</code></td>";
    out += "<td>" + (f->column.empty() ? std::string() : "<code>" + esc(f->column) + "</code>") + "</td><td><code>" +
           esc(f->kind) + "</code></td><td>" + esc(f->message) + "</td><td class=\"n\">" +
           esc(count_cell(f->count)) + "</td><td class=\"mono chips\">" + chips(f->examples, kMaxExamples) +
           "</td></tr>\n";
  }
  return out + "</tbody></table></div>";
}

void append_html_findings(const Assessment& a, std::string& out) {
  std::vector<TableFinding> findings;
  // Most severe first; within a severity, in table order.
  for (Severity s : {Severity::kError, Severity::kWarning, Severity::kInfo}) {
    for (const TableAssessment& t : a.tables) {
      for (const Finding& f : t.findings) {
        if (f.severity == s) findings.emplace_back(&t, &f);
      }
    }
  }
  out += "<section class=\"panel\"><h2>Findings</h2><p class=\"cap\">Data-quality and access problems, most severe "
         "first.</p>\n";
  out += findings.empty() ? "<p class=\"muted\">No findings.</p>" : findings_table(findings, true);
  out += "</section>\n";
}

void append_html_table(const TableAssessment& t, bool open, std::string& out) {
  const EntityGuess& e = t.entity;
  int64_t errors = 0, warnings = 0, pii = 0;
  for (const Finding& f : t.findings) {
    errors += f.severity == Severity::kError;
    warnings += f.severity == Severity::kWarning;
  }
  for (const ColumnProfile& c : t.columns) pii += !c.pii.empty();
  out += std::string(open ? "<details open>" : "<details>") + "<summary><span class=\"name\">" + esc(table_name(t)) +
         "</span><span class=\"rows\">" + esc(rows_text(t)) + "</span>" +
         (e.name.empty() ? badge("b-muted", "no entity") : badge("b-info", e.name + " " + percent(e.confidence)));
  if (errors) out += badge("b-error", plural(errors, "error", "errors"));
  if (warnings) out += badge("b-warning", plural(warnings, "warning", "warnings"));
  if (pii) out += badge("b-pii", plural(pii, "PII column", "PII columns"));
  if (!t.profiled) out += badge("b-muted", "not profiled");
  out += "</summary>\n<div class=\"body\"><dl class=\"kv\">";
  out += "<dt>Rows</dt><dd>" + esc(rows_text(t)) + "</dd>";
  out += "<dt>CS entity</dt><dd>" + esc(e.name.empty() ? "none fits" : e.name + " (" + percent(e.confidence) + ")");
  if (!e.reasons.empty()) {
    out += "<ul class=\"plain\">";
    for (const std::string& r : e.reasons) out += "<li>" + esc(r) + "</li>";
    out += "</ul>";
  }
  out += "</dd>";
  if (!e.name.empty() && !(e.covered_required.empty() && e.missing_required.empty())) {
    out += "<dt>Required CS fields</dt><dd>" + esc(required_text(e)) + "</dd>";
  }
  out += "<dt>Primary key</dt><dd>" +
         (t.primary_key.empty() ? "<span class=\"muted\">none</span>" : code_list(t.primary_key)) + "</dd>";
  if (!t.unique_keys.empty()) {
    std::vector<std::string> keys;
    for (const auto& k : t.unique_keys) keys.push_back("(" + code_list(k) + ")");
    out += "<dt>Unique keys</dt><dd>" + util::join(keys, ", ") + "</dd>";
  }
  if (!t.indexes.empty()) {
    std::vector<std::string> indexes;
    for (const auto& ix : t.indexes) {
      indexes.push_back(std::string(ix.unique ? "unique " : "") + "<code>" + esc(ix.name) + "</code> (" +
                        code_list(ix.columns) + ")");
    }
    out += "<dt>Indexes</dt><dd>" + util::join(indexes, ", ") + "</dd>";
  }
  if (std::string profile = profile_text(t); !profile.empty()) out += "<dt>Profile</dt><dd>" + esc(profile) + "</dd>";
  out += "</dl>\n";
  if (!t.columns.empty()) {
    out += "<div class=\"scroll\"><table class=\"cols\"><thead><tr><th>Column</th><th>Declared / observed</th>"
           "<th class=\"n\">Null</th><th class=\"n\">Distinct</th><th>PII</th><th>Range</th><th>Length</th>"
           "<th>Patterns</th>"
           "<th>Samples</th></tr></thead><tbody>\n";
    for (const ColumnProfile& c : t.columns) {
      std::string pii_html;
      for (const PiiHit& h : c.pii) pii_html += badge("b-pii", pii_hit_text(h)) + " ";
      std::vector<std::string> patterns;
      for (const auto& p : c.patterns) patterns.push_back(p.pattern + " ×" + group_digits(p.count));
      std::string range;
      if (c.min || c.max) range = c.min.value_or("") + " … " + c.max.value_or("");
      out += "<tr><td><code>" + esc(c.name) + "</code></td><td class=\"nw\"><code>" + esc(c.declared_type) +
             "</code><div class=\"muted\">" + esc(c.observed_type) + "</div></td><td class=\"n\">" +
             (t.profiled ? esc(percent(c.null_ratio)) : "-") + "</td><td class=\"n\">" +
             (t.profiled ? esc(distinct_text(c)) : "-") + "</td><td>" + pii_html + "</td><td class=\"mono\">" +
             esc(range) + "</td><td>" +
             esc(length_text(c)) + "</td><td class=\"mono chips\">" + chips(patterns, kMaxPatterns) +
             "</td><td class=\"mono chips\">" + chips(c.samples, kMaxSamples) + "</td></tr>\n";
    }
    out += "</tbody></table></div>\n";
  }
  if (!t.findings.empty()) {
    std::vector<TableFinding> findings;
    for (const Finding& f : t.findings) findings.emplace_back(&t, &f);
    out += "<h3>Findings</h3>" + findings_table(findings, false) + "\n";
  }
  out += "</div></details>\n";
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

std::string assess_html(const Assessment& a) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<title>Assessment of " + esc(source_title(a.source)) + "</title>\n<style>" +
                    std::string(html_css()) + "</style>\n</head>\n<body>\n<div class=\"wrap\">\n";
  append_html_header(a, out);
  append_html_cards(a, out);
  append_html_charts(a, out);
  append_html_relationships(a, out);
  append_html_findings(a, out);
  out += "<section><h2>Tables</h2>\n";
  for (const TableAssessment& t : a.tables) append_html_table(t, a.tables.size() <= kOpenDetailsMaxTables, out);
  out += "</section>\n<footer>Generated by csbridge assess db";
  if (!a.generated_at.empty()) out += " · " + esc(a.generated_at);
  out += " · a self-contained page: no scripts, fonts or other resources</footer>\n</div>\n</body>\n</html>\n";
  return utf8_safe(out);
}

}  // namespace csbridge::report
