#include "report/assess_report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string_view>
#include <utility>
#include <vector>

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
constexpr int kPercentDigits = 1;

constexpr size_t kMaxLineWidth = 120;
constexpr size_t kLabelWidth = 11;   // the label column of text reports ("readiness", "relations", …)
constexpr size_t kMinWrapWidth = 24;  // never squeeze wrapped text narrower than this
constexpr size_t kMaxNameCell = 28;   // column-table cells in text, in display columns
constexpr size_t kMaxTypeCell = 30;
constexpr size_t kMinPiiCell = 12;
constexpr size_t kMaxExamples = 3;
constexpr size_t kMaxPatterns = 3;
constexpr size_t kMaxSamples = 5;

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";
constexpr std::string_view kEllipsis = "…";
constexpr std::string_view kArrow = " → ";

// ---------------------------------------------------------------------------
// Shared formatting

double round_to(double v, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}

// Legacy data may carry bytes that are not UTF-8 (the point of a bad_encoding
// finding); JSON serialisation would throw on them and browsers would guess.
std::string utf8_safe(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t bad; (bad = util::find_invalid_utf8(s)) != std::string_view::npos; s.remove_prefix(bad + 1)) {
    out += s.substr(0, bad);
    out += kReplacementChar;
  }
  out += s;
  return out;
}

size_t utf8_char_len(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  return std::min(len, s.size() - i);
}

// `s` cut to `max_width` display columns, with an ellipsis when cut.
std::string ellipsize(std::string_view s, size_t max_width) {
  if (util::display_width(s) <= max_width) return std::string(s);
  std::string out;
  size_t width = 0;
  for (size_t i = 0; i < s.size();) {
    size_t len = utf8_char_len(s, i);
    size_t w = util::display_width(s.substr(i, len));
    if (width + w + util::display_width(kEllipsis) > max_width) break;
    out += s.substr(i, len);
    width += w;
    i += len;
  }
  return out + std::string(kEllipsis);
}

std::string group_digits(int64_t n) {
  std::string s = std::to_string(n);
  const long first_digit = s[0] == '-' ? 1 : 0;
  for (long i = static_cast<long>(s.size()) - 3; i > first_digit; i -= 3) s.insert(static_cast<size_t>(i), 1, ',');
  return s;
}

std::string percent(double ratio) {
  const double p = round_to(ratio * 100, kPercentDigits);
  // Rounding must not make a little into nothing, nor almost all into all.
  if (p == 0 && ratio > 0) return "<0.1%";
  if (p == 100 && ratio < 1) return ">99.9%";
  return util::format_double(p) + "%";
}

std::string plural(int64_t n, std::string_view one, std::string_view many) {
  return group_digits(n) + " " + std::string(n == 1 ? one : many);
}

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

