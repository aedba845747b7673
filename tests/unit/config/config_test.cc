#include "config/config.h"

#include <doctest/doctest.h>

#include <map>

#include "test_support.h"

namespace csbridge::config {
namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Result<Config> load_text(const test::TempDir& dir, const std::string& text,
                         std::map<std::string, std::string> env = {}) {
  return load_config(dir.write("csbridge.yaml", text), fake_env(std::move(env)));
}

}  // namespace

TEST_CASE("config: a full config loads") {
  test::TempDir dir;
  auto r = load_text(dir,
                     "sources:\n"
                     "  helpdesk: sqlite:out/helpdesk.db\n"
                     "  crm:\n"
                     "    connection: postgresql://crm:${CRM_PASSWORD}@db/crm\n"
                     "    encoding: gbk\n"
                     "    timezone: Asia/Shanghai\n"
                     "target:\n"
                     "  connection: ${TARGET:-sqlite:out/cs.db}\n"
                     "  schema: cs\n"
                     "mappings: [mappings/ticket.yaml]\n"
                     "masking:\n"
                     "  hmac_key_env: CSBRIDGE_HMAC_KEY\n"
                     "  actions: {phone: mask, national_id: pseudonymize, name: keep}\n"
                     "options:\n"
                     "  batch_rows: 2000\n"
                     "  default_timezone: Asia/Shanghai\n",
                     {{"CRM_PASSWORD", "s3cret"}});
  REQUIRE_MESSAGE(r.is_ok(), r.status().message());
  const Config& c = *r;
  REQUIRE(c.sources.size() == 2);
  CHECK(c.sources[0].name == "helpdesk");
  CHECK(c.sources[0].connection == "sqlite:" + (dir.path() / "out/helpdesk.db").string());
  CHECK(c.sources[0].line == 2);
  CHECK(c.sources[1].connection == "postgresql://crm:s3cret@db/crm");
  CHECK(c.sources[1].encoding == "gbk");
  CHECK(c.sources[1].timezone == "Asia/Shanghai");
  REQUIRE(c.target.has_value());
  CHECK(c.target->connection == "sqlite:" + (dir.path() / "out/cs.db").string());
  CHECK(c.target->schema == "cs");
  CHECK(c.mappings == std::vector<std::string>{(dir.path() / "mappings/ticket.yaml").string()});
  CHECK(c.masking.hmac_key_env == "CSBRIDGE_HMAC_KEY");
  CHECK(c.masking.actions.at("phone") == "mask");
  CHECK(c.options.batch_rows == 2000);
  CHECK(resolve_connection(c, "crm") == "postgresql://crm:s3cret@db/crm");
  CHECK(resolve_connection(c, "sqlite:x.db") == "sqlite:x.db");

  // The target: the config's with its schema; a flag's (a source name or a connection) without it.
  auto configured = resolve_target(c, "");
  REQUIRE(configured.is_ok());
  CHECK(configured->connection == "sqlite:" + (dir.path() / "out/cs.db").string());
  CHECK(configured->schema == "cs");
  auto flagged = resolve_target(c, "crm", "other");
  REQUIRE(flagged.is_ok());
  CHECK(flagged->connection == "postgresql://crm:s3cret@db/crm");
  CHECK(flagged->schema == "other");
  CHECK(resolve_target(c, "sqlite:y.db")->schema.empty());
  Config none;
  CHECK(resolve_target(none, "").status().code() == ErrorCode::kConfig);
  CHECK(resolve_target(none, "").status().message() == "no target: set 'target:' in csbridge.yaml or pass --target CONN");
}

TEST_CASE("config: delta settle and lookback are durations") {
  test::TempDir dir;
  std::string file = dir.write("csbridge.yaml", "delta:\n  settle: 500ms\n  lookback: 2m\n");
  auto c = load_config(file);
  REQUIRE_MESSAGE(c.is_ok(), c.status().message());
  CHECK(c->delta.settle_seconds == doctest::Approx(0.5));
  CHECK(c->delta.lookback_seconds == doctest::Approx(120));
  auto d = load_config(dir.write("default.yaml", "options: {batch_rows: 10}\n"));
  REQUIRE(d.is_ok());
  CHECK(d->delta.settle_seconds == 5);
  CHECK(d->delta.lookback_seconds == 0);
  CHECK(parse_duration("1h") == 3600);
  CHECK(parse_duration("7") == 7);
  CHECK_FALSE(parse_duration("-1s").has_value());
  CHECK_FALSE(parse_duration("5 sec").has_value());
}

