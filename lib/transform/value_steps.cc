// null_if, default, cast, map, concat, template, split, regex, replace.
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <unordered_map>

#include "transform/step_builders.h"
#include "transform/value_map.h"
#include "util/strings.h"

namespace csbridge::transform {
namespace internal {
namespace {

constexpr const char* kBadValue = error_code::kBadValue;

// ---- null_if / default -------------------------------------------------------

class NullIfStep final : public Step {
 public:
  explicit NullIfStep(std::vector<std::string> values) : values_(std::move(values)) {}
  std::string_view name() const override { return "null_if"; }
  Result<Kind> output_kind(Kind input) const override { return input; }
  StepResult apply(std::span<const Value> inputs, const Context&) const override {
    const Value& v = inputs[0];
    if (v && std::find(values_.begin(), values_.end(), *v) != values_.end()) return Value();
    return v;
  }

 private:
  std::vector<std::string> values_;
};

class DefaultStep final : public Step {
 public:
  explicit DefaultStep(std::string value) : value_(std::move(value)) {}
  std::string_view name() const override { return "default"; }
  Result<Kind> output_kind(Kind input) const override { return input; }
  StepResult apply(std::span<const Value> inputs, const Context&) const override {
    const Value& v = inputs[0];
    if (!v || v->empty()) return Value(value_);
    return v;
  }

 private:
  std::string value_;
};

// ---- cast --------------------------------------------------------------------

enum class CastTarget { kInteger, kBigint, kDecimal, kBoolean, kDate, kTimestamp, kText };

struct CastName {
  CastTarget target;
  const char* name;
  Kind kind;
};

constexpr CastName kCastNames[] = {
    {CastTarget::kInteger, "integer", Kind::kInteger}, {CastTarget::kBigint, "bigint", Kind::kInteger},
    {CastTarget::kDecimal, "decimal", Kind::kDecimal}, {CastTarget::kBoolean, "boolean", Kind::kBoolean},
    {CastTarget::kDate, "date", Kind::kDate},          {CastTarget::kTimestamp, "timestamp", Kind::kTimestamp},
    {CastTarget::kText, "text", Kind::kText},
};

struct BooleanWord {
  std::string_view word;
  bool value;
};

// Matched ASCII case-insensitively.
constexpr BooleanWord kBooleanWords[] = {
    {"true", true}, {"false", false}, {"t", true},  {"f", false},  {"yes", true}, {"no", false},
    {"y", true},    {"n", false},     {"1", true},  {"0", false},  {"是", true},  {"否", false},
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool all_digits(std::string_view s) { return std::all_of(s.begin(), s.end(), is_digit); }

std::string_view trim_ascii(std::string_view s) { return util::trim(s); }

// Sign, integer digits and fraction digits of a plain decimal numeral
// ("+007.50" → '+', "007", "50"); false for anything else (exponents,
// thousands separators, a lone sign or dot).
struct Numeral {
  bool negative = false;
  std::string_view whole;
  std::string_view fraction;
  bool has_point = false;
};

bool read_numeral(std::string_view s, Numeral& n) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    n.negative = s[0] == '-';
    s.remove_prefix(1);
  }
  size_t point = s.find('.');
  n.has_point = point != std::string_view::npos;
  n.whole = s.substr(0, point);
  n.fraction = n.has_point ? s.substr(point + 1) : std::string_view();
  return all_digits(n.whole) && all_digits(n.fraction) && (!n.whole.empty() || !n.fraction.empty());
}

std::string_view strip_leading_zeros(std::string_view digits) {
  size_t first = digits.find_first_not_of('0');
  return first == std::string_view::npos ? std::string_view() : digits.substr(first);
}

class CastStep final : public Step {
 public:
  explicit CastStep(const CastName& target) : target_(target) {}
  std::string_view name() const override { return "cast"; }

  Result<Kind> output_kind(Kind input) const override {
    if (!accepts(input))
      return config_error("cast: cannot cast " + kind_with_article(input) + " to " + target_.name);
    return target_.kind;
  }

