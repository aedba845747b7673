#include "model/canonical.h"

#include <doctest/doctest.h>

namespace csbridge::model {
namespace {

using model::FieldType;

TEST_CASE("canonical forms hide what is not a difference") {
  CHECK(canonical(FieldType::kDecimal, "12.50") == canonical(FieldType::kDecimal, "12.5"));
  CHECK(canonical(FieldType::kDecimal, "+012.500") == "12.5");
  CHECK(canonical(FieldType::kDecimal, "-0.00") == "0");
  CHECK(canonical(FieldType::kDecimal, "100") == "100");
  CHECK(canonical(FieldType::kDecimal, ".5") == "0.5");
  CHECK(canonical(FieldType::kBigint, "007") == "7");
  CHECK(canonical(FieldType::kBoolean, "t") == "true");
  CHECK(canonical(FieldType::kBoolean, "0") == "false");
  CHECK(canonical(FieldType::kTimestamp, "2024-03-01 08:00:00+08") == "2024-03-01 00:00:00");
  CHECK(canonical(FieldType::kTimestamp, "2024-03-01 00:00:00+00:00") == "2024-03-01 00:00:00");
  CHECK(canonical(FieldType::kTimestamp, "2024-03-01T00:00:00.250000Z") == "2024-03-01 00:00:00.25");
  CHECK(canonical(FieldType::kTimestamp, "2024-01-01 01:30:00+05:30") == "2023-12-31 20:00:00");
  CHECK(canonical(FieldType::kTimestamp, "2024-03-01 00:00:00-0100") == "2024-03-01 01:00:00");
  CHECK(canonical(FieldType::kString, "abc   ") == "abc");
  CHECK(canonical(FieldType::kString, "  abc") == "  abc");
  CHECK(canonical(FieldType::kDate, "2024-03-01 00:00:00") == "2024-03-01");
  CHECK(canonical(FieldType::kJson, R"({"b": 1, "a": "x\u4e2d", "c": [1.50, null]})") ==
        R"({"a":"x中","b":1,"c":[1.5,null]})");
  CHECK(canonical(FieldType::kJson, R"({"k":"line\nbreak"})") == R"({"k":"line\nbreak"})");
}

TEST_CASE("canonical forms keep real differences") {
  CHECK(canonical(FieldType::kDecimal, "12.51") != canonical(FieldType::kDecimal, "12.5"));
  CHECK(canonical(FieldType::kTimestamp, "2024-03-01 08:00:00+08") != canonical(FieldType::kTimestamp, "2024-03-01 08:00:00"));
  CHECK(canonical(FieldType::kString, "abc") != canonical(FieldType::kString, "ABC"));
  SUBCASE("values that do not parse stay as written") {
    CHECK(canonical(FieldType::kInteger, "12a") == "12a");
    CHECK(canonical(FieldType::kTimestamp, "yesterday") == "yesterday");
    CHECK(canonical(FieldType::kJson, "{broken") == "{broken");
  }
}

TEST_CASE("fingerprints tell NULL from empty and do not run cells together") {
  auto digest = [](std::initializer_list<std::optional<std::string_view>> cells) {
    Fingerprint f;
    for (const auto& c : cells) f.add(FieldType::kText, c);
    return f.digest();
  };
  CHECK(digest({std::nullopt}) != digest({""}));
  CHECK(digest({"ab", ""}) != digest({"a", "b"}));
  CHECK(digest({"a", std::nullopt}) != digest({std::nullopt, "a"}));
  CHECK(digest({"x  ", "y"}) == digest({"x", "y"}));
}

}  // namespace
}  // namespace csbridge::model
