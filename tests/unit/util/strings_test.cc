#include "util/strings.h"

#include <doctest/doctest.h>

namespace csbridge::util {

TEST_CASE("strings: trim, case and split") {
  CHECK(trim("  a b \t\n") == "a b");
  CHECK(trim("") == "");
  CHECK(to_lower("SeLeCT") == "select");
  CHECK(starts_with_icase("PostgreSQL://x", "postgresql://"));
  CHECK_FALSE(starts_with_icase("pg", "postgresql://"));
  CHECK(ends_with_icase("a.SQLite3", ".sqlite3"));
  CHECK(split("a,,b", ',') == std::vector<std::string_view>{"a", "", "b"});
  CHECK(split("", ',') == std::vector<std::string_view>{""});
  CHECK(join({"a", "b", "c"}, ", ") == "a, b, c");
  CHECK(replace_all("a\"b\"", "\"", "\"\"") == "a\"\"b\"\"");
}

TEST_CASE("strings: JSON strings") {
  std::string out;
  append_json_string(out, std::string_view("a\"b\\c/\b\f\n\r\t\x00\x1f\x7f 客户", 21));
  CHECK(out == "\"a\\\"b\\\\c/\\b\\f\\n\\r\\t\\u0000\\u001f\x7f 客户\"");
  out.clear();
  append_json_string(out, "");
  CHECK(out == "\"\"");
}

// The run of plain bytes is found 16 at a time: every special byte at every place of a long text,
// across the 16-byte steps and in the tail, is where the run ends; bytes from 0x7F up are plain.
TEST_CASE("strings: json_plain_run stops at the first quote, backslash or control character") {
  std::string plain;
  for (int i = 0; i < 40; ++i) plain += static_cast<char>(i % 2 ? 0xE5 : 0x7F);
  plain += "客户 ~ }{";
  CHECK(json_plain_run(plain.data(), plain.size()) == plain.size());
  CHECK(json_plain_run(plain.data(), 0) == 0);
  for (char special : {'"', '\\', '\0', '\n', '\x1f'}) {
    for (size_t at = 0; at < plain.size(); ++at) {
      std::string text = plain;
      text[at] = special;
      REQUIRE(json_plain_run(text.data(), text.size()) == at);
      REQUIRE(json_plain_run(text.data(), at) == at);  // the length bounds the run
    }
  }
  std::string escaped;
  append_json_string(escaped, std::string(37, 'x') + "\"" + std::string(20, 'y') + "\n");
  CHECK(escaped == "\"" + std::string(37, 'x') + "\\\"" + std::string(20, 'y') + "\\n\"");
}

TEST_CASE("strings: did-you-mean suggestions") {
  CHECK(edit_distance("trimm", "trim") == 1);
  CHECK(closest_match("trimm", {"trim", "split", "concat"}) == "trim");
  CHECK(closest_match("sourcse", {"sources", "target"}) == "sources");
  CHECK(closest_match("zzzzzz", {"sources", "target"}).empty());
}

TEST_CASE("strings: doubles print shortest round-trip text") {
  CHECK(format_double(12.5) == "12.5");
  CHECK(format_double(0.1) == "0.1");
  CHECK(format_double(1e21) == "1e+21");
  CHECK(format_double(-3) == "-3");
}

}  // namespace csbridge::util

namespace csbridge::util {

TEST_CASE("strings: utf8_length counts code points") {
  CHECK(utf8_length("") == 0);
  CHECK(utf8_length("abc") == 3);
  CHECK(utf8_length("已关闭") == 3);
  CHECK(utf8_length("a\u00e9\U0001F600") == 3);
  // Counted eight bytes at a time: every prefix of a long mixed text, across the steps and the tail.
  const std::string mixed = "订单 SO2023 没有收到\u00e9\U0001F600 x已关闭~\x7f\u07ff";
  for (size_t end = 0; end <= mixed.size(); ++end) {
    std::string_view prefix(mixed.data(), end);
    size_t starts = 0;
    for (char c : prefix) starts += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    REQUIRE(utf8_length(prefix) == starts);
  }
}

TEST_CASE("strings: display width counts wide characters twice") {
  CHECK(display_width("abc") == 3);
  CHECK(display_width("手机号") == 6);
  CHECK(display_width("a手b") == 4);
  CHECK(display_width("ＡＢ") == 4);  // full-width forms
  CHECK(display_width("café") == 4);
  CHECK(pad_right("手机", 6) == "手机  ");
  CHECK(pad_right("toolong", 3) == "toolong");
}

}  // namespace csbridge::util
