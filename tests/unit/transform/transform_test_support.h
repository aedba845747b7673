// Helpers of the transform tests: steps built from YAML text as a mapping
// file would hold them, and applied to one value.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "config/yaml_source.h"
#include "transform/step.h"

namespace csbridge::transform::test {

// Builds the step of `yaml`, one item of a `steps:` list ("- trim",
// "- map: {a: b}"), from a document named m.yaml.
inline Result<std::unique_ptr<Step>> build(const std::string& yaml) {
  Result<config::YamlDocument> doc = config::parse_yaml(yaml, "m.yaml");
  REQUIRE(doc.is_ok());
  REQUIRE(doc->root.IsSequence());
  const YAML::Node item = doc->root[0];
  if (item.IsMap()) {
    REQUIRE(item.size() == 1);
    auto kv = item.begin();
    return build_step(*doc, kv->first, kv->second);
  }
  return build_step(*doc, item, YAML::Node());
}

// The step of `yaml`, which must build.
inline std::unique_ptr<Step> make(const std::string& yaml) {
  Result<std::unique_ptr<Step>> step = build(yaml);
  INFO(step.status().message());
  REQUIRE(step.is_ok());
  return std::move(step).value();
}

// The first line ("m.yaml:1:3: message") of the error building `yaml` gives.
inline std::string build_error(const std::string& yaml) {
  Result<std::unique_ptr<Step>> step = build(yaml);
  REQUIRE_FALSE(step.is_ok());
  CHECK(step.status().code() == ErrorCode::kConfig);
  const std::string& m = step.status().message();
  return m.substr(0, m.find('\n'));
}

inline StepResult run(const Step& step, Value input, const Context& context = {}) {
  std::vector<Value> inputs{std::move(input)};
  return step.apply(inputs, context);
}

// The value `step` makes of `input`; "<error code>: <message>" when it fails.
inline std::string apply_text(const Step& step, Value input, const Context& context = {}) {
  StepResult r = run(step, std::move(input), context);
  if (!r.ok()) return "<" + r.error().code + "> " + r.error().message;
  return r.value() ? *r.value() : "<NULL>";
}

// output_kind as text: the kind's name or the error message.
inline std::string kind_text(const Step& step, Kind input) {
  Result<Kind> k = step.output_kind(input);
  return k.is_ok() ? kind_name(*k) : k.status().message();
}

}  // namespace csbridge::transform::test
