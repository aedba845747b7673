#include "mapping/suggest_vocabulary.h"

#include <doctest/doctest.h>

#include <algorithm>

namespace csbridge::mapping::suggest_detail {
namespace {

model::Field enum_field(const std::string& name, std::vector<std::string> values) {
  model::Field f;
  f.name = name;
  f.type = model::FieldType::kEnum;
  f.values = std::move(values);
  return f;
}

bool has(const std::vector<std::string_view>& words, std::string_view w) {
  return std::find(words.begin(), words.end(), w) != words.end();
}

}  // namespace

TEST_CASE("suggest_vocabulary: legacy words of enum values") {
  CHECK(has(words_of("closed"), "已关闭"));
  CHECK(has(words_of("urgent"), "紧急"));
  CHECK(has(words_of("wechat"), "weixin"));
  CHECK(words_of("no_such_value").empty());
}

TEST_CASE("suggest_vocabulary: the fallback of an enum map") {
  CHECK(enum_fallback(enum_field("status", {"new", "open", "closed"})) == "");  // an unknown status is no open one
  CHECK(enum_fallback(enum_field("priority", {"low", "normal", "high"})) == "normal");
  CHECK(enum_fallback(enum_field("channel", {"email", "phone", "other"})) == "other");
  CHECK(enum_fallback(enum_field("kind", {"csat", "nps"})) == "");
}

TEST_CASE("suggest_vocabulary: words inside words") {
  CHECK(is_cjk_word("处理中"));
  CHECK_FALSE(is_cjk_word("open"));
  CHECK_FALSE(is_cjk_word(""));
  CHECK(contains_words({"ticket", "status", "code"}, {"status", "code"}));
  CHECK_FALSE(contains_words({"ticket", "status"}, {"status", "code"}));
  CHECK_FALSE(contains_words({"ticket"}, {}));
}

TEST_CASE("suggest_vocabulary: constants name a value of their field") {
  for (const Constant& k : constants()) {
    CAPTURE(k.entity);
    CAPTURE(k.field);
    CHECK_FALSE(k.value.empty());
    CHECK(k.confidence > 0);
    CHECK(k.confidence < 1);
  }
}

}  // namespace csbridge::mapping::suggest_detail