TEST_CASE("config: environment interpolation") {
  auto env = fake_env({{"A", "1"}, {"EMPTY", ""}});
  CHECK(*interpolate_env("x${A}y", env) == "x1y");
  CHECK(*interpolate_env("${B:-dflt}", env) == "dflt");
  CHECK(*interpolate_env("${EMPTY:-dflt}", env) == "dflt");
  CHECK(*interpolate_env("cost $$5 $x", env) == "cost $5 $x");
  CHECK(interpolate_env("${B}", env).status().message() == "environment variable 'B' is not set");
  CHECK(interpolate_env("${A", env).status().message() == "unterminated '${' (write $$ for a literal $)");
}

TEST_CASE("config: a connection string of an unknown form shows its ${VAR}s as written, never their values") {
  test::TempDir dir;
  auto c = load_text(dir, "sources:\n  pg: postegsrqfreecsb:${PG_PASSWORD}@127.0.0.1:5432/helpdesk\n",
                     {{"PG_PASSWORD", "Fz9secretPw"}});
  REQUIRE_FALSE(c.is_ok());
  CHECK(c.status().message().find("Fz9secretPw") == std::string::npos);
  CHECK(c.status().message().find("'postegsrqfreecsb:${PG_PASSWORD}@127.0.0.1:5432/helpdesk'") != std::string::npos);
  auto t = load_text(dir, "target: ${WHOLE}\n", {{"WHOLE", "x:S3cr3tValue@host"}});
  REQUIRE_FALSE(t.is_ok());
  CHECK(t.status().message().find("S3cr3tValue") == std::string::npos);
}

TEST_CASE("config: every bad input is file:line:col with a caret, and exit-code class config") {
  test::TempDir dir;
  const std::string f = (dir.path() / "csbridge.yaml").string();
  struct Case {
    const char* name;
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {"unknown section with a suggestion", "sourcse:\n  a: sqlite:a.db\n",
       f + ":1:1: unknown config section 'sourcse', did you mean 'sources'?\n    sourcse:\n    ^"},
      {"unset environment variable", "target: postgresql://u:${PGPASS}@h/db\n",
       f + ":1:9: environment variable 'PGPASS' is not set\n    target: postgresql://u:${PGPASS}@h/db\n            ^"},
      {"unknown scheme", "sources:\n  crm: mysql://h/db\n",
       f + ":2:8: unknown scheme 'mysql' in connection string 'mysql://h/db'; expected one of: postgresql://…, "
           "postgres://…, service=NAME, odbc:…, sqlite:PATH (or a .db/.sqlite/.sqlite3 path), csv:PATH, json:PATH, "
           "jsonl:PATH, xml:PATH\n      crm: mysql://h/db\n           ^"},
      {"duplicate source", "sources:\n  a: sqlite:a.db\n  a: sqlite:b.db\n",
       f + ":3:3: source 'a' is defined twice\n      a: sqlite:b.db\n      ^"},
      {"source without connection", "sources:\n  a:\n    encoding: gbk\n",
       f + ":2:3: source 'a' has no 'connection'\n      a:\n      ^"},
      {"unknown source key", "sources:\n  a:\n    conection: sqlite:a.db\n",
       f + ":3:5: unknown source setting 'conection', did you mean 'connection'?\n        conection: sqlite:a.db\n        ^"},
      {"batch_rows not a number", "options:\n  batch_rows: lots\n",
       f + ":2:15: batch_rows must be a whole number from 1 to 1000000\n      batch_rows: lots\n                  ^"},
      {"delta settle not a duration", "delta:\n  settle: soon\n",
       f + ":2:11: delta.settle must be a duration (5s, 500ms, 2m, 1h), not 'soon'\n      settle: soon\n              ^"},
      {"unknown delta option", "delta:\n  setle: 5s\n",
       f + ":2:3: unknown delta option 'setle', did you mean 'settle'?\n      setle: 5s\n      ^"},
      {"unknown PII class", "masking:\n  actions:\n    mobile: mask\n",
       f + ":3:5: unknown PII class 'mobile'; known: name, phone, national_id, email, bank_card, address, "
           "free_text\n        mobile: mask\n        ^"},
      {"unknown masking action", "masking:\n  actions:\n    phone: hide\n",
       f + ":3:12: unknown masking action 'hide'; known: keep, mask, pseudonymize, drop\n        phone: hide\n"
           "               ^"},
      {"unknown encoding", "sources:\n  a:\n    connection: sqlite:a.db\n    encoding: gbkk\n",
       f + ":4:15: unknown encoding 'gbkk'; known: utf-8, gbk, gb2312, gb18030, big5, latin1, utf8_in_latin1\n"
           "        encoding: gbkk\n                  ^"},
      {"encodings not a mapping", "sources:\n  a:\n    connection: sqlite:a.db\n    encodings: gbk\n",
       f + ":4:16: 'encodings' must map table.column to an encoding\n        encodings: gbk\n                   ^"},
      {"encodings key without a table", "sources:\n  a:\n    connection: sqlite:a.db\n    encodings: {name: gbk}\n",
       f + ":4:17: 'name' must name a column as table.column\n        encodings: {name: gbk}\n                    ^"},
      {"encodings with an unknown encoding",
       "sources:\n  a:\n    connection: sqlite:a.db\n    encodings:\n      customers.name: klingon\n",
       f + ":5:23: unknown encoding 'klingon'; known: utf-8, gbk, gb2312, gb18030, big5, latin1, utf8_in_latin1\n"
           "          customers.name: klingon\n                          ^"},
      {"sources not a mapping", "sources: [a, b]\n",
       f + ":1:10: 'sources' must map source names to their settings\n    sources: [a, b]\n             ^"},
      {"top level not a mapping", "- a\n- b\n",
       f + ":1:1: the config must be a mapping of sections (sources, target, …)\n    - a\n    ^"},
      // issue 18 (tests/badinput): YAML keeps one of two equal keys silently; a version we do not read
      {"a section given twice", "target: sqlite:a.db\nmappings: m/\ntarget: sqlite:b.db\n",
       f + ":3:1: config section 'target' given twice (first on line 1)\n    target: sqlite:b.db\n    ^"},
      {"an option given twice", "options:\n  batch_rows: 5\n  batch_rows: 6\n",
       f + ":3:3: option 'batch_rows' given twice (first on line 2)\n      batch_rows: 6\n      ^"},
      {"version 2", "version: 2\n",
       f + ":1:10: unsupported config version; this csbridge reads version: 1\n    version: 2\n             ^"},
      {"a NUL byte in a connection string", "target: \"sqlite:a\\0b.db\"\n",
       f + ":1:9: connection string 'sqlite:a\\0…' holds a NUL byte (at offset 8)\n    target: \"sqlite:a\\0b.db\"\n"
           "            ^"},
  };
  for (const Case& c : cases) {
    SUBCASE(c.name) {
      auto r = load_text(dir, c.text);
      REQUIRE_FALSE(r.is_ok());
      CHECK(r.status().code() == ErrorCode::kConfig);
      CHECK(r.status().message() == c.message);
    }
  }
}

