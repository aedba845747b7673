#include "connector/json_connector.h"

#include <doctest/doctest.h>

#include <filesystem>

#include "connector/file_source.h"
#include "connector/registry.h"
#include "test_support.h"

namespace csbridge::connector {
namespace {

using test::TempDir;

// Rows as "v1|v2|NULL" and rejects as "location: reason".
struct Rows {
  std::vector<std::string> rows;
  std::vector<std::string> rejects;
  Status status;  // how the read ended
};

Rows read_rows(const std::string& connection, const std::string& table, size_t batch_rows = 1000) {
  Rows out;
  auto db = open_connector(connection);
  REQUIRE_MESSAGE(db.is_ok(), db.status().message());
  auto reader = (*db)->read({{"", table}, {}, "", {}, -1, batch_rows});
  if (!reader.is_ok()) {
    out.status = reader.status();
    return out;
  }
  Batch batch;
  for (;;) {
    auto more = (*reader)->next(batch);
    for (const RejectedRecord& r : (*reader)->take_rejects()) out.rejects.push_back(r.location + ": " + r.reason);
    if (!more.is_ok()) {
      out.status = more.status();
      return out;
    }
    if (!*more) return out;
    for (size_t row = 0; row < batch.rows(); ++row) {
      std::string text;
      for (size_t col = 0; col < batch.columns(); ++col) {
        if (col) text += '|';
        text += batch.is_null(row, col) ? std::string_view("NULL") : batch.get(row, col);
      }
      out.rows.push_back(text);
    }
  }
}

// "name:type" of every column, or the error.
std::string columns_of(const std::string& connection, const std::string& table) {
  auto db = open_connector(connection);
  REQUIRE_MESSAGE(db.is_ok(), db.status().message());
  auto info = (*db)->describe({"", table});
  if (!info.is_ok()) return info.status().message();
  std::string out;
  for (const ColumnInfo& c : info->columns) out += (out.empty() ? "" : ",") + c.name + ":" + value_type_name(c.type);
  return out;
}

int64_t count_of(const std::string& connection, const std::string& table) {
  auto db = open_connector(connection);
  REQUIRE_MESSAGE(db.is_ok(), db.status().message());
  auto n = (*db)->count({"", table});
  REQUIRE_MESSAGE(n.is_ok(), n.status().message());
  return n->rows;
}

TEST_CASE("json connector: an array of records, nested objects flattened, arrays kept as JSON") {
  TempDir dir;
  std::string path = dir.write("orders.json", R"([
  {"id": 1, "name": "张三", "customer": {"phone": "138", "address": {"city": "上海"}},
   "tags": ["a", {"k": 1.50}, [] ], "amount": 12.50, "paid": true, "note": null, "ratio": 1E3,
   "created": "2024-01-02T10:00:00Z"},
  {"id": 2, "extra": "x", "name": "Li \"Si\"\n\u5F20\ud83d\ude00", "amount": 7, "meta": {}}
])");
  std::string conn = "json:" + path;
  CHECK(columns_of(conn, "orders") ==
        "id:integer,name:text,customer.phone:integer,customer.address.city:text,tags:json,amount:decimal,"
        "paid:boolean,note:text,ratio:real,created:timestamptz,extra:text,meta:json");
  CHECK(count_of(conn, "orders") == 2);
  Rows all = read_rows(conn, "orders");
  CHECK(all.status.is_ok());
  CHECK(all.rows == std::vector<std::string>{
                        R"(1|张三|138|上海|["a",{"k":1.50},[]]|12.50|true|NULL|1E3|2024-01-02T10:00:00Z|NULL|NULL)",
                        "2|Li \"Si\"\n张😀|NULL|NULL|NULL|7|NULL|NULL|NULL|NULL|x|{}"});
  CHECK(all.rejects.empty());

