#include "connector/api_page.h"

#include <doctest/doctest.h>

#include <string>

namespace csbridge::connector {
namespace {

// The scanner's page (which must take it on) and the document reader's, compared whole.
ApiPage both(const std::string& body, const std::string& records = "/data",
             const std::vector<std::string>& pointers = {"/meta/next"}) {
  ApiPage scanned, document;
  PageScanResult r = scan_api_page(body, records, pointers, scanned);
  INFO("body: " << body << " — scanner: " << r.message << " at " << r.offset);
  REQUIRE(r.outcome == PageScan::kOk);
  REQUIRE(read_api_page_document(body, records, pointers, document));
  CHECK(scanned.list == document.list);
  CHECK(scanned.rows == document.rows);
  CHECK(scanned.not_objects == document.not_objects);
  CHECK(scanned.values == document.values);
  return scanned;
}

ApiRow row(std::initializer_list<std::pair<std::string, std::optional<std::string>>> cells) { return ApiRow(cells); }

TEST_CASE("scan_api_page flattens records as the document reader does") {
  SUBCASE("nested objects become a.b columns, in order") {
    ApiPage p = both(R"({"data":[{"id":1,"who":{"id":7,"org":{"name":"x"}},"s":"t"}],"meta":{"next":"c2"}})");
    CHECK(p.rows == std::vector<ApiRow>{row({{"id", "1"}, {"who.id", "7"}, {"who.org.name", "x"}, {"s", "t"}})});
    CHECK(p.values == std::vector<std::string>{"c2"});
  }
  SUBCASE("arrays and objects inside arrays are compact JSON text") {
    ApiPage p = both(R"({"data":[{"tags":[ "a" , {"k" : [1, 2.50, null, true]} , [] , {} ],"e":[]}]})");
    CHECK(p.rows[0] == row({{"tags", R"(["a",{"k":[1,2.5,null,true]},[],{}])"}, {"e", "[]"}}));
  }
  SUBCASE("an empty nested object has no column; a record that is {} is an empty row") {
    ApiPage p = both(R"({"data":[{"a":{},"b":1},{}]})");
    CHECK(p.rows == std::vector<ApiRow>{row({{"b", "1"}}), ApiRow{}});
  }
  SUBCASE("a record's member named \"\" holding an object is kept as JSON text") {
    ApiPage p = both(R"({"data":[{"":{"x":1},"o":{"":{"y":2}}}]})");
    REQUIRE(p.rows[0].size() == 2);
    CHECK(p.rows[0][0] == std::pair<std::string, std::optional<std::string>>{"", R"({"x":1})"});
    CHECK(p.rows[0][1] == std::pair<std::string, std::optional<std::string>>{"o..y", "2"});
  }
  SUBCASE("unicode escapes, surrogate pairs, control characters and raw UTF-8") {
    ApiPage p = both(R"({"data":[{"s":"\u5BA2\u6237 \ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t \u0001 客户","k\u00e9":[ "\u0007\n\u00e9" ]}]})");
    CHECK(p.rows[0][0].second == "客户 😀 \"q\" \\ / \b\f\n\r\t \x01 客户");
    CHECK(p.rows[0][1].first == "ké");
    CHECK(p.rows[0][1].second == R"(["\u0007\né"])");
  }
  SUBCASE("numbers in the form the document reader writes them") {
    ApiPage p = both(
        R"({"data":[{"a":0,"b":-0,"c":-12,"d":1.50,"e":1e2,"f":1E-2,"g":123456789012345678901234,"h":-9223372036854775808,"i":18446744073709551615,"j":1e-400,"k":0.1,"l":123456789012345678}]})");
    CHECK(p.rows[0] == row({{"a", "0"},
                            {"b", "0"},
                            {"c", "-12"},
                            {"d", "1.5"},
                            {"e", "100.0"},
                            {"f", "0.01"},
                            {"g", "1.2345678901234569e+23"},
                            {"h", "-9223372036854775808"},
                            {"i", "18446744073709551615"},
                            {"j", "0.0"},
                            {"k", "0.1"},
                            {"l", "123456789012345678"}}));
  }
  SUBCASE("nulls and booleans") {
    ApiPage p = both(R"({"data":[{"n":null,"t":true,"f":false,"o":{"n":null}}]})");
    CHECK(p.rows[0] == row({{"n", std::nullopt}, {"t", "true"}, {"f", "false"}, {"o.n", std::nullopt}}));
  }
  SUBCASE("records that are not objects are listed by position") {
    ApiPage p = both(R"({"data":[1,{"a":1},"x",null,[{"a":2}],{"a":3}]})");
    CHECK(p.not_objects == std::vector<size_t>{0, 2, 3, 4});
    CHECK(p.rows.size() == 2);
  }
  SUBCASE("a big page") {
    std::string body = "{\"meta\":{\"next\":42},\"data\":[";
    for (int i = 0; i < 5000; ++i) {
      body += (i ? "," : "") + std::string("{\"id\":") + std::to_string(i) + ",\"s\":\"订单 #" + std::to_string(i) +
              "\",\"r\":{\"id\":" + std::to_string(i % 7) + ",\"c\":\"web\"},\"tags\":[\"t" + std::to_string(i % 3) +
              "\"],\"x\":" + (i % 2 ? "1.25" : "null") + "}";
    }
    body += "]}";
    ApiPage p = both(body);
    CHECK(p.rows.size() == 5000);
    CHECK(p.values == std::vector<std::string>{"42"});  // a number cursor, before the records
  }
}

TEST_CASE("scan_api_page finds the records and paging values wherever they are") {
  SUBCASE("the whole body is the list") {
    ApiPage p = both(R"([{"a":1}])", "", {});
    CHECK(p.list == ApiPage::List::kArray);
  }
  SUBCASE("no records member, a null list, a list that is not an array") {
    CHECK(both(R"({"meta":{}})").list == ApiPage::List::kAbsent);
    CHECK(both(R"({"data":null})").list == ApiPage::List::kNull);
    CHECK(both(R"({"data":{"a":1}})").list == ApiPage::List::kOther);
    CHECK(both(R"({"data":"x"})").list == ApiPage::List::kOther);
    CHECK(both(R"(null)").list == ApiPage::List::kAbsent);
    CHECK(both(R"(null)", "", {}).list == ApiPage::List::kNull);
  }
  SUBCASE("pointers through arrays, escaped tokens, and values of other types") {
    ApiPage p = both(R"({"pages":[{"x":1},{"a/b":{"m~n":"deep"}}],"data":[],"n":null,"o":{},"t":true})", "/data",
                     {"/pages/1/a~1b/m~0n", "/pages/01/a~1b/m~0n", "/pages/-", "/n", "/o", "/t", "", "bad", "/x~2"});
    CHECK(p.values == std::vector<std::string>{"deep", "", "", "", "", "", "", "", ""});
  }
  SUBCASE("records deeper down and the cursor after them") {
    ApiPage p = both(R"({"result":{"items":[{"a":1}]},"links":{"next":"/p?c=2"}})", "/result/items", {"/links/next"});
    CHECK(p.rows.size() == 1);
    CHECK(p.values == std::vector<std::string>{"/p?c=2"});
  }
  SUBCASE("whitespace everywhere") {
    both(" \r\n\t{ \"data\" : [ { \"a\" : [ 1 , 2 ] , \"b\" : { \"c\" : \"d\" } } ] , \"meta\" : { \"next\" : \"x\" } } \n");
  }
}

TEST_CASE("scan_api_page reports malformed JSON with its offset") {
  struct Case {
    std::string body;
    size_t offset;
  };
  for (const Case& c : std::vector<Case>{{"", 0},
                                         {"{\"data\":[{\"a\":1}", 16},
                                         {"{\"data\":[{\"a\":01}]}", 15},
                                         {"{\"data\":[{\"a\":1,}]}", 16},
                                         {"{\"data\":[{\"a\":\"x\ty\"}]}", 16},
                                         {"{\"data\":[{\"a\":\"\\x\"}]}", 15},
                                         {"{\"data\":[{\"a\":\"\\ud800\"}]}", 15},
                                         {"{\"data\":[{\"a\":\"\\udc00\"}]}", 15},
                                         {"{\"data\":[{\"a\":tru}]}", 14},
                                         {"{\"data\":[]} x", 12},
                                         {"{\"data\":[1.]}", 11},
                                         {"{\"data\":[-]}", 10},
                                         {"{'data':[]}", 1}}) {
    INFO(c.body);
    ApiPage page;
    PageScanResult r = scan_api_page(c.body, "/data", {}, page);
    CHECK(r.outcome == PageScan::kSyntaxError);
    CHECK(r.offset == c.offset);
    ApiPage document;
    CHECK_FALSE(read_api_page_document(c.body, "/data", {}, document));
    CHECK(read_api_page(c.body, "/data", {}, document) == "not JSON (" + std::to_string(c.body.size()) + " bytes)");
  }
  SUBCASE("the message says what was expected") {
    ApiPage page;
    PageScanResult r = scan_api_page("{\"data\":[{\"a\" 1}]}", "/data", {}, page);
    CHECK(r.message == "expected ':' after an object key");
    CHECK(r.offset == 14);
  }
}

TEST_CASE("scan_api_page leaves rare forms to the document reader, and read_api_page reads them alike") {
  ApiPage page;
  SUBCASE("a repeated key: the document reader keeps the last value in the first place") {
    const std::string body = R"({"data":[{"a":1,"b":2,"a":{"x":3}}]})";
    CHECK(scan_api_page(body, "/data", {}, page).outcome == PageScan::kLeftToDocument);
    CHECK(read_api_page(body, "/data", {}, page) == "");
    CHECK(page.rows[0] == row({{"a.x", "3"}, {"b", "2"}}));
  }
  SUBCASE("a repeated key among many") {
    std::string body = "{\"data\":[{";
    for (int i = 0; i < 100; ++i) body += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
    body += "\"k50\":0}]}";
    CHECK(scan_api_page(body, "/data", {}, page).outcome == PageScan::kLeftToDocument);
    CHECK(read_api_page(body, "/data", {}, page) == "");
    CHECK(page.rows[0].size() == 100);
  }
  SUBCASE("deep nesting") {
    std::string body = "{\"data\":[{\"a\":" + std::string(300, '[') + std::string(300, ']') + "}]}";
    CHECK(scan_api_page(body, "/data", {}, page).outcome == PageScan::kLeftToDocument);
    CHECK(read_api_page(body, "/data", {}, page) == "");
    CHECK(page.rows.size() == 1);
  }
  SUBCASE("a number past the range of a double is not JSON to the document reader") {
    const std::string body = R"({"data":[{"a":1e400}]})";
    CHECK(scan_api_page(body, "/data", {}, page).outcome == PageScan::kLeftToDocument);
    CHECK(read_api_page(body, "/data", {}, page) == "not JSON (22 bytes)");
  }
  SUBCASE("a byte order mark") {
    const std::string body = "\xEF\xBB\xBF{\"data\":[{\"a\":1}]}";
    CHECK(scan_api_page(body, "/data", {}, page).outcome == PageScan::kLeftToDocument);
    CHECK(read_api_page(body, "/data", {}, page) == "");
    CHECK(page.rows.size() == 1);
  }
  SUBCASE("a NUL byte after the document: the document reader ends the text there") {
    const std::string body("{\"data\":[{\"a\":1}]}\0junk", 23);
    CHECK(scan_api_page(body, "/data", {}, page).outcome == PageScan::kSyntaxError);
    CHECK(read_api_page(body, "/data", {}, page) == "");
    CHECK(page.rows.size() == 1);
  }
  SUBCASE("a list that is not an array") {
    CHECK(read_api_page(R"({"data":7})", "/data", {}, page) == "'/data' is not an array of records");
    CHECK(read_api_page(R"(7)", "", {}, page) == "'the body' is not an array of records");
  }
}

}  // namespace
}  // namespace csbridge::connector
