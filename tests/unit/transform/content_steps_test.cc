#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "model/cs_model.h"
#include "transform/step.h"
#include "transform_test_support.h"

namespace csbridge::transform {
namespace {

using test::apply_text;
using test::build_error;
using test::kind_text;
using test::make;

// The value of a many-input step (coalesce, decode without an argument) over `inputs`.
std::string apply_many(const Step& step, std::vector<Value> inputs) {
  StepResult r = step.apply(inputs, Context{});
  if (!r.ok()) return "<" + r.error().code + "> " + r.error().message;
  return r.value() ? *r.value() : "<NULL>";
}

constexpr const char* kNotBase64 = "<bad_value> decode: not valid base64";
constexpr const char* kNotQuotedPrintable = "<bad_value> decode: not valid quoted-printable";
constexpr const char* kBadCheck = "<bad_value> id_check: check character does not match";
constexpr const char* kNotId = "<bad_value> id_check: not an 18-character resident ID";

}  // namespace

TEST_CASE("transform content steps: the names are known") {
  const std::vector<std::string>& names = step_names();
  for (const char* name : {"coalesce", "decode", "html_to_text", "size", "sha256", "id_check"}) {
    CAPTURE(name);
    CHECK(std::find(names.begin(), names.end(), name) != names.end());
    CHECK(make(std::string("- ") + name + "\n")->name() == name);
  }
  CHECK(build_error("- sha265\n") == "m.yaml:1:3: unknown step 'sha265', did you mean 'sha256'?");
  CHECK(build_error("- html_to_txt\n") == "m.yaml:1:3: unknown step 'html_to_txt', did you mean 'html_to_text'?");
}

TEST_CASE("transform content steps: coalesce") {
  auto step = make("- coalesce\n");
  CHECK(step->arity() == -1);
  SUBCASE("the first value that is neither NULL nor empty") {
    CHECK(apply_many(*step, {std::nullopt, "", "b", "c"}) == "b");
    CHECK(apply_many(*step, {"a", "b"}) == "a");
    CHECK(apply_many(*step, {"", "张三"}) == "张三");
  }
  SUBCASE("a space is a value") { CHECK(apply_many(*step, {"", " ", "b"}) == " "); }
  SUBCASE("all NULL or empty is NULL") {
    CHECK(apply_many(*step, {std::nullopt, ""}) == "<NULL>");
    CHECK(apply_many(*step, {std::nullopt}) == "<NULL>");
    CHECK(apply_many(*step, {""}) == "<NULL>");
  }
  SUBCASE("one column") { CHECK(apply_text(*step, "x") == "x"); }
  SUBCASE("kinds pass through") {
    CHECK(kind_text(*step, Kind::kAny) == "any");
    CHECK(kind_text(*step, Kind::kDate) == "date");
  }
  SUBCASE("arguments are refused") {
    CHECK(build_error("- coalesce: ', '\n") == "m.yaml:1:13: coalesce: takes no arguments");
    CHECK(build_error("- coalesce: {sep: x}\n") == "m.yaml:1:13: coalesce: takes no arguments");
  }
}

TEST_CASE("transform content steps: decode base64") {
  auto step = make("- decode: base64\n");
  CHECK(step->arity() == 1);
  SUBCASE("UTF-8 text") { CHECK(apply_text(*step, "5oKo5aW977yM5bel5Y2V5bey5Y+X55CG44CC") == "您好，工单已受理。"); }
  SUBCASE("MIME line breaks and other whitespace are skipped") {
    CHECK(apply_text(*step, "5oKo5aW977yM5bel\r\n5Y2V5bey5Y+X\n55CG 44CC\t") == "您好，工单已受理。");
  }
  SUBCASE("padding may be left out") {
    CHECK(apply_text(*step, "aGVsbG8=") == "hello");
    CHECK(apply_text(*step, "aGVsbG8") == "hello");
    CHECK(apply_text(*step, "aGVsbA==") == "hell");
    CHECK(apply_text(*step, "aGVsbA") == "hell");
    CHECK(apply_text(*step, "aGVsbA=") == "hell");
  }
  SUBCASE("binary content") { CHECK(apply_text(*step, "/wD+") == std::string("\xFF\x00\xFE", 3)); }
  SUBCASE("NULL and empty") {
    CHECK(apply_text(*step, std::nullopt) == "<NULL>");
    CHECK(apply_text(*step, "") == "");
    CHECK(apply_text(*step, "\r\n") == "");
  }
  SUBCASE("not base64") {
    CHECK(apply_text(*step, "aGVs*bG8=") == kNotBase64);
    CHECK(apply_text(*step, "aGVsbG8-") == kNotBase64);  // the URL-safe alphabet is not MIME's
    CHECK(apply_text(*step, "您好") == kNotBase64);
    CHECK(apply_text(*step, "aGVsb") == kNotBase64);       // 5 characters: a dangling 6 bits
    CHECK(apply_text(*step, "aGVsbG8=aGVs") == kNotBase64);  // data after padding
    CHECK(apply_text(*step, "aGVsbA===") == kNotBase64);     // too much padding
    CHECK(apply_text(*step, "aGVs=") == kNotBase64);         // padding a whole quantum
    CHECK(apply_text(*step, "=") == kNotBase64);
  }
  SUBCASE("the name ignores case") { CHECK(apply_text(*make("- decode: Base64\n"), "aGVsbG8=") == "hello"); }
  SUBCASE("kinds") {
    CHECK(kind_text(*step, Kind::kAny) == "text");
    CHECK(kind_text(*step, Kind::kText) == "text");
  }
}

TEST_CASE("transform content steps: decode quoted-printable") {
  auto step = make("- decode: quoted-printable\n");
  SUBCASE("UTF-8 text") {
    CHECK(apply_text(*step, "=E6=82=A8=E5=A5=BD=EF=BC=8C=E4=B8=96=E7=95=8C =3D ok") == "您好，世界 = ok");
  }
  SUBCASE("hex in either case") { CHECK(apply_text(*step, "=e6=82=a8") == "您"); }
  SUBCASE("soft line breaks go, hard ones stay") {
    CHECK(apply_text(*step, "long li=\r\nne=\nend\r\nnext") == "long lineend\r\nnext");
    CHECK(apply_text(*step, "a= \t\r\nb") == "ab");  // blanks after the '=' are transport padding
    CHECK(apply_text(*step, "the end=") == "the end");
  }
  SUBCASE("blanks before a line break go") {
    CHECK(apply_text(*step, "a  \r\nb \t\nc d  ") == "a\r\nb\nc d");
  }
  SUBCASE("binary content") { CHECK(apply_text(*step, "=FF=00x") == std::string("\xFF\x00x", 3)); }
  SUBCASE("NULL and empty") {
    CHECK(apply_text(*step, std::nullopt) == "<NULL>");
    CHECK(apply_text(*step, "") == "");
  }
  SUBCASE("not quoted-printable") {
    CHECK(apply_text(*step, "a=G1") == kNotQuotedPrintable);
    CHECK(apply_text(*step, "a=4") == kNotQuotedPrintable);
    CHECK(apply_text(*step, "a = b") == kNotQuotedPrintable);
    CHECK(apply_text(*step, "=\rx") == kNotQuotedPrintable);
  }
}

TEST_CASE("transform content steps: decode with the encoding in a column") {
  auto step = make("- decode\n");
  CHECK(step->arity() == -1);
  SUBCASE("each row names its encoding") {
    CHECK(apply_many(*step, {"5oKo5aW9", "base64"}) == "您好");
    CHECK(apply_many(*step, {"5oKo5aW9", " BASE64 "}) == "您好");
    CHECK(apply_many(*step, {"=E6=82=A8=E5=A5=BD", "Quoted-Printable"}) == "您好");
  }
  SUBCASE("content stored as it is") {
    for (Value encoding : std::vector<Value>{std::nullopt, "", "none", "7bit", "8bit", "Binary"}) {
      std::string shown = encoding.value_or("<NULL>");
      CAPTURE(shown);
      CHECK(apply_many(*step, {"a=G1 您好", encoding}) == "a=G1 您好");
    }
  }
  SUBCASE("NULL content") {
    CHECK(apply_many(*step, {std::nullopt, "base64"}) == "<NULL>");
    CHECK(apply_many(*step, {std::nullopt, "x-unknown"}) == "<NULL>");
  }
  SUBCASE("bad content") { CHECK(apply_many(*step, {"***", "base64"}) == kNotBase64); }
  SUBCASE("an unknown encoding is named, cut short and in printable ASCII") {
    CHECK(apply_many(*step, {"abc", "x-uuencode"}) ==
          "<bad_value> decode: unknown content encoding 'x-uuencode' (known: base64, quoted-printable, 7bit, 8bit, "
          "binary, none)");
    CHECK(apply_many(*step, {"abc", "编码\nx"}) ==
          "<bad_value> decode: unknown content encoding '???????x' (known: base64, quoted-printable, 7bit, 8bit, "
          "binary, none)");
    CHECK(apply_many(*step, {"abc", std::string(50, 'q')}) ==
          "<bad_value> decode: unknown content encoding '" + std::string(40, 'q') +
              "...' (known: base64, quoted-printable, 7bit, 8bit, binary, none)");
  }
  SUBCASE("not two columns") {
    const char* kMessage =
        "<bad_value> decode: without an argument it reads two columns, the content and its encoding (the field has "
        "1); for one column name the encoding (decode: base64)";
    CHECK(apply_text(*step, "aGVsbG8=") == kMessage);
    CHECK(apply_many(*step, {"a", "base64", "x"}).find("(the field has 3)") != std::string::npos);
  }
  SUBCASE("written with an empty value") { CHECK(make("- decode:\n")->arity() == -1); }
}

TEST_CASE("transform content steps: decode arguments") {
  SUBCASE("none leaves the value") {
    auto step = make("- decode: none\n");
    CHECK(step->arity() == 1);
    CHECK(apply_text(*step, "=G1") == "=G1");
  }
  SUBCASE("a misspelt encoding") {
    CHECK(build_error("- decode: base46\n") == "m.yaml:1:11: decode: unknown encoding 'base46', did you mean 'base64'?");
    CHECK(build_error("- decode: quoted_printable\n") ==
          "m.yaml:1:11: decode: unknown encoding 'quoted_printable', did you mean 'quoted-printable'?");
  }
  SUBCASE("another encoding") {
    CHECK(build_error("- decode: uuencode\n") ==
          "m.yaml:1:11: decode: expected base64, quoted-printable or none (without an argument the encoding is read "
          "from the field's second column), got 'uuencode'");
  }
  SUBCASE("a list or a map") {
    const std::string kExpected =
        ": decode: expected base64, quoted-printable or none (without an argument the encoding is read from the "
        "field's second column)";
    CHECK(build_error("- decode: [base64]\n") == "m.yaml:1:11" + kExpected);
    CHECK(build_error("- decode: {by_column: true}\n") == "m.yaml:1:11" + kExpected);
  }
}

TEST_CASE("transform content steps: html_to_text") {
  auto step = make("- html_to_text\n");
  SUBCASE("tags go, line-ending tags make lines") {
    CHECK(apply_text(*step, "<p>您好，<b>王先生</b>：</p><p>工单已受理。<br>谢谢</p>") ==
          "您好，王先生：\n\n工单已受理。\n谢谢");
    CHECK(apply_text(*step, "<div>第一行</div><div>第二行</div>") == "第一行\n第二行");
    CHECK(apply_text(*step, "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>") == "a b\nc");
    CHECK(apply_text(*step, "<h1>标题</h1>正文") == "标题\n\n正文");
    CHECK(apply_text(*step, "a<br/>b<BR >c") == "a\nb\nc");
  }
  SUBCASE("list items") {
    CHECK(apply_text(*step, "步骤：<ul><li>重启</li><li>重试</li></ul>完成") == "步骤：\n- 重启\n- 重试\n完成");
  }
  SUBCASE("script, style and title go with their content; comments go") {
    CHECK(apply_text(*step,
                     "<html><head><title>t</title><style>p {color: red}</style></head>"
                     "<body><!-- note <b>x</b> -->A<script type=\"text/javascript\">if (a < b) alert('</p>');"
                     "</SCRIPT >B</body></html>") == "AB");
    CHECK(apply_text(*step, "<!DOCTYPE html><?xml version=\"1.0\"?>x") == "x");
  }
  SUBCASE("an unclosed script drops the rest") { CHECK(apply_text(*step, "a<script>b") == "a"); }
  SUBCASE("a '>' inside a quoted attribute does not end the tag") {
    CHECK(apply_text(*step, "<a title=\"a > b\" href='x>y'>link</a>") == "link");
  }
  SUBCASE("entities") {
    CHECK(apply_text(*step, "&lt;tag&gt; &amp; &quot;q&quot; &#39;s&apos;") == "<tag> & \"q\" 's'");
    CHECK(apply_text(*step, "&#20320;&#x597D;&#X4E16;") == "你好世");
    CHECK(apply_text(*step, "&ldquo;好&rdquo;&hellip;") == "“好”…");
    CHECK(apply_text(*step, "a&nbsp;&nbsp;b") == "a b");
  }
  SUBCASE("unknown or broken references are kept as written") {
    CHECK(apply_text(*step, "&foo; &amp &#; &#xZZ; AT&T") == "&foo; &amp &#; &#xZZ; AT&T");
    CHECK(apply_text(*step, "&#0;&#xD800;&#99999999999;") == "\uFFFD\uFFFD\uFFFD");
  }
  SUBCASE("a '<' that starts no tag is text") {
    CHECK(apply_text(*step, "1 < 2 <= 3 <张三>") == "1 < 2 <= 3 <张三>");
  }
  SUBCASE("whitespace collapses and lines are trimmed") {
    CHECK(apply_text(*step, "  a \t b\r\n  c  <br>  d  ") == "a b c\nd");
    CHECK(apply_text(*step, "<p>  x  </p>") == "x");
    CHECK(apply_text(*step, "a\xC2\xA0\xC2\xA0 b") == "a b");
  }
  SUBCASE("at most one blank line") {
    CHECK(apply_text(*step, "a<br><br><br><br>b") == "a\n\nb");
    CHECK(apply_text(*step, "<p>a</p><p></p><p>&nbsp;</p><p>b</p>") == "a\n\nb");
  }
  SUBCASE("pre keeps its whitespace") {
    CHECK(apply_text(*step, "x<pre>  a  b\n    c\n</pre>y") == "x\n  a  b\n    c\ny");
  }
  SUBCASE("Chinese text and full-width spaces pass through") {
    CHECK(apply_text(*step, "<span>客户反馈：\u3000无法登录</span>") == "客户反馈：\u3000无法登录");
  }
  SUBCASE("an unclosed tag or comment drops the rest") {
    CHECK(apply_text(*step, "a<b c=\"d") == "a");
    CHECK(apply_text(*step, "a<!-- b") == "a");
  }
  SUBCASE("plain text stays") { CHECK(apply_text(*step, "已处理") == "已处理"); }
  SUBCASE("NULL and empty") {
    CHECK(apply_text(*step, std::nullopt) == "<NULL>");
    CHECK(apply_text(*step, "") == "");
    CHECK(apply_text(*step, "<br><p> </p>") == "");
  }
  SUBCASE("time is linear: many open tags, quotes and references") {
    std::string html;
    for (int i = 0; i < 100000; ++i) html += "<a x='&#";
    CHECK(apply_text(*step, html) == "");
    std::string text(200000, '&');
    CHECK(apply_text(*step, text) == text);
  }
  SUBCASE("kinds") {
    CHECK(kind_text(*step, Kind::kText) == "text");
    CHECK(kind_text(*step, Kind::kJson) == "html_to_text cannot take a JSON value");
  }
  SUBCASE("arguments are refused") {
    CHECK(build_error("- html_to_text: {keep_links: true}\n") == "m.yaml:1:17: html_to_text: takes no arguments");
  }
}

TEST_CASE("transform content steps: size") {
  auto step = make("- size\n");
  CHECK(apply_text(*step, "abc") == "3");
  CHECK(apply_text(*step, "您好") == "6");  // bytes, not characters
  CHECK(apply_text(*step, std::string("\xFF\x00\xFE", 3)) == "3");
  CHECK(apply_text(*step, "") == "0");
  CHECK(apply_text(*step, std::nullopt) == "<NULL>");
  CHECK(kind_text(*step, Kind::kText) == "integer");
  CHECK(build_error("- size: bytes\n") == "m.yaml:1:9: size: takes no arguments");
}

TEST_CASE("transform content steps: sha256") {
  auto step = make("- sha256\n");
  CHECK(apply_text(*step, "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(apply_text(*step, "您好") == "609bc0751d56eb467961e2bc6f798f7d44627696248e52315e1d6d091bdf502a");
  CHECK(apply_text(*step, std::string("\xFF\x00\xFE", 3)) ==
        "af9ceddc9d8b08ac09e1994bfd20459b5e377425df7354dfce3501992828a5b7");
  CHECK(apply_text(*step, "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(apply_text(*step, std::nullopt) == "<NULL>");
  CHECK(kind_text(*step, Kind::kInteger) == "text");
  CHECK(build_error("- sha256: hex\n") == "m.yaml:1:11: sha256: takes no arguments");
}

TEST_CASE("transform content steps: decode, then size and sha256 read the bytes") {
  auto decode = make("- decode: base64\n");
  StepResult bytes = test::run(*decode, std::string("/wD+"));
  REQUIRE(bytes.ok());
  CHECK(apply_text(*make("- size\n"), bytes.value()) == "3");
  CHECK(apply_text(*make("- sha256\n"), bytes.value()) ==
        "af9ceddc9d8b08ac09e1994bfd20459b5e377425df7354dfce3501992828a5b7");
}

TEST_CASE("transform content steps: id_check") {
  auto step = make("- id_check\n");
  CHECK(step->reads_pii() == model::PiiClass::kNationalId);
  SUBCASE("valid numbers") {
    CHECK(apply_text(*step, "440304199001011233") == "440304199001011233");
    CHECK(apply_text(*step, "11010519491231002X") == "11010519491231002X");
  }
  SUBCASE("trimmed, a lowercase x upper-cased") {
    CHECK(apply_text(*step, " 11010519491231002x\t") == "11010519491231002X");
  }
  SUBCASE("the check character does not match") {
    CHECK(apply_text(*step, "440304199001011234") == kBadCheck);
    CHECK(apply_text(*step, "110105194912310021") == kBadCheck);
    CHECK(apply_text(*step, "44030419900101123X") == kBadCheck);
  }
  SUBCASE("not an ID") {
    CHECK(apply_text(*step, "44030419901301123X") == kNotId);  // month 13
    CHECK(apply_text(*step, "940304199001011233") == kNotId);  // no region starts with 9
    CHECK(apply_text(*step, "4403041990010112334") == kNotId);
    CHECK(apply_text(*step, "4403 0419 9001 0112 33") == kNotId);
    CHECK(apply_text(*step, "４４０３０４１９９００１０１１２３３") == kNotId);  // full-width digits
    CHECK(apply_text(*step, "身份证号") == kNotId);
    CHECK(apply_text(*step, "n/a") == kNotId);
  }
  SUBCASE("the 15-digit form") {
    CHECK(apply_text(*step, "110105491231002") ==
          "<bad_value> id_check: a 15-digit ID of before 1999 ({accept_15: true} lets it pass)");
    auto legacy = make("- id_check: {accept_15: true}\n");
    CHECK(apply_text(*legacy, " 110105491231002 ") == "110105491231002");
    CHECK(apply_text(*legacy, "11010519491231002x") == "11010519491231002X");
    CHECK(apply_text(*legacy, "110105491331002") == kNotId);
    CHECK(apply_text(*make("- id_check: {accept_15: false}\n"), "110105491231002") != "110105491231002");
  }
  SUBCASE("NULL and empty are NULL") {
    CHECK(apply_text(*step, std::nullopt) == "<NULL>");
    CHECK(apply_text(*step, "") == "<NULL>");
    CHECK(apply_text(*step, "  ") == "<NULL>");
  }
  SUBCASE("kinds") {
    CHECK(kind_text(*step, Kind::kAny) == "text");
    CHECK(kind_text(*step, Kind::kInteger) == "text");
    CHECK(kind_text(*step, Kind::kDate) == "id_check cannot take a date");
  }
  SUBCASE("an unknown argument") {
    CHECK(build_error("- id_check: {accept15: true}\n") ==
          "m.yaml:1:14: id_check: unknown argument 'accept15', did you mean 'accept_15'?");
  }
  SUBCASE("accept_15 not a boolean") {
    CHECK(build_error("- id_check: {accept_15: maybe}\n") == "m.yaml:1:25: id_check: 'accept_15' must be true or false");
    CHECK(build_error("- id_check: {accept_15: [true]}\n") ==
          "m.yaml:1:25: id_check: 'accept_15' must be true or false");
  }
  SUBCASE("a scalar") {
    CHECK(build_error("- id_check: strict\n") == "m.yaml:1:13: id_check: expected no argument or {accept_15: true}");
  }
}

// That their failure messages never hold the value is checked with the other steps' (step_test.cc).

}  // namespace csbridge::transform
