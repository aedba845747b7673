#include "connector/connector.h"

#include <doctest/doctest.h>

namespace csbridge::connector {

TEST_CASE("connector: declared types map to value types") {
  struct Case {
    const char* declared;
    ValueType type;
  };
  const Case cases[] = {
      {"INTEGER", ValueType::kInteger},         {"bigint", ValueType::kInteger},
      {"int(11) unsigned", ValueType::kInteger}, {"TINYINT", ValueType::kInteger},
      {"smallserial", ValueType::kInteger},     {"interval", ValueType::kText},
      {"point", ValueType::kText},              {"varchar(20)", ValueType::kText},
      {"character varying(255)", ValueType::kText}, {"NVARCHAR2(40)", ValueType::kText},
      {"longtext", ValueType::kText},           {"CLOB", ValueType::kText},
      {"uuid", ValueType::kText},               {"numeric(10,2)", ValueType::kDecimal},
      {"DECIMAL(10,2)", ValueType::kDecimal},   {"NUMBER(12)", ValueType::kDecimal},
      {"money", ValueType::kDecimal},           {"double precision", ValueType::kReal},
      {"REAL", ValueType::kReal},               {"float8", ValueType::kReal},
      {"boolean", ValueType::kBoolean},         {"bit", ValueType::kBoolean},
      {"date", ValueType::kDate},               {"time", ValueType::kTime},
      {"time with time zone", ValueType::kTime}, {"timetz", ValueType::kTime},
      {"timestamp", ValueType::kTimestamp},     {"timestamp without time zone", ValueType::kTimestamp},
      {"DATETIME", ValueType::kTimestamp},      {"datetime2(7)", ValueType::kTimestamp},
      {"timestamp with time zone", ValueType::kTimestampTz}, {"timestamptz", ValueType::kTimestampTz},
      {"datetimeoffset", ValueType::kTimestampTz}, {"jsonb", ValueType::kJson},
      {"bytea", ValueType::kBinary},            {"LONGBLOB", ValueType::kBinary},
      {"varbinary(16)", ValueType::kBinary},    {"", ValueType::kUnknown},
      {"geometry", ValueType::kUnknown},
  };
  for (const Case& c : cases) {
    CAPTURE(c.declared);
    CHECK(std::string(value_type_name(value_type_from_declared(c.declared))) == value_type_name(c.type));
  }
}

TEST_CASE("connector: a batch keeps NULL apart from empty and drops an incomplete row") {
  Batch b(2);
  b.append("a");
  b.append_null();
  b.append("");
  b.append("x");
  b.append("partial");
  CHECK(b.rows() == 2);
  CHECK(b.is_null(0, 1));
  CHECK_FALSE(b.is_null(1, 0));
  CHECK(b.get(1, 0).empty());
  CHECK(b.value(0, 1) == std::nullopt);
  b.truncate_to_rows(2);
  CHECK(b.rows() == 2);
  CHECK(b.get(1, 1) == "x");
  b.append("y");
  b.append("z");
  CHECK(b.get(2, 0) == "y");
  b.clear();
  CHECK(b.empty());
}

TEST_CASE("connector: a table reference splits at the first dot") {
  CHECK(parse_table_ref("tickets") == TableRef{"", "tickets"});
  CHECK(parse_table_ref("public.tickets") == TableRef{"public", "tickets"});
  CHECK(parse_table_ref("public.order.items") == TableRef{"public", "order.items"});
  CHECK(parse_table_ref("工单") == TableRef{"", "工单"});
  CHECK(parse_table_ref("public.tickets").display() == "public.tickets");
}

TEST_CASE("connector: a query becomes a derived table") {
  CHECK(derived_table("SELECT 1 AS a") == "(\nSELECT 1 AS a\n) AS q");
  SUBCASE("trailing semicolons and blanks go") {
    CHECK(derived_table("SELECT 1 AS a ;\n ; \t\r\n") == "(\nSELECT 1 AS a\n) AS q");
  }
  SUBCASE("a trailing comment stays on its own line") {
    CHECK(derived_table("SELECT 1 AS a -- one") == "(\nSELECT 1 AS a -- one\n) AS q");
  }
  SUBCASE("nothing but blanks") { CHECK(derived_table(" ;\n") == "(\n\n) AS q"); }
}

}  // namespace csbridge::connector
