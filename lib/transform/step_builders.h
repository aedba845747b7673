// Internal to lib/transform: what the step files share — one builder per
// step, argument readers that put every error at the offending YAML node,
// and the wording of kinds in output_kind errors. Not for use outside
// lib/transform (its tests excepted).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/yaml_source.h"
#include "transform/step.h"
#include "util/status.h"

namespace csbridge::transform::internal {

using BuildResult = Result<std::unique_ptr<Step>>;

// What a builder gets: the step's name as written and its arguments.
struct StepArgs {
  const config::YamlDocument& doc;
  const YAML::Node& name_node;
  const YAML::Node& args;  // undefined for a bare `- trim`, null for `- trim:`
  std::string name;

  // No arguments given (bare name or an empty value).
  bool absent() const { return !args.IsDefined() || args.IsNull(); }
  // kConfig error at `node`: "<name>: <message>".
  Status error(const YAML::Node& node, std::string_view message) const;
  // Same, at the arguments when given, else at the step's name.
  Status error(std::string_view message) const;
};

// The value of `key` in `map`, nullopt when absent. (yaml-cpp's Node
// assignment writes through to the node assigned to, so optional nodes are
// held this way, never as a default-constructed Node assigned later.)
std::optional<YAML::Node> member(const YAML::Node& map, const char* key);
// Fails when arguments are given to a step that takes none.
Status no_arguments(const StepArgs& a);
// Fails on a key of `map` not in `known` ("unknown argument 'els', did you mean 'else'?").
Status check_keys(const StepArgs& a, const YAML::Node& map, const std::vector<std::string>& known);
// `node` as a string; `what` completes "<name>: <what> must be a single value".
Result<std::string> scalar_arg(const StepArgs& a, const YAML::Node& node, std::string_view what);
// `node` as true/false (YAML 1.1 spellings).
Result<bool> bool_arg(const StepArgs& a, const YAML::Node& node, std::string_view what);
// `node` as a whole number in [min, max]; `message` is the whole error after "<name>: ".
Result<int64_t> int_arg(const StepArgs& a, const YAML::Node& node, int64_t min, int64_t max,
                        std::string_view message);

// "a boolean", "an integer", "text", …
std::string kind_with_article(Kind kind);
// kConfig "<step> cannot take <kind>".
Status cannot_take(std::string_view step, Kind kind);
// A StepError "<step>: <message>".
StepError step_error(const char* code, std::string_view step, std::string_view message);

// Builders (text_steps.cc, value_steps.cc, time_steps.cc, pii_steps.cc, content_steps.cc).
BuildResult build_trim(const StepArgs& a);
BuildResult build_upper(const StepArgs& a);
BuildResult build_lower(const StepArgs& a);
BuildResult build_normalize(const StepArgs& a);
BuildResult build_truncate(const StepArgs& a);
BuildResult build_null_if(const StepArgs& a);
BuildResult build_default(const StepArgs& a);
BuildResult build_cast(const StepArgs& a);
BuildResult build_map(const StepArgs& a);
BuildResult build_concat(const StepArgs& a);
BuildResult build_template(const StepArgs& a);
BuildResult build_split(const StepArgs& a);
BuildResult build_regex(const StepArgs& a);
BuildResult build_replace(const StepArgs& a);
BuildResult build_parse_time(const StepArgs& a);
BuildResult build_parse_date(const StepArgs& a);
BuildResult build_phone(const StepArgs& a);
BuildResult build_mask(const StepArgs& a);
BuildResult build_pseudonymize(const StepArgs& a);
BuildResult build_coalesce(const StepArgs& a);
BuildResult build_decode(const StepArgs& a);
BuildResult build_html_to_text(const StepArgs& a);
BuildResult build_size(const StepArgs& a);
BuildResult build_sha256(const StepArgs& a);
BuildResult build_id_check(const StepArgs& a);

// ---- date and time text, shared by parse_time, parse_date and cast -------

// A date and time as written, before any zone is applied.
struct CivilTime {
  int year = 0, month = 0, day = 0;
  int hour = 0, minute = 0, second = 0;
  int micros = 0;
  bool has_time = false;    // the text had a time of day
  bool has_offset = false;  // the text carried its own offset (or Z)
  int offset_seconds = 0;   // east of UTC, when has_offset
};

// Reads the common forms: YYYY-MM-DD or YYYY/M/D, optionally followed by
// ' ' or 'T' and HH:MM[:SS[.f]], optionally followed by Z, ±HH, ±HHMM or
// ±HH:MM (a space before it allowed); also the compact YYYYMMDD and
// YYYYMMDDHHMMSS. Returns nullptr on success, else the error code
// (kBadTime, or kZeroDate for 0000-00-00…). The calendar is checked.
const char* parse_common_time(std::string_view text, CivilTime& out);
// Checks the fields of a parsed time; nullptr or kBadTime / kZeroDate.
const char* check_civil_time(const CivilTime& t);
// "YYYY-MM-DD".
void append_date(std::string& out, int year, int month, int day);
// "HH:MM:SS" plus ".f" (trailing zeros dropped) when micros is not zero.
void append_time(std::string& out, int hour, int minute, int second, int micros);
// "+HH:MM".
void append_offset(std::string& out, int offset_seconds);

}  // namespace csbridge::transform::internal
