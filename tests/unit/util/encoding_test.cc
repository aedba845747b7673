#include "util/encoding.h"

#include <doctest/doctest.h>

namespace csbridge::util {

TEST_CASE("encoding: names") {
  CHECK(*parse_encoding("GBK") == Encoding::kGbk);
  CHECK(*parse_encoding("cp936") == Encoding::kGbk);
  CHECK(*parse_encoding("gb18030") == Encoding::kGb18030);
  CHECK(*parse_encoding("UTF8") == Encoding::kUtf8);
  auto bad = parse_encoding("klingon");
  REQUIRE_FALSE(bad.is_ok());
  CHECK(bad.status().message() == "unknown encoding 'klingon'; known: utf-8, gbk, gb2312, gb18030, big5, latin1, utf8_in_latin1");
}

TEST_CASE("encoding: strict UTF-8 validation") {
  CHECK(find_invalid_utf8("工单 ok") == std::string_view::npos);
  CHECK(find_invalid_utf8("ab\xC0\xAF") == 2);        // overlong
  CHECK(find_invalid_utf8("\xED\xA0\x80") == 0);      // surrogate
  CHECK(find_invalid_utf8("abcdefghijklmnopq\xFF") == 17);  // past the eight-byte ASCII steps
  CHECK(find_invalid_utf8("abcdefgh\xE5\xB7") == 8);       // a cut-off three-byte sequence
  CHECK(find_invalid_utf8("工单工单工单\xE5\xB7\xA5x\xBF") == 22);
  CHECK(find_invalid_utf8("x\xE5\xB7") == 1);         // truncated
  CHECK(find_invalid_utf8(std::string_view("a\0b", 3)) == std::string_view::npos);  // NUL is valid UTF-8
}

TEST_CASE("encoding: GBK and GB18030 decode to UTF-8") {
  const std::string gbk_zhangsan = "\xD5\xC5\xC8\xFD";  // 张三
  CHECK(*to_utf8(gbk_zhangsan, Encoding::kGbk) == "张三");
  CHECK(*to_utf8(gbk_zhangsan, Encoding::kGb18030) == "张三");
  CHECK(*to_utf8("plain ascii", Encoding::kGbk) == "plain ascii");
  CHECK(*to_utf8("caf\xE9", Encoding::kLatin1) == "café");
  CHECK(*to_utf8("\xA4\xA4\xA4\xE5", Encoding::kBig5) == "中文");
}

TEST_CASE("encoding: undecodable bytes are an error naming the offset, never '?'") {
  SUBCASE("GBK lead byte without its trail byte at the end") {
    auto r = to_utf8("ab\xD5", Encoding::kGbk);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == ErrorCode::kData);
    CHECK(r.status().message() == "truncated GBK bytes at offset 2 (D5)");
  }
  SUBCASE("GBK bytes read as UTF-8") {
    auto r = to_utf8("id:\xD5\xC5\xC8\xFD", Encoding::kUtf8);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message() == "invalid UTF-8 at offset 3 (D5 C5 C8 FD)");
  }
  SUBCASE("invalid GBK pair") {
    auto r = to_utf8("\x81\x20", Encoding::kGbk);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message() == "undecodable GBK bytes at offset 0 (81 20)");
  }
}

TEST_CASE("encoding: decode_text keeps valid UTF-8 and decodes the declared encoding otherwise") {
  CHECK(*decode_text("张三", Encoding::kGbk) == "张三");
  CHECK(*decode_text("\xD5\xC5\xC8\xFD", Encoding::kGbk) == "张三");
  CHECK_FALSE(decode_text("\xD5\xC5\xC8\xFD", Encoding::kUtf8).is_ok());
}

TEST_CASE("encoding: GB18030 four-byte characters decode, GBK names decode as GB18030") {
  CHECK(*decode_text("\x95\x32\x82\x36", Encoding::kGbk) == "\U00020000");  // 𠀀
  CHECK(*decode_text("\xC5\xB7\xD1\xF4\xC3\xF7", Encoding::kGb18030) == "欧阳明");
}

TEST_CASE("encoding: undo_latin1 gives back the bytes a Latin-1 reading turned into text") {
  std::string bytes;
  REQUIRE(undo_latin1("ÕÅÎ°", bytes));
  CHECK(bytes == "\xD5\xC5\xCE\xB0");
  REQUIRE(undo_latin1("å¼\u00A0ä¼Ÿ", bytes));  // Ÿ is Windows-1252's 0x9F, as MySQL's latin1 reads it
  CHECK(bytes == "张伟");
  REQUIRE(undo_latin1("a\u0081b", bytes));  // unassigned in Windows-1252: stands for itself
  CHECK(bytes == "a\x81" "b");
  CHECK_FALSE(undo_latin1("张伟", bytes));
  CHECK_FALSE(undo_latin1("\U00020000", bytes));
}

TEST_CASE("encoding: utf8_in_latin1 repairs double-encoded UTF-8 and keeps the rest") {
  CHECK(parse_encoding("utf8_in_latin1").value() == Encoding::kUtf8InLatin1);
  CHECK(*decode_text("å¼\u00A0ä¼Ÿ", Encoding::kUtf8InLatin1) == "张伟");
  CHECK(*decode_text("张伟", Encoding::kUtf8InLatin1) == "张伟");        // bytes stored: already UTF-8
  CHECK(*decode_text("café", Encoding::kUtf8InLatin1) == "café");        // no UTF-8 under it
  CHECK(*decode_text("caf\xE9", Encoding::kUtf8InLatin1) == "café");    // not UTF-8: Latin-1
  CHECK(*decode_text("plain", Encoding::kUtf8InLatin1) == "plain");
  CHECK(*to_utf8("å¼\u00A0ä¼Ÿ", Encoding::kUtf8InLatin1) == "张伟");
}

// Issue 18: messages that quote input must stay UTF-8 (the JSON writer refuses anything else).
TEST_CASE("encoding: escape_invalid_utf8 writes the bytes that are not UTF-8 as \\xNN") {
  CHECK(escape_invalid_utf8("张伟 ok") == "张伟 ok");
  CHECK(escape_invalid_utf8("a\xD5\xC5z") == "a\\xD5\\xC5z");
  CHECK(escape_invalid_utf8("\xE5\xBC") == "\\xE5\\xBC");  // a truncated sequence
  CHECK(escape_invalid_utf8("\xED\xA0\x80") == "\\xED\\xA0\\x80");  // a surrogate
  CHECK(escape_invalid_utf8("") == "");
  CHECK(hex_bytes("a\xD5\xC5", 1, 4) == "D5 C5");
}

}  // namespace csbridge::util
