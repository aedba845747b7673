#include <doctest/doctest.h>

#include <string>

#include "transform/step.h"
#include "transform_test_support.h"

namespace csbridge::transform {
namespace {

using test::apply_text;
using test::build_error;
using test::kind_text;
using test::make;

}  // namespace

TEST_CASE("transform text steps: trim") {
  auto step = make("- trim\n");
  SUBCASE("ASCII whitespace") { CHECK(apply_text(*step, " \t a b \r\n") == "a b"); }
  SUBCASE("ideographic space U+3000") { CHECK(apply_text(*step, "\u3000张三\u3000 ") == "张三"); }
  SUBCASE("inner spaces stay") { CHECK(apply_text(*step, "张\u3000三") == "张\u3000三"); }
  SUBCASE("only spaces") { CHECK(apply_text(*step, " \u3000 ") == ""); }
  SUBCASE("empty") { CHECK(apply_text(*step, "") == ""); }
  SUBCASE("NULL stays NULL") { CHECK(apply_text(*step, std::nullopt) == "<NULL>"); }
  SUBCASE("other multi-byte characters are not spaces") { CHECK(apply_text(*step, "。a。") == "。a。"); }
  SUBCASE("written with an empty value") { CHECK(apply_text(*make("- trim:\n"), " a ") == "a"); }
  SUBCASE("kinds") {
    CHECK(kind_text(*step, Kind::kAny) == "text");
    CHECK(kind_text(*step, Kind::kText) == "text");
    CHECK(kind_text(*step, Kind::kInteger) == "integer");
    CHECK(kind_text(*step, Kind::kTimestamp) == "timestamp");
  }
  SUBCASE("arguments are refused") { CHECK(build_error("- trim: both\n") == "m.yaml:1:9: trim: takes no arguments"); }
}

TEST_CASE("transform text steps: upper and lower") {
  auto upper = make("- upper\n");
  auto lower = make("- lower\n");
  SUBCASE("ASCII") {
    CHECK(apply_text(*upper, "abc-XYZ 09") == "ABC-XYZ 09");
    CHECK(apply_text(*lower, "abc-XYZ 09") == "abc-xyz 09");
  }
  SUBCASE("full-width Latin") {
    CHECK(apply_text(*upper, "ａｂｚ") == "ＡＢＺ");
    CHECK(apply_text(*lower, "ＡＢＺ") == "ａｂｚ");
  }
  SUBCASE("other characters stay") {
    CHECK(apply_text(*upper, "张三é１［｀｛") == "张三é１［｀｛");
    CHECK(apply_text(*lower, "张三É１［｀｛") == "张三É１［｀｛");
  }
  SUBCASE("NULL") { CHECK(apply_text(*upper, std::nullopt) == "<NULL>"); }
  SUBCASE("kinds") {
    CHECK(kind_text(*upper, Kind::kAny) == "text");
    CHECK(kind_text(*lower, Kind::kBoolean) == "text");
    CHECK(kind_text(*upper, Kind::kJson) == "upper cannot take a JSON value");
  }
  SUBCASE("arguments are refused") { CHECK(build_error("- lower: [x]\n") == "m.yaml:1:10: lower: takes no arguments"); }
}

TEST_CASE("transform text steps: normalize") {
  auto step = make("- normalize\n");
  SUBCASE("full-width ASCII becomes ASCII") { CHECK(apply_text(*step, "ＡＢＣ１２３！＠｀～ｚ") == "ABC123!@`~z"); }
  SUBCASE("whitespace runs become one space, ends trimmed") {
    CHECK(apply_text(*step, " a\u3000\u3000b \t\n c\u3000") == "a b c");
  }
  SUBCASE("characters beyond U+FF5E stay") { CHECK(apply_text(*step, "｟。張") == "｟。張"); }
  SUBCASE("NULL") { CHECK(apply_text(*step, std::nullopt) == "<NULL>"); }
  SUBCASE("nfkc is the default") { CHECK(apply_text(*make("- normalize: nfkc\n"), "Ａ\u3000Ｂ") == "A B"); }
  SUBCASE("another form") {
    CHECK(build_error("- normalize: nfc\n") == "m.yaml:1:14: normalize: expected nfkc, got 'nfc'");
  }
  SUBCASE("a list") {
    CHECK(build_error("- normalize: [nfkc]\n") == "m.yaml:1:14: normalize: expected nfkc, got 'a list or map'");
  }
  SUBCASE("kinds") {
    CHECK(kind_text(*step, Kind::kText) == "text");
    CHECK(kind_text(*step, Kind::kJson) == "normalize cannot take a JSON value");
  }
}

TEST_CASE("transform text steps: truncate") {
  auto step = make("- truncate: 3\n");
  SUBCASE("counts characters, not bytes") { CHECK(apply_text(*step, "张三丰李四") == "张三丰"); }
  SUBCASE("ASCII") { CHECK(apply_text(*step, "abcd") == "abc"); }
  SUBCASE("exactly the limit") { CHECK(apply_text(*step, "ab张") == "ab张"); }
  SUBCASE("shorter") { CHECK(apply_text(*step, "ab") == "ab"); }
  SUBCASE("NULL") { CHECK(apply_text(*step, std::nullopt) == "<NULL>"); }
  SUBCASE("zero") {
    CHECK(build_error("- truncate: 0\n") == "m.yaml:1:13: truncate: expected a positive whole number of characters");
  }
  SUBCASE("not a number") {
    CHECK(build_error("- truncate: 3x\n") == "m.yaml:1:13: truncate: expected a positive whole number of characters");
  }
  SUBCASE("missing") {
    CHECK(build_error("- truncate\n") == "m.yaml:1:3: truncate: expected the number of characters to keep");
  }
  SUBCASE("kinds") { CHECK(kind_text(*step, Kind::kJson) == "truncate cannot take a JSON value"); }
}

}  // namespace csbridge::transform
