#include "report/assess_api_report.h"

#include <algorithm>

#include "report/render.h"
#include "util/strings.h"

namespace csbridge::report {
namespace {

using api::ApiAssessment;
using api::Check;
using api::Drift;
using api::Outcome;
using api::PayloadAssessment;
using api::PayloadField;
using api::ProbeResult;
using json = nlohmann::ordered_json;

constexpr int kScoreDigits = 1;
constexpr int kRatioDigits = 4;
constexpr int kMillisDigits = 3;
constexpr size_t kMaxAllowedShown = 8;
constexpr size_t kMaxPathsShown = 6;
constexpr size_t kOpenPayloadsMax = 3;

// ---------------------------------------------------------------------------
// Shared

struct Counts {
  int pass = 0, warn = 0, fail = 0;
};

Counts outcome_counts(const ApiAssessment& a) {
  Counts c;
  for (const Check& k : a.readiness.checks) {
    (k.outcome == Outcome::kPass ? c.pass : k.outcome == Outcome::kWarn ? c.warn : c.fail)++;
  }
  return c;
}

std::string counts_text(const Counts& c) {
  return std::to_string(c.pass) + " pass, " + std::to_string(c.warn) + " warn, " + std::to_string(c.fail) + " fail";
}

std::string title(const ApiAssessment& a) {
  const auto& f = a.readiness.facts;
  std::string t = f.title.empty() ? a.spec_file : f.title;
  if (!f.api_version.empty()) t += " " + f.api_version;
  return t;
}

std::string version_text(const ApiAssessment& a) {
  return (a.swagger2 ? "Swagger " : "OpenAPI ") + (a.version.empty() ? std::string("(no version)") : a.version);
}

std::string auth_text(const api::AuthScheme& s) {
  std::string t = s.name + ": " + s.type;
  if (!s.param.empty()) t += " in " + s.in + " " + s.param;
  if (!s.scheme.empty()) t += " " + s.scheme;
  return t;
}

std::string pagination_text(const api::Pagination& p) {
  if (p.style.empty()) return p.operation + ": none recognised";
  std::string t = p.operation + ": " + p.style + " (" + util::join(p.parameters, ", ") + ")";
  if (p.max_page_size > 0) t += ", at most " + std::to_string(p.max_page_size) + " a page";
  return t;
}

std::string drift_text(const Drift& d) {
  std::string t = std::string(api::drift_kind_name(d.kind)) + ": " + d.field;
  if (d.kind == api::DriftKind::kEnumViolation) {
    std::vector<std::string> shown(d.allowed.begin(), d.allowed.begin() + std::min(d.allowed.size(), kMaxAllowedShown));
    t += " = " + d.value + " (the spec lists " + util::join(shown, ", ") + (d.allowed.size() > kMaxAllowedShown ? ", …" : "") + ")";
  } else if (d.kind == api::DriftKind::kTypeMismatch) {
    t += " = " + d.value + " (the spec says " + d.expected + ")";
  }
  if (d.count > 1) t += " ×" + std::to_string(d.count);
  return t;
}

std::string pii_text(const PayloadField& f) {
  std::vector<std::string> parts;
  for (const api::PiiCount& p : f.pii) {
    parts.push_back(std::string(model::pii_class_name(p.pii)) + " " +
                    percent(static_cast<double>(p.hits) / static_cast<double>(std::max<int64_t>(f.count, 1))));
  }
  return util::join(parts, ", ");
}

std::string payload_head(const PayloadAssessment& p) {
  if (!p.error.empty()) return util::to_lower(p.format) == "xml" ? "XML, unreadable" : "JSON, unreadable";
  std::string t = p.format == "xml" ? "XML" : "JSON";
  t += p.schema.empty() ? ", no spec schema fits" : ", matches " + p.schema + " (" + percent(p.schema_match) + ")";
  t += ", " + plural(p.records, "record", "records") + ", " + plural(static_cast<int64_t>(p.fields.size()), "field", "fields");
  if (p.fields_truncated) t += " (first " + std::to_string(api::kMaxPayloadFields) + ")";
  return t;
}

std::string ms(double v) { return util::format_double(round_to(v, kMillisDigits)) + " ms"; }

std::string codes_text(const ProbeResult& p) {
  std::vector<std::string> parts;
  for (const auto& [code, n] : p.status_codes) parts.push_back(std::to_string(code) + " ×" + std::to_string(n));
  return parts.empty() ? "none" : util::join(parts, ", ");
}

std::string write_text(const api::WriteBack& w) { return w.capability + ": " + w.operation; }

std::string read_text(const api::EntityRead& r) { return r.label + ": " + util::join(r.operations, ", "); }

// "client (customer): GET /clients — lacks phone or e-mail"
std::string weak_text(const api::EntityRead& r) { return read_text(r) + " — lacks " + util::join(r.missing, "; "); }

std::vector<std::string> first_paths(const Check& c) {
  std::vector<std::string> out(c.paths.begin(), c.paths.begin() + std::min(c.paths.size(), kMaxPathsShown));
  if (c.paths.size() > kMaxPathsShown) out.push_back("… " + std::to_string(c.paths.size() - kMaxPathsShown) + " more");
  return out;
}

// ---------------------------------------------------------------------------
// JSON

json texts(const std::vector<std::string>& v) {
  json out = json::array();
  for (const std::string& s : v) out.push_back(utf8_safe(s));
  return out;
}

json read_json(const api::EntityRead& r) {
  return {{"entity", r.entity}, {"label", utf8_safe(r.label)}, {"operations", texts(r.operations)},
          {"reasons", texts(r.reasons)}, {"evidence", texts(r.evidence)}, {"missing", texts(r.missing)}};
}

json text_or_null(const std::string& s) { return s.empty() ? json(nullptr) : json(utf8_safe(s)); }

json payload_json(const PayloadAssessment& p) {
  json fields = json::array();
  for (const PayloadField& f : p.fields) {
    json pii = json::array();
    for (const api::PiiCount& c : f.pii) {
      pii.push_back({{"class", model::pii_class_name(c.pii)},
                     {"hits", c.hits},
                     {"ratio", round_to(static_cast<double>(c.hits) / static_cast<double>(std::max<int64_t>(f.count, 1)),
                                        kRatioDigits)}});
    }
    fields.push_back({{"path", utf8_safe(f.path)}, {"types", texts(f.types)}, {"count", f.count}, {"pii", pii},
                      {"example", text_or_null(f.example)}});
  }
  json drift = json::array();
  for (const Drift& d : p.drift) {
    drift.push_back({{"kind", api::drift_kind_name(d.kind)},
                     {"field", utf8_safe(d.field)},
                     {"value", text_or_null(d.value)},
                     {"allowed", texts(d.allowed)},
                     {"expected", text_or_null(d.expected)},
                     {"count", d.count}});
  }
  return {{"file", utf8_safe(p.file)},
          {"format", p.format},
          {"error", text_or_null(p.error)},
          {"schema", text_or_null(p.schema)},
          {"schema_pointer", text_or_null(p.schema_pointer)},
          {"schema_match", round_to(p.schema_match, kRatioDigits)},
          {"records", p.records},
          {"fields", fields},
          {"fields_truncated", p.fields_truncated},
          {"drift", drift}};
}

json probe_json(const ApiAssessment& a) {
  if (!a.probe) return nullptr;
  const ProbeResult& p = *a.probe;
  json codes = json::object();
  for (const auto& [code, n] : p.status_codes) codes[std::to_string(code)] = n;
  return {{"url", utf8_safe(p.url)},
          {"operation", text_or_null(a.probe_operation)},
          {"requests", p.requests},
          {"answered", p.answered},
          {"status_codes", codes},
          {"latency_ms",
           {{"p50", round_to(p.p50_ms, kMillisDigits)},
            {"p95", round_to(p.p95_ms, kMillisDigits)},
            {"p99", round_to(p.p99_ms, kMillisDigits)},
            {"min", round_to(p.min_ms, kMillisDigits)},
            {"max", round_to(p.max_ms, kMillisDigits)}}},
          {"tls_version", text_or_null(p.tls_version)},
          {"rate_limit_headers", texts(p.rate_limit_headers)},
          {"pagination",
           {{"style", text_or_null(p.pagination_style)}, {"status", p.pagination}, {"detail", utf8_safe(p.pagination_detail)}}},
          {"errors", texts(p.errors)},
          {"source_block", text_or_null(utf8_safe(p.resource_block))}};
}

// ---------------------------------------------------------------------------
// HTML

std::string outcome_badge(Outcome o) {
  return badge(o == Outcome::kPass ? "b-declared" : o == Outcome::kWarn ? "b-warning" : "b-error", api::outcome_name(o));
}

// Latency bars: p50, p95, p99 and max against the slowest.
std::string latency_svg(const ProbeResult& p) {
  constexpr double kWidth = 1000, kLabelRight = 90, kBarX = 100, kBarWidth = 760, kValueX = 870, kRow = 26, kBar = 14;
  const std::pair<const char*, double> bars[] = {{"p50", p.p50_ms}, {"p95", p.p95_ms}, {"p99", p.p99_ms}, {"max", p.max_ms}};
  const double top = std::max(p.max_ms, 1e-9);
  std::string body;
  double y = 0;
  for (const auto& [label, value] : bars) {
    const double mid = y + kRow / 2;
    body += "<g><title>" + esc(std::string(label) + ": " + ms(value)) + "</title>";
    body += svg_text(kLabelRight, mid + 4, label, "text-anchor=\"end\"");
    body += svg_rect(kBarX, mid - kBar / 2, kBarWidth, kBar, kColorTrack);
    if (value > 0) body += svg_rect(kBarX, mid - kBar / 2, std::max(2.0, value / top * kBarWidth), kBar, kColorFair);
    body += svg_text(kValueX, mid + 4, ms(value), "class=\"v\"") + "</g>";
    y += kRow;
  }
  return "<svg class=\"chart\" id=\"chart-latency\" viewBox=\"0 0 " + num(kWidth) + " " + num(y + 8) + "\" width=\"" +
         num(kWidth) + "\" height=\"" + num(y + 8) + "\" role=\"img\" aria-label=\"probe latency\">" + body + "</svg>";
}

// One stacked bar of the checks: green pass, amber warn, red fail.
std::string checks_svg(const Counts& c) {
  constexpr double kWidth = 1000, kHeight = 26;
  const double total = std::max(1, c.pass + c.warn + c.fail);
  std::string body;
  double x = 0;
  const std::pair<int, const char*> parts[] = {{c.pass, kColorGood}, {c.warn, kColorWarn}, {c.fail, kColorBad}};
  const char* names[] = {"pass", "warn", "fail"};
  for (size_t i = 0; i < 3; ++i) {
    if (parts[i].first == 0) continue;
    const double w = parts[i].first / total * kWidth;
    body += "<g><title>" + std::to_string(parts[i].first) + " " + names[i] + "</title>" +
            svg_rect(x, 0, w - 2, kHeight, parts[i].second) +
            svg_text(x + w / 2, kHeight / 2 + 4, std::to_string(parts[i].first) + " " + names[i],
                     "text-anchor=\"middle\" class=\"on-bar\"") + "</g>";
    x += w;
  }
  return "<svg class=\"chart\" id=\"chart-checks\" viewBox=\"0 0 " + num(kWidth) + " " + num(kHeight) + "\" width=\"" +
         num(kWidth) + "\" height=\"" + num(kHeight) + "\" role=\"img\" aria-label=\"checks\">" + body + "</svg>";
}

void append_html_payload(const PayloadAssessment& p, bool open, std::string& out) {
  out += std::string(open ? "<details open>" : "<details>") + "<summary><span class=\"name\">" + esc(p.file) +
         "</span><span class=\"rows\">" + esc(payload_head(p)) + "</span>";
  if (!p.error.empty()) out += badge("b-error", "unreadable");
  if (!p.drift.empty()) out += badge("b-warning", plural(static_cast<int64_t>(p.drift.size()), "drift", "drifts"));
  int64_t pii = std::count_if(p.fields.begin(), p.fields.end(), [](const PayloadField& f) { return !f.pii.empty(); });
  if (pii) out += badge("b-pii", plural(pii, "PII field", "PII fields"));
  out += "</summary>\n<div class=\"body\">";
  if (!p.error.empty()) {
    out += "<p class=\"mono\">" + esc(p.error) + "</p></div></details>\n";
    return;
  }
  if (!p.drift.empty()) {
    out += "<h3>Drift from the spec</h3><div class=\"scroll\"><table><thead><tr><th>Kind</th><th>Field</th><th>Value"
           "</th><th>The spec says</th><th class=\"n\">Count</th></tr></thead><tbody>\n";
    for (const Drift& d : p.drift) {
      std::string says = d.kind == api::DriftKind::kEnumViolation ? util::join(d.allowed, ", ") : d.expected;
      out += "<tr><td><code>" + esc(api::drift_kind_name(d.kind)) + "</code></td><td><code>" + esc(d.field) +
             "</code></td><td class=\"mono\">" + esc(d.value) + "</td><td>" + esc(says) + "</td><td class=\"n\">" +
             std::to_string(d.count) + "</td></tr>\n";
    }
    out += "</tbody></table></div>\n";
  }
  out += "<h3>Fields</h3><div class=\"scroll\"><table class=\"cols\"><thead><tr><th>Path</th><th>Types</th>"
         "<th class=\"n\">Values</th><th>PII</th><th>Example</th></tr></thead><tbody>\n";
  for (const PayloadField& f : p.fields) {
    std::string pii_html;
    if (!f.pii.empty()) pii_html = badge("b-pii", pii_text(f));
    out += "<tr><td><code>" + esc(f.path) + "</code></td><td>" + esc(util::join(f.types, ", ")) + "</td><td class=\"n\">" +
           group_digits(f.count) + "</td><td>" + pii_html + "</td><td class=\"mono chips\">" +
           chips({f.example}, 1) + "</td></tr>\n";
  }
  out += "</tbody></table></div></div></details>\n";
}

void append_html_probe(const ApiAssessment& a, std::string& out) {
  out += "<section class=\"panel\"><h2>Live probe</h2>";
  if (!a.probe) {
    out += "<p class=\"muted\">Not probed (run with --probe URL).</p></section>\n";
    return;
  }
  const ProbeResult& p = *a.probe;
  out += "<p class=\"cap\">" + plural(p.requests, "GET request", "GET requests") + " to <code>" + esc(p.url) +
         "</code>" + (a.probe_operation.empty() ? "" : " (" + esc(a.probe_operation) + ")") + "</p>\n";
  out += latency_svg(p);
  out += "<dl class=\"kv\"><dt>Status codes</dt><dd>" + esc(codes_text(p)) + "</dd><dt>TLS</dt><dd>" +
         esc(p.tls_version.empty() ? "none (plain http)" : p.tls_version) + "</dd><dt>Pagination</dt><dd>" +
         badge(p.pagination == "works" ? "b-declared" : p.pagination == "broken" ? "b-error" : "b-muted", p.pagination) +
         " " + esc(p.pagination_detail) + "</dd>";
  if (!p.rate_limit_headers.empty()) out += "<dt>Rate-limit headers</dt><dd>" + code_list(p.rate_limit_headers) + "</dd>";
  if (!p.errors.empty()) out += "<dt>Errors</dt><dd>" + esc(util::join(p.errors, "; ")) + "</dd>";
  if (!p.resource_block.empty()) out += "<dt>csbridge.yaml</dt><dd><pre>" + esc(p.resource_block) + "</pre></dd>";
  out += "</dl></section>\n";
}

}  // namespace

std::string assess_api_text(const ApiAssessment& a) {
  const api::SpecFacts& f = a.readiness.facts;
  std::string out;
  append_wrapped(out, "", 2, "API assessment of " + title(a) + " — " + a.spec_file + " (" + version_text(a) + ")");
  out += "\nSummary\n";
  append_field(out, "readiness", score_text(a.readiness.score) + " — " + counts_text(outcome_counts(a)));
  std::vector<std::string> servers;
  for (const api::Server& s : f.servers) servers.push_back(s.url + (s.https ? "" : " (not HTTPS)"));
  append_field(out, "servers", servers.empty() ? std::vector<std::string>{"none declared"} : servers);
  std::vector<std::string> auth;
  for (const api::AuthScheme& s : f.auth) auth.push_back(auth_text(s));
  append_field(out, "auth", auth.empty() ? std::vector<std::string>{"none declared"} : auth);
  int64_t writes = std::count_if(f.operations.begin(), f.operations.end(), [](const auto& o) { return o.writes; });
  append_field(out, "operations", std::to_string(f.operations.size()) + " (" + std::to_string(f.operations.size() - writes) +
                                      " read, " + std::to_string(writes) + " write)");
  std::vector<std::string> reads, weak, back;
  for (const api::EntityRead& r : a.coverage.read) reads.push_back(read_text(r));
  for (const api::EntityRead& r : a.coverage.weak) weak.push_back(weak_text(r));
  for (const api::WriteBack& w : a.coverage.write_back) back.push_back(write_text(w));
  append_field(out, "reads", reads.empty() ? std::vector<std::string>{"no CS entity"} : reads);
  if (!weak.empty()) append_field(out, "weak reads", weak);
  append_field(out, "writes back", back.empty() ? std::vector<std::string>{"nothing"} : back);
  if (!a.coverage.entities_not_readable.empty()) {
    append_field(out, "cannot read", util::join(a.coverage.entities_not_readable, ", "));
  }
  std::vector<std::string> pages;
  for (const api::Pagination& p : f.pagination) pages.push_back(pagination_text(p));
  if (!pages.empty()) append_field(out, "pagination", pages);
  if (!f.error_schema.empty()) append_field(out, "errors", f.error_schema);

  out += "\nChecks\n";
  for (const Check& c : a.readiness.checks) {
    std::string head = "  " + util::pad_right(util::to_lower(api::outcome_name(c.outcome)), 5) + util::pad_right(c.id, 19) + " ";
    append_wrapped(out, head, head.size(), c.message);
    if (c.outcome != Outcome::kPass) {
      for (const std::string& p : first_paths(c)) append_wrapped(out, std::string(head.size(), ' ') + "at ", head.size() + 3, p);
    }
  }
  for (const PayloadAssessment& p : a.payloads) {
    out += "\nPayload " + p.file + "\n";
    append_field(out, "read as", payload_head(p));
    if (!p.error.empty()) {
      append_field(out, "error", p.error);
      continue;
    }
    std::vector<std::string> drift;
    for (const Drift& d : p.drift) drift.push_back(drift_text(d));
    append_field(out, "drift", drift.empty() ? std::vector<std::string>{"none: the payload matches the spec"} : drift);
    std::vector<std::string> fields;
    for (const PayloadField& fl : p.fields) {
      std::string line = fl.path + " (" + util::join(fl.types, ", ") + ")";
      if (!fl.pii.empty()) line += ", PII " + pii_text(fl);
      if (!fl.example.empty()) line += ", e.g. " + fl.example;
      fields.push_back(line);
    }
    append_field(out, "fields", fields);
  }
  if (a.probe) {
    const ProbeResult& p = *a.probe;
    out += "\nProbe " + p.url + "\n";
    if (!a.probe_operation.empty()) append_field(out, "operation", a.probe_operation);
    append_field(out, "requests", std::to_string(p.requests) + " GET, " + std::to_string(p.answered) + " answered");
    append_field(out, "status", codes_text(p));
    append_field(out, "latency", "p50 " + ms(p.p50_ms) + ", p95 " + ms(p.p95_ms) + ", p99 " + ms(p.p99_ms) + " (min " +
                                     ms(p.min_ms) + ", max " + ms(p.max_ms) + ")");
    append_field(out, "TLS", p.tls_version.empty() ? "none (plain http)" : p.tls_version);
    append_field(out, "pagination", p.pagination + (p.pagination_style.empty() ? "" : " (" + p.pagination_style + ")") +
                                        ": " + p.pagination_detail);
    if (!p.rate_limit_headers.empty()) append_field(out, "rate limit", util::join(p.rate_limit_headers, ", "));
    if (!p.errors.empty()) append_field(out, "errors", p.errors);
    if (!p.resource_block.empty()) {
      out += "\nTo migrate from it, csbridge.yaml (README \"API sources\"):\n\n" + p.resource_block;
    }
  }
  return utf8_safe(out);
}

json assess_api_json(const ApiAssessment& a) {
  const api::SpecFacts& f = a.readiness.facts;
  const Counts counts = outcome_counts(a);
  json checks = json::array();
  for (const Check& c : a.readiness.checks) {
    checks.push_back({{"id", c.id}, {"outcome", api::outcome_name(c.outcome)}, {"message", utf8_safe(c.message)},
                      {"paths", texts(c.paths)}});
  }
  json servers = json::array();
  for (const api::Server& s : f.servers) servers.push_back({{"url", utf8_safe(s.url)}, {"https", s.https}});
  json auth = json::array();
  for (const api::AuthScheme& s : f.auth) {
    auth.push_back({{"scheme", utf8_safe(s.name)}, {"type", utf8_safe(s.type)}, {"in", text_or_null(s.in)},
                    {"name", text_or_null(s.param)}, {"http_scheme", text_or_null(s.scheme)}});
  }
  json ops = json::array();
  for (const api::OperationFacts& o : f.operations) {
    ops.push_back({{"method", o.method}, {"path", utf8_safe(o.path)}, {"operationId", text_or_null(o.operation_id)},
                   {"writes", o.writes}, {"summary", text_or_null(o.summary)}});
  }
  json pagination = json::array();
  for (const api::Pagination& p : f.pagination) {
    pagination.push_back({{"operation", utf8_safe(p.operation)}, {"style", text_or_null(p.style)},
                          {"parameters", texts(p.parameters)},
                          {"max_page_size", p.max_page_size > 0 ? json(p.max_page_size) : json(nullptr)}});
  }
  json callbacks = json::array();
  for (const api::Callback& c : f.callbacks) {
    callbacks.push_back({{"operation", text_or_null(c.operation)}, {"name", utf8_safe(c.name)},
                         {"expression", text_or_null(c.expression)}, {"payload", text_or_null(c.payload)}});
  }
  json read = json::array(), weak = json::array();
  for (const api::EntityRead& r : a.coverage.read) read.push_back(read_json(r));
  for (const api::EntityRead& r : a.coverage.weak) weak.push_back(read_json(r));
  json write = json::array();
  for (const api::WriteBack& w : a.coverage.write_back) {
    write.push_back({{"capability", utf8_safe(w.capability)}, {"operation", utf8_safe(w.operation)},
                     {"entity", w.entity}, {"reason", utf8_safe(w.reason)}});
  }
  json payloads = json::array();
  for (const PayloadAssessment& p : a.payloads) payloads.push_back(payload_json(p));
  return {{"spec",
           {{"file", utf8_safe(a.spec_file)},
            {"openapi_version", text_or_null(a.version)},
            {"swagger2", a.swagger2},
            {"title", text_or_null(f.title)},
            {"api_version", text_or_null(f.api_version)}}},
          {"readiness",
           {{"score", round_to(a.readiness.score, kScoreDigits)},
            {"counts", {{"pass", counts.pass}, {"warn", counts.warn}, {"fail", counts.fail}}},
            {"checks", checks}}},
          {"servers", servers},
          {"https_only", f.https_only},
          {"auth", auth},
          {"operations", ops},
          {"operations_without_operation_id", texts(f.operations_without_id)},
          {"pagination", pagination},
          {"error_schema", text_or_null(f.error_schema)},
          {"idempotency", {{"writes_without_idempotency_key", texts(f.writes_without_idempotency_key)}}},
          {"rate_limit_headers", {{"declared_on", texts(f.rate_limit_declared_on)}, {"headers", texts(f.rate_limit_headers)}}},
          {"callbacks", callbacks},
          {"media_types", texts(f.media_types)},
          {"cs_entities",
           {{"read", read}, {"weak", weak}, {"write_back", write}, {"not_readable", texts(a.coverage.entities_not_readable)}}},
          {"payloads", payloads},
          {"probe", probe_json(a)}};
}

std::string assess_api_markdown(const ApiAssessment& a) {
  const api::SpecFacts& f = a.readiness.facts;
  std::string out = "# API assessment of " + md_text(title(a)) + "\n\n";
  out += "Spec " + md_code(a.spec_file) + " · " + md_text(version_text(a)) + "\n\n## Summary\n\n";
  std::vector<std::string> servers, auth, reads, weak, back;
  for (const api::Server& s : f.servers) servers.push_back(md_code(s.url) + (s.https ? "" : " (not HTTPS)"));
  for (const api::AuthScheme& s : f.auth) auth.push_back(md_text(auth_text(s)));
  for (const api::EntityRead& r : a.coverage.read) reads.push_back(md_text(read_text(r)));
  for (const api::EntityRead& r : a.coverage.weak) weak.push_back(md_text(weak_text(r)));
  for (const api::WriteBack& w : a.coverage.write_back) back.push_back(md_text(write_text(w)));
  append_md_table({{"Measure"}, {"Value"}},
                  {{"Readiness", "**" + score_text(a.readiness.score) + "** (" + counts_text(outcome_counts(a)) + ")"},
                   {"Servers", servers.empty() ? "none declared" : util::join(servers, "<br>")},
                   {"Auth", auth.empty() ? "none declared" : util::join(auth, "<br>")},
                   {"Reads", reads.empty() ? "no CS entity" : util::join(reads, "<br>")},
                   {"Weak reads", weak.empty() ? "nothing" : util::join(weak, "<br>")},
                   {"Writes back", back.empty() ? "nothing" : util::join(back, "<br>")}},
                  out);
  out += "## Checks\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const Check& c : a.readiness.checks) {
    rows.push_back({std::string("**") + api::outcome_name(c.outcome) + "**", md_code(c.id), md_text(c.message),
                    md_codes(first_paths(c))});
  }
  append_md_table({{"Outcome"}, {"Check"}, {"Finding"}, {"Where"}}, rows, out);
  for (const PayloadAssessment& p : a.payloads) {
    out += "## Payload " + md_code(p.file) + "\n\n" + md_text(payload_head(p)) + "\n\n";
    if (!p.error.empty()) {
      out += md_text(p.error) + "\n\n";
      continue;
    }
    if (!p.drift.empty()) {
      out += "Drift from the spec:\n\n";
      for (const Drift& d : p.drift) out += "- " + md_text(drift_text(d)) + "\n";
      out += "\n";
    }
    std::vector<std::vector<std::string>> frows;
    for (const PayloadField& fl : p.fields) {
      frows.push_back({md_code(fl.path), md_text(util::join(fl.types, ", ")), group_digits(fl.count), md_text(pii_text(fl)),
                       md_code(fl.example)});
    }
    append_md_table({{"Path"}, {"Types"}, {"Values", true}, {"PII"}, {"Example"}}, frows, out);
  }
  if (a.probe) {
    const ProbeResult& p = *a.probe;
    out += "## Probe " + md_code(p.url) + "\n\n";
    append_md_table({{"Measure"}, {"Value"}},
                    {{"Requests", std::to_string(p.requests) + " (" + std::to_string(p.answered) + " answered)"},
                     {"Status codes", md_text(codes_text(p))},
                     {"Latency", "p50 " + ms(p.p50_ms) + ", p95 " + ms(p.p95_ms) + ", p99 " + ms(p.p99_ms)},
                     {"TLS", p.tls_version.empty() ? "none (plain http)" : md_text(p.tls_version)},
                     {"Pagination", "**" + p.pagination + "** " + md_text(p.pagination_detail)}},
                    out);
    if (!p.resource_block.empty()) out += "To migrate from it, in `csbridge.yaml`:\n\n```yaml\n" + p.resource_block + "```\n\n";
  }
  while (out.size() >= 2 && out.ends_with("\n\n")) out.pop_back();
  return utf8_safe(out);
}