std::string score_text(double readiness) {
  return util::format_double(std::round(std::clamp(readiness, 0.0, 100.0))) + "/100";
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

std::string rtrim(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// Lines of at most `width` display columns, broken at spaces; a word wider than
// a line (a Chinese sentence has no spaces) is broken between characters.
std::vector<std::string> wrap(std::string_view text, size_t width) {
  std::vector<std::string> lines;
  std::string line;
  size_t line_width = 0;
  auto flush = [&] {
    lines.push_back(line);
    line.clear();
    line_width = 0;
  };
  for (std::string_view word : util::split(text, ' ')) {
    if (word.empty()) continue;
    const size_t w = util::display_width(word);
    if (line_width > 0 && line_width + 1 + w <= width) {
      line += ' ';
      line += word;
      line_width += 1 + w;
      continue;
    }
    if (line_width > 0) flush();
    for (size_t i = 0; i < word.size();) {
      const size_t len = utf8_char_len(word, i);
      const size_t cw = util::display_width(word.substr(i, len));
      if (line_width > 0 && line_width + cw > width) flush();
      line += word.substr(i, len);
      line_width += cw;
      i += len;
    }
  }
  if (line_width > 0 || lines.empty()) lines.push_back(line);
  return lines;
}

void append_wrapped(std::string& out, const std::string& first_prefix, size_t indent, std::string_view text) {
  const size_t used = std::max(util::display_width(first_prefix), indent);
  const size_t width = std::max(kMinWrapWidth, kMaxLineWidth - std::min(used, kMaxLineWidth));
  const std::vector<std::string> lines = wrap(text, width);
  for (size_t i = 0; i < lines.size(); ++i) {
    out += rtrim((i == 0 ? first_prefix : std::string(indent, ' ')) + lines[i]) + "\n";
  }
}

// "  label       item" and further items below the first, aligned.
void append_field(std::string& out, std::string_view label, const std::vector<std::string>& items) {
  const size_t indent = 2 + kLabelWidth + 1;
  for (size_t i = 0; i < items.size(); ++i) {
    append_wrapped(out, i == 0 ? "  " + util::pad_right(label, kLabelWidth) + " " : std::string(indent, ' '), indent,
                   items[i]);
  }
}

void append_field(std::string& out, std::string_view label, const std::string& value) {
  append_field(out, label, std::vector<std::string>{value});
}

std::string pad_left(std::string_view s, size_t width) {
  const size_t w = util::display_width(s);
  return std::string(width > w ? width - w : 0, ' ') + std::string(s);
}

void append_columns_text(const TableAssessment& t, std::string& out) {
  struct Row {
    std::string name, type, nulls, distinct, pii;
  };
  std::vector<Row> rows = {{"column", "type", "null", "distinct", "PII"}};
  for (const ColumnProfile& c : t.columns) {
    rows.push_back({ellipsize(c.name, kMaxNameCell), ellipsize(type_text(c), kMaxTypeCell),
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
                 pad_left(r.nulls, null_w) + "  " + pad_left(r.distinct, distinct_w) + "  " + ellipsize(r.pii, pii_w)) +
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
          {"pii", pii}};
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

// Free text: backslash-escapes what Markdown (and the HTML it may contain) would interpret.
std::string md_text(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    if (std::string_view("\\`*_[]<>|&#").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// An identifier as a code span; only a pipe needs escaping there (GFM tables).
std::string md_code(std::string_view s) {
  if (s.empty()) return "";
  std::string body = util::replace_all(util::replace_all(util::replace_all(s, "\n", " "), "\r", " "), "|", "\\|");
  const std::string fence = body.find('`') == std::string::npos ? "`" : "``";
  const std::string pad = fence.size() > 1 ? " " : "";
  return fence + pad + body + pad + fence;
}

std::string md_codes(const std::vector<std::string>& names) {
  std::vector<std::string> parts;
  for (const std::string& n : names) parts.push_back(md_code(n));
  return util::join(parts, ", ");
}

struct MdColumn {
  std::string title;
  bool numeric = false;
};

void append_md_table(const std::vector<MdColumn>& header, const std::vector<std::vector<std::string>>& rows,
                     std::string& out) {
  std::string titles = "|", rule = "|";
  for (const MdColumn& c : header) {
    titles += " " + c.title + " |";
    rule += c.numeric ? " ---: |" : " --- |";
  }
  out += titles + "\n" + rule + "\n";
  for (const auto& row : rows) {
    std::string line = "|";
    for (const std::string& cell : row) line += cell.empty() ? " |" : " " + cell + " |";
    out += line + "\n";
  }
  out += "\n";
}

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

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// SVG coordinates: one decimal is finer than a pixel.
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

constexpr const char* kColorGood = "#2e9e5b";
constexpr const char* kColorFair = "#2f6fde";
constexpr const char* kColorWarn = "#d98e04";
constexpr const char* kColorBad = "#d64545";
constexpr const char* kColorTrack = "#e8ecf1";
constexpr const char* kColorMuted = "#7b8794";

constexpr double kGoodReadiness = 80, kFairReadiness = 50;
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

const char* readiness_color(double score) {
  return score >= kGoodReadiness ? kColorGood : score >= kFairReadiness ? kColorWarn : kColorBad;
}

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

std::string svg_text(double x, double y, std::string_view text, std::string_view attrs = "") {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\"" + (attrs.empty() ? "" : " " + std::string(attrs)) + ">" +
         esc(text) + "</text>";
}

std::string svg_rect(double x, double y, double w, double h, std::string_view fill) {
  return "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" + num(h) +
         "\" rx=\"3\" fill=\"" + std::string(fill) + "\"/>";
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
  out += svg_text(x0 + l.label_right, mid + kChartTextDy, ellipsize(label, l.label_chars), "text-anchor=\"end\"");
  out += svg_rect(x0 + l.bar_x, mid - kChartBar / 2, l.bar_width, kChartBar, kColorTrack);
  if (ratio > 0) {
    out += svg_rect(x0 + l.bar_x, mid - kChartBar / 2, std::max(kMinBarWidth, std::min(ratio, 1.0) * l.bar_width),
                    kChartBar, color);
  }
  out += svg_text(x0 + l.value_x, mid + kChartTextDy, value, "class=\"v\"");
  return out + "</g>";
}

std::string gauge_svg(double readiness) {
  constexpr double kCx = 110, kCy = 110, kRadius = 88, kStroke = 18;
  const double score = std::clamp(readiness, 0.0, 100.0);
  const double angle = std::numbers::pi * score / 100;
  const char* color = readiness_color(score);
  const std::string start = num(kCx - kRadius) + " " + num(kCy);
  const std::string arc = " A" + num(kRadius) + " " + num(kRadius) + " 0 0 1 ";
  std::string out = "<svg class=\"gauge\" id=\"chart-readiness\" viewBox=\"0 0 220 135\" width=\"220\" height=\"135\" "
                    "role=\"img\" aria-label=\"readiness " + score_text(score) + "\">";
  out += "<path d=\"M" + start + arc + num(kCx + kRadius) + " " + num(kCy) + "\" fill=\"none\" stroke=\"" +
         kColorTrack + "\" stroke-width=\"" + num(kStroke) + "\" stroke-linecap=\"round\"/>";
  if (score > 0) {
    out += "<path d=\"M" + start + arc + num(kCx - kRadius * std::cos(angle)) + " " +
           num(kCy - kRadius * std::sin(angle)) + "\" fill=\"none\" stroke=\"" + color + "\" stroke-width=\"" +
           num(kStroke) + "\" stroke-linecap=\"round\"/>";
  }
  out += svg_text(kCx, kCy - 8, util::format_double(std::round(score)),
                  "text-anchor=\"middle\" class=\"score\" fill=\"" + std::string(color) + "\"");
  out += svg_text(kCx, kCy + 18, "readiness / 100", "text-anchor=\"middle\" class=\"score-cap\"");
  return out + "</svg>";
}

bool has_profile_rows(const TableAssessment& t) { return t.profiled && !t.columns.empty(); }

double null_group_height(const TableAssessment& t) {
  return kChartGroupHead + kChartRow * static_cast<double>(has_profile_rows(t) ? t.columns.size() : 1);
}

std::string null_group_svg(const TableAssessment& t, const BarLayout& l, double x0, double y) {
  std::string out = svg_text(x0, y + kChartGroupHead - 9, ellipsize(table_name(t), l.head_chars), "class=\"head\"");
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
    body += "<g>" + svg_text(kChartLabelRight, mid + kChartTextDy, ellipsize(table_name(*row.table), kChartLabelChars),
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
    body += svg_text(kChartLabelRight, mid + kChartTextDy, ellipsize(table_name(t), kChartLabelChars),
                     "text-anchor=\"end\"");
    body += svg_text(kEntityX, mid + kChartTextDy, e.name.empty() ? "no match" : ellipsize(e.name, kEntityChars),
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

constexpr std::string_view kCss = R"(
:root{--bg:#f4f6f9;--card:#fff;--ink:#1f2933;--soft:#3e4c59;--muted:#66768a;--line:#e3e8ef;--accent:#2f6fde}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,
 "Helvetica Neue",Arial,"Noto Sans","Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif}
.wrap{max-width:1100px;margin:0 auto;padding:28px 24px 40px}
.mono,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono","Noto Sans Mono CJK SC",monospace;
 font-size:12.5px}
.hero{display:grid;grid-template-columns:1fr 240px;gap:24px;align-items:center;background:var(--card);
 border:1px solid var(--line);border-radius:14px;padding:24px 28px}
.eyebrow{margin:0;font-size:12px;letter-spacing:.08em;text-transform:uppercase;color:var(--muted)}
h1{font-size:26px;line-height:1.25;margin:4px 0 8px}
.src{background:#f0f3f7;padding:2px 7px;border-radius:5px;word-break:break-all}
.meta{color:var(--muted);font-size:13px;margin:6px 0 0}
.penalties{margin:14px 0 0;padding:12px 16px 12px 34px;background:#fbf7ec;border:1px solid #f1e4bf;border-radius:10px;
 color:var(--soft)}
.penalties li{margin:2px 0}
.ok{margin:14px 0 0;color:#1d7044}
.gauge{display:block;margin:0 auto;width:220px;height:auto}
.gauge .score{font-size:46px;font-weight:700}
.gauge .score-cap{font-size:12px;fill:var(--muted);letter-spacing:.04em}
.cards{display:grid;grid-template-columns:repeat(3,1fr);gap:14px;margin:18px 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:14px 16px}
.card .k{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.06em}
.card .v{font-size:26px;font-weight:700;line-height:1.3;margin:2px 0}
.card .s{font-size:12.5px;color:var(--muted)}
.meter{height:6px;background:#e8ecf1;border-radius:3px;overflow:hidden;margin:6px 0 4px}
.meter>i{display:block;height:100%;background:var(--accent)}
.panel{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:18px 22px;margin:18px 0}
h2{font-size:17px;margin:0 0 2px}
h3{font-size:14px;margin:16px 0 6px}
.cap{color:var(--muted);margin:0 0 12px;font-size:13px}
.order{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:0;padding:0;list-style:none}
.order li{background:#eef3fd;color:#1f4fa8;border-radius:6px;padding:2px 9px;font-size:13px}
.order li+li::before{content:"→";color:var(--muted);margin:0 8px 0 -2px}
.order li+li{margin-left:0}
svg.chart{display:block;max-width:100%;height:auto}
svg.chart text{font-size:12px;fill:var(--soft)}
svg.chart text.head{font-weight:600;fill:var(--ink);font-size:13px}
svg.chart text.muted{fill:var(--muted);font-style:italic}
svg.chart text.v{fill:var(--muted);font-variant-numeric:tabular-nums}
svg.chart text.entity{font-weight:600;fill:var(--ink)}
svg.chart text.on-bar{fill:#fff;font-weight:600;font-size:11px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:6px 9px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600;background:#f8fafc;white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.nw{white-space:nowrap}
table.cols{font-size:12.5px}
table.cols td,table.cols th{padding:6px 7px}
.chips span{font-size:11.5px}
.chips span{display:inline-block;white-space:nowrap;background:#f0f3f7;border-radius:4px;padding:0 5px;
 margin:1px 3px 1px 0}
tbody tr:hover{background:#fafbfd}
.badge{display:inline-block;padding:0 8px;border-radius:999px;font-size:11.5px;font-weight:600;line-height:19px;
 white-space:nowrap;margin:1px 2px 1px 0}
.b-error{background:#fde8e8;color:#b42318}.b-warning{background:#fff4d6;color:#8a5a00}
.b-info{background:#e6effd;color:#1f4fa8}
.b-declared{background:#e3f4ea;color:#1d7044}.b-inferred{background:#eef0f4;color:#475467}
.b-poly{background:#f1e9fd;color:#6b3fb4}.b-pii{background:#fdecea;color:#a1331f}
.b-muted{background:#eef0f4;color:#66768a}
.mini{display:inline-block;width:54px;height:6px;background:#e8ecf1;border-radius:3px;vertical-align:middle;
 margin-right:6px;overflow:hidden}
.mini>i{display:block;height:100%;background:var(--accent)}
.muted{color:var(--muted)}
details{background:var(--card);border:1px solid var(--line);border-radius:10px;margin:10px 0}
summary{cursor:pointer;padding:11px 16px}
summary .name{font-weight:600;margin-right:8px}
summary .rows{color:var(--muted);margin-right:8px;font-size:13px}
details[open] summary{border-bottom:1px solid var(--line)}
.body{padding:12px 16px 16px}
dl.kv{display:grid;grid-template-columns:170px 1fr;gap:4px 14px;margin:0 0 12px}
dl.kv dt{color:var(--muted)}
dl.kv dd{margin:0}
ul.plain{margin:0;padding-left:18px}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:26px}
@media (max-width:760px){.hero,.cards,dl.kv{grid-template-columns:1fr}}
@media print{body{background:#fff}.panel,.card,details{break-inside:avoid}}
)";

constexpr size_t kOpenDetailsMaxTables = 3;  // small reports show every table unfolded

std::string badge(std::string_view css_class, std::string_view text) {
  return "<span class=\"badge " + std::string(css_class) + "\">" + esc(text) + "</span>";
}

std::string meter(double ratio, std::string_view css_class, std::string_view color = "") {
  return "<span class=\"" + std::string(css_class) + "\"><i style=\"width:" + num(std::clamp(ratio, 0.0, 1.0) * 100) +
         "%" + (color.empty() ? "" : ";background:" + std::string(color)) + "\"></i></span>";
}

// Short values (examples, samples, patterns), each kept on one line.
std::string chips(const std::vector<std::string>& values, size_t max) {
  std::string out;
  for (size_t i = 0; i < values.size() && i < max; ++i) out += "<span>" + esc(values[i]) + "</span>";
  return out;
}

std::string code_list(const std::vector<std::string>& names) {
  std::vector<std::string> parts;
  for (const std::string& n : names) parts.push_back("<code>" + esc(n) + "</code>");
  return util::join(parts, ", ");
}

std::string severity_badge(Severity s) {
  return badge(std::string("b-") + assess::severity_name(s), assess::severity_name(s));
}

std::string card(std::string_view key, const std::string& value_html, const std::string& sub_html) {
  return "<div class=\"card\"><div class=\"k\">" + esc(key) + "</div><div class=\"v\">" + value_html +
         "</div><div class=\"s\">" + sub_html + "</div></div>\n";
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
                    std::string(kCss) + "</style>\n</head>\n<body>\n<div class=\"wrap\">\n";
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
