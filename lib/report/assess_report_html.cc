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

using namespace assess_detail;

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