std::string assess_api_html(const ApiAssessment& a) {
  const api::SpecFacts& f = a.readiness.facts;
  const Counts counts = outcome_counts(a);
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<title>API assessment of " + esc(title(a)) + "</title>\n<style>" + std::string(html_css()) +
                    "</style>\n</head>\n<body>\n<div class=\"wrap\">\n";
  out += "<header class=\"hero\"><div>\n<p class=\"eyebrow\">csbridge assess api</p>\n<h1>" + esc(title(a)) + "</h1>\n";
  out += "<div><span class=\"src mono\">" + esc(a.spec_file) + "</span> " + esc(version_text(a)) + "</div>\n";
  std::vector<const Check*> bad;
  for (const Check& c : a.readiness.checks) {
    if (c.outcome != Outcome::kPass) bad.push_back(&c);
  }
  if (bad.empty()) {
    out += "<p class=\"ok\">Every check passes.</p>\n";
  } else {
    out += "<ul class=\"penalties\" aria-label=\"what lowers readiness\">";
    for (const Check* c : bad) out += "<li><strong>" + esc(c->id) + "</strong>: " + esc(c->message) + "</li>";
    out += "</ul>\n";
  }
  out += "</div>\n<div>" + gauge_svg(a.readiness.score) + "</div></header>\n";

  int64_t drift = 0, pii = 0;
  for (const PayloadAssessment& p : a.payloads) {
    drift += static_cast<int64_t>(p.drift.size());
    pii += std::count_if(p.fields.begin(), p.fields.end(), [](const PayloadField& fl) { return !fl.pii.empty(); });
  }
  out += "<section class=\"cards\">\n";
  out += card("Checks", esc(counts_text(counts)), checks_svg(counts));
  out += card("Operations", group_digits(static_cast<int64_t>(f.operations.size())),
              esc(plural(static_cast<int64_t>(f.operations_without_id.size()), "without operationId", "without operationId")));
  out += card("CS entities read", group_digits(static_cast<int64_t>(a.coverage.read.size())),
              esc(plural(static_cast<int64_t>(a.coverage.write_back.size()), "write-back capability", "write-back capabilities")));
  out += card("Payloads", group_digits(static_cast<int64_t>(a.payloads.size())),
              esc(plural(drift, "drift", "drifts") + ", " + plural(pii, "PII field", "PII fields")));
  out += card("HTTPS only", f.https_only ? "yes" : "no", esc(plural(static_cast<int64_t>(f.servers.size()), "server", "servers")));
  out += card("Probe p99", a.probe ? esc(ms(a.probe->p99_ms)) : "—",
              a.probe ? esc("pagination " + a.probe->pagination) : "not probed");
  out += "</section>\n";

  out += "<section class=\"panel\"><h2>Checks</h2><p class=\"cap\">Each with the places in the spec it concerns "
         "(JSON pointers).</p><div class=\"scroll\"><table><thead><tr><th>Outcome</th><th>Check</th><th>Finding</th>"
         "<th>Where</th></tr></thead><tbody>\n";
  for (const Check& c : a.readiness.checks) {
    out += "<tr><td>" + outcome_badge(c.outcome) + "</td><td><code>" + esc(c.id) + "</code></td><td>" + esc(c.message) +
           "</td><td class=\"mono chips\">" + chips(first_paths(c), kMaxPathsShown + 1) + "</td></tr>\n";
  }
  out += "</tbody></table></div></section>\n";

  out += "<section class=\"panel\"><h2>CS entity coverage</h2><p class=\"cap\">What the API can feed into the "
         "customer-service platform, and what the platform can write back.</p><div class=\"scroll\"><table><thead><tr>"
         "<th>Direction</th><th>What</th><th>CS entity</th><th>Operations</th></tr></thead><tbody>\n";
  for (const api::EntityRead& r : a.coverage.read) {
    out += "<tr><td>" + badge("b-info", "read") + "</td><td>" + esc(r.label) + "<div class=\"muted\">" +
           esc(util::join(r.evidence, "; ")) + "</div></td><td><code>" + esc(r.entity) + "</code></td><td>" +
           code_list(r.operations) + "</td></tr>\n";
  }
  for (const api::EntityRead& r : a.coverage.weak) {
    out += "<tr><td>" + badge("b-muted", "weak") + "</td><td>" + esc(r.label) + "<div class=\"muted\">lacks " +
           esc(util::join(r.missing, "; ")) + "</div></td><td><code>" + esc(r.entity) + "</code></td><td>" +
           code_list(r.operations) + "</td></tr>\n";
  }
  for (const api::WriteBack& w : a.coverage.write_back) {
    out += "<tr><td>" + badge("b-poly", "write back") + "</td><td>" + esc(w.capability) + "</td><td><code>" +
           esc(w.entity) + "</code></td><td><code>" + esc(w.operation) + "</code></td></tr>\n";
  }
  out += "</tbody></table></div>";
  if (!a.coverage.entities_not_readable.empty()) {
    out += "<p class=\"muted\">Not readable: " + esc(util::join(a.coverage.entities_not_readable, ", ")) + "</p>";
  }
  out += "</section>\n";

  out += "<section class=\"panel\"><h2>Operations</h2><div class=\"scroll\"><table><thead><tr><th>Method</th><th>Path"
         "</th><th>operationId</th><th>Summary</th></tr></thead><tbody>\n";
  for (const api::OperationFacts& o : f.operations) {
    out += "<tr><td>" + badge(o.writes ? "b-warning" : "b-info", o.method) + "</td><td><code>" + esc(o.path) +
           "</code></td><td>" + (o.operation_id.empty() ? badge("b-muted", "none") : "<code>" + esc(o.operation_id) + "</code>") +
           "</td><td>" + esc(o.summary) + "</td></tr>\n";
  }
  out += "</tbody></table></div></section>\n";

  append_html_probe(a, out);
  out += "<section><h2>Payloads</h2>\n";
  if (a.payloads.empty()) out += "<p class=\"muted\">No payload samples (run with --payload FILE).</p>\n";
  for (const PayloadAssessment& p : a.payloads) append_html_payload(p, a.payloads.size() <= kOpenPayloadsMax, out);
  out += "</section>\n<footer>Generated by csbridge assess api · a self-contained page: no scripts, fonts or other "
         "resources</footer>\n</div>\n</body>\n</html>\n";
  return utf8_safe(out);
}

}  // namespace csbridge::report