  auto db = open_connector(conn);
  CHECK((*db)->backend() == "json");
  CHECK((*db)->info()->engine == "JSON");
}

TEST_CASE("json connector: a top-level object holding the records") {
  TempDir dir;
  SUBCASE("its one array member") {
    std::string path = dir.write("o.json", R"({"meta": {"n": [1, 2]}, "orders": [{"id": 1}, {"id": 2}], "next": null})");
    CHECK(read_rows("json:" + path, "o").rows == std::vector<std::string>{"1", "2"});
  }
  SUBCASE("record=KEY picks one of several arrays") {
    std::string path = dir.write("o.json", R"({"items": [{"sku": "a"}], "orders": [{"id": 1}]})");
    CHECK(read_rows("json:" + path + "?record=orders", "o").rows == std::vector<std::string>{"1"});
    Rows ambiguous = read_rows("json:" + path, "o");
    CHECK(ambiguous.status.code() == ErrorCode::kData);
    CHECK(ambiguous.status.message() ==
          "o.json: the top-level object has 2 array members (items, orders); choose one with record=KEY");
    Rows missing = read_rows("json:" + path + "?record=tickets", "o");
    CHECK(missing.status.code() == ErrorCode::kNotFound);
    CHECK(missing.status.message() == "o.json: the top-level object has no member 'tickets'; array members: items, orders");
  }
  SUBCASE("record=KEY naming a member that is not an array") {
    std::string path = dir.write("o.json", R"({"orders": {"id": 1}})");
    Rows all = read_rows("json:" + path + "?record=orders", "o");
    CHECK(all.status.message() == "o.json: member 'orders' is an object, not an array of records");
  }
}

TEST_CASE("json connector: records that are no objects or hold bad data are rejected, the rest is read") {
  TempDir dir;
  SUBCASE("a record that is not an object") {
    std::string path = dir.write("r.json", R"([{"id": 1}, 42, [1], {"id": 2}])");
    Rows all = read_rows("json:" + path, "r");
    CHECK(all.rows == std::vector<std::string>{"1", "2"});
    CHECK(all.rejects == std::vector<std::string>{"r.json:offset 12: record is a number, not an object",
                                                  "r.json:offset 16: record is an array, not an object"});
    CHECK(count_of("json:" + path, "r") == 2);
  }
  SUBCASE("duplicate keys") {
    std::string path = dir.write("r.json", R"([{"a": 1, "a": 2}, {"a.b": 1, "a": {"b": 2}}, {"a": 3}])");
    Rows all = read_rows("json:" + path, "r");
    CHECK(all.rows == std::vector<std::string>{"3"});
    CHECK(all.rejects == std::vector<std::string>{
                             "r.json:offset 1: two fields are named 'a' (nested names are joined with '.')",
                             "r.json:offset 19: two fields are named 'a.b' (nested names are joined with '.')"});
  }
}

TEST_CASE("json connector: malformed documents fail with file, line:column and offset") {
  TempDir dir;
  auto error_of = [&](const std::string& content) {
    dir.write("bad.json", content);
    Rows all = read_rows("json:" + (dir.path() / "bad.json").string(), "bad");
    CHECK(all.status.code() == ErrorCode::kData);
    return all.status.message();
  };
  SUBCASE("truncated") {
    CHECK(error_of("[\n{\"id\": 1},\n{\"id\": 2") ==
          "bad.json:3:9 (offset 21): unexpected end of the document, expected ',' or '}' after an object member");
    CHECK(error_of("[{\"id\": 1}") ==
          "bad.json:1:11 (offset 10): unexpected end of the document, expected ',' or ']' after a record");
    CHECK(error_of("[{\"id\": \"abc") == "bad.json:1:13 (offset 12): unexpected end of the document in a string");
  }
  SUBCASE("missing comma") {
    CHECK(error_of("[{\"id\": 1 \"name\": 2}]") ==
          "bad.json:1:11 (offset 10): expected ',' or '}' after an object member, found '\"'");
  }
  SUBCASE("trailing comma") {
    CHECK(error_of("[{\"id\": 1},]") == "bad.json:1:12 (offset 11): expected a value, found ']'");
  }
  SUBCASE("bad literal, number, escape, control character") {
    CHECK(error_of("[{\"a\": tru}]") == "bad.json:1:8 (offset 7): expected a value, found 't'");
    CHECK(error_of("[{\"a\": 012}]") == "bad.json:1:8 (offset 7): invalid number: leading zero");
    CHECK(error_of("[{\"a\": \"x\\q\"}]") == "bad.json:1:10 (offset 9): invalid escape: backslash before 'q'");
    CHECK(error_of("[{\"a\": \"\\ud800\"}]") == "bad.json:1:9 (offset 8): invalid \\u escape in a string");
    CHECK(error_of("[{\"a\": \"x\ny\"}]") == "bad.json:1:10 (offset 9): control character 0x0A in a string");
  }
  SUBCASE("text after the document") {
    CHECK(error_of("[{\"a\": 1}] x") == "bad.json:1:12 (offset 11): unexpected text after the document");
  }
  SUBCASE("not an array or object") {
    CHECK(error_of("\"hello\"") ==
          "bad.json:1:1 (offset 0): the document is a string; expected an array of records or an object holding one");
    CHECK(error_of("  \n") == "bad.json:2:1 (offset 3): the document is empty");
    CHECK(error_of("hello") == "bad.json:1:1 (offset 0): expected a value, found 'h'");
  }
  SUBCASE("describe and count report the same error") {
    dir.write("bad.json", "[{\"id\": 1},");
    std::string conn = "json:" + (dir.path() / "bad.json").string();
    CHECK(columns_of(conn, "bad") == "bad.json:1:12 (offset 11): unexpected end of the document, expected a value");
    auto db = open_connector(conn);
    CHECK((*db)->count({"", "bad"}).status().message() == columns_of(conn, "bad"));
  }
}

TEST_CASE("json connector: nesting depth is capped") {
  TempDir dir;
  constexpr int kTooDeep = 100;
  SUBCASE("a deeply nested document fails with the offset") {
    std::string path = dir.write("deep.json", std::string(kTooDeep, '[') + std::string(kTooDeep, ']'));
    Rows all = read_rows("json:" + path, "deep");
    CHECK(all.status.code() == ErrorCode::kData);
    CHECK(all.status.message() == "deep.json:1:65 (offset 64): nesting deeper than 64 levels");
  }
  SUBCASE("64 levels are read") {
    // The top-level array and the record are 2 levels; 62 arrays make 64.
    constexpr int kArrays = kMaxNestingDepth - 2;
    std::string path = dir.write("deep.json", "[{\"a\": " + std::string(kArrays, '[') + std::string(kArrays, ']') + "}]");
    Rows all = read_rows("json:" + path, "deep");
    CHECK(all.status.is_ok());
    CHECK(all.rows == std::vector<std::string>{std::string(kArrays, '[') + std::string(kArrays, ']')});
    dir.write("deep.json", "[{\"a\": " + std::string(kArrays + 1, '[') + std::string(kArrays + 1, ']') + "}]");
    CHECK(read_rows("json:" + path, "deep").status.message() == "deep.json:1:70 (offset 69): nesting deeper than 64 levels");
  }
  SUBCASE("a deeply nested JSON Lines record is rejected") {
    std::string path = dir.write("deep.jsonl", "{\"a\": 1}\n{\"a\": " + std::string(kTooDeep, '[') +
                                                    std::string(kTooDeep, ']') + "}\n{\"a\": 2}\n");
    Rows all = read_rows("jsonl:" + path, "deep");
    CHECK(all.status.is_ok());
    CHECK(all.rows == std::vector<std::string>{"1", "2"});
    CHECK(all.rejects == std::vector<std::string>{"deep.jsonl:2: column 70: nesting deeper than 64 levels"});
  }
}

TEST_CASE("json connector: a document over the size cap is refused with a clear message") {
  TempDir dir;
  std::string path = dir.write("huge.json", "[]");
  std::filesystem::resize_file(path, kMaxDocumentBytes + 1);  // sparse: no disk used
  Rows all = read_rows("json:" + path, "huge");
  CHECK(all.status.code() == ErrorCode::kData);
  CHECK(all.status.message() ==
        "huge.json has 536870913 bytes, over the 512 MiB a json document may have (it is parsed whole); "
        "JSON Lines (jsonl:) are read as a stream instead");
}

TEST_CASE("json connector: JSON Lines") {
  TempDir dir;
  std::string path = dir.write("events.jsonl",
                               "\xEF\xBB\xBF{\"id\": 1, \"kind\": \"open\"}\r\n"
                               "\n"
                               "{\"id\": 2, \"kind\": \"close\" \"x\": 1}\n"
                               "   \n"
                               "[1, 2]\n"
                               "{\"id\": 3, \"by\": {\"agent\": \"a\"}}\n"
                               "{\"id\": 4} trailing\n"
                               "{\"id\": 5}");
  std::string conn = "jsonl:" + path;
  CHECK(columns_of(conn, "events") == "id:integer,kind:text,by.agent:text");
  CHECK(count_of(conn, "events") == 3);
  Rows all = read_rows(conn, "events", 2);
  CHECK(all.status.is_ok());
  CHECK(all.rows == std::vector<std::string>{"1|open|NULL", "3|NULL|a", "5|NULL|NULL"});
  CHECK(all.rejects ==
        std::vector<std::string>{"events.jsonl:3: column 27: expected ',' or '}' after an object member, found '\"'",
                                 "events.jsonl:5: record is an array, not an object",
                                 "events.jsonl:7: column 11: unexpected text after the record"});

  SUBCASE("a folder holds .jsonl and .ndjson tables; .json files are not JSON Lines") {
    dir.write("more.ndjson", "{\"a\": 1}\n");
    dir.write("doc.json", "[]");
    auto db = open_connector("jsonl:" + dir.path().string());
    REQUIRE(db.is_ok());
    CHECK((*db)->backend() == "jsonl");
    CHECK(*(*db)->list_tables() == std::vector<TableRef>{{"", "events"}, {"", "more"}});
  }
  SUBCASE("options") {
    CHECK(open_connector("jsonl:" + path + "?record=x").status().message() ==
          "connection string 'jsonl:" + path + "?record=x': unknown jsonl option 'record'; jsonl options: encoding");
  }
}

TEST_CASE("json connector: legacy encodings") {
  TempDir dir;
  SUBCASE("GBK document declared as such") {
    // 张三 in GBK is D5 C5 C8 FD; 乗 is 81 5C, its second byte a backslash.
    std::string path = dir.write("g.json", "[{\"name\": \"\xD5\xC5\xC8\xFD\", \"k\": \"\x81\x5C\", \"t\": [\"\xD5\xC5\"]}]");
    Rows all = read_rows("json:" + path + "?encoding=gbk", "g");
    CHECK(all.status.is_ok());
    CHECK(all.rows == std::vector<std::string>{"张三|乗|[\"张\"]"});
  }
  SUBCASE("GBK read as UTF-8 rejects the record, naming the field, the encoding and the offset") {
    std::string path = dir.write("g.json", "[{\"name\": \"\xD5\xC5\xC8\xFD\"}, {\"name\": \"ok\"}]");
    Rows all = read_rows("json:" + path, "g");
    CHECK(all.rows == std::vector<std::string>{"ok"});
    CHECK(all.rejects ==
          std::vector<std::string>{"g.json:offset 1: field \"name\": invalid UTF-8 at offset 0 (D5 C5 C8 FD)"});
    CHECK(count_of("json:" + path, "g") == 1);
  }
  SUBCASE("a JSON Lines line that does not decode") {
    std::string path = dir.write("g.jsonl", "{\"name\": \"\xD5\xC5\xC8\xFD\"}\n{\"name\": \"x\x81\x20\"}\n");
    Rows all = read_rows("jsonl:" + path + "?encoding=gbk", "g");
    CHECK(all.rows == std::vector<std::string>{"张三"});
    CHECK(all.rejects ==
          std::vector<std::string>{"g.jsonl:2: field \"name\": undecodable GBK bytes at offset 1 (81 20)"});
  }
}

}  // namespace
}  // namespace csbridge::connector
