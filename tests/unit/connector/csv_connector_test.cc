#include "connector/csv_connector.h"

#include <doctest/doctest.h>

#include "connector/registry.h"
#include "test_support.h"

namespace csbridge::connector {
namespace {

using test::TempDir;

// What a reader yields: rows as "v1|v2|NULL", rejects as "location: reason", rows per batch.
struct ReadAll {
  std::vector<std::string> rows;
  std::vector<std::string> rejects;
  std::vector<size_t> batches;
};

ReadAll read_all(Connector& db, const std::string& table, ReadRequest request = {}) {
  request.table = {"", table};
  auto reader = db.read(request);
  REQUIRE_MESSAGE(reader.is_ok(), reader.status().message());
  ReadAll all;
  Batch batch;
  for (;;) {
    auto more = (*reader)->next(batch);
    REQUIRE_MESSAGE(more.is_ok(), more.status().message());
    for (const RejectedRecord& r : (*reader)->take_rejects()) all.rejects.push_back(r.location + ": " + r.reason);
    if (!*more) break;
    all.batches.push_back(batch.rows());
    for (size_t row = 0; row < batch.rows(); ++row) {
      std::string text;
      for (size_t col = 0; col < batch.columns(); ++col) {
        text += (col ? "|" : "") + (batch.is_null(row, col) ? std::string("NULL") : std::string(batch.get(row, col)));
      }
      all.rows.push_back(text);
    }
  }
  return all;
}

std::unique_ptr<Connector> open(const std::string& text) {
  auto db = open_connector(text);
  REQUIRE_MESSAGE(db.is_ok(), db.status().message());
  return std::move(*db);
}

// "name:type" of every column.
std::string columns_of(Connector& db, const std::string& table) {
  auto info = db.describe({"", table});
  REQUIRE_MESSAGE(info.is_ok(), info.status().message());
  std::string out;
  for (const ColumnInfo& c : info->columns) {
    out += (out.empty() ? "" : ",") + c.name + ":" + value_type_name(c.type);
    CHECK(c.declared_type.empty());
  }
  return out;
}

int64_t count_of(Connector& db, const std::string& table) {
  auto n = db.count({"", table});
  REQUIRE_MESSAGE(n.is_ok(), n.status().message());
  CHECK(n->exact);
  return n->rows;
}

TEST_CASE("csv connector: a file with a header is one table with typed columns") {
  TempDir dir;
  std::string path = dir.write("orders.csv",
                               "id,name,amount,created,paid\n"
                               "1,张三,12.50,2024-01-02,true\n"
                               "2,\"Li, Si\",,2024-02-03,false\n"
                               "3,\"\",7,2024-03-04 10:00:00,true\n");
  auto db = open("csv:" + path);
  CHECK(db->backend() == "csv");
  auto info = db->info();
  REQUIRE(info.is_ok());
  CHECK(info->engine == "CSV");
  CHECK(info->version.empty());
  auto tables = db->list_tables();
  REQUIRE(tables.is_ok());
  CHECK(*tables == std::vector<TableRef>{{"", "orders"}});

  CHECK(columns_of(*db, "orders") == "id:integer,name:text,amount:decimal,created:timestamp,paid:boolean");
  auto described = db->describe({"", "orders"});
  CHECK(described->primary_key.empty());
  CHECK(described->indexes.empty());
  CHECK(described->foreign_keys.empty());
  CHECK(count_of(*db, "orders") == 3);
  ReadAll all = read_all(*db, "orders");
  // An empty unquoted field is NULL; a quoted "" is the empty string.
  CHECK(all.rows == std::vector<std::string>{"1|张三|12.50|2024-01-02|true", "2|Li, Si|NULL|2024-02-03|false",
                                             "3||7|2024-03-04 10:00:00|true"});
  CHECK(all.rejects.empty());
}

TEST_CASE("csv connector: a folder is one table per .csv/.tsv file") {
  TempDir dir;
  dir.write("b_customers.csv", "id,name\n1,a\n");
  dir.write("a_tickets.tsv", "id\tsubject\n7\thello, world\n");
  dir.write("notes.txt", "not a table\n");
  dir.write(".hidden.csv", "x\n1\n");
  auto db = open("csv:" + dir.path().string());
  auto tables = db->list_tables();
  REQUIRE(tables.is_ok());
  CHECK(*tables == std::vector<TableRef>{{"", "a_tickets"}, {"", "b_customers"}});
  // .tsv files are tab-separated unless delimiter= says otherwise.
  CHECK(read_all(*db, "a_tickets").rows == std::vector<std::string>{"7|hello, world"});
  CHECK(read_all(*db, "b_customers").rows == std::vector<std::string>{"1|a"});

  auto missing = db->describe({"", "orders"});
  CHECK(missing.status().code() == ErrorCode::kNotFound);
  CHECK(missing.status().message() ==
        "no table 'orders' in csv:" + dir.path().string() + "; tables: a_tickets, b_customers");
}

TEST_CASE("csv connector: a table name with dots is found even when split into schema.name") {
  TempDir dir;
  dir.write("orders.2023.csv", "id\n1\n");
  auto db = open("csv:" + dir.path().string());
  CHECK(db->list_tables()->front().name == "orders.2023");
  CHECK(db->count({"orders", "2023"}).is_ok());
}

TEST_CASE("csv connector: two files for one table name are refused") {
  TempDir dir;
  dir.write("orders.csv", "id\n1\n");
  dir.write("orders.tsv", "id\n1\n");
  auto db = open_connector("csv:" + dir.path().string());
  CHECK(db.status().code() == ErrorCode::kInvalidArgument);
  CHECK(db.status().message() ==
        "folder '" + dir.path().string() + "' holds two files for table 'orders': orders.csv and orders.tsv");
}

TEST_CASE("csv connector: a missing path is unreachable and named") {
  TempDir dir;
  std::string path = (dir.path() / "nowhere" / "orders.csv").string();
  auto db = open_connector("csv:" + path);
  CHECK(db.status().code() == ErrorCode::kUnreachable);
  CHECK(db.status().message() == "cannot open csv:" + path + ": no such file or folder '" + path + "'");
}

TEST_CASE("csv connector: options") {
  TempDir dir;
  SUBCASE("delimiter, quote and null") {
    std::string path = dir.write("t.csv", "id;note;ref\n1;'a;b';NULL\n2;'it''s';\n3;'NULL';x\n");
    auto db = open("csv:" + path + "?delimiter=;&quote='&null=NULL");
    // With null= set, only that unquoted text is NULL; an empty field is the empty string.
    CHECK(read_all(*db, "t").rows == std::vector<std::string>{"1|a;b|NULL", "2|it's|", "3|NULL|x"});
  }
  SUBCASE("delimiter=tab") {
    std::string path = dir.write("t.csv", "a\tb\n1\t2\n");
    CHECK(read_all(*open("csv:" + path + "?delimiter=tab"), "t").rows == std::vector<std::string>{"1|2"});
    CHECK(read_all(*open("csv:" + path + "?delimiter=\\t"), "t").rows == std::vector<std::string>{"1|2"});
  }
  SUBCASE("header=false names the columns c1..cN") {
    std::string path = dir.write("t.csv", "1,a\n2,b\n");
    auto db = open("csv:" + path + "?header=false");
    CHECK(columns_of(*db, "t") == "c1:integer,c2:text");
    CHECK(read_all(*db, "t").rows == std::vector<std::string>{"1|a", "2|b"});
    CHECK(count_of(*db, "t") == 2);
  }
  SUBCASE("unknown option") {
    auto db = open_connector("csv:x.csv?delimeter=;");
    CHECK(db.status().code() == ErrorCode::kInvalidArgument);
    CHECK(db.status().message() ==
          "connection string 'csv:x.csv?delimeter=;': unknown csv option 'delimeter', did you mean 'delimiter'?; "
          "csv options: encoding, delimiter, header, quote, null");
  }
  SUBCASE("bad values") {
    CHECK(open_connector("csv:x.csv?delimiter=;;").status().message() ==
          "connection string 'csv:x.csv?delimiter=;;': delimiter must be one character or 'tab', not ';;'");
    CHECK(open_connector("csv:x.csv?quote=").status().message() ==
          "connection string 'csv:x.csv?quote=': quote must be one character, not ''");
    CHECK(open_connector("csv:x.csv?header=yes").status().message() ==
          "connection string 'csv:x.csv?header=yes': header must be true or false, not 'yes'");
    CHECK(open_connector("csv:x.csv?delimiter=\"").status().message() ==
          "connection string 'csv:x.csv?delimiter=\"': delimiter and quote are the same character");
    auto bad_encoding = open_connector("csv:x.csv?encoding=ebcdic");
    CHECK(bad_encoding.status().code() == ErrorCode::kInvalidArgument);
    CHECK(bad_encoding.status().message() ==
          "connection string 'csv:x.csv?encoding=ebcdic': unknown encoding 'ebcdic'; known: utf-8, gbk, gb2312, "
          "gb18030, big5, latin1, utf8_in_latin1");
  }
}

TEST_CASE("csv connector: read requests") {
  TempDir dir;
  std::string content = "id,name,city\n";
  for (int i = 1; i <= 10; ++i) content += std::to_string(i) + ",n" + std::to_string(i) + ",c\n";
  dir.write("t.csv", content);
  auto db = open("csv:" + dir.path().string());

  SUBCASE("batches hold at most batch_rows") {
    ReadRequest request;
    request.batch_rows = 3;
    ReadAll all = read_all(*db, "t", request);
    CHECK(all.batches == std::vector<size_t>{3, 3, 3, 1});
    CHECK(all.rows.size() == 10);
    CHECK(all.rows.back() == "10|n10|c");
  }
  SUBCASE("a batch boundary at the end of the file") {
    ReadRequest request;
    request.batch_rows = 5;
    CHECK(read_all(*db, "t", request).batches == std::vector<size_t>{5, 5});
  }
  SUBCASE("limit") {
    ReadRequest request;
    request.batch_rows = 3;
    request.limit = 4;
    ReadAll all = read_all(*db, "t", request);
    CHECK(all.batches == std::vector<size_t>{3, 1});
    CHECK(all.rows.back() == "4|n4|c");
    request.limit = 0;
    CHECK(read_all(*db, "t", request).rows.empty());
  }
  SUBCASE("a subset of columns, in the order asked") {
    ReadRequest request;
    request.columns = {"city", "id"};
    request.limit = 1;
    auto reader = db->read({{"", "t"}, {"city", "id"}, "", {}, 1, 10});
    REQUIRE(reader.is_ok());
    CHECK((*reader)->columns().size() == 2);
    CHECK((*reader)->columns()[0].name == "city");
    CHECK(read_all(*db, "t", request).rows == std::vector<std::string>{"c|1"});
  }
  SUBCASE("an unknown column names the available ones") {
    auto reader = db->read({{"", "t"}, {"nam"}, "", {}, -1, 10});
    CHECK(reader.status().code() == ErrorCode::kNotFound);
    CHECK(reader.status().message() == "no column 'nam' in table 't', did you mean 'name'?; columns: id, name, city");
  }
  SUBCASE("where is not supported, order_by sorts (with limit after the sort)") {
    auto filtered = db->read({{"", "t"}, {}, "id > 3", {}, -1, 10});
    CHECK(filtered.status().code() == ErrorCode::kNotSupported);
    CHECK(filtered.status().message() ==
          "the csv backend cannot filter rows with SQL (where) of table 't': test them by column values with the "
          "block's filter: instead");
    ReadRequest request;
    request.order_by = {"id"};
    request.batch_rows = 4;
    ReadAll all = read_all(*db, "t", request);
    REQUIRE(all.rows.size() == 10);
    CHECK(all.rows.front() == "1|n1|c");
    CHECK(all.rows.back() == "10|n10|c");  // 10 after 9: integers by value
    CHECK(all.batches == std::vector<size_t>{4, 4, 2});
    request.limit = 3;
    request.columns = {"name"};
    auto unread = db->read({{"", "t"}, {"name"}, "", {"id"}, -1, 10});
    CHECK(unread.status().message() == "the csv backend sorts rows only by columns it reads ('id' of table 't')");
    request.columns = {"id"};
    CHECK(read_all(*db, "t", request).rows == std::vector<std::string>{"1", "2", "3"});
  }
  SUBCASE("write and execute are not supported") {
    CHECK(db->write({{"", "t"}, {"id"}}).status().message() == "the csv backend cannot write (table t)");
    CHECK(db->execute("DELETE FROM t").message() == "the csv backend cannot run SQL");
  }
  SUBCASE("queries are not supported") {
    ReadRequest request;
    request.query = "SELECT id FROM t";
    auto reader = db->read(request);
    CHECK(reader.status().code() == ErrorCode::kNotSupported);
    CHECK(reader.status().message() == "the csv backend cannot run SQL queries");
    auto described = db->describe_query(request.query);
    CHECK(described.status().code() == ErrorCode::kNotSupported);
    CHECK(described.status().message() == "the csv backend cannot run SQL queries");
  }
}

TEST_CASE("csv connector: bad input is rejected with its line, the rest is read") {
  TempDir dir;
  SUBCASE("UTF-8 BOM is stripped") {
    dir.write("t.csv", "\xEF\xBB\xBFid,name\n1,a\n");
    auto db = open("csv:" + dir.path().string());
    CHECK(columns_of(*db, "t") == "id:integer,name:text");
  }
  SUBCASE("CRLF line ends") {
    dir.write("t.csv", "id,name\r\n1,a\r\n2,b,extra\r\n3,c\r\n");
    ReadAll all = read_all(*open("csv:" + dir.path().string()), "t");
    CHECK(all.rows == std::vector<std::string>{"1|a", "3|c"});
    CHECK(all.rejects == std::vector<std::string>{"t.csv:3: expected 2 fields, found 3"});
  }
  SUBCASE("bare CR line ends") {
    dir.write("t.csv", "id,name\r1,a\r2\r3,c");
    ReadAll all = read_all(*open("csv:" + dir.path().string()), "t");
    CHECK(all.rows == std::vector<std::string>{"1|a", "3|c"});
    CHECK(all.rejects == std::vector<std::string>{"t.csv:3: expected 2 fields, found 1"});
  }
  SUBCASE("a newline inside quotes is data; lines are counted from where a record starts") {
    dir.write("t.csv", "id,note\n1,\"line one\nline two\r\nline three\"\n2,x,y\n3,z\n");
    auto db = open("csv:" + dir.path().string());
    ReadAll all = read_all(*db, "t");
    CHECK(all.rows == std::vector<std::string>{"1|line one\nline two\r\nline three", "3|z"});
    CHECK(all.rejects == std::vector<std::string>{"t.csv:5: expected 2 fields, found 3"});
    CHECK(count_of(*db, "t") == 2);
  }
  SUBCASE("ragged rows: more and fewer fields than the header") {
    dir.write("t.csv", "a,b,c\n1,2,3\n1,2\n1,2,3,4\n,,\n");
    auto db = open("csv:" + dir.path().string());
    ReadAll all = read_all(*db, "t");
    CHECK(all.rows == std::vector<std::string>{"1|2|3", "NULL|NULL|NULL"});
    CHECK(all.rejects ==
          std::vector<std::string>{"t.csv:3: expected 3 fields, found 2", "t.csv:4: expected 3 fields, found 4"});
    CHECK(count_of(*db, "t") == 2);
  }
  SUBCASE("an unterminated quote at the end of the file rejects its line only") {
    dir.write("t.csv", "id,name\n1,a\n2,\"bad\n3,c\n4,d");
    auto db = open("csv:" + dir.path().string());
    ReadAll all = read_all(*db, "t");
    CHECK(all.rows == std::vector<std::string>{"1|a", "3|c", "4|d"});
    CHECK(all.rejects ==
          std::vector<std::string>{"t.csv:3: field 2: quoted field is not closed (no '\"' before the end of the file)"});
    CHECK(count_of(*db, "t") == 3);
  }
  SUBCASE("an unterminated quote on the last line") {
    dir.write("t.csv", "id,name\n1,a\n2,\"bad");
    ReadAll all = read_all(*open("csv:" + dir.path().string()), "t");
    CHECK(all.rows == std::vector<std::string>{"1|a"});
    CHECK(all.rejects ==
          std::vector<std::string>{"t.csv:3: field 2: quoted field is not closed (no '\"' before the end of the file)"});
  }
  SUBCASE("text after a closing quote") {
    dir.write("t.csv", "id,name\n1,\"a\"b\n2,c\n");
    ReadAll all = read_all(*open("csv:" + dir.path().string()), "t");
    CHECK(all.rows == std::vector<std::string>{"2|c"});
    CHECK(all.rejects == std::vector<std::string>{"t.csv:2: field 2: 'b' after the closing quote"});
  }
  SUBCASE("a stray quote that swallowed lines rejects its own line and the next lines are read again") {
    dir.write("t.csv", "id,name\n1,\"abc\n2,x\"y\n3,z\n");
    ReadAll all = read_all(*open("csv:" + dir.path().string()), "t");
    // A quote inside an unquoted field is data.
    CHECK(all.rows == std::vector<std::string>{"2|x\"y", "3|z"});
    CHECK(all.rejects == std::vector<std::string>{"t.csv:2: field 2: 'y' after the closing quote"});
  }
  SUBCASE("NUL bytes are kept") {
    dir.write("t.csv", std::string("id,name\n1,a\0b\n", 14));
    ReadAll all = read_all(*open("csv:" + dir.path().string()), "t");
    REQUIRE(all.rows.size() == 1);
    CHECK(all.rows[0] == std::string("1|a\0b", 5));
  }
  SUBCASE("blank lines are no records") {
    dir.write("t.csv", "id,name\n\n1,a\n\r\n\n2,b\n\n");
    auto db = open("csv:" + dir.path().string());
    CHECK(read_all(*db, "t").rows == std::vector<std::string>{"1|a", "2|b"});
    CHECK(count_of(*db, "t") == 2);
  }
  SUBCASE("in a one-column file a blank line is a NULL") {
    dir.write("t.csv", "note\nx\n\ny\n");
    CHECK(read_all(*open("csv:" + dir.path().string()), "t").rows == std::vector<std::string>{"x", "NULL", "y"});
  }
  SUBCASE("an empty file is an empty table") {
    dir.write("t.csv", "");
    auto db = open("csv:" + dir.path().string());
    CHECK(columns_of(*db, "t").empty());
    CHECK(count_of(*db, "t") == 0);
    CHECK(read_all(*db, "t").rows.empty());
  }
  SUBCASE("a header with an empty name and no data") {
    dir.write("t.csv", "id,,name\n");
    auto db = open("csv:" + dir.path().string());
    CHECK(columns_of(*db, "t") == "id:text,c2:text,name:text");
    CHECK(count_of(*db, "t") == 0);
  }
  SUBCASE("a header naming a column twice fails the table") {
    dir.write("t.csv", "id,name,id\n1,a,2\n");
    auto info = open("csv:" + dir.path().string())->describe({"", "t"});
    CHECK(info.status().code() == ErrorCode::kData);
    CHECK(info.status().message() ==
          "t.csv:1: header: fields 1 and 3 are both named 'id' (header=false reads the file with columns c1..cN)");
  }
  SUBCASE("a header with a quoting error fails the table") {
    dir.write("t.csv", "id,\"name\n1,a\n");
    auto info = open("csv:" + dir.path().string())->describe({"", "t"});
    CHECK(info.status().code() == ErrorCode::kData);
    CHECK(info.status().message() ==
          "t.csv:1: header: field 2: quoted field is not closed (no '\"' before the end of the file)");
  }
}

TEST_CASE("csv connector: legacy encodings") {
  TempDir dir;
  // 张三 in GBK is D5 C5 C8 FD; 李四 C0 EE CB C4.
  std::string gbk = "id,name\n1,\xD5\xC5\xC8\xFD\n2,abc\n3,\xC0\xEE\xCB\xC4\n";
  std::string path = dir.write("g.csv", gbk);

  SUBCASE("declared GBK is converted to UTF-8") {
    auto db = open("csv:" + path + "?encoding=gbk");
    CHECK(read_all(*db, "g").rows == std::vector<std::string>{"1|张三", "2|abc", "3|李四"});
    CHECK(count_of(*db, "g") == 3);
  }
  SUBCASE("GBK read as UTF-8 is rejected, naming the encoding and the offset") {
    auto db = open("csv:" + path);
    ReadAll all = read_all(*db, "g");
    CHECK(all.rows == std::vector<std::string>{"2|abc"});
    CHECK(all.rejects == std::vector<std::string>{"g.csv:2: field 2 (name): invalid UTF-8 at offset 0 (D5 C5 C8 FD)",
                                                  "g.csv:4: field 2 (name): invalid UTF-8 at offset 0 (C0 EE CB C4)"});
    CHECK(count_of(*db, "g") == 1);
  }
  SUBCASE("bytes that are not GBK either") {
    dir.write("g.csv", "id,name\n1,ok\xD5\xC5\n2,x\x81\x20y\n");
    ReadAll all = read_all(*open("csv:" + path + "?encoding=gbk"), "g");
    CHECK(all.rows == std::vector<std::string>{"1|ok张"});
    CHECK(all.rejects ==
          std::vector<std::string>{"g.csv:3: field 2 (name): undecodable GBK bytes at offset 1 (81 20 79)"});
  }
  SUBCASE("UTF-8 text in a file declared GBK is kept") {
    dir.write("g.csv", "id,name\n1,张三\n");
    CHECK(read_all(*open("csv:" + path + "?encoding=gbk"), "g").rows == std::vector<std::string>{"1|张三"});
  }
  SUBCASE("Big5, GB18030 four-byte characters, Latin-1") {
    // 張三 in Big5 is B1 69 A4 54; 𠀀 in GB18030 is 95 32 82 36; é in Latin-1 is E9.
    dir.write("g.csv", "id,name\n1,\xB1\x69\xA4\x54\n");
    CHECK(read_all(*open("csv:" + path + "?encoding=big5"), "g").rows == std::vector<std::string>{"1|張三"});
    dir.write("g.csv", "id,name\n1,\x95\x32\x82\x36\n");
    CHECK(read_all(*open("csv:" + path + "?encoding=gb18030"), "g").rows == std::vector<std::string>{"1|𠀀"});
    dir.write("g.csv", "id,name\n1,caf\xE9\n");
    CHECK(read_all(*open("csv:" + path + "?encoding=latin1"), "g").rows == std::vector<std::string>{"1|café"});
  }
  SUBCASE("a delimiter that can be the second byte of a GBK character") {
    // 眧 is B1 7C in GBK: its second byte is '|'.
    dir.write("g.csv", "id|name\n1|\xB1\x7C\xD5\xC5\n");
    CHECK(read_all(*open("csv:" + path + "?encoding=gbk&delimiter=|"), "g").rows ==
          std::vector<std::string>{"1|眧张"});
  }
}

}  // namespace
}  // namespace csbridge::connector
