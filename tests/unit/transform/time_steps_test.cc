#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "transform/step.h"
#include "transform_test_support.h"

namespace csbridge::transform {
namespace {

using test::apply_text;
using test::build_error;
using test::kind_text;
using test::make;

constexpr const char* kBad = "<bad_time> parse_time: not a valid date/time in the expected format";
constexpr const char* kZero = "<zero_date> parse_time: zero date (0000-00-00)";

Context in_zone(const char* zone) {
  Context c;
  c.default_timezone = zone;
  return c;
}

}  // namespace

TEST_CASE("transform time steps: parse_time with the common forms") {
  auto step = make("- parse_time: {timezone: Asia/Shanghai}\n");
  SUBCASE("date and time") { CHECK(apply_text(*step, "2024-01-05 10:00:00") == "2024-01-05 02:00:00+00:00"); }
  SUBCASE("with T") { CHECK(apply_text(*step, "2024-01-05T10:00:00") == "2024-01-05 02:00:00+00:00"); }
  SUBCASE("slashes, one-digit fields, no seconds") {
    CHECK(apply_text(*step, "2024/1/5 8:00") == "2024-01-05 00:00:00+00:00");
  }
  SUBCASE("date only is midnight") { CHECK(apply_text(*step, "2024-01-05") == "2024-01-04 16:00:00+00:00"); }
  SUBCASE("a fraction, trailing zeros dropped") {
    CHECK(apply_text(*step, "2024-01-05 10:00:00.120") == "2024-01-05 02:00:00.12+00:00");
    CHECK(apply_text(*step, "2024-01-05 10:00:00.000001") == "2024-01-05 02:00:00.000001+00:00");
    CHECK(apply_text(*step, "2024-01-05 10:00:00.000") == "2024-01-05 02:00:00+00:00");
  }
  SUBCASE("beyond microseconds is cut") {
    CHECK(apply_text(*step, "2024-01-05 10:00:00.1234569") == "2024-01-05 02:00:00.123456+00:00");
  }
  SUBCASE("a value's own offset wins over the zone") {
    CHECK(apply_text(*step, "2024-01-05T10:00:00Z") == "2024-01-05 10:00:00+00:00");
    CHECK(apply_text(*step, "2024-01-05 10:00:00+09:00") == "2024-01-05 01:00:00+00:00");
    CHECK(apply_text(*step, "2024-01-05 10:00:00 -0500") == "2024-01-05 15:00:00+00:00");
    CHECK(apply_text(*step, "2024-01-05 10:00:00+08") == "2024-01-05 02:00:00+00:00");
    CHECK(apply_text(*step, "2024-01-05 10:00:00 UTC") == "2024-01-05 10:00:00+00:00");
  }
  SUBCASE("compact forms") {
    CHECK(apply_text(*step, "20240105103000") == "2024-01-05 02:30:00+00:00");
    CHECK(apply_text(*step, "20240105") == "2024-01-04 16:00:00+00:00");
  }
  SUBCASE("across the date line") { CHECK(apply_text(*step, "2024-01-01 03:00:00") == "2023-12-31 19:00:00+00:00"); }
  SUBCASE("Shanghai's summer time of 1988") {
    CHECK(apply_text(*step, "1988-07-01 12:00:00") == "1988-07-01 03:00:00+00:00");
  }
  SUBCASE("Shanghai's gap and overlap of 1986") {
    CHECK(apply_text(*step, "1986-05-04 02:30:00") == "1986-05-03 18:30:00+00:00");
    CHECK(apply_text(*step, "1986-09-14 01:30:00") == "1986-09-13 16:30:00+00:00");
  }
  SUBCASE("surrounding spaces") { CHECK(apply_text(*step, " 2024-01-05 10:00:00 ") == "2024-01-05 02:00:00+00:00"); }
  SUBCASE("NULL and empty are NULL") {
    CHECK(apply_text(*step, std::nullopt) == "<NULL>");
    CHECK(apply_text(*step, "") == "<NULL>");
    CHECK(apply_text(*step, "  ") == "<NULL>");
  }
  SUBCASE("impossible dates and times") {
    CHECK(apply_text(*step, "2024-02-30 10:00:00") == kBad);
    CHECK(apply_text(*step, "2023-02-29") == kBad);
    CHECK(apply_text(*step, "2024-13-01") == kBad);
    CHECK(apply_text(*step, "2024-00-10") == kBad);
    CHECK(apply_text(*step, "2024-01-05 24:00:00") == kBad);
    CHECK(apply_text(*step, "2024-01-05 10:60:00") == kBad);
    CHECK(apply_text(*step, "2024-01-05 10:00:60") == kBad);
  }
  SUBCASE("unreadable text") {
    CHECK(apply_text(*step, "yesterday") == kBad);
    CHECK(apply_text(*step, "2024-01-05 10:00:00 junk") == kBad);
    CHECK(apply_text(*step, "2024-01/05") == kBad);
    CHECK(apply_text(*step, "2024-01-05 10") == kBad);
    CHECK(apply_text(*step, "2024-01-05 10:00:00+8") == kBad);
    CHECK(apply_text(*step, "2024-01-05 10:00:00.") == kBad);
    CHECK(apply_text(*step, "202401051030") == kBad);
  }
  SUBCASE("zero dates") {
    CHECK(apply_text(*step, "0000-00-00 00:00:00") == kZero);
    CHECK(apply_text(*step, "0000-00-00") == kZero);
    CHECK(apply_text(*step, "00000000") == kZero);
  }
  SUBCASE("out of range once in UTC") {
    CHECK(apply_text(*step, "0001-01-01 00:00:00") == "<bad_time> parse_time: out of range in UTC");
  }
}

TEST_CASE("transform time steps: parse_time zones") {
  SUBCASE("the context's default zone") {
    auto step = make("- parse_time\n");
    CHECK(apply_text(*step, "2024-01-05 10:00:00") == "2024-01-05 10:00:00+00:00");
    CHECK(apply_text(*step, "2024-01-05 10:00:00", in_zone("Asia/Shanghai")) == "2024-01-05 02:00:00+00:00");
    CHECK(apply_text(*step, "2024-07-05 10:00:00", in_zone("America/New_York")) == "2024-07-05 14:00:00+00:00");
    CHECK(apply_text(*step, "2024-01-05 10:00:00", in_zone("")) == "2024-01-05 10:00:00+00:00");
    CHECK(apply_text(*step, "2024-01-05 10:00:00", in_zone("Mars/Base")) ==
          "<bad_time> parse_time: unknown default time zone 'Mars/Base'");
  }
  SUBCASE("the step's zone wins over the context's") {
    CHECK(apply_text(*make("- parse_time: {timezone: '+08:00'}\n"), "2024-01-05 10:00:00", in_zone("UTC")) ==
          "2024-01-05 02:00:00+00:00");
  }
  SUBCASE("New York's gap and overlap") {
    auto step = make("- parse_time: {timezone: America/New_York}\n");
    CHECK(apply_text(*step, "2024-03-10 02:30:00") == "2024-03-10 07:30:00+00:00");
    CHECK(apply_text(*step, "2024-11-03 01:30:00") == "2024-11-03 05:30:00+00:00");
  }
  SUBCASE("fixed offsets") {
    CHECK(apply_text(*make("- parse_time: {timezone: '-0500'}\n"), "2024-01-05 22:00") ==
          "2024-01-06 03:00:00+00:00");
    CHECK(apply_text(*make("- parse_time: {timezone: Z}\n"), "2024-01-05 22:00") == "2024-01-05 22:00:00+00:00");
  }
  SUBCASE("several threads, several zones") {
    auto step = make("- parse_time\n");
    std::vector<int> wrong(4, 0);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < wrong.size(); ++i) {
      threads.emplace_back([&, i] {
        Context shanghai = in_zone("Asia/Shanghai"), utc = in_zone("UTC");
        for (int k = 0; k < 500; ++k) {
          bool east = (k + static_cast<int>(i)) % 2 == 0;
          std::string got = apply_text(*step, "2024-01-05 10:00:00", east ? shanghai : utc);
          if (got != (east ? "2024-01-05 02:00:00+00:00" : "2024-01-05 10:00:00+00:00")) ++wrong[i];
        }
      });
    }
    for (std::thread& t : threads) t.join();
    CHECK(wrong == std::vector<int>(4, 0));
  }
}

