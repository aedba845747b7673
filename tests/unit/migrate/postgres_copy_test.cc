#include "migrate/postgres_copy.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "test_support.h"

using namespace csbridge;
using migrate::pg::BinaryRows;
using migrate::pg::read_date;
using migrate::pg::read_integer;
using migrate::pg::read_timestamptz;
using model::FieldType;

namespace {

constexpr int64_t kMicros = 1000000;

// Values of every type the client converts, as text; the server parses each text too.
struct Sample {
  FieldType type;
  const char* sql_type;
  std::vector<std::string> texts;
};

const std::vector<Sample>& samples() {
  static const std::vector<Sample> kSamples = {
      {FieldType::kTimestamp, "timestamptz",
       {"2000-01-01 00:00:00+00", "2024-05-01 08:00:00+08", "2024-05-01T08:00:00Z", "1999-12-31 23:59:59.5-00:30",
        "2024-02-29 12:34:56.123456+05:45", "1900-03-01 00:00+0100", "0001-01-01 00:00:00+00",
        "9999-12-31 23:59:59.999999-15:59", "2020-01-01 00:00:01+00:00"}},
      {FieldType::kDate, "date", {"2000-01-01", "1999-12-31", "2024-02-29", "0001-01-01", "9999-12-31"}},
      {FieldType::kInteger, "integer", {"0", "-1", "2147483647", "-2147483648", "007"}},
      {FieldType::kBigint, "bigint", {"0", "9223372036854775807", "-9223372036854775808", "42"}},
      {FieldType::kBoolean, "boolean", {"true", "false", "t", "f"}},
      {FieldType::kJson, "jsonb", {R"({"tier": "gold", "n": [1, 2.5, null]})", "[]", R"("北京")"}},
      {FieldType::kText, "text", {"", "a\tb\\c\nd", "北京示例科技有限公司"}},
      {FieldType::kString, "varchar(10)", {"short", "十个汉字十个汉字十个"}},
  };
  return kSamples;
}

}  // namespace

TEST_CASE("postgres_copy: strict readers take one form and leave every other to the server") {
  CHECK(read_timestamptz("2000-01-01 00:00:00+00") == 0);
  CHECK(read_timestamptz("2000-01-01T00:00:00Z") == 0);
  CHECK(read_timestamptz("2000-01-01 08:00:00+08") == 0);
  CHECK(read_timestamptz("2000-01-01 00:00:00.5+00") == kMicros / 2);
  CHECK(read_timestamptz("1999-12-31 23:59:59-00:30") == 1799 * kMicros);
  CHECK(read_timestamptz("2000-01-02 00:00+0000") == 86400 * kMicros);
  for (const char* other : {"2024-05-01 08:00:00", "2024-05-01 08:00:00 UTC", "2024-02-30 00:00:00+00",
                            "2023-02-29 00:00:00+00", "2024-05-01 24:00:00+00", "2024-05-01 08:00:60+00",
                            "2024-05-01 08:00:00.1234567+00", "2024-05-01 08:00:00.+00", "2024-05-01 08:00:00+16",
                            "2024-05-01 08:00:00+08:60", "2024-05-01 08:00:00+8", "2024-05-01 08:00:00+08:0",
                            " 2024-05-01 08:00:00+00", "2024-05-01 08:00:00+00 ", "24-05-01 08:00:00+00",
                            "2024/05/01 08:00:00+00", "0000-01-01 00:00:00+00", "2024-05-01", "epoch", ""}) {
    CAPTURE(other);
    CHECK_FALSE(read_timestamptz(other).has_value());
  }
  CHECK(read_date("2000-01-01") == 0);
  CHECK(read_date("1999-12-31") == -1);
  CHECK(read_date("2000-03-01") == 60);
  for (const char* other : {"2000-1-01", "2000-01-01 ", "2000-02-30", "01/02/2000", "20000101", "0000-01-01"}) {
    CAPTURE(other);
    CHECK_FALSE(read_date(other).has_value());
  }
  CHECK(read_integer("-12", -100, 100) == -12);
  CHECK(read_integer("007", -100, 100) == 7);
  for (const char* other : {"+1", " 1", "1 ", "1.0", "1e3", "", "-", "101", "0x10"}) {
    CAPTURE(other);
    CHECK_FALSE(read_integer(other, -100, 100).has_value());
  }
  BinaryRows rows;
  CHECK_FALSE(rows.value(FieldType::kDecimal, "1.50"));  // numeric: always the server's
  CHECK_FALSE(rows.value(FieldType::kBoolean, "yes"));
  CHECK_FALSE(rows.value(FieldType::kInteger, "2147483648"));
}

