#include "transform/timezone.h"

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

namespace csbridge::transform {
namespace {

constexpr int64_t kDay = 86400;
constexpr int kHour = 3600;

// Seconds since the epoch of a wall-clock time read as if it were UTC.
int64_t at(int64_t y, int m, int d, int hh = 0, int mm = 0) {
  return days_from_civil(y, m, d) * kDay + hh * kHour + mm * 60;
}

const TimeZone& zone(const char* name) {
  Result<const TimeZone*> z = find_timezone(name);
  INFO(z.status().message());
  REQUIRE(z.is_ok());
  return **z;
}

std::string zone_file(const char* name) {
  std::ifstream in(std::string("/usr/share/zoneinfo/") + name, std::ios::binary);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("transform timezone: calendar arithmetic") {
  CHECK(days_from_civil(1970, 1, 1) == 0);
  CHECK(days_from_civil(2000, 3, 1) == 11017);
  CHECK(days_from_civil(1969, 12, 31) == -1);
  CHECK(days_from_civil(1, 1, 1) == -719162);
  for (int64_t days : {int64_t{-719162}, int64_t{-1}, int64_t{0}, int64_t{11016}, int64_t{2932896}}) {
    int64_t y = 0;
    int m = 0, d = 0;
    civil_from_days(days, y, m, d);
    CHECK(days_from_civil(y, m, d) == days);
  }
  CHECK(is_leap_year(2000));
  CHECK(is_leap_year(2024));
  CHECK_FALSE(is_leap_year(1900));
  CHECK_FALSE(is_leap_year(2023));
  CHECK(days_in_month(2024, 2) == 29);
  CHECK(days_in_month(2023, 2) == 28);
  CHECK(days_in_month(2023, 4) == 30);
}

TEST_CASE("transform timezone: Asia/Shanghai, with its 1986–1991 daylight saving time") {
  const TimeZone& z = zone("Asia/Shanghai");
  SUBCASE("today +08:00") {
    CHECK(z.offset_at(at(2024, 1, 5)) == 8 * kHour);
    CHECK(z.to_utc(at(2024, 7, 1, 12)) == at(2024, 7, 1, 4));
  }
  SUBCASE("summer 1988 was +09:00") {
    CHECK(z.offset_at(at(1988, 7, 1)) == 9 * kHour);
    CHECK(z.to_utc(at(1988, 7, 1, 12)) == at(1988, 7, 1, 3));
  }
  SUBCASE("winter 1988 was +08:00") { CHECK(z.to_utc(at(1988, 12, 1, 12)) == at(1988, 12, 1, 4)); }
  SUBCASE("summer 1992 was +08:00 again") { CHECK(z.offset_at(at(1992, 7, 1)) == 8 * kHour); }
  SUBCASE("the gap of 1986-05-04 02:00–03:00 reads with the offset before it") {
    CHECK(z.to_utc(at(1986, 5, 4, 1, 59)) == at(1986, 5, 3, 17, 59));
    CHECK(z.to_utc(at(1986, 5, 4, 2, 30)) == at(1986, 5, 3, 18, 30));
    CHECK(z.to_utc(at(1986, 5, 4, 3, 0)) == at(1986, 5, 3, 18, 0));
  }
  SUBCASE("the overlap of 1986-09-14 01:00–02:00 takes the earlier instant") {
    CHECK(z.to_utc(at(1986, 9, 14, 1, 30)) == at(1986, 9, 13, 16, 30));
    CHECK(z.to_utc(at(1986, 9, 14, 2, 30)) == at(1986, 9, 13, 18, 30));
  }
}

TEST_CASE("transform timezone: America/New_York") {
  const TimeZone& z = zone("America/New_York");
  SUBCASE("the spring gap") { CHECK(z.to_utc(at(2024, 3, 10, 2, 30)) == at(2024, 3, 10, 7, 30)); }
  SUBCASE("the autumn overlap") { CHECK(z.to_utc(at(2024, 11, 3, 1, 30)) == at(2024, 11, 3, 5, 30)); }
  SUBCASE("after the file's transitions, the footer rule") {
    CHECK(z.to_utc(at(2100, 7, 1, 12)) == at(2100, 7, 1, 16));
    CHECK(z.to_utc(at(2100, 12, 1, 12)) == at(2100, 12, 1, 17));
  }
  SUBCASE("before the first transition: local mean time") { CHECK(z.offset_at(at(1800, 1, 1)) == -17762); }
}

TEST_CASE("transform timezone: footer rules of other hemispheres and negative DST") {
  SUBCASE("Australia/Sydney") {
    const TimeZone& z = zone("Australia/Sydney");
    CHECK(z.to_utc(at(2100, 1, 15, 12)) == at(2100, 1, 15, 1));
    CHECK(z.to_utc(at(2100, 7, 15, 12)) == at(2100, 7, 15, 2));
    CHECK(z.to_utc(at(2100, 4, 4, 2, 30)) == at(2100, 4, 3, 15, 30));  // overlap: the earlier instant
  }
  SUBCASE("Europe/Dublin: IST in summer is standard time") {
    const TimeZone& z = zone("Europe/Dublin");
    CHECK(z.to_utc(at(2100, 7, 1, 12)) == at(2100, 7, 1, 11));
    CHECK(z.to_utc(at(2100, 1, 1, 12)) == at(2100, 1, 1, 12));
  }
}

TEST_CASE("transform timezone: fixed offsets") {
  CHECK(zone("UTC").to_utc(at(2024, 1, 1)) == at(2024, 1, 1));
  CHECK(zone("Z").offset_at(0) == 0);
  CHECK(zone("+08:00").to_utc(at(2024, 1, 1, 8)) == at(2024, 1, 1));
  CHECK(zone("-0500").offset_at(0) == -5 * kHour);
  CHECK(zone("+0530").offset_at(0) == 5 * kHour + 30 * 60);
  CHECK(zone("+08").offset_at(0) == 8 * kHour);
}

TEST_CASE("transform timezone: unknown zones") {
  for (const char* name : {"Asia/Shanghia", "", "../etc/passwd", "/usr/share/zoneinfo/UTC", "Asia", "+25:00", "+8",
                           "Asia/./Shanghai", "08:00"}) {
    CAPTURE(name);
    Status s = check_timezone(name);
    CHECK(s.code() == ErrorCode::kNotFound);
    CHECK(s.message() == "unknown time zone '" + std::string(name) + "'");
  }
  CHECK(check_timezone("Asia/Shanghai").is_ok());
  CHECK(check_timezone("Etc/GMT-8").is_ok());
}

TEST_CASE("transform timezone: files that are not TZif v2+") {
  std::string good = zone_file("Asia/Shanghai");
  SUBCASE("the real file parses") {
    auto z = TimeZone::from_tzif("Asia/Shanghai", good);
    REQUIRE(z.is_ok());
    CHECK((*z)->offset_at(at(1988, 7, 1)) == 9 * kHour);
  }
  SUBCASE("not TZif") {
    auto z = TimeZone::from_tzif("X", "# zone.tab\n");
    CHECK(z.status().code() == ErrorCode::kData);
    CHECK(z.status().message() == "time zone 'X': not a TZif file");
  }
  SUBCASE("version 1") {
    std::string v1 = good;
    v1[4] = '\0';
    CHECK(TimeZone::from_tzif("X", v1).status().message() ==
          "time zone 'X': TZif version 1 is not supported (tzdata 2005 or later has 2)");
  }
  SUBCASE("cut in the 64-bit section") {
    std::string cut = good.substr(0, good.size() - 40);
    CHECK(TimeZone::from_tzif("X", cut).status().message() == "time zone 'X': truncated");
  }
  SUBCASE("cut before the 64-bit section") {
    CHECK(TimeZone::from_tzif("X", good.substr(0, 60)).status().message() == "time zone 'X': no 64-bit section");
  }
}

TEST_CASE("transform timezone: the cache serves every thread the same zone") {
  std::vector<const TimeZone*> seen(4, nullptr);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&seen, i] {
      for (int k = 0; k < 200; ++k) {
        auto z = find_timezone(k % 2 ? "Europe/Paris" : "Asia/Tokyo");
        if (z.is_ok() && k % 2) seen[i] = *z;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const TimeZone* z : seen) {
    REQUIRE(z != nullptr);
    CHECK(z == seen[0]);
    CHECK(z->name() == "Europe/Paris");
  }
}

}  // namespace csbridge::transform
