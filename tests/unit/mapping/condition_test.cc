#include "mapping/condition.h"

#include <doctest/doctest.h>

#include "test_support.h"

#include <initializer_list>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "mapping/block_reader.h"

namespace csbridge::mapping {
namespace {

using test::Lines;


Lines located(const std::vector<Diagnostic>& diagnostics) {
  std::vector<std::string> out;
  for (const auto& d : diagnostics) {
    out.push_back(std::to_string(d.at.line) + ":" + std::to_string(d.at.col) + " " + d.code + ": " + d.message);
  }
  return out;
}

// One condition read from YAML text, as a block's filter (allow_tables) or a lookup's when.
struct ParsedCondition {
  config::YamlDocument doc;
  Condition condition;
  std::vector<Diagnostic> diagnostics;
  bool ok = false;

  explicit ParsedCondition(const std::string& yaml, bool allow_tables = true)
      : doc(config::parse_yaml(yaml, "c.yaml").value()) {
    ok = parse_condition(doc, doc.root, allow_tables, condition, diagnostics);
  }
  Lines messages() const { return located(diagnostics); }
};

// Standard SQL: "name" and 'text'; every (table, column) resolved is recorded.
struct StandardSql {
  std::vector<std::string> resolved;
  SqlWriter writer() {
    SqlWriter w;
    w.table = [](const std::string& t) -> Result<std::string> {
      if (t == "Missing") return not_found("no table '" + t + "'");
      return "\"" + t + "\"";
    };
    w.column = [this](const std::string& t, const std::string& c) -> Result<std::string> {
      if (c == "nope") return not_found("table " + t + " has no column 'nope'");
      resolved.push_back(t + "." + c);
      return "\"" + c + "\"";
    };
    w.text = [](std::string_view text) {
      std::string out = "'";
      for (char ch : text) out += ch == '\'' ? std::string("''") : std::string(1, ch);
      return out + "'";
    };
    return w;
  }
};

std::string sql_of(const std::string& yaml, const std::string& table = "Users") {
  ParsedCondition p(yaml);
  for (const auto& m : p.messages()) INFO(m);
  REQUIRE(p.ok);
  StandardSql sql;
  auto text = condition_sql(p.condition, table, sql.writer());
  REQUIRE_MESSAGE(text.is_ok(), text.status().message());
  return *text;
}

TEST_CASE("condition: parse_condition reads every form of a test, each at its location") {
  ParsedCondition p(R"(ObjectType: RT::Ticket
Type: [Create, Correspond]
Resolved: ~
Filename: [a.txt, null]
Disabled: {not: 1}
ContentType: {not: [null, ""]}
Deleted: {not: ~}
Name: "null"
id:
  in:
    table: GroupMembers
    column: MemberId
    where:
      GroupId: {in: {table: Groups, column: id, where: {Domain: SystemInternal, Name: Privileged}}}
Queue: {not_in: {table: Queues, column: id}}
)");
  CHECK(p.messages().empty());
  REQUIRE(p.ok);
  const Condition& c = p.condition;
  CHECK(c.at.line == 1);
  CHECK(c.at.col == 1);
  CHECK(c.at.file == "c.yaml");
  REQUIRE(c.tests.size() == 10);
  CHECK_FALSE(c.empty());
  CHECK(c.reads_tables());

  const ColumnTest& equals = c.tests[0];
  CHECK(equals.column == "ObjectType");
  CHECK(equals.op == ColumnTest::Op::kIn);
  CHECK(equals.values == std::vector<std::string>{"RT::Ticket"});
  CHECK_FALSE(equals.null_listed);
  CHECK(equals.at.line == 1);
  CHECK(equals.at.col == 1);

  const ColumnTest& list = c.tests[1];
  CHECK(list.op == ColumnTest::Op::kIn);
  CHECK(list.values == std::vector<std::string>{"Create", "Correspond"});
  CHECK_FALSE(list.null_listed);
  CHECK(list.at.line == 2);

  const ColumnTest& null = c.tests[2];
  CHECK(null.op == ColumnTest::Op::kIn);
  CHECK(null.values.empty());
  CHECK(null.null_listed);

  const ColumnTest& list_null = c.tests[3];
  CHECK(list_null.op == ColumnTest::Op::kIn);
  CHECK(list_null.values == std::vector<std::string>{"a.txt"});
  CHECK(list_null.null_listed);

  const ColumnTest& not_one = c.tests[4];
  CHECK(not_one.op == ColumnTest::Op::kNotIn);
  CHECK(not_one.values == std::vector<std::string>{"1"});
  CHECK_FALSE(not_one.null_listed);

  const ColumnTest& not_null_empty = c.tests[5];
  CHECK(not_null_empty.op == ColumnTest::Op::kNotIn);
  CHECK(not_null_empty.values == std::vector<std::string>{""});
  CHECK(not_null_empty.null_listed);

  const ColumnTest& not_null = c.tests[6];
  CHECK(not_null.op == ColumnTest::Op::kNotIn);
  CHECK(not_null.values.empty());
  CHECK(not_null.null_listed);

  const ColumnTest& quoted_null = c.tests[7];  // "null" quoted is the text null, not NULL
  CHECK(quoted_null.op == ColumnTest::Op::kIn);
  CHECK(quoted_null.values == std::vector<std::string>{"null"});
  CHECK_FALSE(quoted_null.null_listed);

  const ColumnTest& in = c.tests[8];
  CHECK(in.column == "id");
  CHECK(in.op == ColumnTest::Op::kInTable);
  CHECK(in.table == "GroupMembers");
  CHECK(in.table_column == "MemberId");
  CHECK(in.values.empty());
  CHECK(in.at.line == 9);
  CHECK(in.at.col == 1);
  REQUIRE(in.where != nullptr);
  REQUIRE(in.where->tests.size() == 1);
  const ColumnTest& group = in.where->tests[0];
  CHECK(group.column == "GroupId");
  CHECK(group.op == ColumnTest::Op::kInTable);
  CHECK(group.table == "Groups");
  CHECK(group.table_column == "id");
  CHECK(group.at.line == 14);
  CHECK(group.at.col == 7);
  REQUIRE(group.where != nullptr);
  REQUIRE(group.where->tests.size() == 2);
  CHECK(group.where->tests[0].column == "Domain");
  CHECK(group.where->tests[0].values == std::vector<std::string>{"SystemInternal"});
  CHECK(group.where->tests[1].column == "Name");
  CHECK(group.where->tests[1].values == std::vector<std::string>{"Privileged"});
  CHECK(group.where->tests[1].where == nullptr);

  const ColumnTest& not_in = c.tests[9];
  CHECK(not_in.op == ColumnTest::Op::kNotInTable);
  CHECK(not_in.table == "Queues");
  CHECK(not_in.table_column == "id");
  CHECK(not_in.where == nullptr);

  CHECK(condition_columns(c) == std::vector<std::string>{"ObjectType", "Type", "Resolved", "Filename", "Disabled",
                                                          "ContentType", "Deleted", "Name", "id", "Queue"});
}

TEST_CASE("condition: a condition without other tables reads none, and a lookup's when may hold it") {
  ParsedCondition p("IsMerged: 1\nStatus: {not: [deleted, ~]}\n", false);
  CHECK(p.messages().empty());
  REQUIRE(p.ok);
  CHECK_FALSE(p.condition.reads_tables());
  REQUIRE(p.condition.tests.size() == 2);
  CHECK(p.condition.tests[0].values == std::vector<std::string>{"1"});
  CHECK(condition_columns(p.condition) == std::vector<std::string>{"IsMerged", "Status"});
  CHECK(Condition{}.empty());
  CHECK(condition_columns(Condition{}).empty());
}

TEST_CASE("condition: parse_condition errors, each at its node with its code") {
  SUBCASE("an unknown test, with did-you-mean") {
    ParsedCondition p("x: {nott: 1}\n");
    CHECK_FALSE(p.ok);
    CHECK(p.messages() == std::vector<std::string>{"1:5 unknown_key: unknown test 'nott', did you mean 'not'?"});
  }
  SUBCASE("an unknown test near not_in") {
    ParsedCondition p("Type: ok\nx:\n  notin: {table: T, column: c}\n");
    CHECK(p.messages() == std::vector<std::string>{"3:3 unknown_key: unknown test 'notin', did you mean 'not_in'?"});
  }
  SUBCASE("an unknown test like nothing known lists the known ones") {
    ParsedCondition p("x: {between: [1, 2]}\n");
    CHECK(p.messages() == std::vector<std::string>{"1:5 unknown_key: unknown test 'between'; known: not, in, not_in"});
  }
  SUBCASE("in and not_in where only rows already read are tested (allow_tables false)") {
    ParsedCondition p("IsMerged: 1\nx: {in: {table: T, column: c}}\ny: {not_in: {table: T, column: c}}\n", false);
    CHECK_FALSE(p.ok);
    CHECK(p.messages() ==
          std::vector<std::string>{
              "2:5 bad_value: 'in' reads another table: only a block's filter and a related table's filter can",
              "3:5 bad_value: 'not_in' reads another table: only a block's filter and a related table's filter can",
          });
    // The tests that parsed are kept; the others are not.
    REQUIRE(p.condition.tests.size() == 1);
    CHECK(p.condition.tests[0].column == "IsMerged");
  }
  SUBCASE("in without its table or column") {
    ParsedCondition p("x: {in: {column: c}}\ny:\n  not_in:\n    table: T\n");
    CHECK(p.messages() == std::vector<std::string>{
                              "1:9 bad_value: 'in' needs 'table' (a name)",
                              "4:5 bad_value: 'not_in' needs 'column' (a name)",
                          });
  }
  SUBCASE("in with an empty table name, an argument that is no map, an unknown key") {
    ParsedCondition p("a: {in: {table: \"\", column: c}}\nb: {in: T}\nc: {in: {table: T, colum: c}}\n");
    CHECK(p.messages() == std::vector<std::string>{
                              "1:9 bad_value: 'in' needs 'table' (a name)",
                              "2:9 bad_value: 'in' needs {table: T, column: C} (and optionally where: CONDITION)",
                              "3:20 unknown_key: unknown key 'colum', did you mean 'column'?",
                          });
  }
  SUBCASE("a condition that is no map, or an empty one") {
    ParsedCondition list("[a, b]\n");
    CHECK_FALSE(list.ok);
    CHECK(list.messages() ==
          std::vector<std::string>{"1:1 bad_value: a condition maps column names to the values they must hold"});
    ParsedCondition scalar("x\n");
    CHECK(scalar.messages() ==
          std::vector<std::string>{"1:1 bad_value: a condition maps column names to the values they must hold"});
    ParsedCondition empty("{}\n");
    CHECK(empty.messages() ==
          std::vector<std::string>{"1:1 bad_value: a condition maps column names to the values they must hold"});
  }
  SUBCASE("a where that is no map is located at the where") {
    ParsedCondition p("x:\n  in: {table: T, column: c, where: [a]}\n");
    CHECK(p.messages() ==
          std::vector<std::string>{"2:36 bad_value: a condition maps column names to the values they must hold"});
  }
  SUBCASE("bad values: a map in a list, an empty list, a test of two keys, an empty column name") {
    ParsedCondition p("a: [x, {y: 1}]\nb: []\nc: {not: 1, in: 2}\n\"\": 1\n");
    CHECK_FALSE(p.ok);
    CHECK(p.messages() ==
          std::vector<std::string>{
              "1:8 bad_value: a list of values holds single values (or null)",
              "2:4 bad_value: expected a value, a list of values or null",
              "3:4 bad_value: a column's test is a value, a list, null, or one of {not: …}, {in: …}, {not_in: …}",
              "4:1 bad_value: a condition's keys are column names",
          });
    CHECK(p.condition.tests.empty());
  }
  SUBCASE("conditions nest at most 4 tables deep") {
    auto nested = [](int depth) {
      std::string yaml = "c0: ";
      for (int i = 1; i <= depth; ++i) yaml += "{in: {table: T" + std::to_string(i) + ", column: c, where: {c" + std::to_string(i) + ": ";
      yaml += "1";
      for (int i = 1; i <= depth; ++i) yaml += "}}}";
      return yaml + "\n";
    };
    ParsedCondition four(nested(4));
    CHECK(four.messages().empty());
    CHECK(four.ok);
    ParsedCondition five(nested(5));
    CHECK_FALSE(five.ok);
    REQUIRE(five.diagnostics.size() == 1);
    CHECK(five.diagnostics[0].code == "bad_value");
    CHECK(five.diagnostics[0].message == "conditions nest at most 4 tables deep");
  }
}

TEST_CASE("condition: condition_sql writes each test in standard SQL") {
  SUBCASE("equals, as text") {
    CHECK(sql_of("Type: Create\n") == "\"Type\" IN ('Create')");
    CHECK(sql_of("IsMerged: 1\n") == "\"IsMerged\" IN ('1')");
    CHECK(sql_of("Name: O'Brien\n") == "\"Name\" IN ('O''Brien')");
  }
  SUBCASE("a list is IN, null listed is IS NULL") {
    CHECK(sql_of("Type: [Create, Correspond]\n") == "\"Type\" IN ('Create', 'Correspond')");
    CHECK(sql_of("Type: ~\n") == "\"Type\" IS NULL");
    CHECK(sql_of("Type: [Create, ~]\n") == "(\"Type\" IN ('Create') OR \"Type\" IS NULL)");
    CHECK(sql_of("Type: [a, b, null]\n") == "(\"Type\" IN ('a', 'b') OR \"Type\" IS NULL)");
  }
  SUBCASE("not: NULL passes unless listed") {
    CHECK(sql_of("Disabled: {not: 1}\n") == "(\"Disabled\" IS NULL OR NOT (\"Disabled\" IN ('1')))");
    CHECK(sql_of("Name: {not: [RT_System, Nobody]}\n") ==
          "(\"Name\" IS NULL OR NOT (\"Name\" IN ('RT_System', 'Nobody')))");
    CHECK(sql_of("Filename: {not: [null, \"\"]}\n") == "\"Filename\" IS NOT NULL AND NOT (\"Filename\" IN (''))");
    CHECK(sql_of("Filename: {not: ~}\n") == "\"Filename\" IS NOT NULL");
  }
  SUBCASE("several tests are ANDed, each in parentheses") {
    CHECK(sql_of("ObjectType: RT::Ticket\nType: [Create, Correspond]\n") ==
          "(\"ObjectType\" IN ('RT::Ticket')) AND (\"Type\" IN ('Create', 'Correspond'))");
    CHECK(sql_of("A: 1\nB: {not: [~, x]}\n") == "(\"A\" IN ('1')) AND (\"B\" IS NOT NULL AND NOT (\"B\" IN ('x')))");
  }
  SUBCASE("in another table, with a nested where, each column resolved against its own table") {
    ParsedCondition p(R"(id:
  in:
    table: GroupMembers
    column: MemberId
    where:
      GroupId: {in: {table: Groups, column: id, where: {Domain: SystemInternal, Name: Privileged}}}
)");
    REQUIRE(p.ok);
    StandardSql sql;
    auto text = condition_sql(p.condition, "Users", sql.writer());
    REQUIRE(text.is_ok());
    CHECK(*text ==
          "\"id\" IN (SELECT \"MemberId\" FROM \"GroupMembers\" WHERE \"MemberId\" IS NOT NULL AND \"GroupId\" IN "
          "(SELECT \"id\" FROM \"Groups\" WHERE \"id\" IS NOT NULL AND (\"Domain\" IN ('SystemInternal')) AND "
          "(\"Name\" IN ('Privileged'))))");
    CHECK(sql.resolved == std::vector<std::string>{"Users.id", "GroupMembers.MemberId", "GroupMembers.GroupId",
                                                   "Groups.id", "Groups.Domain", "Groups.Name"});
  }
  SUBCASE("not_in another table: NULL passes, and the table's NULLs never empty the NOT IN") {
    CHECK(sql_of("id: {not_in: {table: GroupMembers, column: MemberId, where: {GroupId: 10}}}\n") ==
          "(\"id\" IS NULL OR \"id\" NOT IN (SELECT \"MemberId\" FROM \"GroupMembers\" WHERE \"MemberId\" IS NOT NULL "
          "AND \"GroupId\" IN ('10')))");
    CHECK(sql_of("id: {not_in: {table: GroupMembers, column: MemberId}}\n") ==
          "(\"id\" IS NULL OR \"id\" NOT IN (SELECT \"MemberId\" FROM \"GroupMembers\" WHERE \"MemberId\" IS NOT NULL))");
  }
  SUBCASE("an empty condition is no predicate") {
    StandardSql sql;
    auto text = condition_sql(Condition{}, "Users", sql.writer());
    REQUIRE(text.is_ok());
    CHECK(text->empty());
  }
  SUBCASE("a name the writer cannot find fails the whole predicate with its status") {
    ParsedCondition p("Type: Create\nnope: 1\n");
    REQUIRE(p.ok);
    StandardSql sql;
    auto column = condition_sql(p.condition, "Users", sql.writer());
    REQUIRE_FALSE(column.is_ok());
    CHECK(column.status().code() == ErrorCode::kNotFound);
    CHECK(column.status().message() == "table Users has no column 'nope'");

    ParsedCondition q("id: {in: {table: Missing, column: id}}\n");
    REQUIRE(q.ok);
    auto table = condition_sql(q.condition, "Users", sql.writer());
    REQUIRE_FALSE(table.is_ok());
    CHECK(table.status().code() == ErrorCode::kNotFound);
    CHECK(table.status().message() == "no table 'Missing'");
  }
}

// Rows id, Type, Disabled: (1, Create, 0) (2, Correspond, NULL) (3, NULL, 1) (4, Comment, "")
struct Rows {
  std::vector<connector::ColumnInfo> columns = {{"id", "integer", connector::ValueType::kInteger, false},
                                                {"Type", "text", connector::ValueType::kText, true},
                                                {"Disabled", "text", connector::ValueType::kText, true}};
  connector::Batch batch{3};
  Rows() {
    add({"1", "Create", "0"});
    add({"2", "Correspond", std::nullopt});
    add({"3", std::nullopt, "1"});
    add({"4", "Comment", ""});
  }
  void add(std::initializer_list<std::optional<std::string>> cells) {
    for (const auto& c : cells) {
      if (c) batch.append(*c);
      else batch.append_null();
    }
  }
  // The ids of the rows `yaml` matches.
  std::string matching(const std::string& yaml) const {
    ParsedCondition p(yaml, false);
    REQUIRE(p.ok);
    auto test = RowTest::bind(p.condition, columns, "rows");
    REQUIRE_MESSAGE(test.is_ok(), test.status().message());
    std::string ids;
    for (size_t r = 0; r < batch.rows(); ++r) {
      if (test->matches(batch, r)) ids += (ids.empty() ? "" : " ") + std::string(batch.get(r, 0));
    }
    return ids;
  }
};

TEST_CASE("condition: RowTest tests rows already read") {
  Rows rows;
  CHECK(rows.matching("Type: Create\n") == "1");
  CHECK(rows.matching("id: 3\n") == "3");
  CHECK(rows.matching("Type: [Create, Comment]\n") == "1 4");
  CHECK(rows.matching("Type: ~\n") == "3");
  CHECK(rows.matching("Type: [Create, ~]\n") == "1 3");
  CHECK(rows.matching("Type: {not: Create}\n") == "2 3 4");  // NULL passes a not
  CHECK(rows.matching("Type: {not: [Create, ~]}\n") == "2 4");
  CHECK(rows.matching("Disabled: {not: [~, \"\"]}\n") == "1 3");
  CHECK(rows.matching("Disabled: \"\"\n") == "4");  // the empty string is no NULL
  CHECK(rows.matching("Type: {not: ~}\nDisabled: [\"0\", \"1\"]\n") == "1");  // every test must hold
  CHECK(rows.matching("type: correspond\n").empty());  // values compare exactly
  CHECK(rows.matching("type: Correspond\n") == "2");   // columns are found ignoring case
  RowTest none;
  CHECK(none.empty());
}

TEST_CASE("condition: RowTest::bind refuses a column the rows lack and a test of another table") {
  Rows rows;
  ParsedCondition missing("Type: Create\nStatus: open\n", false);
  REQUIRE(missing.ok);
  auto a = RowTest::bind(missing.condition, rows.columns, "ticket (m.yaml#1): filter");
  REQUIRE_FALSE(a.is_ok());
  CHECK(a.status().code() == ErrorCode::kNotFound);
  CHECK(a.status().message() == "ticket (m.yaml#1): filter: the source has no column 'Status'");

  ParsedCondition in("id: {in: {table: T, column: c}}\n");
  REQUIRE(in.ok);
  auto b = RowTest::bind(in.condition, rows.columns, "ticket (m.yaml#1): filter");
  REQUIRE_FALSE(b.is_ok());
  CHECK(b.status().code() == ErrorCode::kInvalidArgument);
  CHECK(b.status().message() == "ticket (m.yaml#1): filter: the test of 'id' reads another table");

  auto empty = RowTest::bind(Condition{}, rows.columns, "x");
  REQUIRE(empty.is_ok());
  CHECK(empty->empty());
  CHECK(empty->matches(rows.batch, 0));
}

// One `from:` read from YAML text, for field `body`.
struct ParsedRelated {
  config::YamlDocument doc;
  Related related;
  std::vector<Diagnostic> diagnostics;
  bool ok = false;

