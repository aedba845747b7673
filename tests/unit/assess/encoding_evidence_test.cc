#include "assess/encoding_evidence.h"

#include <doctest/doctest.h>

namespace csbridge::assess {
namespace {

EncodingCounts counts_of(std::initializer_list<std::string_view> values) {
  EncodingCounts c;
  for (std::string_view v : values) c.add(classify_encoding(v));
  return c;
}

}  // namespace

TEST_CASE("encoding evidence: one value") {
  CHECK(classify_encoding("plain").encoding == ValueEncoding::kPlain);
  CHECK(classify_encoding("张伟").encoding == ValueEncoding::kPlain);
  CHECK(classify_encoding("café").encoding == ValueEncoding::kPlain);
  CHECK(classify_encoding("å¼\u00A0ä¼Ÿ").encoding == ValueEncoding::kUtf8AsLatin1);
  ValueEvidence gbk_latin1 = classify_encoding("ÕÅÎ°");
  CHECK(gbk_latin1.encoding == ValueEncoding::kGbkAsLatin1);
  CHECK(gbk_latin1.common);
  CHECK(gbk_latin1.ideographs == 2);
  ValueEvidence raw = classify_encoding("\xC5\xB7\xD1\xF4\xC3\xF7");  // 欧阳明
  CHECK(raw.encoding == ValueEncoding::kGbk);
  CHECK(raw.ideographs == 3);
  CHECK(classify_encoding("\x95\x32\x82\x36").four_byte);  // 𠀀
  CHECK(classify_encoding("\xD5\xFF").encoding == ValueEncoding::kUndecodable);
  CHECK_FALSE(classify_encoding("Hélène").common);  // decodes as GBK, but as rare characters
  CHECK(decoded_text("ÕÅÎ°", ValueEncoding::kGbkAsLatin1) == "张伟");
  CHECK(decoded_text("å¼\u00A0ä¼Ÿ", ValueEncoding::kUtf8AsLatin1) == "张伟");
  CHECK(decoded_text("\x95\x32\x82\x36", ValueEncoding::kGbk) == "\U00020000");
}

TEST_CASE("encoding evidence: the verdict is the column's, never one short value's") {
  SUBCASE("GBK read as Latin-1") {
    auto v = decide_encoding(counts_of({"ÕÅÎ°", "Å·ÑôÃ÷", "plain"}));
    REQUIRE(v);
    CHECK(v->encoding == "gbk");
    CHECK(v->values == 2);
    CHECK(v->what == "GBK bytes read as Latin-1");
  }
  SUBCASE("one short GBK-looking value is too little to tell") {
    CHECK_FALSE(decide_encoding(counts_of({"ÕÅ", "plain"})));
  }
  SUBCASE("Latin-1 names that happen to decode as GBK are not GBK") {
    CHECK_FALSE(decide_encoding(counts_of({"Hélène", "Zoë Müller", "Jérôme Dupré", "Ångström"})));
  }
  SUBCASE("GB18030 four-byte characters name GB18030") {
    auto v = decide_encoding(counts_of({"\xD5\xC5\xCE\xB0", "\x95\x32\x82\x36\xC5\xB7\xD1\xF4"}));
    REQUIRE(v);
    CHECK(v->encoding == "gb18030");
    CHECK(v->what == "GB18030 bytes (not UTF-8)");
  }
  SUBCASE("double-encoded UTF-8") {
    auto v = decide_encoding(counts_of({"å¼\u00A0ä¼Ÿ", "plain"}));
    REQUIRE(v);
    CHECK(v->encoding == "utf8_in_latin1");
    CHECK(v->what == "UTF-8 bytes read as Latin-1 (double-encoded)");
  }
  SUBCASE("a column mixing UTF-8 and GBK decodes as GBK, UTF-8 first") {
    auto v = decide_encoding(counts_of({"å¼\u00A0ä¼Ÿ", "ÕÅÎ°", "Å·ÑôÃ÷"}));
    REQUIRE(v);
    CHECK(v->encoding == "gbk");
    CHECK(v->values == 3);
    CHECK(v->what == "UTF-8 and GBK bytes read as Latin-1 mixed (1 UTF-8, 2 GBK)");
  }
}

}  // namespace csbridge::assess
