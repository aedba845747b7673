#include "connector/connection_string.h"

#include <doctest/doctest.h>

namespace csbridge::connector {

TEST_CASE("connection string: schemes") {
  struct Case {
    const char* text;
    Scheme scheme;
    const char* target;
  };
  const Case cases[] = {
      {"postgresql://u@h/db", Scheme::kPostgres, "postgresql://u@h/db"},
      {"postgres://h:5432/db?sslmode=verify-full", Scheme::kPostgres, "postgres://h:5432/db?sslmode=verify-full"},
      {"service=legacy_crm", Scheme::kPostgres, "service=legacy_crm"},
      {"host=/tmp dbname=x", Scheme::kPostgres, "host=/tmp dbname=x"},
      {"odbc:DSN=otrs", Scheme::kOdbc, "DSN=otrs"},
      {"odbc:Driver={MariaDB Unicode};Server=h", Scheme::kOdbc, "Driver={MariaDB Unicode};Server=h"},
      {"sqlite:samples/out/helpdesk.db", Scheme::kSqlite, "samples/out/helpdesk.db"},
      {"legacy.sqlite3", Scheme::kSqlite, "legacy.sqlite3"},
      {"/data/x.DB", Scheme::kSqlite, "/data/x.DB"},
      {"csv:exports/", Scheme::kCsv, "exports/"},
      {"json:a.json", Scheme::kJson, "a.json"},
      {"jsonl:a.jsonl", Scheme::kJsonl, "a.jsonl"},
      {"xml:w.xml?record=/waybills/waybill", Scheme::kXml, "w.xml"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    auto r = parse_connection_string(c.text);
    REQUIRE(r.is_ok());
    CHECK(r->scheme == c.scheme);
    CHECK(r->target == c.target);
  }
}

TEST_CASE("connection string: file options after '?'") {
  auto r = parse_connection_string("csv:exports/c.csv?encoding=gbk&delimiter=;");
  REQUIRE(r.is_ok());
  CHECK(r->option("encoding") == "gbk");
  CHECK(r->option("delimiter") == ";");
  CHECK(r->option("header", "true") == "true");
}

TEST_CASE("connection string: bad input") {
  SUBCASE("empty") {
    CHECK(parse_connection_string("  ").status().message().rfind("empty connection string; expected one of:", 0) == 0);
  }
  SUBCASE("unknown scheme, password removed") {
    auto r = parse_connection_string("mysql://root:hunter2@db/x");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == ErrorCode::kInvalidArgument);
    CHECK(r.status().message().rfind("unknown scheme 'mysql' in connection string 'mysql://root:***@db/x'", 0) == 0);
    CHECK(r.status().message().find("hunter2") == std::string::npos);
  }
  SUBCASE("scheme without a path") {
    CHECK(parse_connection_string("csv:").status().message() == "connection string 'csv:' names no path");
    CHECK(parse_connection_string("odbc:").status().message() == "connection string 'odbc:' names no DSN or driver");
  }
  SUBCASE("option that is not key=value") {
    CHECK(parse_connection_string("csv:a.csv?gbk").status().message() ==
          "connection string 'csv:a.csv?gbk': connection option 'gbk' is not key=value");
  }
  SUBCASE("no scheme at all") {
    CHECK(parse_connection_string("helpdesk").status().message().rfind(
              "cannot tell the kind of connection string 'helpdesk'", 0) == 0);
  }
}

TEST_CASE("connection string: secrets are redacted everywhere") {
  CHECK(redact_secrets("postgresql://app:s3cret@db:5432/crm") == "postgresql://app:***@db:5432/crm");
  CHECK(redact_secrets("postgresql://app@db/crm?password=s3cret&sslmode=require") ==
        "postgresql://app@db/crm?password=***&sslmode=require");
  CHECK(redact_secrets("host=db user=app password=s3cret dbname=crm") == "host=db user=app password=*** dbname=crm");
  CHECK(redact_secrets("host=db password='s 3cret' dbname=crm") == "host=db password=*** dbname=crm");
  CHECK(redact_secrets("Driver={MariaDB Unicode};Server=h;UID=root;PWD=s3cret;Database=x") ==
        "Driver={MariaDB Unicode};Server=h;UID=root;PWD=***;Database=x");
  CHECK(redact_secrets("DSN=x;Pwd={a;b};UID=u") == "DSN=x;Pwd=***;UID=u");
  CHECK(redact_secrets("DSN=x;Password = s3cret") == "DSN=x;Password = ***");
  CHECK(redact_secrets("no secrets here") == "no secrets here");
  // A ${NAME} reference (csbridge.yaml before interpolation) names the secret's place, not the secret.
  CHECK(redact_secrets("postgresql://app:${PGPASS}@db/crm") == "postgresql://app:${PGPASS}@db/crm");
  CHECK(redact_secrets("DSN=x;PWD=${ERP_PW};UID=u") == "DSN=x;PWD=${ERP_PW};UID=u");
  CHECK(redact_secrets("postgresql://app:${PGPASS:-s3cret}@db/crm") == "postgresql://app:***@db/crm");
  CHECK(redact_secrets("host=db password=${PW}x") == "host=db password=***");
  auto r = parse_connection_string("odbc:DSN=crm;PWD=s3cret");
  REQUIRE(r.is_ok());
  CHECK(r->redacted() == "odbc:DSN=crm;PWD=***");
}

TEST_CASE("connection string: a driver's message quoting a piece of the string loses its password (issue 18)") {
  // libpq: invalid percent-encoded token: "%zzs3cret" — the password as the string holds it.
  CHECK(redact_secrets_of("invalid percent-encoded token: \"%zzs3cret\"", "postgresql://app:%zzs3cret@db:5/crm") ==
        "invalid percent-encoded token: \"***\"");
  CHECK(redact_secrets_of("bad value s3cret and a2", "host=db password=s3cret dbname=crm user=a2") ==
        "bad value *** and a2");
  CHECK(redact_secrets_of("{x;y} refused", "odbc:DSN=crm;PWD={x;y}") == "*** refused");
  CHECK(redact_secrets_of("no secret", "sqlite:a.db") == "no secret");
}

TEST_CASE("connection string: a NUL byte is refused, not cut at (issue 18)") {
  auto r = parse_connection_string(std::string("sqlite:a\0b.db", 13));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == ErrorCode::kInvalidArgument);
  CHECK(r.status().message() == "connection string 'sqlite:a\\0…' holds a NUL byte (at offset 8)");
  auto pw = parse_connection_string(std::string("postgresql://u:s3cret@h/d\0x", 27));
  REQUIRE_FALSE(pw.is_ok());
  CHECK(pw.status().message().find("s3cret") == std::string::npos);
}

}  // namespace csbridge::connector