  explicit ParsedRelated(const std::string& yaml) : doc(config::parse_yaml(yaml, "f.yaml").value()) {
    ok = parse_related(doc, doc.root, "body", related, diagnostics);
  }
  Lines messages() const { return located(diagnostics); }
};

TEST_CASE("condition: parse_related reads one hop") {
  ParsedRelated p(R"(table: Attachments
key: TransactionId
filter: {ContentType: text/plain}
order: id
columns: [Content, ContentEncoding]
pick: last
)");
  CHECK(p.messages().empty());
  REQUIRE(p.ok);
  const Related& r = p.related;
  CHECK(r.name == "body");
  CHECK(r.on.empty());
  CHECK(r.pick == Related::Pick::kLast);
  CHECK(r.separator == "\n");
  REQUIRE(r.hops.size() == 1);
  const RelatedHop& h = r.hops[0];
  CHECK(h.table == "Attachments");
  CHECK(h.key == "TransactionId");
  CHECK(h.key_at.line == 2);
  CHECK(h.key_at.col == 6);
  CHECK(h.at.line == 1);
  CHECK(h.at.col == 1);
  REQUIRE(h.filter.tests.size() == 1);
  CHECK(h.filter.tests[0].column == "ContentType");
  CHECK(h.filter.tests[0].values == std::vector<std::string>{"text/plain"});
  CHECK(h.order == std::vector<std::string>{"id"});
  CHECK(h.columns == std::vector<std::string>{"Content", "ContentEncoding"});
  REQUIRE(h.column_at.size() == 2);
  CHECK(h.column_at[0].line == 5);
  CHECK(h.column_at[0].col == 11);
  CHECK(h.column_at[1].col == 20);
  CHECK(related_column(r, "Content") == "body~Content");
}

TEST_CASE("condition: parse_related reads a path, with by, pick all and a separator") {
  ParsedRelated p(R"(by: Ticket
pick: all
separator: ", "
path:
  - table: Groups
    key: Instance
    filter: {Domain: RT::Ticket-Role, Name: Requestor}
    column: id
  - {table: GroupMembers, key: GroupId, order: [GroupId, id], column: MemberId}
)");
  CHECK(p.messages().empty());
  REQUIRE(p.ok);
  const Related& r = p.related;
  CHECK(r.on == "Ticket");
  CHECK(r.on_at.line == 1);
  CHECK(r.on_at.col == 5);
  CHECK(r.pick == Related::Pick::kAll);
  CHECK(r.separator == ", ");
  REQUIRE(r.hops.size() == 2);
  CHECK(r.hops[0].table == "Groups");
  CHECK(r.hops[0].key == "Instance");
  CHECK(r.hops[0].columns == std::vector<std::string>{"id"});
  CHECK(r.hops[0].filter.tests.size() == 2);
  CHECK(r.hops[0].at.line == 5);
  CHECK(r.hops[0].at.col == 5);
  CHECK(r.hops[1].table == "GroupMembers");
  CHECK(r.hops[1].order == std::vector<std::string>{"GroupId", "id"});
  CHECK(r.hops[1].columns == std::vector<std::string>{"MemberId"});
  CHECK(r.hops[1].column_at[0].line == 9);

  ParsedRelated first("{table: T, key: k, column: c, pick: first}\n");
  CHECK(first.ok);
  CHECK(first.related.pick == Related::Pick::kFirst);
  ParsedRelated by_default("{table: T, key: k, column: c}\n");
  CHECK(by_default.ok);
  CHECK(by_default.related.pick == Related::Pick::kFirst);
  CHECK(by_default.related.hops[0].filter.empty());
  CHECK(by_default.related.hops[0].order.empty());
}

TEST_CASE("condition: parse_related errors, each at its node with its code") {
  SUBCASE("a hop without its table or key") {
    ParsedRelated p("key: k\ncolumn: c\n");
    CHECK_FALSE(p.ok);
    CHECK(p.messages() == std::vector<std::string>{"1:1 missing_key: a related table needs 'table'"});
    ParsedRelated q("path:\n  - {table: T, column: c}\n  - {table: U, key: k, column: d}\n");
    CHECK_FALSE(q.ok);
    CHECK(q.messages() == std::vector<std::string>{"2:5 missing_key: a related table needs 'key'"});
  }
  SUBCASE("both column and columns, or neither") {
    ParsedRelated both("table: T\nkey: k\ncolumn: c\ncolumns: [a, b]\n");
    CHECK_FALSE(both.ok);
    CHECK(both.messages() == std::vector<std::string>{
                                 "1:1 bad_value: a related table needs exactly one of 'column' or 'columns' (the "
                                 "values the field reads)"});
    ParsedRelated neither("table: T\nkey: k\n");
    CHECK_FALSE(neither.ok);
    CHECK(neither.messages() == both.messages());
  }
  SUBCASE("columns in a hop before the last, and columns of one") {
    ParsedRelated p("path:\n  - {table: T, key: k, columns: [a, b]}\n  - {table: U, key: k, column: d}\n");
    CHECK_FALSE(p.ok);
    CHECK(p.messages() ==
          std::vector<std::string>{"2:33 bad_value: a hop before the last carries one 'column' to the next"});
    ParsedRelated one("{table: T, key: k, columns: [a]}\n");
    CHECK(one.messages() ==
          std::vector<std::string>{"1:29 bad_value: 'columns' must list two or more columns (use 'column' for one)"});
  }
  SUBCASE("unknown keys, with did-you-mean, in a hop and in a path") {
    ParsedRelated p("table: T\nkey: k\ncolumn: c\nordr: id\n");
    CHECK_FALSE(p.ok);
    CHECK(p.messages() == std::vector<std::string>{"4:1 unknown_key: unknown key 'ordr' in from, did you mean 'order'?"});
    ParsedRelated q("pik: all\npath:\n  - {table: T, key: k, column: c, pick: all}\n");
    CHECK_FALSE(q.ok);
    CHECK(q.messages() == std::vector<std::string>{
                              "1:1 unknown_key: unknown key 'pik' in from, did you mean 'pick'?",
                              "3:35 unknown_key: unknown key 'pick' in from; known: table, key, filter, order, column, columns",
                          });
    ParsedRelated r("table: T\npath:\n  - {table: T, key: k, column: c}\n");
    CHECK_FALSE(r.ok);
    CHECK(r.messages() == std::vector<std::string>{
                              "1:1 unknown_key: unknown key 'table' in from; known: by, pick, separator, path"});
  }
  SUBCASE("a bad pick, separator, by or order") {
    ParsedRelated p("{table: T, key: k, column: c, pick: middle}\n");
    CHECK_FALSE(p.ok);
    CHECK(p.messages() == std::vector<std::string>{"1:37 bad_value: 'pick' must be first, last or all"});
    ParsedRelated q("{table: T, key: k, column: c, separator: [a], by: [b], order: [{x: 1}]}\n");
    CHECK_FALSE(q.ok);
    CHECK(q.messages() == std::vector<std::string>{
                              "1:51 bad_value: 'by' must be a name",
                              "1:42 bad_value: 'separator' must be a text",
                              "1:64 bad_value: 'order' must be a name",
                          });
  }
  SUBCASE("from that is no map, a path that is no list, a hop that is no map") {
    ParsedRelated scalar("Attachments\n");
    CHECK(scalar.messages() == std::vector<std::string>{
                                   "1:1 bad_value: 'from' must be a map: {table, key, column, …} or {path: [...], …}"});
    ParsedRelated path("path: {table: T}\n");
    CHECK(path.messages() == std::vector<std::string>{
                                 "1:7 bad_value: 'path' lists the hops to the related rows, each a map {table, key, "
                                 "column, …}"});
    ParsedRelated hop("path: [T, {table: U, key: k, column: c}]\n");
    CHECK(hop.messages() ==
          std::vector<std::string>{"1:8 bad_value: a hop is a map {table, key, filter, order, column}"});
  }
  SUBCASE("a bad filter of a hop is reported as a condition's") {
    ParsedRelated p("{table: T, key: k, column: c, filter: {a: {nott: 1}}}\n");
    CHECK_FALSE(p.ok);
    CHECK(p.messages() == std::vector<std::string>{"1:44 unknown_key: unknown test 'nott', did you mean 'not'?"});
  }
}

}  // namespace
}  // namespace csbridge::mapping
