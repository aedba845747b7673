#include "transform/step.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "transform/step_builders.h"
#include "util/strings.h"

namespace csbridge::transform {
namespace {

using internal::BuildResult;
using internal::StepArgs;

struct StepEntry {
  const char* name;
  BuildResult (*build)(const StepArgs&);
};

// The order of the mapping language's table.
constexpr StepEntry kSteps[] = {
    {"trim", internal::build_trim},
    {"upper", internal::build_upper},
    {"lower", internal::build_lower},
    {"normalize", internal::build_normalize},
    {"null_if", internal::build_null_if},
    {"default", internal::build_default},
    {"cast", internal::build_cast},
    {"map", internal::build_map},
    {"concat", internal::build_concat},
    {"template", internal::build_template},
    {"coalesce", internal::build_coalesce},
    {"split", internal::build_split},
    {"regex", internal::build_regex},
    {"replace", internal::build_replace},
    {"decode", internal::build_decode},
    {"html_to_text", internal::build_html_to_text},
    {"phone", internal::build_phone},
    {"id_check", internal::build_id_check},
    {"parse_time", internal::build_parse_time},
    {"parse_date", internal::build_parse_date},
    {"truncate", internal::build_truncate},
    {"size", internal::build_size},
    {"sha256", internal::build_sha256},
    {"mask", internal::build_mask},
    {"pseudonymize", internal::build_pseudonymize},
};

}  // namespace

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kAny: return "any";
    case Kind::kText: return "text";
    case Kind::kInteger: return "integer";
    case Kind::kDecimal: return "decimal";
    case Kind::kBoolean: return "boolean";
    case Kind::kDate: return "date";
    case Kind::kTimestamp: return "timestamp";
    case Kind::kJson: return "json";
  }
  return "any";
}

const std::vector<std::string>& step_names() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const StepEntry& entry : kSteps) names.emplace_back(entry.name);
    return names;
  }();
  return kNames;
}

Result<std::unique_ptr<Step>> build_step(const config::YamlDocument& doc, const YAML::Node& name_node,
                                         const YAML::Node& args) {
  if (!name_node.IsScalar()) return config::error_at(doc, name_node, "a step name must be a single word");
  const std::string& name = name_node.Scalar();
  const auto* entry = std::find_if(std::begin(kSteps), std::end(kSteps),
                                   [&](const StepEntry& e) { return name == e.name; });
  if (entry == std::end(kSteps)) {
    std::string hint = util::closest_match(name, step_names());
    return config::error_at(doc, name_node,
                            "unknown step '" + name + "'" +
                                (hint.empty() ? "; known: " + util::join(step_names(), ", ")
                                              : ", did you mean '" + hint + "'?"));
  }
  StepArgs step_args{doc, name_node, args, name};
  try {
    return entry->build(step_args);
  } catch (const YAML::Exception& e) {
    // The readers check node types first; this is the last line for yaml-cpp surprises.
    return step_args.error(e.msg);
  }
}

namespace internal {

Status StepArgs::error(const YAML::Node& node, std::string_view message) const {
  return config::error_at(doc, node, name + ": " + std::string(message));
}

Status StepArgs::error(std::string_view message) const {
  return error(args.IsDefined() && args.Mark().line >= 0 ? args : name_node, message);
}

std::optional<YAML::Node> member(const YAML::Node& map, const char* key) {
  if (!map.IsMap()) return std::nullopt;
  YAML::Node node = map[key];
  if (!node.IsDefined()) return std::nullopt;
  return node;
}

Status no_arguments(const StepArgs& a) {
  if (a.absent()) return Status::ok();
  return a.error("takes no arguments");
}

Status check_keys(const StepArgs& a, const YAML::Node& map, const std::vector<std::string>& known) {
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) return a.error(kv.first, "argument names must be single words");
    const std::string& key = kv.first.Scalar();
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string hint = util::closest_match(key, known);
    return a.error(kv.first, "unknown argument '" + key + "'" +
                                 (hint.empty() ? "; known: " + util::join(known, ", ")
                                               : ", did you mean '" + hint + "'?"));
  }
  return Status::ok();
}

Result<std::string> scalar_arg(const StepArgs& a, const YAML::Node& node, std::string_view what) {
  if (!node.IsScalar()) return a.error(node, std::string(what) + " must be a single value");
  return node.Scalar();
}

Result<bool> bool_arg(const StepArgs& a, const YAML::Node& node, std::string_view what) {
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value))
    return a.error(node, std::string(what) + " must be true or false");
  return value;
}

Result<int64_t> int_arg(const StepArgs& a, const YAML::Node& node, int64_t min, int64_t max,
                        std::string_view message) {
  if (!node.IsScalar()) return a.error(node, message);
  const std::string& text = node.Scalar();
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min || value > max)
    return a.error(node, message);
  return value;
}

std::string kind_with_article(Kind kind) {
  switch (kind) {
    case Kind::kAny: return "any value";
    case Kind::kText: return "text";
    case Kind::kInteger: return "an integer";
    case Kind::kDecimal: return "a decimal";
    case Kind::kBoolean: return "a boolean";
    case Kind::kDate: return "a date";
    case Kind::kTimestamp: return "a timestamp";
    case Kind::kJson: return "a JSON value";
  }
  return "any value";
}

Status cannot_take(std::string_view step, Kind kind) {
  return config_error(std::string(step) + " cannot take " + kind_with_article(kind));
}

StepError step_error(const char* code, std::string_view step, std::string_view message) {
  std::string text(step);
  text += ": ";
  text += message;
  return StepError{code, std::move(text)};
}

}  // namespace internal
}  // namespace csbridge::transform