  StepResult apply(std::span<const Value> inputs, const Context&) const override {
    const Value& v = inputs[0];
    if (!v || target_.target == CastTarget::kText) return v;
    // Legacy systems write "" for "unknown": a typed column reads it as NULL.
    std::string_view s = trim_ascii(*v);
    if (s.empty()) return Value();
    switch (target_.target) {
      case CastTarget::kInteger: return to_integer(s, std::numeric_limits<int32_t>::min(),
                                                   std::numeric_limits<int32_t>::max());
      case CastTarget::kBigint: return to_integer(s, std::numeric_limits<int64_t>::min(),
                                                  std::numeric_limits<int64_t>::max());
      case CastTarget::kDecimal: return to_decimal(s);
      case CastTarget::kBoolean: return to_boolean(s);
      case CastTarget::kDate:
      case CastTarget::kTimestamp: return to_time(s);
      case CastTarget::kText: break;
    }
    return v;
  }

 private:
  bool accepts(Kind input) const {
    switch (target_.target) {
      case CastTarget::kInteger:
      case CastTarget::kBigint:
      case CastTarget::kDecimal:
        return input == Kind::kAny || input == Kind::kText || input == Kind::kInteger || input == Kind::kDecimal;
      case CastTarget::kBoolean:
        return input == Kind::kAny || input == Kind::kText || input == Kind::kInteger || input == Kind::kBoolean;
      case CastTarget::kDate:
        return input == Kind::kAny || input == Kind::kText || input == Kind::kDate;
      case CastTarget::kTimestamp:
        return input == Kind::kAny || input == Kind::kText || input == Kind::kDate || input == Kind::kTimestamp;
      case CastTarget::kText:
        return true;
    }
    return false;
  }

  StepError fail(const char* code, std::string_view message) const { return step_error(code, "cast", message); }

  // "+42" → "42"; "42.00" → "42" (a whole number written as a decimal); range checked.
  StepResult to_integer(std::string_view s, int64_t min, int64_t max) const {
    Numeral n;
    if (!read_numeral(s, n) || n.whole.empty() || n.fraction.find_first_not_of('0') != std::string_view::npos)
      return fail(kBadValue, std::string("not ") + (target_.target == CastTarget::kInteger ? "an " : "a ") +
                                 target_.name);
    std::string_view digits = strip_leading_zeros(n.whole);
    int64_t value = 0;
    std::string text = (n.negative ? "-" : "") + std::string(digits.empty() ? "0" : digits);
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max)
      return fail(kBadValue, std::string("out of range for ") + target_.name);
    return Value(std::to_string(value));
  }

  // "+007.50" → "7.50"; the scale is kept as written; "-0.0" → "0.0".
  StepResult to_decimal(std::string_view s) const {
    Numeral n;
    if (!read_numeral(s, n)) return fail(kBadValue, "not a decimal number");
    std::string_view whole = strip_leading_zeros(n.whole);
    bool zero = whole.empty() && n.fraction.find_first_not_of('0') == std::string_view::npos;
    std::string out = n.negative && !zero ? "-" : "";
    out += whole.empty() ? std::string_view("0") : whole;
    if (!n.fraction.empty()) {
      out += '.';
      out += n.fraction;
    }
    return Value(std::move(out));
  }

  StepResult to_boolean(std::string_view s) const {
    for (const BooleanWord& w : kBooleanWords)
      if (util::equals_icase(s, w.word)) return Value(w.value ? "true" : "false");
    return fail(kBadValue, "not a boolean (true/false, t/f, yes/no, y/n, 1/0, 是/否)");
  }

  StepResult to_time(std::string_view s) const {
    CivilTime t;
    if (const char* code = parse_common_time(s, t)) {
      if (code == error_code::kZeroDate) return fail(code, "zero date");
      return fail(code, target_.target == CastTarget::kDate ? "not a date (YYYY-MM-DD)"
                                                            : "not a timestamp (YYYY-MM-DD HH:MM:SS)");
    }
    std::string out;
    if (target_.target == CastTarget::kDate) {
      if (t.has_time || t.has_offset) return fail(error_code::kBadTime, "not a date (YYYY-MM-DD)");
      append_date(out, t.year, t.month, t.day);
      return Value(std::move(out));
    }
    append_date(out, t.year, t.month, t.day);
    out += ' ';
    append_time(out, t.hour, t.minute, t.second, t.micros);
    if (t.has_offset) append_offset(out, t.offset_seconds);
    return Value(std::move(out));
  }

