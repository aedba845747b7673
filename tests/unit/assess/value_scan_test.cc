#include "assess/value_scan.h"

#include <doctest/doctest.h>

#include <string>

namespace csbridge::assess {
namespace {

int compare(std::string_view a, std::string_view b) { return compare_numeric(numeric_key(a), a, numeric_key(b), b); }

}  // namespace

TEST_CASE("value_scan: shapes") {
  CHECK(Shape("2023-08-05 10:00").view() == "9999-99-99 99:99");
  CHECK(Shape("Zhang San").view() == "Aaaaa Aaa");
  CHECK(Shape("张三\u3000Li").view() == "汉汉 Aa");
  CHECK(Shape(std::string_view("a\xFF", 2)).view() == "a\uFFFD");
  CHECK(Shape(std::string(40, 'x')).view() == std::string(kShapeChars, 'a') + "…");
}

TEST_CASE("value_scan: bytes") {
  ByteScan s = scan_bytes("客户 a@b.cn 13800138000 and more text past eight bytes");
  CHECK(s.code_points == 52);
  CHECK(s.non_ascii);
  CHECK(s.digit);
  CHECK(s.at);
  CHECK_FALSE(s.nul);
  CHECK(scan_bytes(std::string_view("a\0b", 3)).nul);
  CHECK_FALSE(scan_bytes("plain").digit);
  CHECK(is_valid_utf8("客户 plain ascii run"));
  CHECK_FALSE(is_valid_utf8("\xC0\x80"));
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));  // a surrogate
}

TEST_CASE("value_scan: kinds") {
  CHECK(value_kind("42").kind == ValueKind::kInteger);
  CHECK(value_kind("-4.2e3").kind == ValueKind::kDecimal);
  CHECK(value_kind("TRUE").kind == ValueKind::kBoolean);
  CHECK(value_kind("2023/8/5").kind == ValueKind::kDate);
  CHECK(value_kind("2023-08-05T10:00:00.5+08:00").kind == ValueKind::kTimestamp);
  DateTime zero = value_kind("0000-00-00 00:00:00");
  CHECK(zero.kind == ValueKind::kTimestamp);
  CHECK(zero.zero);
  CHECK(value_kind("2023-13-01").kind == ValueKind::kOther);
  CHECK(value_kind("").kind == ValueKind::kOther);
}

TEST_CASE("value_scan: numeric order") {
  CHECK(compare("9", "10") < 0);
  CHECK(compare("-0", "0") == 0);
  CHECK(compare("12345678901234567890.0000000001", "12345678901234567890.0000000002") < 0);
  CHECK(compare("1e3", "999") > 0);
  CHECK(compare("abc", "1") > 0);
  CHECK(compare("abc", "abd") < 0);
}

}  // namespace csbridge::assess
