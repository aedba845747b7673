#include "model/ddl.h"

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "test_support.h"

namespace csbridge::model {
namespace {

Model builtin() {
  Result<Model> m = builtin_model();
  REQUIRE_MESSAGE(m.is_ok(), m.status().message());
  return std::move(m).value();
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

// A model no YAML file may declare (the loader wants snake_case names), to
// prove that the DDL quotes whatever names it is given.
Model awkward_model() {
  Field id;
  id.name = "id";
  id.type = FieldType::kId;
  id.required = true;
  Field state;
  state.name = "sel\"ect";
  state.type = FieldType::kEnum;
  state.values = {"it's", "a\"b"};
  state.required = true;
  Field order;
  order.name = "order";
  order.type = FieldType::kText;
  Field chinese;
  chinese.name = "客户 名称";
  chinese.type = FieldType::kString;
  chinese.max_length = 20;
  Field system;
  system.name = "source_system";
  system.type = FieldType::kString;
  system.max_length = 64;
  system.required = true;
  Field key = system;
  key.name = "source_key";

  Entity e;
  e.name = "we\"ird";
  e.description = "Bob's table";
  e.fields = {id, state, order, chinese, system, key};
  e.unique = {{"source_system", "source_key"}};
  Model m;
  m.version = "t";
  m.entities = {e};
  return m;
}

// An in-memory SQLite database for applying DDL.
class SqliteDb {
 public:
  SqliteDb() { REQUIRE(sqlite3_open(":memory:", &db_) == SQLITE_OK); }
  ~SqliteDb() { sqlite3_close(db_); }
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // "" on success, else SQLite's message.
  std::string exec(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) == SQLITE_OK) return "";
    std::string message = error != nullptr ? error : "error without message";
    sqlite3_free(error);
    return message;
  }

  long long scalar(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
    long long v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
  }