TEST_CASE("transform time steps: parse_time formats") {
  SUBCASE("day first") {
    CHECK(apply_text(*make("- parse_time: {format: '%d/%m/%Y %H:%M'}\n"), "05/01/2024 10:00") ==
          "2024-01-05 10:00:00+00:00");
  }
  SUBCASE("a scalar argument is the format") {
    CHECK(apply_text(*make("- parse_time: '%Y%m%d'\n"), "20240105") == "2024-01-05 00:00:00+00:00");
  }
  SUBCASE("Chinese literals") {
    auto step = make("- parse_time: {format: '%Y年%m月%d日 %H时%M分', timezone: Asia/Shanghai}\n");
    CHECK(apply_text(*step, "2024年1月5日 8时05分") == "2024-01-05 00:05:00+00:00");
  }
  SUBCASE("month names") {
    auto step = make("- parse_time: {format: '%d-%b-%Y'}\n");
    CHECK(apply_text(*step, "05-Jan-2024") == "2024-01-05 00:00:00+00:00");
    CHECK(apply_text(*step, "05-SEP-2024") == "2024-09-05 00:00:00+00:00");
    CHECK(apply_text(*step, "05-september-2024") == "2024-09-05 00:00:00+00:00");
    CHECK(apply_text(*step, "05-Sept-2024") == kBad);
  }
  SUBCASE("two-digit years") {
    auto step = make("- parse_time: {format: '%y-%m-%d'}\n");
    CHECK(apply_text(*step, "99-01-05") == "1999-01-05 00:00:00+00:00");
    CHECK(apply_text(*step, "24-01-05") == "2024-01-05 00:00:00+00:00");
    CHECK(apply_text(*step, "68-01-05") == "2068-01-05 00:00:00+00:00");
  }
  SUBCASE("fraction and offset") {
    auto step = make("- parse_time: {format: '%Y-%m-%dT%H:%M:%S.%f%z', timezone: Asia/Shanghai}\n");
    CHECK(apply_text(*step, "2024-01-05T10:00:00.5+0100") == "2024-01-05 09:00:00.5+00:00");
    CHECK(apply_text(*step, "2024-01-05T10:00:00.5-01:30") == "2024-01-05 11:30:00.5+00:00");
    CHECK(apply_text(*step, "2024-01-05T10:00:00.5Z") == "2024-01-05 10:00:00.5+00:00");
    CHECK(apply_text(*step, "2024-01-05T10:00:00.1234567891Z") == kBad);
    CHECK(apply_text(*step, "2024-01-05T10:00:00Z") == kBad);
  }
  SUBCASE("a literal percent sign") {
    CHECK(apply_text(*make("- parse_time: {format: '%Y-%m-%d%%'}\n"), "2024-01-05%") == "2024-01-05 00:00:00+00:00");
  }
  SUBCASE("a list of formats, tried in order") {
    auto step = make("- parse_time: {format: ['%d/%m/%Y', '%Y-%m-%d', epoch]}\n");
    CHECK(apply_text(*step, "05/01/2024") == "2024-01-05 00:00:00+00:00");
    CHECK(apply_text(*step, "2024-01-05") == "2024-01-05 00:00:00+00:00");
    CHECK(apply_text(*step, "1704448800") == "2024-01-05 10:00:00+00:00");
    CHECK(apply_text(*step, "5 Jan 2024") == kBad);
  }
  SUBCASE("a zero date is reported even when a later format fails too") {
    auto step = make("- parse_time: {format: ['%Y-%m-%d', '%d/%m/%Y']}\n");
    CHECK(apply_text(*step, "0000-00-00") == kZero);
  }
  SUBCASE("the whole value must match") {
    CHECK(apply_text(*make("- parse_time: '%Y-%m-%d'\n"), "2024-01-05 10:00") == kBad);
  }
}

