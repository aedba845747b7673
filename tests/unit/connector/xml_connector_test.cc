#include "connector/xml_connector.h"

#include <doctest/doctest.h>

#include "connector/registry.h"
#include "test_support.h"

namespace csbridge::connector {
namespace {

using test::TempDir;

// A table seen through the xml backend: its columns as "name:type", its rows
// as "v1|v2|NULL", its rejects as "location: reason", or the error that ended it.
struct Table {
  std::string columns;
  std::vector<std::string> rows;
  std::vector<std::string> rejects;
  int64_t count = -1;
  Status status;
};

Table load(const std::string& connection, const std::string& table) {
  Table out;
  auto db = open_connector(connection);
  if (!db.is_ok()) {
    out.status = db.status();
    return out;
  }
  auto info = (*db)->describe({"", table});
  if (!info.is_ok()) {
    out.status = info.status();
    return out;
  }
  for (const ColumnInfo& c : info->columns) {
    out.columns += (out.columns.empty() ? "" : ",") + c.name + ":" + value_type_name(c.type);
  }
  auto count = (*db)->count({"", table});
  REQUIRE_MESSAGE(count.is_ok(), count.status().message());
  out.count = count->rows;
  auto reader = (*db)->read({{"", table}, {}, "", {}, -1, 2});
  REQUIRE_MESSAGE(reader.is_ok(), reader.status().message());
  Batch batch;
  for (;;) {
    auto more = (*reader)->next(batch);
    REQUIRE_MESSAGE(more.is_ok(), more.status().message());
    for (const RejectedRecord& r : (*reader)->take_rejects()) out.rejects.push_back(r.location + ": " + r.reason);
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

constexpr const char* kOrders = R"(<?xml version="1.0" encoding="UTF-8"?>
<export>
  <meta><generated>2024-01-01</generated></meta>
  <orders>
    <order id="1" status="open">
      <customer vip="true"><name>张三</name><phone>138</phone></customer>
      <amount currency="CNY">12.50</amount>
      <note/>
      <item>a</item><item sku="x">b</item>
    </order>
    <order id="2">
      <customer><name>Li &amp; Si</name></customer>
      <amount>7</amount>
      <note><![CDATA[<b>bold</b>]]></note>
    </order>
  </orders>
</export>
)";

TEST_CASE("xml connector: a record path, attributes as @name, nested elements joined with '.'") {
  TempDir dir;
  std::string path = dir.write("orders.xml", kOrders);
  Table t = load("xml:" + path + "?record=/export/orders/order", "orders");
  CHECK(t.status.is_ok());
  CHECK(t.columns ==
        "@id:integer,@status:text,customer.@vip:boolean,customer.name:text,customer.phone:integer,amount:decimal,"
        "amount.@currency:text,note:text,item:json");
  CHECK(t.count == 2);
  // An empty element is the empty string, a missing one NULL; repeated elements are one JSON array.
  CHECK(t.rows == std::vector<std::string>{
                      R"(1|open|true|张三|138|12.50|CNY||["a",{"@sku":"x","#text":"b"}])",
                      "2|NULL|NULL|Li & Si|NULL|7|NULL|<b>bold</b>|NULL"});
  CHECK(t.rejects.empty());

  auto db = open_connector("xml:" + path);
  REQUIRE(db.is_ok());
  CHECK((*db)->backend() == "xml");
  CHECK((*db)->info()->engine == "XML");
}

TEST_CASE("xml connector: records default to the children of the root") {
  TempDir dir;
  SUBCASE("children with one name") {
    dir.write("customers.xml",
              "<customers>\n<customer id='1'>Ann</customer>\n<!-- note -->\n<customer id='2'><tel>1</tel></customer>\n"
              "</customers>");
    Table t = load("xml:" + dir.path().string(), "customers");
    CHECK(t.columns == "#text:text,@id:integer,tel:integer");
    CHECK(t.rows == std::vector<std::string>{"Ann|1|NULL", "NULL|2|1"});
  }
  SUBCASE("children with different names need a record path") {
    std::string path = dir.write("orders.xml", kOrders);
    Table t = load("xml:" + path, "orders");
    CHECK(t.status.code() == ErrorCode::kData);
    CHECK(t.status.message() ==
          "orders.xml: the children of <export> have different names (meta, orders); name the record elements "
          "with record=/export/NAME, or read the document as one record with record=/export");
  }
  SUBCASE("an empty root is an empty table") {
    dir.write("empty.xml", "<orders/>");
    Table t = load("xml:" + dir.path().string(), "empty");
    CHECK(t.status.is_ok());
    CHECK(t.columns.empty());
    CHECK(t.count == 0);
  }
}

TEST_CASE("xml connector: record paths are XPath") {
  TempDir dir;
  std::string path = dir.write("orders.xml", kOrders);
  SUBCASE("any XPath selecting elements") {
    Table t = load("xml:" + path + "?record=//order[@status='open']/customer", "orders");
    CHECK(t.rows == std::vector<std::string>{"true|张三|138"});
  }
  SUBCASE("a path selecting nothing is an empty table") {
    Table t = load("xml:" + path + "?record=/export/orders/ticket", "orders");
    CHECK(t.count == 0);
  }
  SUBCASE("invalid XPath") {
    Table t = load("xml:" + path + "?record=/export/[", "orders");
    CHECK(t.status.code() == ErrorCode::kInvalidArgument);
    CHECK(t.status.message() == "record path '/export/[' is not a valid XPath: Unrecognized node test");
  }
  SUBCASE("a path selecting attributes") {
    Table t = load("xml:" + path + "?record=//order/@id", "orders");
    CHECK(t.status.code() == ErrorCode::kInvalidArgument);
    CHECK(t.status.message() == "record path '//order/@id' selects attributes in orders.xml; it must select elements");
  }
  SUBCASE("unknown option") {
    Table t = load("xml:" + path + "?records=/a", "orders");
    CHECK(t.status.code() == ErrorCode::kInvalidArgument);
    CHECK(t.status.message() == "connection string 'xml:" + path +
                                    "?records=/a': unknown xml option 'records', did you mean 'record'?; xml options: "
                                    "encoding, record");
  }
}

TEST_CASE("xml connector: a folder is one table per .xml file") {
  TempDir dir;
  dir.write("b.xml", "<r><x>1</x></r>");
  dir.write("a.xml", "<r><x>2</x></r>");
  dir.write("a.json", "[]");
  auto db = open_connector("xml:" + dir.path().string());
  REQUIRE(db.is_ok());
  CHECK(*(*db)->list_tables() == std::vector<TableRef>{{"", "a"}, {"", "b"}});
}

TEST_CASE("xml connector: malformed documents fail with file, line:column and offset") {
  TempDir dir;
  auto error_of = [&](const std::string& content) {
    dir.write("bad.xml", content);
    Table t = load("xml:" + dir.path().string(), "bad");
    CHECK(t.status.code() == ErrorCode::kData);
    return t.status.message();
  };
  SUBCASE("truncated") {
    CHECK(error_of("<orders>\n<order><id>1</id></order>\n<order><id>2</id>") ==
              "bad.xml:3:17 (offset 51): Start-end tags mismatch");
  }
  SUBCASE("mismatched tags") {
    CHECK(error_of("<orders>\n<order><id>1</od></order>\n</orders>") ==
              "bad.xml:2:15 (offset 23): Start-end tags mismatch");
  }
  SUBCASE("bad attribute") {
    CHECK(error_of("<orders>\n<order id=1/></orders>") == "bad.xml:2:11 (offset 19): Error parsing element attribute");
  }
  SUBCASE("empty") { CHECK(error_of("") == "bad.xml:1:1 (offset 0): No document element found"); }
}

TEST_CASE("xml connector: nesting depth is capped") {
  TempDir dir;
  constexpr int kTooDeep = 100;
  std::string deep;
  for (int i = 0; i < kTooDeep; ++i) deep += "<a>";
  for (int i = 0; i < kTooDeep; ++i) deep += "</a>";
  dir.write("deep.xml", deep);
  Table t = load("xml:" + dir.path().string(), "deep");
  CHECK(t.status.code() == ErrorCode::kData);
  // The 65th <a> starts at offset 64 × 3 = 192 (offsets are 0-based, columns 1-based).
  CHECK(t.status.message() == "deep.xml:1:193 (offset 192): elements nested deeper than 64 levels");
}

TEST_CASE("xml connector: legacy encodings") {
  TempDir dir;
  // 张三 in GBK is D5 C5 C8 FD.
  std::string gbk = "<?xml version=\"1.0\" encoding=\"GBK\"?>\n"
                    "<customers><customer><name>\xD5\xC5\xC8\xFD</name></customer>"
                    "<customer><name>x\x81\x20</name></customer><customer><name>ok</name></customer></customers>";
  std::string path = dir.write("g.xml", gbk);
  SUBCASE("the encoding the XML declaration names") {
    Table t = load("xml:" + path, "g");
    CHECK(t.rows == std::vector<std::string>{"张三", "ok"});
    CHECK(t.rejects == std::vector<std::string>{"g.xml:offset 86: field \"name\": undecodable GBK bytes at offset 1 (81 20)"});
    CHECK(t.count == 2);
  }
  SUBCASE("UTF-16 with a byte order mark") {
    std::string utf16le = "\xFF\xFE";
    for (char16_t c : std::u16string(u"<r><x>张</x></r>")) {
      utf16le += static_cast<char>(c & 0xFF);
      utf16le += static_cast<char>(c >> 8);
    }
    dir.write("g.xml", utf16le);
    CHECK(load("xml:" + path, "g").rows == std::vector<std::string>{"张"});
  }
  SUBCASE("encoding= overrides the declaration") {
    Table t = load("xml:" + path + "?encoding=utf-8", "g");
    CHECK(t.rows == std::vector<std::string>{"ok"});
    CHECK(t.rejects ==
          std::vector<std::string>{"g.xml:offset 48: field \"name\": invalid UTF-8 at offset 0 (D5 C5 C8 FD)",
                                   "g.xml:offset 86: field \"name\": invalid UTF-8 at offset 1 (81 20)"});
  }
}

}  // namespace
}  // namespace csbridge::connector
