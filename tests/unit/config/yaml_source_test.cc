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

// Issue 18: yaml-cpp reports an unclosed construct where it gave up (often
// lines later); the message also names where the construct began.
TEST_CASE("yaml source: an unclosed construct is named where it began") {
  SUBCASE("flow sequence") {
    auto r = parse_yaml("version: 1\nsources:\n  a: [sqlite:a.db, sqlite:b.db\n  b: x\nc: d\n", "c.yaml");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message() ==
          "c.yaml:4:4: end of sequence flow not found, while parsing a flow sequence started at line 3, column 6\n"
          "      b: x\n"
          "       ^\n"
          "c.yaml:3:6: the flow sequence begins here\n"
          "      a: [sqlite:a.db, sqlite:b.db\n"
          "         ^");
  }
  SUBCASE("flow mapping inside a flow sequence: the innermost") {
    auto r = parse_yaml("a:\n  - [1, {x: 1, y: 2\n\nb: 3\n", "m.yaml");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message().find("while parsing a flow mapping started at line 2, column 9") != std::string::npos);
    CHECK(r.status().message().find("\nm.yaml:2:9: the flow mapping begins here\n") != std::string::npos);
  }
  SUBCASE("a quote the end of the file closes: yaml-cpp accepts it, csbridge does not") {
    auto r = parse_yaml("version: 1\nsources:\n  a: \"sqlite:a.db\n  b: x\nc: d\n", "c.yaml");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message() ==
          "c.yaml:3:6: quoted scalar not closed: its quote runs to the end of the file\n"
          "      a: \"sqlite:a.db\n"
          "         ^");
    auto single = parse_yaml("a: 'x\nb: c\n", "s.yaml");
    REQUIRE_FALSE(single.is_ok());
    CHECK(single.status().message().rfind("s.yaml:1:4: quoted scalar not closed", 0) == 0);
  }
  SUBCASE("an alias inside its own anchor is a cycle: looking for the quote's scalar ends") {
    auto r = parse_yaml("a: &x\n  - *x\nb: \"c\n", "cycle.yaml");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message().rfind("cycle.yaml:3:4: quoted scalar not closed", 0) == 0);
  }
  SUBCASE("a missing quote paired with the next one") {
    auto r = parse_yaml("version: 1\nsources:\n  a: \"sqlite:a.db\n  b: x\nc: \"d\"\ne: f\n", "c.yaml");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message() ==
          "c.yaml:5:5: end of map not found, after a quoted scalar that started at line 3, column 6 and ends on this "
          "line (is a quote missing?)\n"
          "    c: \"d\"\n"
          "        ^\n"
          "c.yaml:3:6: the quoted scalar begins here\n"
          "      a: \"sqlite:a.db\n"
          "         ^");
  }
  SUBCASE("no construct open: the message is yaml-cpp's alone") {
    auto r = parse_yaml("a: [1, 2]]\n", "c.yaml");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message() == "c.yaml:1:10: illegal flow end\n    a: [1, 2]]\n             ^");
  }
}

TEST_CASE("yaml source: quotes and brackets that open nothing are not taken for constructs") {
  const char* valid[] = {
      "a: it's fine\nb: x[1], y\n",
      "c: |\n  \"quote\n  [x\nd: 1\n",
      "d: {a: 1, b: [\"x\", 'y''s']}\n# \"comment\ne: !!str \"x\"\nf: &a [1]\ng: *a\n",
      "a: \"multi\n  line \\\"quoted\\\"\"\nb: 'ok'\n",
      "- >-\n  folded 'text\n- \"x\"\n",
  };
  for (const char* text : valid) {
    CAPTURE(text);
    CHECK(parse_yaml(text, "v.yaml").is_ok());
  }
}

// Issue 18: a mapping file saved in GBK reached `map check --format json` with
// its bytes in the message (json.exception.type_error.316, exit 70).
TEST_CASE("yaml source: a file that is not UTF-8 is refused at the first bad byte, shown as \\xNN") {
  auto r = parse_yaml("entity: ticket\nfields:\n  subject: subject  # \xD6\xF7\xCC\xE2\n", "gbk.yaml");
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == ErrorCode::kConfig);
  CHECK(r.status().message() ==
        "gbk.yaml:3:23: invalid UTF-8 (bytes D6 F7 CC E2): YAML files are read as UTF-8; convert this one "
        "(e.g. iconv -f GBK -t UTF-8)\n"
        "      subject: subject  # \\xD6\\xF7\\xCC\\xE2\n"
        "                          ^");
}

TEST_CASE("yaml source: format_location shows bytes that are not UTF-8 as \\xNN, the caret moved with them") {
  CHECK(format_location("f.yaml", "a: \xFF\xFE x\n", 1, 7, "here") ==
        "f.yaml:1:7: here\n    a: \\xFF\\xFE x\n                ^");
}

}  // namespace csbridge::config
