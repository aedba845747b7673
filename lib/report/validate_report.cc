#include "report/validate_report.h"

#include <pugixml.hpp>

#include <map>
#include <sstream>

#include "report/render.h"
#include "util/strings.h"

namespace csbridge::report {
namespace {

using validate::CheckResult;
using validate::CheckStatus;

std::string figures_text(const CheckResult& c) {
  std::string out;
  for (const auto& [name, value] : c.figures) {
    if (!out.empty()) out += ", ";
    out += name + " " + group_digits(value);
  }
  return out;
}

std::string failure_line(const validate::Failure& f) {
  return (f.key.empty() ? std::string() : f.key + ": ") + f.kind + ": " + f.message;
}

}  // namespace

std::string validate_text(const validate::ValidationReport& report, size_t listed) {
  std::string out = "validate " + report.target + "\n";
  if (!report.sandbox.empty()) out += "sandbox  " + report.sandbox + "\n";
  out += "\n";
  int failed = 0, warned = 0;
  for (const auto& c : report.checks) {
    std::string status = c.status == CheckStatus::kFailed    ? "FAILED"
                         : c.status == CheckStatus::kWarning ? "warning"
                                                             : "passed";
    failed += c.status == CheckStatus::kFailed;
    warned += c.status == CheckStatus::kWarning;
    out += rtrim(util::pad_right(c.name, 11) + util::pad_right(c.entity, 20) + util::pad_right(status, 9) + figures_text(c)) + "\n";
    if (!c.note.empty()) out += "    note: " + c.note + "\n";
    for (size_t i = 0; i < c.failures.size() && i < listed; ++i) out += "    " + utf8_safe(failure_line(c.failures[i])) + "\n";
    if (c.failure_count > static_cast<int64_t>(std::min(listed, c.failures.size()))) {
      out += "    … " + group_digits(c.failure_count - static_cast<int64_t>(std::min(listed, c.failures.size()))) +
             " more (all listed in --json)\n";
    }
  }
  out += "\n" + std::string(status_name(report.status())) + ": " + plural(static_cast<int64_t>(report.checks.size()), "check", "checks") +
         ", " + std::to_string(failed) + " failed, " + std::to_string(warned) + " with warnings\n";
  return out;
}

nlohmann::json validate_json(const validate::ValidationReport& report) {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& c : report.checks) {
    nlohmann::json figures = nlohmann::json::object();
    for (const auto& [name, value] : c.figures) figures[name] = value;
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& f : c.failures) {
      failures.push_back({{"key", utf8_safe(f.key)}, {"kind", f.kind}, {"message", utf8_safe(f.message)}});
    }
    nlohmann::json check = {{"name", c.name},       {"entity", c.entity},
                            {"status", validate::status_name(c.status)},
                            {"figures", figures},   {"failure_count", c.failure_count},
                            {"failures", failures}};
    if (!c.note.empty()) check["note"] = c.note;
    checks.push_back(std::move(check));
  }
  nlohmann::json out = {{"status", validate::status_name(report.status())}, {"target", report.target}};
  if (!report.sandbox.empty()) out["sandbox"] = report.sandbox;
  out["checks"] = std::move(checks);
  return out;
}

std::string validate_junit(const validate::ValidationReport& report) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto suites = doc.append_child("testsuites");
  suites.append_attribute("name") = "csbridge validate";
  int total = 0, failed_total = 0;
  std::map<std::string, pugi::xml_node> by_check;
  std::map<std::string, std::pair<int, int>> counts;  // tests, failures
  for (const auto& c : report.checks) {
    auto it = by_check.find(c.name);
    if (it == by_check.end()) {
      auto suite = suites.append_child("testsuite");
      suite.append_attribute("name") = c.name.c_str();
      it = by_check.emplace(c.name, suite).first;
    }
    auto tc = it->second.append_child("testcase");
    tc.append_attribute("classname") = ("csbridge.validate." + c.name).c_str();
    tc.append_attribute("name") = (c.entity.empty() ? c.name : c.entity).c_str();
    tc.append_attribute("time") = "0";
    auto props = tc.append_child("properties");
    for (const auto& [name, value] : c.figures) {
      auto p = props.append_child("property");
      p.append_attribute("name") = name.c_str();
      p.append_attribute("value") = std::to_string(value).c_str();
    }
    ++total;
    ++counts[c.name].first;
    if (c.status == CheckStatus::kFailed) {
      ++failed_total;
      ++counts[c.name].second;
      auto failure = tc.append_child("failure");
      std::string first = c.failures.empty() ? c.note : failure_line(c.failures.front());
      failure.append_attribute("message") =
          utf8_safe(group_digits(c.failure_count) + " failed; first: " + first).c_str();
      failure.append_attribute("type") = c.failures.empty() ? "failed" : c.failures.front().kind.c_str();
      std::string text;
      for (const auto& f : c.failures) text += utf8_safe(failure_line(f)) + "\n";
      failure.append_child(pugi::node_pcdata).set_value(text.c_str());
    }
    if (!c.note.empty()) tc.append_child("system-out").append_child(pugi::node_pcdata).set_value(utf8_safe(c.note).c_str());
  }
  for (auto& [name, suite] : by_check) {
    suite.append_attribute("tests") = counts[name].first;
    suite.append_attribute("failures") = counts[name].second;
    suite.append_attribute("errors") = 0;
  }
  suites.append_attribute("tests") = total;
  suites.append_attribute("failures") = failed_total;
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

}  // namespace csbridge::report
