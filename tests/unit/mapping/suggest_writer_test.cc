#include "mapping/suggest_writer.h"

#include <doctest/doctest.h>

namespace csbridge::mapping::suggest_detail {

TEST_CASE("suggest_writer: small texts") {
  CHECK(conf(0.915) == "0.92");
  CHECK(conf(1.4) == "1.00");
  CHECK(conf(-0.2) == "0.00");
  CHECK(rows_text(1) == "1 row");
  CHECK(rows_text(12) == "12 rows");
  CHECK(flow_list({"a", "b: c", "是"}) == "[a, \"b: c\", 是]");
  CHECK(sql_identifier("ticket_type") == "ticket_type");
  CHECK(sql_identifier("Type Code") == "\"Type Code\"");
  CHECK(sql_identifier("1st") == "\"1st\"");
  CHECK(sql_identifier("a\"b") == "\"a\"\"b\"");
  CHECK(sql_literal("it's") == "'it''s'");
}

TEST_CASE("suggest_writer: lines and comments") {
  Lines inner;
  inner.add(0, "- trim");
  inner.comment(2, "two\nlines");
  Lines out;
  out.add(2, "status:");
  out.add(0, "");
  out.append(inner, 4);
  CHECK(out.lines() == std::vector<std::string>{"  status:", "", "    - trim", "      # two lines"});
}

TEST_CASE("suggest_writer: a field") {
  model::Field f;
  f.name = "subject";
  FieldChoice plain;
  plain.field = &f;
  plain.confidence = 0.9;
  plain.reason = "named like the field";
  plain.columns = {"title"};
  Lines out;
  write_field(out, plain);
  CHECK(out.lines() == std::vector<std::string>{"  # confidence 0.90: named like the field", "  subject: title"});

  FieldChoice todo;
  todo.field = &f;
  todo.kind = FieldChoice::Kind::kTodo;
  todo.todo = "no column: fill it";
  Lines t;
  write_field(t, todo);
  CHECK(t.lines() ==
        std::vector<std::string>{"  # TODO: a person must fill this", "  subject:", "    todo: \"no column: fill it\""});
}

}  // namespace csbridge::mapping::suggest_detail