TEST_CASE("transform time steps: parse_time epochs") {
  SUBCASE("seconds") {
    auto step = make("- parse_time: {format: epoch, timezone: Asia/Shanghai}\n");
    CHECK(apply_text(*step, "1704448800") == "2024-01-05 10:00:00+00:00");  // the zone plays no part
    CHECK(apply_text(*step, "1704448800.25") == "2024-01-05 10:00:00.25+00:00");
    CHECK(apply_text(*step, "0") == "1970-01-01 00:00:00+00:00");
    CHECK(apply_text(*step, "-1") == "1969-12-31 23:59:59+00:00");
    CHECK(apply_text(*step, "-0.5") == "1969-12-31 23:59:59.5+00:00");
    CHECK(apply_text(*step, "1704448800.") == kBad);
    CHECK(apply_text(*step, "17044488OO") == kBad);
    CHECK(apply_text(*step, "99999999999999") == kBad);
    CHECK(apply_text(*step, "99999999999999999999999") == kBad);
  }
  SUBCASE("milliseconds") {
    auto step = make("- parse_time: epoch_ms\n");
    CHECK(apply_text(*step, "1704448800123") == "2024-01-05 10:00:00.123+00:00");
    CHECK(apply_text(*step, "-1") == "1969-12-31 23:59:59.999+00:00");
    CHECK(apply_text(*step, "1704448800.5") == kBad);
  }
}