TEST_CASE("config: encodings per source and per table.column") {
  test::TempDir dir;
  auto r = load_text(dir,
                     "sources:\n"
                     "  legacy:\n"
                     "    connection: sqlite:legacy.db\n"
                     "    encoding: gbk\n"
                     "    encodings: {customers.name: gb18030, crm.tickets.subject: utf8_in_latin1}\n"
                     "  plain: sqlite:plain.db\n");
  REQUIRE(r.is_ok());
  const connector::TextEncodings& e = r->sources[0].encodings;
  CHECK(e.source == util::Encoding::kGbk);
  CHECK(e.of("customers", "name") == util::Encoding::kGb18030);
  CHECK(e.of("tickets", "subject") == util::Encoding::kGbk);
  CHECK(e.of("crm.tickets", "subject") == util::Encoding::kUtf8InLatin1);
  CHECK(e.of("", "name") == util::Encoding::kGbk);  // a query: the source's
  CHECK_FALSE(r->sources[1].encodings.declared());
}

TEST_CASE("config: an interpolated secret never appears in an error") {
  test::TempDir dir;
  auto r = load_text(dir, "sources:\n  crm: mysql://u:${PW}@h/db\n", {{"PW", "hunter2"}});
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().message().find("hunter2") == std::string::npos);
}

TEST_CASE("config: a value from the environment is never quoted back, whatever the message is about") {
  test::TempDir dir;
  // Found by fuzz_config: an unknown encoding quoted the text after interpolation.
  auto r = load_text(dir, "sources:\n  legacy:\n    connection: sqlite:///tmp/x.db\n    encoding: ql://csb:${PG_PASSWORD}@1bl\n",
                     {{"PG_PASSWORD", "Fz9secretPw"}});
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().message().find("Fz9secretPw") == std::string::npos);
  CHECK(r.status().message().find("unknown encoding 'ql://csb:${PG_PASSWORD}@1bl'") != std::string::npos);
  auto n = load_text(dir, "options:\n  batch_rows: ${ROWS}\n", {{"ROWS", "many-S3cr3t"}});
  REQUIRE_FALSE(n.is_ok());
  CHECK(n.status().message().find("S3cr3t") == std::string::npos);
  // A short value is no secret and is left, so line numbers and words stay whole.
  auto s = load_text(dir, "options:\n  batch_rows: ${ROWS}\n", {{"ROWS", "2x"}});
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.status().message().find(":2:") != std::string::npos);
}

TEST_CASE("config: empty file is an empty config") {
  test::TempDir dir;
  auto r = load_text(dir, "# nothing yet\n");
  REQUIRE(r.is_ok());
  CHECK(r->sources.empty());
  CHECK_FALSE(r->target.has_value());
}

}  // namespace csbridge::config
