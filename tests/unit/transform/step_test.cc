#include "transform/step.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "transform_test_support.h"

namespace csbridge::transform {
namespace {

using test::build_error;
using test::make;

}  // namespace

TEST_CASE("transform step: an unknown step name") {
  SUBCASE("a close name is suggested") {
    CHECK(build_error("- trimm\n") == "m.yaml:1:3: unknown step 'trimm', did you mean 'trim'?");
  }
  SUBCASE("the same with arguments") {
    CHECK(build_error("- parse_tme: {format: epoch}\n") ==
          "m.yaml:1:3: unknown step 'parse_tme', did you mean 'parse_time'?");
  }
  SUBCASE("no close name: the known steps are listed") {
    CHECK(build_error("- frobnicate\n") ==
          "m.yaml:1:3: unknown step 'frobnicate'; known: trim, upper, lower, normalize, null_if, default, cast, map, "
          "concat, template, coalesce, split, regex, replace, decode, html_to_text, phone, id_check, parse_time, "
          "parse_date, truncate, size, sha256, mask, pseudonymize");
  }
  SUBCASE("a name that is not a word") {
    auto doc = config::parse_yaml("- [a, b]\n", "m.yaml");
    REQUIRE(doc.is_ok());
    auto step = build_step(*doc, doc->root[0], YAML::Node());
    REQUIRE_FALSE(step.is_ok());
    CHECK(step.status().message().substr(0, step.status().message().find('\n')) ==
          "m.yaml:1:3: a step name must be a single word");
  }
}

TEST_CASE("transform step: errors show the line and a caret under the offending argument") {
  auto step = test::build("- cast: int\n");
  REQUIRE_FALSE(step.is_ok());
  CHECK(step.status().message() ==
        "m.yaml:1:9: cast: expected one of integer, bigint, decimal, boolean, date, timestamp, text, got 'int'\n"
        "    - cast: int\n"
        "            ^");
}

TEST_CASE("transform step: every listed step builds and reports its own name") {
  const std::vector<std::pair<std::string, std::string>> kSteps = {
      {"trim", "- trim"},
      {"upper", "- upper"},
      {"lower", "- lower"},
      {"normalize", "- normalize"},
      {"null_if", "- null_if: ''"},
      {"default", "- default: x"},
      {"cast", "- cast: integer"},
      {"map", "- map: {a: b}"},
      {"concat", "- concat"},
      {"template", "- template: '{0}'"},
      {"coalesce", "- coalesce"},
      {"split", "- split: ','"},
      {"regex", "- regex: a"},
      {"replace", "- replace: {pattern: a, with: b}"},
      {"decode", "- decode: base64"},
      {"html_to_text", "- html_to_text"},
      {"phone", "- phone"},
      {"id_check", "- id_check"},
      {"parse_time", "- parse_time"},
      {"parse_date", "- parse_date"},
      {"truncate", "- truncate: 3"},
      {"size", "- size"},
      {"sha256", "- sha256"},
      {"mask", "- mask: phone"},
      {"pseudonymize", "- pseudonymize"},
  };
  std::vector<std::string> names;
  for (const auto& [name, yaml] : kSteps) {
    CAPTURE(yaml);
    CHECK(make(yaml + "\n")->name() == name);
    names.push_back(name);
  }
  CHECK(step_names() == names);
}

TEST_CASE("transform step: arity") {
  CHECK(make("- concat\n")->arity() == -1);
  CHECK(make("- template: '{0}'\n")->arity() == -1);
  CHECK(make("- coalesce\n")->arity() == -1);
  CHECK(make("- decode\n")->arity() == -1);
  CHECK(make("- decode: base64\n")->arity() == 1);
  CHECK(make("- html_to_text\n")->arity() == 1);
  CHECK(make("- id_check\n")->arity() == 1);
  CHECK(make("- trim\n")->arity() == 1);
  CHECK(make("- parse_time\n")->arity() == 1);
}

TEST_CASE("transform step: kind names") {
  CHECK(std::string(kind_name(Kind::kAny)) == "any");
  CHECK(std::string(kind_name(Kind::kText)) == "text");
  CHECK(std::string(kind_name(Kind::kInteger)) == "integer");
  CHECK(std::string(kind_name(Kind::kDecimal)) == "decimal");
  CHECK(std::string(kind_name(Kind::kBoolean)) == "boolean");
  CHECK(std::string(kind_name(Kind::kDate)) == "date");
  CHECK(std::string(kind_name(Kind::kTimestamp)) == "timestamp");
  CHECK(std::string(kind_name(Kind::kJson)) == "json");
}

// docs/reliability.md: a reject reason may be logged; the value may be PII.
TEST_CASE("transform step: failure messages never contain the value") {
  struct Case {
    const char* yaml;
    const char* value;
    const char* code;
  };
  const std::vector<Case> kCases = {
      {"- cast: integer", "13812341234x", "bad_value"},
      {"- cast: bigint", "99999999999999999999", "bad_value"},
      {"- cast: decimal", "1,381,234", "bad_value"},
      {"- cast: boolean", "13812341234", "bad_value"},
      {"- cast: date", "1381-23-41", "bad_time"},
      {"- map: {a: b}", "13812341234", "unmapped_value"},
      {"- regex: '^x'", "13812341234", "no_match"},
      {"- phone", "1381234123", "bad_value"},
      {"- parse_time", "2024-02-30 13:81:23", "bad_time"},
      {"- parse_time", "0000-00-00 13:81:23", "zero_date"},
      {"- parse_date: '%Y%m%d'", "13812341", "bad_time"},
      {"- pseudonymize", "13812341234", "no_key"},
      {"- mask", "13812341234", "bad_value"},
      {"- decode: base64", "13812341234*", "bad_value"},
      {"- decode: quoted-printable", "13812341234=ZZ", "bad_value"},
      {"- id_check", "440304199001011234", "bad_value"},
      {"- id_check", "44030419901301123X", "bad_value"},
      {"- id_check", "110105491231002", "bad_value"},
  };
  for (const Case& c : kCases) {
    CAPTURE(c.yaml);
    StepResult r = test::run(*make(std::string(c.yaml) + "\n"), std::string(c.value));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == c.code);
    CHECK(r.error().message.find(c.value) == std::string::npos);
    CHECK(r.error().message.find('\n') == std::string::npos);
  }
}

}  // namespace csbridge::transform