  const CastName& target_;
};

// ---- map ---------------------------------------------------------------------

// FNV-1a over the bytes, ASCII-folded when matching ignores case: lookups
// take a string_view and never allocate.
struct KeyHash {
  using is_transparent = void;
  bool fold = false;
  size_t operator()(std::string_view s) const {
    constexpr uint64_t kOffset = 14695981039346656037ull, kPrime = 1099511628211ull;
    uint64_t h = kOffset;
    for (char c : s) {
      if (fold && c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
      h = (h ^ static_cast<unsigned char>(c)) * kPrime;
    }
    return static_cast<size_t>(h);
  }
};

struct KeyEqual {
  using is_transparent = void;
  bool fold = false;
  bool operator()(std::string_view a, std::string_view b) const { return fold ? util::equals_icase(a, b) : a == b; }
};

using ValueTable = std::unordered_map<std::string, Value, KeyHash, KeyEqual>;

class MapStep final : public Step {
 public:
  MapStep(ValueTable table, ValueMapInfo info, Value otherwise)
      : table_(std::move(table)), info_(std::move(info)), else_(std::move(otherwise)) {}
  std::string_view name() const override { return "map"; }
  Result<Kind> output_kind(Kind input) const override {
    if (input == Kind::kJson) return cannot_take(name(), input);
    return Kind::kText;
  }
  StepResult apply(std::span<const Value> inputs, const Context&) const override {
    const Value& v = inputs[0];
    if (!v) return Value();
    auto it = table_.find(std::string_view(*v));
    if (it != table_.end()) return it->second;
    if (info_.has_else) return else_;
    return step_error(error_code::kUnmappedValue, "map", "value not in the map and no 'else'");
  }
  const ValueMapInfo& info() const { return info_; }

 private:
  ValueTable table_;
  ValueMapInfo info_;
  Value else_;
};

// A mapped-to value: a scalar, or NULL written as ~ / null / nothing.
Result<Value> target_value(const StepArgs& a, const YAML::Node& node, std::string_view what) {
  if (node.IsNull()) return Value();
  if (!node.IsScalar()) return a.error(node, what);
  return Value(node.Scalar());
}

// ---- concat / template ---------------------------------------------------------

class ConcatStep final : public Step {
 public:
  explicit ConcatStep(std::string sep) : sep_(std::move(sep)) {}
  std::string_view name() const override { return "concat"; }
  int arity() const override { return -1; }
  Result<Kind> output_kind(Kind) const override { return Kind::kText; }
  StepResult apply(std::span<const Value> inputs, const Context&) const override {
    Value out;
    for (const Value& v : inputs) {
      if (!v) continue;
      if (out) {
        *out += sep_;
        *out += *v;
      } else {
        out = *v;
      }
    }
    return out;
  }

 private:
  std::string sep_;
};

struct TemplatePart {
  std::string literal;  // written before the placeholder
  int index = -1;       // the column, or -1 for trailing literal text
};

class TemplateStep final : public Step {
 public:
  explicit TemplateStep(std::vector<TemplatePart> parts) : parts_(std::move(parts)) {}
  std::string_view name() const override { return "template"; }
  int arity() const override { return -1; }
  Result<Kind> output_kind(Kind) const override { return Kind::kText; }
  // A NULL column contributes ""; all columns NULL give NULL, as concat does.
  StepResult apply(std::span<const Value> inputs, const Context&) const override {
    if (std::none_of(inputs.begin(), inputs.end(), [](const Value& v) { return v.has_value(); })) return Value();
    std::string out;
    for (const TemplatePart& part : parts_) {
      out += part.literal;
      if (part.index < 0) continue;
      if (static_cast<size_t>(part.index) >= inputs.size())
        return missing_column(part.index, inputs.size());
      if (const Value& v = inputs[static_cast<size_t>(part.index)]) out += *v;
    }
    return Value(std::move(out));
  }

 private:
  // Appends rather than `"{" + std::to_string(…)`, which trips GCC 12's -Wrestrict false positive.
  static StepError missing_column(int index, size_t columns) {
    std::string message = "{";
    message.append(std::to_string(index)).append("} names a column the field does not have (it has ");
    message.append(std::to_string(columns)).append(")");
    return step_error(kBadValue, "template", message);
  }

