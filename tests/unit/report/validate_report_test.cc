#include "report/validate_report.h"

#include <doctest/doctest.h>
#include <pugixml.hpp>

namespace csbridge::report {
namespace {

validate::ValidationReport sample_report() {
  validate::ValidationReport r;
  r.target = "sqlite:cs.db";
  validate::CheckResult rows;
  rows.name = "rows";
  rows.entity = "ticket";
  rows.set("matched", 399);
  rows.fail({"7", "differs", "values differ <&>"}, 10);
  validate::CheckResult pii;
  pii.name = "pii";
  pii.entity = "customer";
  validate::CheckResult rows2 = pii;
  rows2.name = "rows";
  rows2.entity = "customer";
  r.checks = {rows, rows2, pii};
  return r;
}

TEST_CASE("JUnit output is well-formed with one testcase per check and entity") {
  std::string xml = validate_junit(sample_report());
  pugi::xml_document doc;
  REQUIRE(doc.load_string(xml.c_str()).status == pugi::status_ok);
  auto suites = doc.child("testsuites");
  CHECK(suites.attribute("tests").as_int() == 3);
  CHECK(suites.attribute("failures").as_int() == 1);
  auto rows = suites.find_child_by_attribute("testsuite", "name", "rows");
  CHECK(rows.attribute("tests").as_int() == 2);
  auto failure = rows.find_child_by_attribute("testcase", "name", "ticket").child("failure");
  REQUIRE(failure);
  CHECK(std::string(failure.attribute("type").value()) == "differs");
  CHECK(std::string(failure.child_value()) == "7: differs: values differ <&>\n");
}

TEST_CASE("JSON output carries status, checks, figures and every listed failure") {
  auto j = validate_json(sample_report());
  CHECK(j["status"] == "failed");
  REQUIRE(j["checks"].size() == 3);
  CHECK(j["checks"][0]["name"] == "rows");
  CHECK(j["checks"][0]["figures"]["matched"] == 399);
  CHECK(j["checks"][0]["failures"][0]["key"] == "7");
  CHECK(j["checks"][2]["status"] == "passed");
}

TEST_CASE("the text summary names failed checks and their keys") {
  std::string t = validate_text(sample_report());
  CHECK(t.find("rows       ticket              FAILED   matched 399\n    7: differs: values differ <&>\n") !=
        std::string::npos);
  CHECK(t.find("failed: 3 checks, 1 failed, 0 with warnings\n") != std::string::npos);
}

}  // namespace
}  // namespace csbridge::report