TEST_CASE("postgres_copy: the PGCOPY layout of a row") {
  BinaryRows rows;
  rows.begin_row(3);
  rows.int8(1);
  rows.null();
  rows.bytes("ab");
  const std::string& data = rows.finish();
  const std::string expected = std::string("PGCOPY\n\377\r\n\0", 11) + std::string(8, '\0') +  // header
                               std::string("\0\3", 2) +                                          // 3 fields
                               std::string("\0\0\0\10\0\0\0\0\0\0\0\1", 12) +                    // int8 1
                               std::string("\377\377\377\377", 4) +                              // NULL
                               std::string("\0\0\0\2ab", 6) +                                    // 'ab'
                               std::string("\377\377", 2);                                       // trailer
  CHECK(data == expected);
}

TEST_CASE("postgres_copy: values copied in binary equal the server's reading of their text") {
  pqxx::connection db(test::require_env("CSBRIDGE_TEST_PG"));
  pqxx::work w(db);
  w.exec0("SET LOCAL TimeZone = 'Asia/Shanghai'");  // the values carry their offsets: the zone is not theirs
  for (const Sample& s : samples()) {
    CAPTURE(s.sql_type);
    w.exec0("CREATE TEMP TABLE copied (n integer, v " + std::string(s.sql_type) + ", t text) ON COMMIT DROP");
    BinaryRows real;
    for (size_t i = 0; i < s.texts.size(); ++i) {
      real.begin_row(3);
      REQUIRE(real.value(FieldType::kInteger, std::to_string(i)));
      REQUIRE_MESSAGE(real.value(s.type, s.texts[i]), s.texts[i]);
      real.bytes(s.texts[i]);
    }
    migrate::pg::copy_binary(w, "copied", {"n", "v", "t"}, real.finish());
    pqxx::result differ = w.exec("SELECT t, v::text, t::" + std::string(s.sql_type) +
                                 "::text FROM copied WHERE v IS DISTINCT FROM t::" + s.sql_type);
    for (const pqxx::row& r : differ) {
      FAIL_CHECK(r[0].c_str() << " copied as " << r[1].c_str() << ", read by the server as " << r[2].c_str());
    }
    CHECK(w.exec1("SELECT count(*) FROM copied")[0].as<int>() == static_cast<int>(s.texts.size()));
    w.exec0("DROP TABLE copied");
  }
  w.commit();
}

TEST_CASE("postgres_copy: what the server refuses is thrown with its SQLSTATE, and the session goes on") {
  pqxx::connection db(test::require_env("CSBRIDGE_TEST_PG"));
  pqxx::work w(db);
  w.exec0("CREATE TEMP TABLE copied (v varchar(3) NOT NULL UNIQUE) ON COMMIT DROP");
  auto copy = [&](pqxx::dbtransaction& t, const std::vector<std::string>& values) {
    BinaryRows rows;
    for (const std::string& v : values) {
      rows.begin_row(1);
      rows.bytes(v);
    }
    migrate::pg::copy_binary(t, "copied", {"v"}, rows.finish());
  };
  {
    pqxx::subtransaction sub(w, "too_long");
    try {
      copy(sub, {"abc", "abcd"});
      FAIL("a value too long for varchar(3) was taken");
    } catch (const pqxx::sql_error& e) {
      CHECK(e.sqlstate() == "22001");
    }
  }
  {
    pqxx::subtransaction sub(w, "duplicate");
    try {
      copy(sub, {"abc", "abc"});
      FAIL("a duplicate was taken");
    } catch (const pqxx::sql_error& e) {
      CHECK(e.sqlstate() == "23505");
    }
  }
  copy(w, {"abc", "d"});
  CHECK(w.exec1("SELECT count(*) FROM copied")[0].as<int>() == 2);
}
