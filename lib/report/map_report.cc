#include "report/map_report.h"

#include <algorithm>

#include "util/strings.h"

namespace csbridge::report {
namespace {

using mapping::Severity;

int count(const CheckReport& report, Severity severity) {
  return static_cast<int>(std::count_if(report.diagnostics.begin(), report.diagnostics.end(),
                                        [&](const mapping::Diagnostic& d) { return d.severity == severity; }));
}

std::string plural(int n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

nlohmann::json nullable(const std::optional<std::string>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

std::string shown(const std::optional<std::string>& v) { return v ? util::ellipsize(*v, 48) : "NULL"; }

// A file path as a SARIF artifact URI (RFC 3986): a relative path stays relative (code scanning
// reads it from the repository's root), an absolute one becomes file://; bytes other than
// unreserved characters and '/' are percent-encoded (spaces, Chinese file names).
std::string sarif_uri(const std::string& path) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out = !path.empty() && path.front() == '/' ? "file://" : "";
  for (char c : path) {
    auto b = static_cast<unsigned char>(c);
    if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~' || c == '/') {
      out += c;
    } else {
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
  return out;
}

}  // namespace

std::string check_text(const CheckReport& report) {
  std::string out;
  for (const auto& d : report.diagnostics) {
    out += mapping::format_diagnostic(d, report.set ? report.set->text_of(d.at.file) : std::string_view());
    out += '\n';
  }
  int errors = count(report, Severity::kError), warnings = count(report, Severity::kWarning);
  out += plural(report.files, "file") + ", " + plural(report.blocks, "block") + ": ";
  out += errors + warnings == 0 ? std::string("no problems") : plural(errors, "error") + ", " + plural(warnings, "warning");
  if (!report.data_checked) out += " (checked without data)";
  out += '\n';
  return out;
}

nlohmann::json check_json(const CheckReport& report) {
  int errors = count(report, Severity::kError), warnings = count(report, Severity::kWarning);
  nlohmann::json j;
  j["status"] = report.unreadable ? "unreadable" : errors > 0 ? "problems" : "ok";
  j["files"] = report.files;
  j["blocks"] = report.blocks;
  j["errors"] = errors;
  j["warnings"] = warnings;
  j["data_checked"] = report.data_checked;
  j["diagnostics"] = nlohmann::json::array();
  for (const auto& d : report.diagnostics) {
    j["diagnostics"].push_back({{"file", d.at.file},
                                {"line", d.at.line},
                                {"column", d.at.col},
                                {"severity", mapping::severity_name(d.severity)},
                                {"code", d.code},
                                {"message", d.message}});
  }
  return j;
}

nlohmann::json check_sarif(const CheckReport& report, const std::string& tool_version) {
  nlohmann::json rules = nlohmann::json::array();
  std::vector<std::string> seen;
  nlohmann::json results = nlohmann::json::array();
  for (const auto& d : report.diagnostics) {
    if (std::find(seen.begin(), seen.end(), d.code) == seen.end()) {
      seen.push_back(d.code);
      rules.push_back({{"id", d.code}});
    }
    nlohmann::json region = nlohmann::json::object();
    if (d.at.line > 0) region["startLine"] = d.at.line;
    if (d.at.col > 0) region["startColumn"] = d.at.col;
    nlohmann::json physical = {{"artifactLocation", {{"uri", sarif_uri(d.at.file)}}}};
    if (!region.empty()) physical["region"] = region;
    results.push_back({{"ruleId", d.code},
                       {"level", d.severity == Severity::kError ? "error" : "warning"},
                       {"message", {{"text", d.message}}},
                       {"locations", nlohmann::json::array({{{"physicalLocation", physical}}})}});
  }
  return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
          {"version", "2.1.0"},
          {"runs", nlohmann::json::array({{{"tool",
                                             {{"driver",
                                               {{"name", "csbridge"},
                                                {"version", tool_version},
                                                {"rules", rules}}}}},
                                            {"results", results}}})}};
}

std::string preview_text(const std::string& entity, const std::vector<mapping::BlockPreview>& blocks) {
  std::string out;
  for (const auto& b : blocks) {
    out += b.block + " ← " + b.source + ": " + plural(static_cast<int>(b.rows.size()), "row") + ", " +
           std::to_string(b.rejected) + " rejected\n";
    size_t name_w = 0, value_w = 0, field_w = 0;
    for (const auto& c : b.source_columns) name_w = std::max(name_w, util::display_width(c));
    for (const auto& o : b.outputs) field_w = std::max(field_w, util::display_width(o.field));
    for (const auto& r : b.rows) {
      for (const auto& v : r.source) value_w = std::max(value_w, util::display_width(shown(v)));
    }
    for (const auto& r : b.rows) {
      out += "\n  " + std::string(r.reject ? "✗ " : "✓ ") + "key " + (r.source_key.empty() ? "(none)" : r.source_key);
      if (r.reject) out += "  rejected: " + r.reject->code + ": " + r.reject->message;
      out += '\n';
      size_t lines = std::max(r.source.size(), r.mapped.size());
      for (size_t i = 0; i < lines; ++i) {
        std::string left = i < r.source.size() ? util::pad_right(b.source_columns[i], name_w) + "  " + shown(r.source[i])
                                               : std::string();
        out += "    " + util::pad_right(left, name_w + 2 + value_w);
        if (i < r.mapped.size()) {
          const auto& o = b.outputs[i];
          std::string value = shown(r.mapped[i]);
          if (!o.lookup_entity.empty() && r.mapped[i]) value = "→ " + o.lookup_entity + " " + value;
          out += (i == 0 ? "  →  " : "     ") + util::pad_right(o.field, field_w) + "  " + value;
        }
        while (!out.empty() && out.back() == ' ') out.pop_back();
        out += '\n';
      }
    }
    out += '\n';
  }
  if (blocks.empty()) out += "no rows for " + entity + "\n";
  return out;
}

nlohmann::json preview_json(const std::string& entity, const std::vector<mapping::BlockPreview>& blocks) {
  nlohmann::json j = {{"entity", entity}, {"blocks", nlohmann::json::array()}};
  for (const auto& b : blocks) {
    nlohmann::json jb = {{"block", b.block}, {"source", b.source}, {"rejected", b.rejected}, {"rows", nlohmann::json::array()}};
    for (const auto& r : b.rows) {
      nlohmann::ordered_json source = nlohmann::ordered_json::object(), mapped = nlohmann::ordered_json::object();
      for (size_t i = 0; i < r.source.size(); ++i) source[b.source_columns[i]] = nullable(r.source[i]);
      for (size_t i = 0; i < r.mapped.size(); ++i) mapped[b.outputs[i].field] = nullable(r.mapped[i]);
      nlohmann::json reject = nullptr;
      if (r.reject) reject = {{"field", r.reject->field}, {"code", r.reject->code}, {"message", r.reject->message}};
      jb["rows"].push_back({{"source_key", r.source_key}, {"source", source}, {"mapped", mapped}, {"reject", reject}});
    }
    j["blocks"].push_back(std::move(jb));
  }
  return j;
}

}  // namespace csbridge::report