  std::vector<TemplatePart> parts_;
};

constexpr int kMaxTemplateIndex = 999;

// ---- split ---------------------------------------------------------------------

class SplitStep final : public Step {
 public:
  SplitStep(std::string sep, int64_t index) : sep_(std::move(sep)), index_(index) {}
  std::string_view name() const override { return "split"; }
  Result<Kind> output_kind(Kind) const override { return Kind::kText; }
  StepResult apply(std::span<const Value> inputs, const Context&) const override {
    const Value& v = inputs[0];
    if (!v) return Value();
    std::string_view s = *v;
    size_t begin = 0;
    for (int64_t part = 0; part < index_; ++part) {
      size_t at = s.find(sep_, begin);
      if (at == std::string_view::npos) return Value();
      begin = at + sep_.size();
    }
    size_t end = s.find(sep_, begin);
    return Value(std::string(s.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin)));
  }

 private:
  std::string sep_;
  int64_t index_;
};

constexpr int64_t kMaxSplitIndex = 1'000'000;

// ---- regex / replace -------------------------------------------------------------

constexpr int kMaxRegexGroup = 63;

RE2::Options regex_options() {
  RE2::Options options;
  options.set_log_errors(false);  // errors are reported as values, not on stderr
  return options;
}

class RegexStep final : public Step {
 public:
  RegexStep(std::unique_ptr<RE2> re, int group, bool reject) : re_(std::move(re)), group_(group), reject_(reject) {}
  std::string_view name() const override { return "regex"; }
  Result<Kind> output_kind(Kind) const override { return Kind::kText; }
  // The group (0 = the whole match) of the first match anywhere in the value;
  // a group that took no part in the match gives NULL.
  StepResult apply(std::span<const Value> inputs, const Context&) const override {
    const Value& v = inputs[0];
    if (!v) return Value();
    std::array<re2::StringPiece, kMaxRegexGroup + 1> groups;
    re2::StringPiece text(v->data(), v->size());
    if (!re_->Match(text, 0, text.size(), RE2::UNANCHORED, groups.data(), group_ + 1)) {
      if (reject_) return step_error(error_code::kNoMatch, "regex", "the pattern does not match");
      return Value();
    }
    const re2::StringPiece& g = groups[static_cast<size_t>(group_)];
    if (g.data() == nullptr) return Value();
    return Value(std::string(g.data(), g.size()));
  }

 private:
  std::unique_ptr<RE2> re_;
  int group_;
  bool reject_;
};

class ReplaceStep final : public Step {
 public:
  ReplaceStep(std::unique_ptr<RE2> re, std::string with) : re_(std::move(re)), with_(std::move(with)) {}
  std::string_view name() const override { return "replace"; }
  Result<Kind> output_kind(Kind) const override { return Kind::kText; }
  StepResult apply(std::span<const Value> inputs, const Context&) const override {
    const Value& v = inputs[0];
    if (!v) return Value();
    std::string out = *v;
    RE2::GlobalReplace(&out, *re_, re2::StringPiece(with_));
    return Value(std::move(out));
  }

 private:
  std::unique_ptr<RE2> re_;
  std::string with_;
};

Result<std::unique_ptr<RE2>> compile(const StepArgs& a, const YAML::Node& node) {
  CSB_ASSIGN_OR_RETURN(std::string pattern, scalar_arg(a, node, "'pattern'"));
  auto re = std::make_unique<RE2>(pattern, regex_options());
  if (!re->ok()) return a.error(node, "invalid pattern: " + re->error());
  return re;
}

}  // namespace

BuildResult build_null_if(const StepArgs& a) {
  constexpr std::string_view kExpected = "expected a value or a list of values";
  std::vector<std::string> values;
  if (a.absent()) return a.error(kExpected);
  if (a.args.IsScalar()) {
    values.push_back(a.args.Scalar());
  } else if (a.args.IsSequence() && a.args.size() > 0) {
    for (const YAML::Node& item : a.args) {
      if (!item.IsScalar()) return a.error(item, kExpected);
      values.push_back(item.Scalar());
    }
  } else {
    return a.error(kExpected);
  }
  return std::unique_ptr<Step>(std::make_unique<NullIfStep>(std::move(values)));
}

BuildResult build_default(const StepArgs& a) {
  if (a.absent() || !a.args.IsScalar()) return a.error("expected a single value");
  return std::unique_ptr<Step>(std::make_unique<DefaultStep>(a.args.Scalar()));
}

