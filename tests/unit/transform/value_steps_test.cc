#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "transform/step.h"
#include "transform/value_map.h"
#include "transform_test_support.h"

namespace csbridge::transform {
namespace {

using test::apply_text;
using test::build_error;
using test::kind_text;
using test::make;

// The value of a many-input step (concat, template) over `inputs`.
std::string apply_many(const Step& step, std::vector<Value> inputs) {
  StepResult r = step.apply(inputs, Context{});
  if (!r.ok()) return "<" + r.error().code + "> " + r.error().message;
  return r.value() ? *r.value() : "<NULL>";
}

}  // namespace

TEST_CASE("transform value steps: null_if") {
  SUBCASE("a list") {
    auto step = make("- null_if: [N/A, '-', '']\n");
    CHECK(apply_text(*step, "N/A") == "<NULL>");
    CHECK(apply_text(*step, "-") == "<NULL>");
    CHECK(apply_text(*step, "") == "<NULL>");
    CHECK(apply_text(*step, "n/a") == "n/a");  // exact match
    CHECK(apply_text(*step, " N/A") == " N/A");
    CHECK(apply_text(*step, std::nullopt) == "<NULL>");
  }
  SUBCASE("one value") {
    auto step = make("- null_if: 0\n");
    CHECK(apply_text(*step, "0") == "<NULL>");
    CHECK(apply_text(*step, "00") == "00");
    CHECK(kind_text(*step, Kind::kInteger) == "integer");
  }
  SUBCASE("missing") {
    CHECK(build_error("- null_if\n") == "m.yaml:1:3: null_if: expected a value or a list of values");
  }
  SUBCASE("a list item that is not a value") {
    CHECK(build_error("- null_if: [a, [b]]\n") == "m.yaml:1:16: null_if: expected a value or a list of values");
  }
  SUBCASE("a map") {
    CHECK(build_error("- null_if: {a: b}\n") == "m.yaml:1:12: null_if: expected a value or a list of values");
  }
  SUBCASE("an empty list") {
    CHECK(build_error("- null_if: []\n") == "m.yaml:1:12: null_if: expected a value or a list of values");
  }
}

TEST_CASE("transform value steps: default") {
  auto step = make("- default: normal\n");
  SUBCASE("NULL") { CHECK(apply_text(*step, std::nullopt) == "normal"); }
  SUBCASE("empty") { CHECK(apply_text(*step, "") == "normal"); }
  SUBCASE("a value stays") { CHECK(apply_text(*step, "high") == "high"); }
  SUBCASE("a space is a value") { CHECK(apply_text(*step, " ") == " "); }
  SUBCASE("kinds") { CHECK(kind_text(*step, Kind::kDate) == "date"); }
  SUBCASE("missing") { CHECK(build_error("- default\n") == "m.yaml:1:3: default: expected a single value"); }
  SUBCASE("a list") { CHECK(build_error("- default: [a]\n") == "m.yaml:1:12: default: expected a single value"); }
}

TEST_CASE("transform value steps: cast") {
  SUBCASE("integer") {
    auto step = make("- cast: integer\n");
    CHECK(apply_text(*step, "+42") == "42");
    CHECK(apply_text(*step, " 007 ") == "7");
    CHECK(apply_text(*step, "-0") == "0");
    CHECK(apply_text(*step, "-15") == "-15");
    CHECK(apply_text(*step, "42.00") == "42");
    CHECK(apply_text(*step, "2147483647") == "2147483647");
    CHECK(apply_text(*step, "-2147483648") == "-2147483648");
    CHECK(apply_text(*step, "") == "<NULL>");
    CHECK(apply_text(*step, std::nullopt) == "<NULL>");
    CHECK(apply_text(*step, "2147483648") == "<bad_value> cast: out of range for integer");
    CHECK(apply_text(*step, "4.5") == "<bad_value> cast: not an integer");
    CHECK(apply_text(*step, "1e3") == "<bad_value> cast: not an integer");
    CHECK(apply_text(*step, "-") == "<bad_value> cast: not an integer");
    CHECK(apply_text(*step, ".0") == "<bad_value> cast: not an integer");
    CHECK(apply_text(*step, "1 000") == "<bad_value> cast: not an integer");
  }
  SUBCASE("bigint") {
    auto step = make("- cast: bigint\n");
    CHECK(apply_text(*step, "9223372036854775807") == "9223372036854775807");
    CHECK(apply_text(*step, "-9223372036854775808") == "-9223372036854775808");
    CHECK(apply_text(*step, "9223372036854775808") == "<bad_value> cast: out of range for bigint");
    CHECK(apply_text(*step, "x") == "<bad_value> cast: not a bigint");
  }
  SUBCASE("decimal") {
    auto step = make("- cast: decimal\n");
    CHECK(apply_text(*step, "+007.50") == "7.50");
    CHECK(apply_text(*step, ".5") == "0.5");
    CHECK(apply_text(*step, "5.") == "5");
    CHECK(apply_text(*step, "-0.00") == "0.00");
    CHECK(apply_text(*step, "-12.340") == "-12.340");
    CHECK(apply_text(*step, "1,000") == "<bad_value> cast: not a decimal number");
    CHECK(apply_text(*step, ".") == "<bad_value> cast: not a decimal number");
    CHECK(apply_text(*step, "1.5e3") == "<bad_value> cast: not a decimal number");
  }
  SUBCASE("boolean") {
    auto step = make("- cast: boolean\n");
    CHECK(apply_text(*step, "是") == "true");
    CHECK(apply_text(*step, "否") == "false");
    CHECK(apply_text(*step, "YES") == "true");
    CHECK(apply_text(*step, "no") == "false");
    CHECK(apply_text(*step, "T") == "true");
    CHECK(apply_text(*step, "f") == "false");
    CHECK(apply_text(*step, "1") == "true");
    CHECK(apply_text(*step, " 0 ") == "false");
    CHECK(apply_text(*step, "True") == "true");
    CHECK(apply_text(*step, "maybe") ==
          "<bad_value> cast: not a boolean (true/false, t/f, yes/no, y/n, 1/0, 是/否)");
    CHECK(apply_text(*step, "2") == "<bad_value> cast: not a boolean (true/false, t/f, yes/no, y/n, 1/0, 是/否)");
  }
  SUBCASE("date") {
    auto step = make("- cast: date\n");
    CHECK(apply_text(*step, "2024-01-05") == "2024-01-05");
    CHECK(apply_text(*step, "2024/1/5") == "2024-01-05");
    CHECK(apply_text(*step, "20240105") == "2024-01-05");
    CHECK(apply_text(*step, "2024-02-29") == "2024-02-29");
    CHECK(apply_text(*step, "2023-02-29") == "<bad_time> cast: not a date (YYYY-MM-DD)");
    CHECK(apply_text(*step, "2024-02-30") == "<bad_time> cast: not a date (YYYY-MM-DD)");
    CHECK(apply_text(*step, "2024-01-05 10:00:00") == "<bad_time> cast: not a date (YYYY-MM-DD)");
    CHECK(apply_text(*step, "0000-00-00") == "<zero_date> cast: zero date");
  }
  SUBCASE("timestamp") {
    auto step = make("- cast: timestamp\n");
    CHECK(apply_text(*step, "2024-01-05T10:00:00") == "2024-01-05 10:00:00");
    CHECK(apply_text(*step, "2024-01-05 10:00") == "2024-01-05 10:00:00");
    CHECK(apply_text(*step, "2024-01-05 10:00:00.500+08") == "2024-01-05 10:00:00.5+08:00");
    CHECK(apply_text(*step, "2024-01-05 10:00:00 -0530") == "2024-01-05 10:00:00-05:30");
    CHECK(apply_text(*step, "2024-01-05") == "2024-01-05 00:00:00");
    CHECK(apply_text(*step, "2024-01-05 24:00:00") == "<bad_time> cast: not a timestamp (YYYY-MM-DD HH:MM:SS)");
    CHECK(apply_text(*step, "0000-00-00 00:00:00") == "<zero_date> cast: zero date");
  }
  SUBCASE("text") {
    auto step = make("- cast: text\n");
    CHECK(apply_text(*step, " +42 ") == " +42 ");
    CHECK(apply_text(*step, "") == "");
  }
  SUBCASE("kinds") {
    CHECK(kind_text(*make("- cast: integer\n"), Kind::kDate) == "cast: cannot cast a date to integer");
    CHECK(kind_text(*make("- cast: bigint\n"), Kind::kBoolean) == "cast: cannot cast a boolean to bigint");
    CHECK(kind_text(*make("- cast: integer\n"), Kind::kDecimal) == "integer");
    CHECK(kind_text(*make("- cast: decimal\n"), Kind::kText) == "decimal");
    CHECK(kind_text(*make("- cast: boolean\n"), Kind::kInteger) == "boolean");
    CHECK(kind_text(*make("- cast: boolean\n"), Kind::kDate) == "cast: cannot cast a date to boolean");
    CHECK(kind_text(*make("- cast: date\n"), Kind::kTimestamp) == "cast: cannot cast a timestamp to date");
    CHECK(kind_text(*make("- cast: timestamp\n"), Kind::kDate) == "timestamp");
    CHECK(kind_text(*make("- cast: timestamp\n"), Kind::kJson) == "cast: cannot cast a JSON value to timestamp");
    CHECK(kind_text(*make("- cast: text\n"), Kind::kJson) == "text");
  }
  SUBCASE("an unknown target") {
    CHECK(build_error("- cast: int\n") ==
          "m.yaml:1:9: cast: expected one of integer, bigint, decimal, boolean, date, timestamp, text, got 'int'");
  }
  SUBCASE("no target") {
    CHECK(build_error("- cast\n") ==
          "m.yaml:1:3: cast: expected one of integer, bigint, decimal, boolean, date, timestamp, text");
  }
  SUBCASE("a list") {
    CHECK(build_error("- cast: [integer]\n") ==
          "m.yaml:1:9: cast: expected one of integer, bigint, decimal, boolean, date, timestamp, text");
  }
}

TEST_CASE("transform value steps: map") {
  SUBCASE("the bare vocabulary") {
    auto step = make("- map: {新建: new, 处理中: open}\n");
    CHECK(apply_text(*step, "新建") == "new");
    CHECK(apply_text(*step, "处理中") == "open");
    CHECK(apply_text(*step, "已关闭") == "<unmapped_value> map: value not in the map and no 'else'");
    CHECK(apply_text(*step, std::nullopt) == "<NULL>");
    const ValueMapInfo* info = value_map_info(*step);
    REQUIRE(info != nullptr);
    CHECK(info->keys == std::vector<std::string>{"新建", "处理中"});
    CHECK_FALSE(info->has_else);
    CHECK_FALSE(info->ignore_case);
  }
  SUBCASE("case matters by default") {
    auto step = make("- map: {Open: open}\n");
    CHECK(apply_text(*step, "open") == "<unmapped_value> map: value not in the map and no 'else'");
  }
  SUBCASE("the long form") {
    auto step = make("- map: {values: {A: x, b: ~}, else: other, ignore_case: true}\n");
    CHECK(apply_text(*step, "a") == "x");
    CHECK(apply_text(*step, "A") == "x");
    CHECK(apply_text(*step, "B") == "<NULL>");
    CHECK(apply_text(*step, "zz") == "other");
    const ValueMapInfo* info = value_map_info(*step);
    REQUIRE(info != nullptr);
    CHECK(info->keys == std::vector<std::string>{"A", "b"});
    CHECK(info->has_else);
    CHECK(info->ignore_case);
  }
  SUBCASE("else: null") {
    auto step = make("- map: {values: {a: x}, else: ~}\n");
    CHECK(apply_text(*step, "q") == "<NULL>");
    CHECK(value_map_info(*step)->has_else);
  }
  SUBCASE("a bare vocabulary may map the word values") {
    CHECK(apply_text(*make("- map: {values: v, x: y}\n"), "values") == "v");
  }
  SUBCASE("not a map step") { CHECK(value_map_info(*make("- trim\n")) == nullptr); }
  SUBCASE("kinds") {
    auto step = make("- map: {a: b}\n");
    CHECK(kind_text(*step, Kind::kBoolean) == "text");
    CHECK(kind_text(*step, Kind::kJson) == "map cannot take a JSON value");
  }
  SUBCASE("values that are a list") {
    CHECK(build_error("- map: {values: [a, b]}\n") == "m.yaml:1:17: map: 'values' must be a map of scalars");
  }
  SUBCASE("a mapped-to value that is a list") {
    CHECK(build_error("- map: {a: [x]}\n") == "m.yaml:1:12: map: 'values' must be a map of scalars");
  }
  SUBCASE("a key that is a list") {
    CHECK(build_error("- map: {values: {[a]: x}}\n") == "m.yaml:1:18: map: 'values' must be a map of scalars");
  }
  SUBCASE("an unknown argument") {
    CHECK(build_error("- map: {values: {a: x}, els: y}\n") ==
          "m.yaml:1:25: map: unknown argument 'els', did you mean 'else'?");
  }
  SUBCASE("ignore_case not a boolean") {
    CHECK(build_error("- map: {values: {a: x}, ignore_case: maybe}\n") ==
          "m.yaml:1:38: map: 'ignore_case' must be true or false");
  }
  SUBCASE("else a list") {
    CHECK(build_error("- map: {values: {a: x}, else: [y]}\n") ==
          "m.yaml:1:31: map: 'else' must be a single value or null");
  }
  SUBCASE("a value listed twice when case is ignored") {
    CHECK(build_error("- map: {values: {A: x, a: y}, ignore_case: true}\n") ==
          "m.yaml:1:24: map: 'a' is listed twice (ignoring case)");
  }
  SUBCASE("a value listed twice") {
    CHECK(build_error("- map: {a: x, a: y}\n") == "m.yaml:1:15: map: 'a' is listed twice");
  }
  SUBCASE("empty values") {
    CHECK(build_error("- map: {values: {}}\n") == "m.yaml:1:17: map: 'values' must not be empty");
  }
  SUBCASE("missing") {
    CHECK(build_error("- map\n") == "m.yaml:1:3: map: expected a map of values, or {values: …, else: …}");
  }
  SUBCASE("a scalar") {
    CHECK(build_error("- map: open\n") == "m.yaml:1:8: map: expected a map of values, or {values: …, else: …}");
  }
}

TEST_CASE("transform value steps: concat") {
  SUBCASE("a separator, NULLs skipped") {
    auto step = make("- concat: ' '\n");
    CHECK(apply_many(*step, {"张", std::nullopt, "三"}) == "张 三");
    CHECK(apply_many(*step, {std::nullopt, "a"}) == "a");
    CHECK(apply_many(*step, {"", "a"}) == " a");
    CHECK(apply_many(*step, {std::nullopt, std::nullopt}) == "<NULL>");
    CHECK(apply_many(*step, {}) == "<NULL>");
  }
  SUBCASE("no separator") { CHECK(apply_many(*make("- concat\n"), {"a", "b"}) == "ab"); }
  SUBCASE("the map form") { CHECK(apply_many(*make("- concat: {sep: '-'}\n"), {"a", "b"}) == "a-b"); }
  SUBCASE("kinds") { CHECK(kind_text(*make("- concat\n"), Kind::kInteger) == "text"); }
  SUBCASE("an unknown argument") {
    CHECK(build_error("- concat: {sep: '-', x: 1}\n") == "m.yaml:1:22: concat: unknown argument 'x'; known: sep");
  }
  SUBCASE("an empty map") { CHECK(build_error("- concat: {}\n") == "m.yaml:1:11: concat: missing 'sep'"); }
  SUBCASE("a list") {
    CHECK(build_error("- concat: [a]\n") == "m.yaml:1:11: concat: the separator must be a single value");
  }
}

TEST_CASE("transform value steps: template") {
  auto step = make("- template: '{0}-{1}'\n");
  SUBCASE("formats the columns") { CHECK(apply_many(*step, {"a", "b"}) == "a-b"); }
  SUBCASE("a NULL column is empty") { CHECK(apply_many(*step, {"a", std::nullopt}) == "a-"); }
  SUBCASE("all NULL is NULL") { CHECK(apply_many(*step, {std::nullopt, std::nullopt}) == "<NULL>"); }
  SUBCASE("repeated and reordered, braces escaped") {
    CHECK(apply_many(*make("- template: '{{{1}}}/{0}/{1}'\n"), {"a", "b"}) == "{b}/a/b");
  }
  SUBCASE("a column the field does not have") {
    CHECK(apply_many(*step, {"a"}) == "<bad_value> template: {1} names a column the field does not have (it has 1)");
  }
  SUBCASE("unclosed brace") {
    CHECK(build_error("- template: '{0'\n") ==
          "m.yaml:1:13: template: '{' without a matching '}' (write {{ for a brace)");
  }
  SUBCASE("a lone closing brace") {
    CHECK(build_error("- template: 'a}'\n") ==
          "m.yaml:1:13: template: '}' without a matching '{' (write }} for a brace)");
  }
  SUBCASE("not a number") {
    CHECK(build_error("- template: '{x}'\n") == "m.yaml:1:13: template: '{x}' is not a column number such as {0}");
  }
  SUBCASE("no placeholder") {
    CHECK(build_error("- template: abc\n") ==
          "m.yaml:1:13: template: no placeholder such as {0}; a constant is written {value: …}");
  }
  SUBCASE("missing") {
    CHECK(build_error("- template\n") == "m.yaml:1:3: template: expected a format such as \"{0}-{1}\"");
  }
}

TEST_CASE("transform value steps: split") {
  SUBCASE("an index") {
    auto step = make("- split: {sep: ',', index: 1}\n");
    CHECK(apply_text(*step, "a,b,c") == "b");
    CHECK(apply_text(*step, "a,,c") == "");
    CHECK(apply_text(*step, "a") == "<NULL>");
    CHECK(apply_text(*step, std::nullopt) == "<NULL>");
  }
  SUBCASE("a bare separator takes the first part") {
    auto step = make("- split: ','\n");
    CHECK(apply_text(*step, "a,b") == "a");
    CHECK(apply_text(*step, "") == "");
  }
  SUBCASE("a longer separator") { CHECK(apply_text(*make("- split: {sep: '||', index: 2}\n"), "a||b||c|") == "c|"); }
  SUBCASE("kinds") { CHECK(kind_text(*make("- split: ','\n"), Kind::kAny) == "text"); }
  SUBCASE("a negative index") {
    CHECK(build_error("- split: {sep: ',', index: -1}\n") ==
          "m.yaml:1:28: split: 'index' must be a non-negative integer");
  }
  SUBCASE("an index that is not a number") {
    CHECK(build_error("- split: {sep: ',', index: first}\n") ==
          "m.yaml:1:28: split: 'index' must be a non-negative integer");
  }
  SUBCASE("an empty separator") {
    CHECK(build_error("- split: {sep: '', index: 0}\n") == "m.yaml:1:16: split: 'sep' must be a non-empty string");
  }
  SUBCASE("no separator") { CHECK(build_error("- split: {index: 0}\n") == "m.yaml:1:10: split: missing 'sep'"); }
  SUBCASE("an unknown argument") {
    CHECK(build_error("- split: {sep: ',', idx: 0}\n") ==
          "m.yaml:1:21: split: unknown argument 'idx', did you mean 'index'?");
  }
  SUBCASE("missing") {
    CHECK(build_error("- split\n") == "m.yaml:1:3: split: expected {sep: \",\", index: 0} or a separator");
  }
}

TEST_CASE("transform value steps: regex") {
  SUBCASE("the first group by default") {
    auto step = make("- regex: '(\\d+)'\n");
    CHECK(apply_text(*step, "order 123 and 456") == "123");
    CHECK(apply_text(*step, "none") == "<no_match> regex: the pattern does not match");
    CHECK(apply_text(*step, std::nullopt) == "<NULL>");
  }
  SUBCASE("the whole match without groups") { CHECK(apply_text(*make("- regex: 'b+'\n"), "abbbc") == "bbb"); }
  SUBCASE("a group that took no part") {
    auto step = make("- regex: {pattern: '(a)|(b)', group: 2}\n");
    CHECK(apply_text(*step, "a") == "<NULL>");
    CHECK(apply_text(*step, "b") == "b");
  }
  SUBCASE("group 0") { CHECK(apply_text(*make("- regex: {pattern: 'x(\\d)', group: 0}\n"), "ax1") == "x1"); }
  SUBCASE("on_no_match: null") {
    CHECK(apply_text(*make("- regex: {pattern: '\\d+', on_no_match: null}\n"), "abc") == "<NULL>");
  }
  SUBCASE("on_no_match: reject") {
    CHECK(apply_text(*make("- regex: {pattern: '\\d+', on_no_match: reject}\n"), "abc") ==
          "<no_match> regex: the pattern does not match");
  }
  SUBCASE("UTF-8") { CHECK(apply_text(*make("- regex: '(\\p{Han}+)'\n"), "abc张三123") == "张三"); }
  SUBCASE("an invalid pattern") {
    CHECK(build_error("- regex: '(a'\n") == "m.yaml:1:10: regex: invalid pattern: missing ): (a");
  }
  SUBCASE("a group the pattern lacks") {
    CHECK(build_error("- regex: {pattern: '(a)', group: 2}\n") ==
          "m.yaml:1:34: regex: 'group' is 2 but the pattern has 1 group");
  }
  SUBCASE("a group that is not a number") {
    CHECK(build_error("- regex: {pattern: 'a', group: x}\n") ==
          "m.yaml:1:32: regex: 'group' must be a whole number from 0 to 63");
  }
  SUBCASE("a bad on_no_match") {
    CHECK(build_error("- regex: {pattern: 'a', on_no_match: skip}\n") ==
          "m.yaml:1:38: regex: 'on_no_match' must be null or reject");
  }
  SUBCASE("no pattern") { CHECK(build_error("- regex: {group: 1}\n") == "m.yaml:1:10: regex: missing 'pattern'"); }
  SUBCASE("a pattern that is a list") {
    CHECK(build_error("- regex: {pattern: [a]}\n") == "m.yaml:1:20: regex: 'pattern' must be a single value");
  }
  SUBCASE("missing") {
    CHECK(build_error("- regex\n") ==
          "m.yaml:1:3: regex: expected a pattern or {pattern: …, group: 1, on_no_match: null|reject}");
  }
}

TEST_CASE("transform value steps: replace") {
  SUBCASE("every match") {
    CHECK(apply_text(*make("- replace: {pattern: '\\s+', with: ' '}\n"), "a  b\tc") == "a b c");
  }
  SUBCASE("groups in the replacement") {
    CHECK(apply_text(*make("- replace: {pattern: '(\\d{3})\\d{4}(\\d{4})', with: '\\1****\\2'}\n"), "13812345678") ==
          "138****5678");
  }
  SUBCASE("deleting") { CHECK(apply_text(*make("- replace: {pattern: '-', with: ''}\n"), "a-b-c") == "abc"); }
  SUBCASE("NULL") { CHECK(apply_text(*make("- replace: {pattern: a, with: b}\n"), std::nullopt) == "<NULL>"); }
  SUBCASE("no with") {
    CHECK(build_error("- replace: {pattern: 'a'}\n") == "m.yaml:1:12: replace: missing 'with' (\"\" deletes the matches)");
  }
  SUBCASE("a replacement naming a missing group") {
    CHECK(build_error("- replace: {pattern: '(a)', with: '\\2'}\n") ==
          "m.yaml:1:35: replace: invalid 'with': Rewrite schema requests 2 matches, but the regexp only has 1 "
          "parenthesized subexpressions.");
  }
  SUBCASE("an invalid pattern") {
    CHECK(build_error("- replace: {pattern: '[', with: ''}\n") ==
          "m.yaml:1:22: replace: invalid pattern: missing ]: [");
  }
  SUBCASE("a scalar") {
    CHECK(build_error("- replace: 'a'\n") == "m.yaml:1:12: replace: expected {pattern: …, with: …}");
  }
}

}  // namespace csbridge::transform
