#include <doctest/doctest.h>

#include <string>

#include "pii/detect.h"
#include "pii/mask.h"
#include "transform/step.h"
#include "transform_test_support.h"

namespace csbridge::transform {
namespace {

using test::apply_text;
using test::build_error;
using test::kind_text;
using test::make;

constexpr const char* kNotPhone = "<bad_value> phone: not a mainland mobile or landline number";

Context field(const char* context, const char* key = "k", const char* pii = "") {
  Context c;
  c.field_context = context;
  c.hmac_key = key;
  c.pii_class = pii;
  return c;
}

}  // namespace

// Issue 12 item 1: every form the phone step writes must be known to lib/pii,
// or the masks and the pii check let it through (+8675523359790 did).
TEST_CASE("transform pii steps: every form the phone step writes is detected and masked by lib/pii") {
  auto step = make("- phone\n");
  pii::Detector detector;
  struct Case {
    const char* input;
    const char* output;
    const char* masked;
  };
  const Case cases[] = {
      {"13812341234", "+8613812341234", "138****1234"},
      {"0755-23359790", "+8675523359790", "0755-********"},
      {"010-12345678", "+861012345678", "010-********"},
      {"0531-7771414", "+865317771414", "0531-*******"},
      {"0755-8879981-832", "+867558879981;ext=832", "0755-*******-***"},
      {"021 1234 5678转123", "+862112345678;ext=123", "021-********-***"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.input);
    std::string out = apply_text(*step, c.input);
    REQUIRE(out == c.output);
    CHECK(model::pii_class_name(detector.classify(out).pii) == std::string("phone"));
    std::string text = "电话 " + out + " 找王经理";
    auto found = detector.scan(text);
    REQUIRE(found.size() == 1);
    CHECK(text.substr(found[0].offset, found[0].length) == out);
    CHECK(pii::mask_phone(out) == c.masked);
    CHECK(pii::mask_phone(c.masked) == c.masked);
    CHECK(pii::mask_free_text(detector, text) == "电话 " + std::string(c.masked) + " 找王经理");
  }
}

TEST_CASE("transform pii steps: phone") {
  auto step = make("- phone\n");
  SUBCASE("mobiles") {
    CHECK(apply_text(*step, "13812341234") == "+8613812341234");
    CHECK(apply_text(*step, "+86 138-1234-1234") == "+8613812341234");
    CHECK(apply_text(*step, "0086 138 1234 1234") == "+8613812341234");
    CHECK(apply_text(*step, " 86 13143801303 ") == "+8613143801303");
  }
  SUBCASE("landlines drop the trunk 0") {
    CHECK(apply_text(*step, "010-12345678") == "+861012345678");
    CHECK(apply_text(*step, "(0571)88886666") == "+8657188886666");
    CHECK(apply_text(*step, "0531-7771414") == "+865317771414");
  }
  SUBCASE("an extension is kept") {
    CHECK(apply_text(*step, "0755-8879981-832") == "+867558879981;ext=832");
    CHECK(apply_text(*step, "021 1234 5678转123") == "+862112345678;ext=123");
  }
  SUBCASE("its own output reads back the same") {
    for (const char* v : {"+8613812341234", "+861012345678", "+867558879981;ext=832"}) {
      CAPTURE(v);
      CHECK(apply_text(*step, v) == v);
    }
  }
  SUBCASE("not a mainland number") {
    CHECK(apply_text(*step, "12977704264") == kNotPhone);  // unallocated prefix
    CHECK(apply_text(*step, "1381234123") == kNotPhone);   // 10 digits
    CHECK(apply_text(*step, "400-123-4567") == kNotPhone);
    CHECK(apply_text(*step, "+1 212 555 0100") == kNotPhone);
    CHECK(apply_text(*step, "n/a") == kNotPhone);
  }
  SUBCASE("NULL and empty are NULL") {
    CHECK(apply_text(*step, std::nullopt) == "<NULL>");
    CHECK(apply_text(*step, " ") == "<NULL>");
  }
  SUBCASE("the argument forms") {
    CHECK(apply_text(*make("- phone: e164\n"), "13812341234") == "+8613812341234");
    CHECK(apply_text(*make("- phone: {region: CN}\n"), "13812341234") == "+8613812341234");
  }
  SUBCASE("kinds") {
    CHECK(kind_text(*step, Kind::kInteger) == "text");
    CHECK(kind_text(*step, Kind::kAny) == "text");
    CHECK(kind_text(*step, Kind::kDate) == "phone cannot take a date");
  }
  SUBCASE("another region") {
    CHECK(build_error("- phone: {region: US}\n") == "m.yaml:1:19: phone: only region CN is supported, got 'US'");
  }
  SUBCASE("no region") { CHECK(build_error("- phone: {}\n") == "m.yaml:1:10: phone: missing 'region'"); }
  SUBCASE("another format") {
    CHECK(build_error("- phone: e123\n") == "m.yaml:1:10: phone: expected e164 or {region: CN}");
  }
  SUBCASE("an unknown argument") {
    CHECK(build_error("- phone: {regoin: CN}\n") ==
          "m.yaml:1:11: phone: unknown argument 'regoin', did you mean 'region'?");
  }
}

TEST_CASE("transform pii steps: mask") {
  SUBCASE("the step's class") {
    auto step = make("- mask: phone\n");
    CHECK(apply_text(*step, "13812341234") == "138****1234");
    CHECK(apply_text(*step, "138****1234") == "138****1234");  // masking twice equals masking once
    CHECK(apply_text(*step, "13812341234", field("c", "k", "email")) == "138****1234");
    CHECK(apply_text(*step, std::nullopt) == "<NULL>");
  }
  SUBCASE("the field's class") {
    auto step = make("- mask\n");
    CHECK(apply_text(*step, "zhangsan@163.com", field("c", "k", "email")) == "z***@163.com");
    CHECK(apply_text(*step, "张小三", field("c", "k", "name")) == "张*三");
    CHECK(apply_text(*step, "13812341234", field("c", "k", "none")) == "13812341234");
  }
  SUBCASE("free text") {
    CHECK(apply_text(*make("- mask: free_text\n"), "请回电 13812341234 谢谢") == "请回电 138****1234 谢谢");
  }
  SUBCASE("none leaves the value") { CHECK(apply_text(*make("- mask: none\n"), "13812341234") == "13812341234"); }
  SUBCASE("a field without a class") {
    CHECK(apply_text(*make("- mask\n"), "13812341234") ==
          "<bad_value> mask: the field has no PII class: name one as the step's argument");
  }
  SUBCASE("a field with an unknown class") {
    CHECK(apply_text(*make("- mask\n"), "x", field("c", "k", "phon")) ==
          "<bad_value> mask: unknown PII class 'phon', did you mean 'phone'? (valid PII classes: none, name, phone, "
          "national_id, email, bank_card, address, free_text)");
  }
  SUBCASE("kinds") { CHECK(kind_text(*make("- mask\n"), Kind::kInteger) == "text"); }
  SUBCASE("an unknown class") {
    CHECK(build_error("- mask: phon\n") ==
          "m.yaml:1:9: mask: unknown PII class 'phon', did you mean 'phone'? (valid PII classes: none, name, phone, "
          "national_id, email, bank_card, address, free_text)");
  }
  SUBCASE("a list") { CHECK(build_error("- mask: [phone]\n") == "m.yaml:1:9: mask: expected a PII class"); }
}

TEST_CASE("transform pii steps: pseudonymize") {
  auto step = make("- pseudonymize\n");
  Context phone = field("customer.phone");
  SUBCASE("HMAC-SHA256 of context, NUL and the normalised value, 16 bytes in hex") {
    // python3: hmac.new(b"k", b"customer.phone\0" b"13812341234", sha256).hexdigest()[:32]
    CHECK(apply_text(*step, "13812341234", phone) == "5f4ec292d71ef818dd013a08b5f3a82b");
  }
  SUBCASE("spellings of one phone number give one pseudonym") {
    for (const char* v : {"+86 138-1234-1234", " 13812341234 ", "0086 138 1234 1234", "138 1234 1234"}) {
      CAPTURE(v);
      CHECK(apply_text(*step, v, phone) == "5f4ec292d71ef818dd013a08b5f3a82b");
    }
  }
  SUBCASE("e-mail addresses ignore case") {
    Context email = field("customer.email");
    CHECK(apply_text(*step, "Zhang@163.COM", email) == "0ac200d81068115b74bd326585f36282");
    CHECK(apply_text(*step, " zhang@163.com", email) == "0ac200d81068115b74bd326585f36282");
  }
  SUBCASE("other fields, other keys, other values give other pseudonyms") {
    std::string base = apply_text(*step, "13812341234", phone);
    CHECK(apply_text(*step, "13812341234", field("agent.phone")) != base);
    CHECK(apply_text(*step, "13812341234", field("customer.phone", "other key")) != base);
    CHECK(apply_text(*step, "13812341235", phone) != base);
  }
  SUBCASE("other text is only trimmed") {
    CHECK(apply_text(*step, " 张三 ", phone) == apply_text(*step, "张三", phone));
    CHECK(apply_text(*step, "张 三", phone) != apply_text(*step, "张三", phone));
  }
  SUBCASE("NULL and empty stay") {
    CHECK(apply_text(*step, std::nullopt, phone) == "<NULL>");
    CHECK(apply_text(*step, " ", phone) == "");
  }
  SUBCASE("no key") {
    CHECK(apply_text(*step, "13812341234", field("customer.phone", "")) ==
          "<no_key> pseudonymize: no key: set the environment variable masking.hmac_key_env names");
  }
  SUBCASE("kinds") { CHECK(kind_text(*step, Kind::kJson) == "text"); }
  SUBCASE("arguments are refused") {
    CHECK(build_error("- pseudonymize: sha1\n") == "m.yaml:1:17: pseudonymize: takes no arguments");
  }
}

}  // namespace csbridge::transform