BuildResult build_cast(const StepArgs& a) {
  std::vector<std::string> names;
  for (const CastName& c : kCastNames) names.emplace_back(c.name);
  std::string expected = "expected one of " + util::join(names, ", ");
  if (a.absent()) return a.error(expected);
  if (!a.args.IsScalar()) return a.error(expected);
  const std::string& target = a.args.Scalar();
  for (const CastName& c : kCastNames)
    if (target == c.name) return std::unique_ptr<Step>(std::make_unique<CastStep>(c));
  return a.error(expected + ", got '" + target + "'");
}

BuildResult build_map(const StepArgs& a) {
  static const std::vector<std::string> kKeys = {"values", "else", "ignore_case"};
  constexpr std::string_view kNotScalars = "'values' must be a map of scalars";
  if (a.absent() || !a.args.IsMap()) return a.error("expected a map of values, or {values: …, else: …}");
  // The long form has a `values` map; a bare vocabulary maps scalars only.
  const YAML::Node& args = a.args;
  bool long_form = args["values"].IsDefined() && !args["values"].IsScalar() && !args["values"].IsNull();
  YAML::Node values = long_form ? args["values"] : args;
  ValueMapInfo info;
  Value otherwise;
  if (long_form) {
    CSB_RETURN_IF_ERROR(check_keys(a, args, kKeys));
    if (!values.IsMap()) return a.error(values, kNotScalars);
    if (YAML::Node node = args["ignore_case"]) {
      CSB_ASSIGN_OR_RETURN(info.ignore_case, bool_arg(a, node, "'ignore_case'"));
    }
    if (YAML::Node node = args["else"]) {
      CSB_ASSIGN_OR_RETURN(otherwise, target_value(a, node, "'else' must be a single value or null"));
      info.has_else = true;
    }
  }
  if (values.size() == 0) return a.error(values, "'values' must not be empty");
  ValueTable table(values.size(), KeyHash{info.ignore_case}, KeyEqual{info.ignore_case});
  for (const auto& kv : values) {
    if (!kv.first.IsScalar()) return a.error(kv.first, kNotScalars);
    CSB_ASSIGN_OR_RETURN(Value to, target_value(a, kv.second, kNotScalars));
    const std::string& from = kv.first.Scalar();
    if (!table.emplace(from, std::move(to)).second)
      return a.error(kv.first, "'" + from + "' is listed twice" + (info.ignore_case ? " (ignoring case)" : ""));
    info.keys.push_back(from);
  }
  return std::unique_ptr<Step>(std::make_unique<MapStep>(std::move(table), std::move(info), std::move(otherwise)));
}

BuildResult build_concat(const StepArgs& a) {
  std::string sep;
  if (a.args.IsMap()) {
    CSB_RETURN_IF_ERROR(check_keys(a, a.args, {"sep"}));
    if (!a.args["sep"]) return a.error("missing 'sep'");
    CSB_ASSIGN_OR_RETURN(sep, scalar_arg(a, a.args["sep"], "'sep'"));
  } else if (!a.absent()) {
    CSB_ASSIGN_OR_RETURN(sep, scalar_arg(a, a.args, "the separator"));
  }
  return std::unique_ptr<Step>(std::make_unique<ConcatStep>(std::move(sep)));
}

BuildResult build_template(const StepArgs& a) {
  if (a.absent() || !a.args.IsScalar()) return a.error("expected a format such as \"{0}-{1}\"");
  std::string_view text = a.args.Scalar();
  std::vector<TemplatePart> parts(1);
  bool any_placeholder = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      parts.back().literal += c;
      ++i;
    } else if (c == '}') {
      return a.error("'}' without a matching '{' (write }} for a brace)");
    } else if (c == '{') {
      size_t close = text.find('}', i);
      if (close == std::string_view::npos) return a.error("'{' without a matching '}' (write {{ for a brace)");
      std::string_view number = text.substr(i + 1, close - i - 1);
      int index = -1;
      auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), index);
      if (number.empty() || ec != std::errc() || end != number.data() + number.size() || index < 0 ||
          index > kMaxTemplateIndex)
        return a.error("'{" + std::string(number) + "}' is not a column number such as {0}");
      parts.back().index = index;
      parts.emplace_back();
      any_placeholder = true;
      i = close;
    } else {
      parts.back().literal += c;
    }
  }
  if (!any_placeholder) return a.error("no placeholder such as {0}; a constant is written {value: …}");
  return std::unique_ptr<Step>(std::make_unique<TemplateStep>(std::move(parts)));
}

