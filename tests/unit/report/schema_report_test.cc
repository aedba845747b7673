#include "report/schema_report.h"

#include <doctest/doctest.h>

namespace csbridge::report {
namespace {

std::vector<connector::ColumnInfo> columns() {
  return {{"id", "INTEGER", connector::ValueType::kInteger, false},
          {"note", "TEXT", connector::ValueType::kText, true},
          {"img", "BLOB", connector::ValueType::kBinary, true}};
}

connector::Batch rows() {
  connector::Batch b(3);
  b.append("1"); b.append("a,\"b\"\n张三"); b.append(std::string_view("\x00\xff", 2));
  b.append("2"); b.append(""); b.append_null();
  b.append("3"); b.append_null(); b.append("");
  return b;
}

}  // namespace

TEST_CASE("schema report: rows as CSV keep NULL apart from the empty string") {
  CHECK(rows_header(columns(), RowFormat::kCsv) == "id,note,img\n");
  CHECK(rows_body(columns(), rows(), RowFormat::kCsv) ==
        "1,\"a,\"\"b\"\"\n张三\",\\x00ff\n"
        "2,\"\",\n"
        "3,,\\x\n");
}

TEST_CASE("schema report: rows as JSON Lines") {
  CHECK(rows_header(columns(), RowFormat::kJsonl).empty());
  CHECK(rows_body(columns(), rows(), RowFormat::kJsonl) ==
        "{\"id\":\"1\",\"note\":\"a,\\\"b\\\"\\n张三\",\"img\":\"\\\\x00ff\"}\n"
        "{\"id\":\"2\",\"note\":\"\",\"img\":null}\n"
        "{\"id\":\"3\",\"note\":null,\"img\":\"\\\\x\"}\n");
}

TEST_CASE("schema report: JSON Lines escape as a JSON document would") {
  std::vector<connector::ColumnInfo> cols = {{"k\"\\", "TEXT", connector::ValueType::kText, true},
                                             {"t", "TEXT", connector::ValueType::kText, true}};
  connector::Batch b(2);
  b.append(std::string_view("\x01\x1f\x7f\b\f\r\t/\xe2\x82\xac", 11));
  b.append(std::string_view("bad \xff", 5));
  CHECK(rows_body(cols, b, RowFormat::kJsonl) ==
        "{\"k\\\"\\\\\":\"\\u0001\\u001f\x7f\\b\\f\\r\\t/€\",\"t\":\"\\\\x62616420ff\"}\n");
  SUBCASE("columns that repeat a name: the later value in the first place") {
    std::vector<connector::ColumnInfo> twice = {{"a", "TEXT", connector::ValueType::kText, true},
                                                {"b", "TEXT", connector::ValueType::kText, true},
                                                {"a", "TEXT", connector::ValueType::kText, true}};
    connector::Batch r(3);
    r.append("1"); r.append("2"); r.append_null();
    CHECK(rows_body(twice, r, RowFormat::kJsonl) == "{\"a\":null,\"b\":\"2\"}\n");
  }
  SUBCASE("no columns") {
    connector::Batch none(0);
    CHECK(rows_body({}, none, RowFormat::kJsonl).empty());
  }
  SUBCASE("cells that split a character are each not UTF-8, though their bytes together are") {
    connector::Batch split(2);
    split.append(std::string_view("a\xe5\xae", 3));  // 客 is e5 ae a2
    split.append(std::string_view("\xa2", 1));
    CHECK(rows_body(cols, split, RowFormat::kJsonl) == "{\"k\\\"\\\\\":\"\\\\x61e5ae\",\"t\":\"\\\\xa2\"}\n");
    connector::Batch whole(2);
    whole.append("客");
    whole.append("户");
    CHECK(rows_body(cols, whole, RowFormat::kJsonl) == "{\"k\\\"\\\\\":\"客\",\"t\":\"户\"}\n");
  }
}

TEST_CASE("schema report: tables as JSON carry the documented keys") {
  connector::SourceInfo src{"SQLite", "3.40.1", "sqlite:x.db"};
  TableReport t;
  t.info.ref = {"", "tickets"};
  t.info.columns = columns();
  t.info.primary_key = {"id"};
  t.info.indexes = {{"ux_note", {"note"}, true}};
  t.info.foreign_keys = {{"fk1", {"id"}, {"", "orders"}, {"order_id"}}};
  t.count = {42, false};
  nlohmann::json j = tables_json(src, {t});
  CHECK(j["source"]["engine"] == "SQLite");
  CHECK(j["tables"][0]["name"] == "tickets");
  CHECK(j["tables"][0]["rows"] == 42);
  CHECK(j["tables"][0]["rows_exact"] == false);
  CHECK(j["tables"][0]["primary_key"][0] == "id");
  CHECK(j["tables"][0]["columns"][2]["type"] == "binary");
  CHECK(j["tables"][0]["foreign_keys"][0]["ref_table"] == "orders");
  CHECK(j["tables"][0]["foreign_keys"][0]["declared"] == true);

  std::string text = tables_text(src, {t});
  CHECK(text.find("tickets  42 rows (estimated)") != std::string::npos);
  CHECK(text.find("unique index ux_note (note)") != std::string::npos);
  CHECK(text.find("foreign key (id) → orders (order_id)") != std::string::npos);
}

}  // namespace csbridge::report
