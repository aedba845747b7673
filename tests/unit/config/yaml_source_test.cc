#include "config/yaml_source.h"

#include <doctest/doctest.h>

#include "test_support.h"

namespace csbridge::config {

TEST_CASE("yaml source: syntax errors carry file:line:col, the line and a caret") {
  auto r = parse_yaml("sources:\n  a: [1, 2\n", "c.yaml");
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == ErrorCode::kConfig);
  CHECK(r.status().message().rfind("c.yaml:3:1: ", 0) == 0);

  auto tab = parse_yaml("a:\n\tb: 1\n", "t.yaml");
  REQUIRE_FALSE(tab.is_ok());
  CHECK(tab.status().message().rfind("t.yaml:2:", 0) == 0);
}

TEST_CASE("yaml source: error_at points at the node") {
  auto doc = parse_yaml("sources:\n  crm: 42\n", "c.yaml");
  REQUIRE(doc.is_ok());
  Status s = error_at(*doc, doc->root["sources"]["crm"], "must be a connection string");
  CHECK(s.message() == "c.yaml:2:8: must be a connection string\n      crm: 42\n           ^");
}

// Issue 12 item 4: the excerpt of a config error printed the password of the
// connection string on its line.
TEST_CASE("yaml source: an excerpt never shows a connection string's password, the caret stays on its place") {
  struct Case {
    const char* name;
    std::string line;
    int col;
    std::string excerpt;
  };
  const Case cases[] = {
      {"URI user info, caret after it", R"(  crm: {connection: "postgresql://u:secret@h/db", encodng: gbk})", 51,
       "      crm: {connection: \"postgresql://u:***@h/db\", encodng: gbk}\n"
       "                                                   ^"},
      {"ODBC Pwd=", R"(  legacy: "odbc:DSN=crm;UID=sa;Pwd=secret;" extra)", 45,
       "      legacy: \"odbc:DSN=crm;UID=sa;Pwd=***;\" extra\n"
       "                                             ^"},
      {"libpq password=, caret on the password", "  pg: host=h dbname=d password=secret sslmode=x", 32,
       "      pg: host=h dbname=d password=*** sslmode=x\n"
       "                                   ^"},
      {"caret before the password", "  pg: host=h dbname=d password=secret sslmode=x", 14,
       "      pg: host=h dbname=d password=*** sslmode=x\n"
       "                 ^"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    std::string text = "sources:\n" + c.line + "\n";
    CHECK(format_location("c.yaml", text, 2, c.col, "msg") == "c.yaml:2:" + std::to_string(c.col) + ": msg\n" + c.excerpt);
  }
  auto syntax = parse_yaml("sources:\n  erp: \"odbc:DSN=erp;UID=sa;Pwd=secret;\" ]\n", "c.yaml");
  REQUIRE_FALSE(syntax.is_ok());
  CHECK(syntax.status().message() ==
        "c.yaml:2:42: illegal flow end\n"
        "      erp: \"odbc:DSN=erp;UID=sa;Pwd=***;\" ]\n" +
            std::string(4 + 38, ' ') + "^");  // under the ']', moved left as the password got shorter
}

TEST_CASE("yaml source: deep or huge input is refused before parsing") {
  SUBCASE("deep flow nesting") {
    std::string deep = "a: " + std::string(1000, '[') + std::string(1000, ']') + "\n";
    auto r = parse_yaml(deep, "deep.yaml");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message().rfind("deep.yaml:1:67: nesting deeper than 64 levels", 0) == 0);
  }
  SUBCASE("deep block nesting") {
    std::string deep;
    for (int i = 0; i < 100; ++i) deep += std::string(static_cast<size_t>(i) * 2, ' ') + "k" + std::to_string(i) + ":\n";
    auto r = parse_yaml(deep, "block.yaml");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message().rfind("block.yaml:65:", 0) == 0);
  }
  SUBCASE("nested sequences on one line") {
    std::string deep;
    for (int i = 0; i < 100; ++i) deep += "- ";
    deep += "x\n";
    auto r = parse_yaml(deep, "seq.yaml");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message().find("nesting deeper than 64 levels") != std::string::npos);
  }
  SUBCASE("too large") {
    auto r = parse_yaml(std::string(kMaxYamlBytes + 1, '#'), "big.yaml");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message() == "big.yaml: file is 16777217 bytes, more than the 16 MiB accepted for YAML");
  }
  SUBCASE("brackets inside quotes do not count") {
    std::string quoted = "a: \"" + std::string(200, '[') + "\"\n";
    CHECK(parse_yaml(quoted, "q.yaml").is_ok());
  }
}

TEST_CASE("yaml source: unreadable file") {
  auto r = load_yaml_file("/nonexistent/csbridge.yaml");
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().message() == "/nonexistent/csbridge.yaml: cannot read the file");
}

}  // namespace csbridge::config