 private:
  sqlite3* db_ = nullptr;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

CommandResult run(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Runs a SQL file against the test server. The URI stays in the environment,
// so neither this command line nor a failure message shows its password.
CommandResult psql_file(const std::string& file) {
  return run("PGOPTIONS='-c client_min_messages=warning' psql \"$CSBRIDGE_TEST_PG\" -X -q -At -v ON_ERROR_STOP=1 -f '" +
             file + "'");
}

// Drops the test schema however the test ends.
class SchemaGuard {
 public:
  SchemaGuard(const test::TempDir& dir, std::string schema) : dir_(dir), schema_(std::move(schema)) {}
  ~SchemaGuard() {
    run("PGOPTIONS='-c client_min_messages=warning' psql \"$CSBRIDGE_TEST_PG\" -X -q -f '" +
        dir_.write("drop.sql", "DROP SCHEMA IF EXISTS " + quote_identifier(schema_) + " CASCADE;\n") + "'");
  }
  SchemaGuard(const SchemaGuard&) = delete;
  SchemaGuard& operator=(const SchemaGuard&) = delete;

 private:
  const test::TempDir& dir_;
  std::string schema_;
};

}  // namespace

TEST_CASE("ddl: quote_identifier doubles embedded quotes") {
  CHECK(quote_identifier("ticket") == "\"ticket\"");
  CHECK(quote_identifier("a\"b") == "\"a\"\"b\"");
  CHECK(quote_identifier("\"") == "\"\"\"\"");
  CHECK(quote_identifier("order") == "\"order\"");
  CHECK(quote_identifier("客户 名称") == "\"客户 名称\"");
}

TEST_CASE("ddl: parse_dialect and dialect_name") {
  for (const char* name : {"postgres", "postgresql", "pg", "PostgreSQL"}) {
    Result<Dialect> d = parse_dialect(name);
    REQUIRE(d.is_ok());
    CHECK(*d == Dialect::kPostgres);
  }
  Result<Dialect> sqlite = parse_dialect("sqlite");
  REQUIRE(sqlite.is_ok());
  CHECK(*sqlite == Dialect::kSqlite);
  CHECK(std::string(dialect_name(Dialect::kPostgres)) == "postgres");
  CHECK(std::string(dialect_name(Dialect::kSqlite)) == "sqlite");

  Result<Dialect> bad = parse_dialect("mysql");
  REQUIRE_FALSE(bad.is_ok());
  CHECK(bad.status().code() == ErrorCode::kInvalidArgument);
  CHECK(bad.status().message() == "unknown dialect 'mysql' (valid: postgres, sqlite)");
}

TEST_CASE("ddl: postgres text") {
  Model m = builtin();
  std::string ddl = generate_ddl(m, Dialect::kPostgres);
  CHECK(ddl.rfind("-- csbridge CS model 1.0, dialect postgres\n", 0) == 0);
  CHECK(ddl.substr(ddl.size() - 2) == ";\n");
  CHECK(count_of(ddl, "CREATE TABLE ") == m.entities.size());
  CHECK(count_of(ddl, "GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY") == m.entities.size());
  CHECK(count_of(ddl, "UNIQUE (\"source_system\", \"source_key\")") == m.entities.size());
  CHECK(ddl.find("CREATE SCHEMA") == std::string::npos);
  CHECK(ddl.find("IF NOT EXISTS") == std::string::npos);

  for (const char* line : {
           "  \"id\" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n",
           "  \"subject\" varchar(500),\n",
           "  \"status\" text NOT NULL CHECK (\"status\" IN ('new', 'open', 'pending', 'on_hold', 'solved', "
           "'closed')),\n",
           "  \"created_at\" timestamptz NOT NULL,\n",
           "  \"customer_id\" bigint,\n",
           "  \"custom\" jsonb,\n",
           "  \"amount\" numeric(18,2),\n",
           "  \"is_internal\" boolean NOT NULL,\n",
           "  \"body\" text NOT NULL,\n",
           "  \"size_bytes\" bigint,\n",
           "  \"score\" integer NOT NULL,\n",
           "  \"source_system\" varchar(64) NOT NULL,\n",
           "  CONSTRAINT \"ticket_source_key\" UNIQUE (\"source_system\", \"source_key\"),\n",
           "  CONSTRAINT \"ticket_merged_into_id_fkey\" FOREIGN KEY (\"merged_into_id\") REFERENCES \"ticket\" "
           "(\"id\")\n",
           "  CONSTRAINT \"ticket_tag_ticket_id_tag_id_key\" UNIQUE (\"ticket_id\", \"tag_id\"),\n",
           "CREATE INDEX \"ticket_message_ticket_id_idx\" ON \"ticket_message\" (\"ticket_id\");\n",
           "COMMENT ON COLUMN \"ticket_message\".\"is_internal\" IS 'Internal note, never shown to the customer.';\n",
           "COMMENT ON COLUMN \"organization\".\"notes\" IS 'Agents'' notes about the account.';\n",
       }) {
    CHECK_MESSAGE(ddl.find(line) != std::string::npos, line);
  }
  // The unique constraint led by ticket_id already indexes it.
  CHECK(ddl.find("\"ticket_tag_ticket_id_idx\"") == std::string::npos);
  CHECK(ddl.find("\"ticket_tag_tag_id_idx\"") != std::string::npos);

  size_t organization = ddl.find("CREATE TABLE \"organization\"");
  size_t customer = ddl.find("CREATE TABLE \"customer\"");
  size_t ticket = ddl.find("CREATE TABLE \"ticket\"");
  size_t message = ddl.find("CREATE TABLE \"ticket_message\"");
  CHECK(organization < customer);
  CHECK(customer < ticket);
  CHECK(ticket < message);
  CHECK(message != std::string::npos);
}

TEST_CASE("ddl: postgres schema and if_not_exists") {
  std::string ddl = generate_ddl(builtin(), Dialect::kPostgres, {"crm", true});
  for (const char* line : {
           "-- csbridge CS model 1.0, dialect postgres\nCREATE SCHEMA IF NOT EXISTS \"crm\";\n",
           "CREATE TABLE IF NOT EXISTS \"crm\".\"ticket\" (\n",
           "FOREIGN KEY (\"customer_id\") REFERENCES \"crm\".\"customer\" (\"id\"),\n",
           "CREATE INDEX IF NOT EXISTS \"ticket_customer_id_idx\" ON \"crm\".\"ticket\" (\"customer_id\");\n",
           "COMMENT ON TABLE \"crm\".\"tag\" IS 'A label on tickets.';\n",
       }) {
    CHECK_MESSAGE(ddl.find(line) != std::string::npos, line);
  }
  CHECK(ddl.find("CREATE TABLE \"") == std::string::npos);
}

TEST_CASE("ddl: sqlite text") {
  Model m = builtin();
  std::string ddl = generate_ddl(m, Dialect::kSqlite, {"crm", false});
  CHECK(ddl.rfind("-- csbridge CS model 1.0, dialect sqlite\n", 0) == 0);
  CHECK(ddl.substr(ddl.size() - 2) == ";\n");
  CHECK(count_of(ddl, "CREATE TABLE ") == m.entities.size());
  for (const char* line : {
           "  \"id\" INTEGER PRIMARY KEY,\n",
           "  \"subject\" VARCHAR(500),\n",
           "  \"priority\" TEXT NOT NULL CHECK (\"priority\" IN ('low', 'normal', 'high', 'urgent')),\n",
           "  \"created_at\" TIMESTAMP NOT NULL,\n",
           "  \"customer_id\" INTEGER,\n",
           "  \"custom\" JSON TEXT,\n",
           "  \"amount\" NUMERIC(18,2),\n",
           "  \"is_internal\" BOOLEAN NOT NULL,\n",
           "  \"size_bytes\" BIGINT,\n",
           "  CONSTRAINT \"ticket_source_key\" UNIQUE (\"source_system\", \"source_key\"),\n",
           "  CONSTRAINT \"ticket_message_ticket_id_fkey\" FOREIGN KEY (\"ticket_id\") REFERENCES \"ticket\" (\"id\"),\n",
           "CREATE INDEX \"ticket_message_ticket_id_idx\" ON \"ticket_message\" (\"ticket_id\");\n",
       }) {
    CHECK_MESSAGE(ddl.find(line) != std::string::npos, line);
  }
  // SQLite has no schemas, comments or identity columns.
  CHECK(ddl.find("crm") == std::string::npos);
  CHECK(ddl.find("COMMENT ON") == std::string::npos);
  CHECK(ddl.find("GENERATED") == std::string::npos);
}

TEST_CASE("ddl: the SQLite DDL applies to an empty database") {
  Model m = builtin();
  SUBCASE("once, and the constraints hold") {
    SqliteDb db;
    REQUIRE(db.exec(generate_ddl(m, Dialect::kSqlite)) == "");
    CHECK(db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table'") ==
          static_cast<long long>(m.entities.size()));
    REQUIRE(db.exec("PRAGMA foreign_keys = ON") == "");
    REQUIRE(db.exec("INSERT INTO ticket (status, priority, channel, created_at, source_system, source_key, custom) "
                    "VALUES ('open', 'normal', 'web', '2024-05-01 10:00:00+08', 'zd', 't1', '{\"sla\": \"gold\"}');"
                    "INSERT INTO ticket_message (ticket_id, author_kind, is_internal, body, created_at, "
                    "source_system, source_key) VALUES (1, 'agent', 1, 'note', '2024-05-01', 'zd', 'm1')") == "");
    CHECK(db.exec("INSERT INTO ticket (status, priority, channel, created_at, source_system, source_key) "
                  "VALUES ('reopened', 'normal', 'web', '2024-05-01', 'zd', 't2')") ==
          "CHECK constraint failed: status");
    CHECK(db.exec("INSERT INTO ticket (status, priority, channel, created_at, source_system, source_key) "
                  "VALUES ('open', 'normal', 'web', '2024-05-01', 'zd', 't1')") ==
          "UNIQUE constraint failed: ticket.source_system, ticket.source_key");
    CHECK(db.exec("INSERT INTO ticket_message (ticket_id, author_kind, is_internal, body, created_at, "
                  "source_system, source_key) VALUES (99, 'agent', 1, 'note', '2024-05-01', 'zd', 'm2')") ==
          "FOREIGN KEY constraint failed");
    CHECK(db.exec("INSERT INTO customer (source_system, source_key) VALUES ('zd', NULL)") ==
          "NOT NULL constraint failed: customer.source_key");
  }
  SUBCASE("twice with if_not_exists") {
    SqliteDb db;
    std::string ddl = generate_ddl(m, Dialect::kSqlite, {"", true});
    REQUIRE(db.exec(ddl) == "");
    CHECK(db.exec(ddl) == "");
    CHECK(db.exec(generate_ddl(m, Dialect::kSqlite)) == "table \"organization\" already exists");
  }
}

TEST_CASE("ddl: identifiers with quotes, spaces and reserved words are quoted") {
  Model m = awkward_model();
  std::string sqlite_ddl = generate_ddl(m, Dialect::kSqlite);
  CHECK(sqlite_ddl.find("CREATE TABLE \"we\"\"ird\" (\n") != std::string::npos);
  CHECK(sqlite_ddl.find("  \"sel\"\"ect\" TEXT NOT NULL CHECK (\"sel\"\"ect\" IN ('it''s', 'a\"b')),\n") !=
        std::string::npos);
  CHECK(sqlite_ddl.find("  \"order\" TEXT,\n") != std::string::npos);
  CHECK(sqlite_ddl.find("  \"客户 名称\" VARCHAR(20),\n") != std::string::npos);
  CHECK(sqlite_ddl.find("CONSTRAINT \"we\"\"ird_source_key\" UNIQUE") != std::string::npos);

  SqliteDb db;
  REQUIRE(db.exec(sqlite_ddl) == "");
  CHECK(db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'we\"ird'") == 1);
  CHECK(db.exec("INSERT INTO \"we\"\"ird\" (\"sel\"\"ect\", \"order\", \"客户 名称\", source_system, source_key) "
                "VALUES ('it''s', 'x', '张三', 's', 'k')") == "");
  CHECK(db.exec("INSERT INTO \"we\"\"ird\" (\"sel\"\"ect\", source_system, source_key) VALUES ('its', 's', 'k2')")
            .rfind("CHECK constraint failed", 0) == 0);

  std::string pg_ddl = generate_ddl(m, Dialect::kPostgres, {"s\"x", false});
  CHECK(pg_ddl.find("CREATE SCHEMA IF NOT EXISTS \"s\"\"x\";\n") != std::string::npos);
  CHECK(pg_ddl.find("CREATE TABLE \"s\"\"x\".\"we\"\"ird\" (\n") != std::string::npos);
  CHECK(pg_ddl.find("COMMENT ON TABLE \"s\"\"x\".\"we\"\"ird\" IS 'Bob''s table';\n") != std::string::npos);
}

TEST_CASE("ddl: the PostgreSQL DDL applies to the test server") {
  test::require_env("CSBRIDGE_TEST_PG");
  Model m = builtin();
  test::TempDir dir;
  // A quote in the schema name proves the quoting against the real parser.
  const std::string schema = "csb_ddl \"t\" " + std::to_string(::getpid());
  SchemaGuard guard(dir, schema);
  const std::string set_path = "SET search_path TO " + quote_identifier(schema) + ";\n";

  CommandResult first = psql_file(dir.write("create.sql", generate_ddl(m, Dialect::kPostgres, {schema, false})));
  REQUIRE_MESSAGE(first.exit_code == 0, first.output);
  CHECK(first.output == "");

  CommandResult again = psql_file(dir.write("again.sql", generate_ddl(m, Dialect::kPostgres, {schema, true})));
  CHECK_MESSAGE(again.exit_code == 0, again.output);
  CommandResult plain_again = psql_file(dir.path().string() + "/create.sql");
  CHECK(plain_again.exit_code != 0);
  CHECK(plain_again.output.find("relation \"organization\" already exists") != std::string::npos);

  CommandResult tables = psql_file(dir.write(
      "tables.sql", "SELECT count(*) FROM information_schema.tables WHERE table_schema = '" + schema + "';\n"));
  REQUIRE_MESSAGE(tables.exit_code == 0, tables.output);
  CHECK(tables.output == std::to_string(m.entities.size()) + "\n");

  CommandResult rows = psql_file(dir.write(
      "rows.sql", set_path +
                      "INSERT INTO ticket (status, priority, channel, created_at, source_system, source_key, custom) "
                      "VALUES ('open', 'normal', 'web', '2024-05-01 10:00:00+08', 'zd', 't1', '{\"sla\": \"gold\"}');\n"
                      "INSERT INTO ticket_message (ticket_id, author_kind, is_internal, body, created_at, "
                      "source_system, source_key) SELECT id, 'agent', true, 'note', now(), 'zd', 'm1' FROM ticket;\n"
                      "SELECT count(*) FROM ticket_message;\n"));
  REQUIRE_MESSAGE(rows.exit_code == 0, rows.output);
  CHECK(rows.output == "1\n");

  struct Violation {
    const char* insert;
    const char* error;
  };
  for (const Violation& v : {
           Violation{"INSERT INTO ticket (status, priority, channel, created_at, source_system, source_key) "
                     "VALUES ('reopened', 'normal', 'web', now(), 'zd', 't2');",
                     "violates check constraint \"ticket_status_check\""},
           Violation{"INSERT INTO ticket (status, priority, channel, created_at, source_system, source_key) "
                     "VALUES ('open', 'normal', 'web', now(), 'zd', 't1');",
                     "duplicate key value violates unique constraint \"ticket_source_key\""},
           Violation{"INSERT INTO ticket_message (ticket_id, author_kind, is_internal, body, created_at, "
                     "source_system, source_key) VALUES (-1, 'agent', true, 'x', now(), 'zd', 'm2');",
                     "violates foreign key constraint \"ticket_message_ticket_id_fkey\""},
       }) {
    CAPTURE(v.insert);
    CommandResult r = psql_file(dir.write("violation.sql", set_path + v.insert + "\n"));
    CHECK(r.exit_code != 0);
    CHECK_MESSAGE(r.output.find(v.error) != std::string::npos, r.output);
  }
}

}  // namespace csbridge::model