TEST_CASE("transform time steps: parse_time kinds and arguments") {
  auto step = make("- parse_time\n");
  SUBCASE("kinds") {
    CHECK(kind_text(*step, Kind::kText) == "timestamp");
    CHECK(kind_text(*step, Kind::kInteger) == "timestamp");
    CHECK(kind_text(*step, Kind::kDate) == "timestamp");
    CHECK(kind_text(*step, Kind::kDecimal) == "timestamp");
    CHECK(kind_text(*step, Kind::kBoolean) == "parse_time cannot take a boolean");
    CHECK(kind_text(*step, Kind::kJson) == "parse_time cannot take a JSON value");
  }
  SUBCASE("an unknown zone") {
    CHECK(build_error("- parse_time: {timezone: Asia/Shanghia}\n") ==
          "m.yaml:1:26: parse_time: unknown time zone 'Asia/Shanghia'");
  }
  SUBCASE("a zone that is a list") {
    CHECK(build_error("- parse_time: {timezone: [UTC]}\n") ==
          "m.yaml:1:26: parse_time: 'timezone' must be a single value");
  }
  SUBCASE("an unknown directive") {
    CHECK(build_error("- parse_time: {format: '%Y-%Q'}\n") ==
          "m.yaml:1:24: parse_time: unknown format directive '%Q' (known: %Y %y %m %b %d %H %M %S %f %z %%)");
  }
  SUBCASE("a lone percent sign") {
    CHECK(build_error("- parse_time: '%Y-%m-%d %'\n") == "m.yaml:1:15: parse_time: format ends with a lone '%'");
  }
  SUBCASE("a format without a date") {
    CHECK(build_error("- parse_time: {format: '%H:%M'}\n") ==
          "m.yaml:1:24: parse_time: format '%H:%M' needs a year (%Y or %y), month (%m or %b) and day (%d)");
  }
  SUBCASE("an empty list") {
    CHECK(build_error("- parse_time: {format: []}\n") == "m.yaml:1:24: parse_time: 'format' must not be an empty list");
  }
  SUBCASE("a list item that is not a format") {
    CHECK(build_error("- parse_time: {format: ['%Y%m%d', [b]]}\n") ==
          "m.yaml:1:35: parse_time: a format must be a single value");
  }
  SUBCASE("a misspelt argument") {
    CHECK(build_error("- parse_time: {fromat: epoch}\n") ==
          "m.yaml:1:16: parse_time: unknown argument 'fromat', did you mean 'format'?");
  }
}

TEST_CASE("transform time steps: parse_date") {
  SUBCASE("the common forms, the date as written") {
    auto step = make("- parse_date\n");
    CHECK(apply_text(*step, "2024-01-05") == "2024-01-05");
    CHECK(apply_text(*step, "2024/1/5") == "2024-01-05");
    CHECK(apply_text(*step, "2024-01-05 23:30:00+08:00") == "2024-01-05");
    CHECK(apply_text(*step, "2024-01-05 23:30:00", in_zone("Asia/Shanghai")) == "2024-01-05");
    CHECK(apply_text(*step, "2024-02-30") == "<bad_time> parse_date: not a valid date/time in the expected format");
    CHECK(apply_text(*step, "0000-00-00 00:00:00") == "<zero_date> parse_date: zero date (0000-00-00)");
    CHECK(apply_text(*step, "") == "<NULL>");
    CHECK(apply_text(*step, std::nullopt) == "<NULL>");
  }
  SUBCASE("a format") {
    auto step = make("- parse_date: {format: '%d.%m.%Y'}\n");
    CHECK(apply_text(*step, "05.01.2024") == "2024-01-05");
    CHECK(apply_text(*step, "2024-01-05") == "<bad_time> parse_date: not a valid date/time in the expected format");
  }
  SUBCASE("a format with a time") {
    CHECK(apply_text(*make("- parse_date: '%Y%m%d%H%M'\n"), "202401052359") == "2024-01-05");
    CHECK(apply_text(*make("- parse_date: '%Y%m%d%H%M'\n"), "202401052460") ==
          "<bad_time> parse_date: not a valid date/time in the expected format");
  }
  SUBCASE("kinds") {
    auto step = make("- parse_date\n");
    CHECK(kind_text(*step, Kind::kTimestamp) == "date");
    CHECK(kind_text(*step, Kind::kInteger) == "date");
    CHECK(kind_text(*step, Kind::kDecimal) == "parse_date cannot take a decimal");
    CHECK(kind_text(*step, Kind::kBoolean) == "parse_date cannot take a boolean");
  }
  SUBCASE("epoch is parse_time's") {
    CHECK(build_error("- parse_date: {format: epoch}\n") ==
          "m.yaml:1:24: parse_date: 'epoch' gives an instant: use parse_time");
  }
  SUBCASE("no timezone argument") {
    CHECK(build_error("- parse_date: {format: '%Y', timezone: UTC}\n") ==
          "m.yaml:1:30: parse_date: unknown argument 'timezone'; known: format");
  }
}

}  // namespace csbridge::transform