BuildResult build_split(const StepArgs& a) {
  constexpr std::string_view kBadSep = "'sep' must be a non-empty string";
  std::string sep;
  int64_t index = 0;
  if (a.args.IsMap()) {
    CSB_RETURN_IF_ERROR(check_keys(a, a.args, {"sep", "index"}));
    YAML::Node sep_node = a.args["sep"];
    if (!sep_node) return a.error("missing 'sep'");
    if (!sep_node.IsScalar() || sep_node.Scalar().empty()) return a.error(sep_node, kBadSep);
    sep = sep_node.Scalar();
    if (YAML::Node node = a.args["index"]) {
      CSB_ASSIGN_OR_RETURN(index, int_arg(a, node, 0, kMaxSplitIndex, "'index' must be a non-negative integer"));
    }
  } else if (!a.absent() && a.args.IsScalar() && !a.args.Scalar().empty()) {
    sep = a.args.Scalar();
  } else {
    return a.error("expected {sep: \",\", index: 0} or a separator");
  }
  return std::unique_ptr<Step>(std::make_unique<SplitStep>(std::move(sep), index));
}

BuildResult build_regex(const StepArgs& a) {
  if (a.absent()) return a.error("expected a pattern or {pattern: …, group: 1, on_no_match: null|reject}");
  if (a.args.IsMap()) CSB_RETURN_IF_ERROR(check_keys(a, a.args, {"pattern", "group", "on_no_match"}));
  std::optional<YAML::Node> pattern = a.args.IsMap() ? member(a.args, "pattern") : std::optional<YAML::Node>(a.args);
  if (!pattern) return a.error("missing 'pattern'");
  std::optional<YAML::Node> group_node = member(a.args, "group");
  std::optional<YAML::Node> no_match_node = member(a.args, "on_no_match");
  CSB_ASSIGN_OR_RETURN(std::unique_ptr<RE2> re, compile(a, *pattern));
  // Without `group`: the first group when the pattern has one, else the whole match.
  int64_t group = re->NumberOfCapturingGroups() > 0 ? 1 : 0;
  if (group_node) {
    CSB_ASSIGN_OR_RETURN(group, int_arg(a, *group_node, 0, kMaxRegexGroup,
                                        "'group' must be a whole number from 0 to " + std::to_string(kMaxRegexGroup)));
    int groups = re->NumberOfCapturingGroups();
    if (group > groups)
      return a.error(*group_node, "'group' is " + std::to_string(group) + " but the pattern has " +
                                     std::to_string(groups) + (groups == 1 ? " group" : " groups"));
  }
  bool reject = true;  // a value the pattern misses is not silently dropped
  if (no_match_node) {
    const YAML::Node& node = *no_match_node;
    bool is_null = node.IsNull() || (node.IsScalar() && node.Scalar() == "null");
    if (!is_null && !(node.IsScalar() && node.Scalar() == "reject"))
      return a.error(node, "'on_no_match' must be null or reject");
    reject = !is_null;
  }
  return std::unique_ptr<Step>(std::make_unique<RegexStep>(std::move(re), static_cast<int>(group), reject));
}

BuildResult build_replace(const StepArgs& a) {
  if (a.absent() || !a.args.IsMap()) return a.error("expected {pattern: …, with: …}");
  CSB_RETURN_IF_ERROR(check_keys(a, a.args, {"pattern", "with"}));
  if (!a.args["pattern"]) return a.error("missing 'pattern'");
  CSB_ASSIGN_OR_RETURN(std::unique_ptr<RE2> re, compile(a, a.args["pattern"]));
  YAML::Node with_node = a.args["with"];
  if (!with_node) return a.error("missing 'with' (\"\" deletes the matches)");
  std::string with;
  if (!with_node.IsNull()) {
    CSB_ASSIGN_OR_RETURN(with, scalar_arg(a, with_node, "'with'"));
  }
  std::string rewrite_error;
  if (!re->CheckRewriteString(with, &rewrite_error)) return a.error(with_node, "invalid 'with': " + rewrite_error);
  return std::unique_ptr<Step>(std::make_unique<ReplaceStep>(std::move(re), std::move(with)));
}

}  // namespace internal

const ValueMapInfo* value_map_info(const Step& step) {
  const auto* map = dynamic_cast<const internal::MapStep*>(&step);
  return map ? &map->info() : nullptr;
}

}  // namespace csbridge::transform
