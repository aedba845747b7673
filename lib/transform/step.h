// The transforms of the mapping language: pure functions over field values,
// no I/O. A mapping field is a source (column, columns or constant) followed
// by a list of steps; each step is built once from its YAML arguments and
// then applied to every row.
//
// Values are UTF-8 text in the canonical forms of connector/connector.h
// (integer digits, YYYY-MM-DD, "YYYY-MM-DD HH:MM:SS[.ffffff]" with "+HH:MM"
// when zoned, "true"/"false") or NULL (std::nullopt, distinct from "").
//
// Threads: a built Step is immutable; apply() may run on several threads.
#pragma once

#include <yaml-cpp/yaml.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/yaml_source.h"
#include "model/cs_model.h"
#include "util/status.h"

namespace csbridge::transform {

using Value = std::optional<std::string>;

// What a value is, as far as a static check can tell (map check's type checks).
enum class Kind { kAny, kText, kInteger, kDecimal, kBoolean, kDate, kTimestamp, kJson };
const char* kind_name(Kind kind);

// Facts of the run a step may need; set once per mapping field.
struct Context {
  std::string default_timezone = "UTC";  // zone of timestamps that carry none (source's or config's)
  std::string hmac_key;                  // pseudonymisation key ("" = none available: pseudonymize fails)
  std::string field_context;             // "entity.field": separates pseudonyms of different fields
  std::string pii_class;                 // the CS field's PII class name ("none", "phone", …) for mask
};

// Why a value could not be transformed. `code` is one of a closed set
// (the constants below) and goes into reject files; `message` is one line,
// starts with the step's name and never contains the value itself (it may be PII).
namespace error_code {
inline constexpr const char* kBadValue = "bad_value";            // not of the shape the step reads
inline constexpr const char* kUnmappedValue = "unmapped_value";  // map: not listed and no `else`
inline constexpr const char* kBadTime = "bad_time";              // unreadable or impossible date/time
inline constexpr const char* kZeroDate = "zero_date";            // MySQL 0000-00-00…
inline constexpr const char* kNoMatch = "no_match";              // regex: no match (on_no_match: reject)
inline constexpr const char* kNoKey = "no_key";                  // pseudonymize: no HMAC key
inline constexpr const char* kTooLong = "too_long";              // over a size cap (used by the loader)
}  // namespace error_code

struct StepError {
  std::string code;
  std::string message;
};

// Either the transformed value or why not.
class StepResult {
 public:
  StepResult(Value value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose
  StepResult(StepError error) : error_(std::move(error)), failed_(true) {}  // NOLINT
  bool ok() const { return !failed_; }
  const Value& value() const { return value_; }
  Value& value() { return value_; }
  const StepError& error() const { return error_; }

 private:
  Value value_;
  StepError error_;
  bool failed_ = false;
};

class Step {
 public:
  virtual ~Step() = default;
  virtual std::string_view name() const = 0;
  // How many inputs the step takes: 1 for most; concat, template, coalesce
  // and decode without an argument take all the field's source columns
  // (`columns: [a, b]`), reported as -1.
  // NULL inputs pass through every step except default, null_if, concat,
  // template and coalesce, which are about NULLs.
  virtual int arity() const { return 1; }
  // The kind this step yields for an input of `input` kind, or a kConfig
  // error (message without location) when the step cannot take that kind
  // ("parse_time cannot take a boolean", "cast: cannot cast a date to integer").
  virtual Result<Kind> output_kind(Kind input) const = 0;
  // The PII class the step reads its input as, whether or not a value parses
  // (phone: kPhone): a value fed to such a step is masked as that class
  // wherever it is shown, valid or not. kNone for steps that read any text.
  virtual model::PiiClass reads_pii() const { return model::PiiClass::kNone; }
  // Applies the step. `inputs` has one value unless arity() is -1.
  virtual StepResult apply(std::span<const Value> inputs, const Context& context) const = 0;
};

// Builds a step from its name and YAML arguments (a scalar, a sequence or a
// map; an undefined node when the step was written as a bare name: `- trim`).
// Errors are kConfig, already formatted by config::error_at at the offending
// node: unknown step (with "did you mean"), missing or wrong argument,
// invalid regex, unknown time zone, unknown format directive.
Result<std::unique_ptr<Step>> build_step(const config::YamlDocument& doc, const YAML::Node& name_node,
                                         const YAML::Node& args);

// Names of all steps, for "did you mean" and --help.
const std::vector<std::string>& step_names();

}  // namespace csbridge::transform
