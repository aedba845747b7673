#include "connector/postgres_connector.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "connector/postgres_common.h"
#include "connector/registry.h"
#include "test_support.h"
#include "util/exit_status.h"
#include "util/strings.h"

namespace csbridge::connector {
namespace {

using Row = std::vector<std::optional<std::string>>;

std::string pg_uri() { return test::require_env("CSBRIDGE_TEST_PG"); }

// The password inside postgresql://user:PASSWORD@host…
std::string pg_password() {
  std::string uri = pg_uri();
  size_t start = uri.find(':', uri.find("://") + 3) + 1;
  return uri.substr(start, uri.find('@') - start);
}

std::string with_password(const std::string& password) {
  std::string uri = pg_uri();
  return util::replace_all(uri, ":" + pg_password() + "@", ":" + password + "@");
}

std::string pg_port() { return test::require_env("CSBRIDGE_TEST_PG_PORT"); }

// A connector and a schema of its own for one test, dropped at the end.
// SQL given to run() names the schema as {s}.
class PgSchema {
 public:
  PgSchema() {
    static int counter = 0;
    name_ = "csb_pg_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    auto opened = open_connector(pg_uri());
    REQUIRE_MESSAGE(opened.is_ok(), opened.status().message());
    db_ = std::move(opened).value();
    run("CREATE SCHEMA {s}");
  }
  ~PgSchema() { (void)db_->execute("DROP SCHEMA " + name_ + " CASCADE"); }
  PgSchema(const PgSchema&) = delete;
  PgSchema& operator=(const PgSchema&) = delete;

  Connector& db() { return *db_; }
  const std::string& name() const { return name_; }
  TableRef table(const std::string& t) const { return {name_, t}; }
  void run(const std::string& sql) {
    Status s = db_->execute(util::replace_all(sql, "{s}", name_));
    REQUIRE_MESSAGE(s.is_ok(), s.message());
  }

 private:
  std::string name_;
  std::unique_ptr<Connector> db_;
};

std::vector<Row> rows_of(const Batch& b) {
  std::vector<Row> rows;
  for (size_t r = 0; r < b.rows(); ++r) {
    Row row;
    for (size_t c = 0; c < b.columns(); ++c) {
      auto v = b.value(r, c);
      row.push_back(v ? std::optional<std::string>(std::string(*v)) : std::nullopt);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Every row of the read; the sizes of the batches it came in go to `batch_sizes`.
std::vector<Row> read_all(Connector& db, const ReadRequest& request, std::vector<size_t>* batch_sizes = nullptr) {
  auto reader = db.read(request);
  REQUIRE_MESSAGE(reader.is_ok(), reader.status().message());
  std::vector<Row> rows;
  Batch batch;
  while (true) {
    auto more = (*reader)->next(batch);
    REQUIRE_MESSAGE(more.is_ok(), more.status().message());
    if (!*more) break;
    if (batch_sizes != nullptr) batch_sizes->push_back(batch.rows());
    for (Row& r : rows_of(batch)) rows.push_back(std::move(r));
  }
  CHECK(batch.empty());
  return rows;
}

ReadRequest reading(const TableRef& table) {
  ReadRequest request;
  request.table = table;
  return request;
}

Batch batch_of(size_t columns, const std::vector<Row>& rows) {
  Batch b(columns);
  for (const Row& row : rows) {
    for (const auto& v : row) v ? b.append(*v) : b.append_null();
  }
  return b;
}

Status write_rows(Connector& db, const TableRef& table, const std::vector<std::string>& columns,
                  const std::vector<Row>& rows) {
  CSB_ASSIGN_OR_RETURN(std::unique_ptr<RowWriter> writer, db.write({table, columns}));
  CSB_RETURN_IF_ERROR(writer->write(batch_of(columns.size(), rows)));
  return writer->finish();
}

int64_t exact_count(Connector& db, const TableRef& table) {
  auto n = db.count(table);
  REQUIRE_MESSAGE(n.is_ok(), n.status().message());
  CHECK(n->exact);
  return n->rows;
}

const char* const kWeird = "客户 \"order\" table";

void create_catalog_tables(PgSchema& pg) {
  pg.run(R"(
    CREATE TABLE {s}.customers (
      region text NOT NULL,
      id integer NOT NULL,
      email varchar(120),
      PRIMARY KEY (region, id));
    CREATE UNIQUE INDEX customers_email_key ON {s}.customers (email);
    CREATE INDEX customers_id_region_idx ON {s}.customers (id, region);
    CREATE TABLE {s}."客户 ""order"" table" (
      "select" bigint PRIMARY KEY,
      "名字" text,
      "it's ""quoted""" numeric(12,2),
      "a b" timestamp with time zone,
      cust_region text,
      cust_id integer,
      CONSTRAINT "fk cust" FOREIGN KEY (cust_id, cust_region) REFERENCES {s}.customers (id, region));
    CREATE VIEW {s}.v_customers AS SELECT region, id FROM {s}.customers;)");
}

TEST_CASE("postgres connector: libpq's words for a lost server are told from other failures") {
  CHECK(pg::lost_connection_text("Error writing to table: server closed the connection unexpectedly\n\tThis probably"));
  CHECK(pg::lost_connection_text("could not receive data from server: Connection reset by peer"));
  CHECK(pg::lost_connection_text("no connection to the server"));
  CHECK_FALSE(pg::lost_connection_text("invalid input syntax for type integer"));
}

TEST_CASE("postgres connector: info names the engine and hides the password") {
  PgSchema pg;
  CHECK(pg.db().backend() == "postgres");
  auto info = pg.db().info();
  REQUIRE_MESSAGE(info.is_ok(), info.status().message());
  CHECK(info->engine == "PostgreSQL");
  CHECK(info->version.find('.') != std::string::npos);
  CHECK(info->version.find(' ') == std::string::npos);
  CHECK(info->redacted == with_password("***"));
  CHECK(info->redacted.find(pg_password()) == std::string::npos);
}

TEST_CASE("postgres connector: list_tables and describe") {
  PgSchema pg;
  create_catalog_tables(pg);

  auto tables = pg.db().list_tables();
  REQUIRE_MESSAGE(tables.is_ok(), tables.status().message());
  std::vector<TableRef> ours;
  for (const TableRef& t : *tables) {
    CHECK(t.schema != "pg_catalog");
    CHECK(t.schema != "information_schema");
    if (t.schema == pg.name()) ours.push_back(t);
  }
  CHECK(ours == std::vector<TableRef>{pg.table("customers"), pg.table("v_customers"), pg.table(kWeird)});

  SUBCASE("composite primary key and indexes") {
    auto t = pg.db().describe(pg.table("customers"));
    REQUIRE_MESSAGE(t.is_ok(), t.status().message());
    CHECK(t->ref == pg.table("customers"));
    CHECK_FALSE(t->is_view);
    REQUIRE(t->columns.size() == 3);
    CHECK(t->columns[0].name == "region");
    CHECK(t->columns[0].declared_type == "text");
    CHECK(t->columns[0].type == ValueType::kText);
    CHECK_FALSE(t->columns[0].nullable);
    CHECK(t->columns[1].name == "id");
    CHECK(t->columns[1].declared_type == "integer");
    CHECK(t->columns[1].type == ValueType::kInteger);
    CHECK(t->columns[2].name == "email");
    CHECK(t->columns[2].declared_type == "character varying(120)");
    CHECK(t->columns[2].type == ValueType::kText);
    CHECK(t->columns[2].nullable);
    CHECK(t->primary_key == std::vector<std::string>{"region", "id"});
    REQUIRE(t->indexes.size() == 2);
    CHECK(t->indexes[0].name == "customers_email_key");
    CHECK(t->indexes[0].unique);
    CHECK(t->indexes[0].columns == std::vector<std::string>{"email"});
    CHECK(t->indexes[1].name == "customers_id_region_idx");
    CHECK_FALSE(t->indexes[1].unique);
    CHECK(t->indexes[1].columns == std::vector<std::string>{"id", "region"});
    CHECK(t->foreign_keys.empty());
  }
  SUBCASE("quoted, Chinese and reserved names; multi-column foreign key") {
    auto t = pg.db().describe(pg.table(kWeird));
    REQUIRE_MESSAGE(t.is_ok(), t.status().message());
    REQUIRE(t->columns.size() == 6);
    std::vector<std::string> names, declared;
    for (const ColumnInfo& c : t->columns) {
      names.push_back(c.name);
      declared.push_back(c.declared_type);
    }
    CHECK(names == std::vector<std::string>{"select", "名字", "it's \"quoted\"", "a b", "cust_region", "cust_id"});
    CHECK(declared == std::vector<std::string>{"bigint", "text", "numeric(12,2)", "timestamp with time zone", "text",
                                               "integer"});
    CHECK(t->columns[0].type == ValueType::kInteger);
    CHECK_FALSE(t->columns[0].nullable);
    CHECK(t->columns[2].type == ValueType::kDecimal);
    CHECK(t->columns[3].type == ValueType::kTimestampTz);
    CHECK(t->primary_key == std::vector<std::string>{"select"});
    CHECK(t->indexes.empty());
    REQUIRE(t->foreign_keys.size() == 1);
    const ForeignKey& fk = t->foreign_keys[0];
    CHECK(fk.name == "fk cust");
    CHECK(fk.columns == std::vector<std::string>{"cust_id", "cust_region"});
    CHECK(fk.ref_table == pg.table("customers"));
    CHECK(fk.ref_columns == std::vector<std::string>{"id", "region"});
  }
  SUBCASE("view") {
    auto t = pg.db().describe(pg.table("v_customers"));
    REQUIRE_MESSAGE(t.is_ok(), t.status().message());
    CHECK(t->is_view);
    REQUIRE(t->columns.size() == 2);
    CHECK(t->columns[0].name == "region");
    CHECK(t->columns[1].name == "id");
    CHECK(t->primary_key.empty());
  }
  SUBCASE("types: boolean, bytea, domain, array, enum, expression index") {
    pg.run(R"(
      CREATE DOMAIN {s}.money_amount AS numeric(10,2);
      CREATE TYPE {s}.mood AS ENUM ('ok', 'sad');
      CREATE TABLE {s}.typed (flag boolean, data bytea, amount {s}.money_amount, tags integer[], m {s}.mood,
                              d date, r double precision, j jsonb);
      CREATE INDEX typed_expr_idx ON {s}.typed (flag, (d + 1));)");
    auto t = pg.db().describe(pg.table("typed"));
    REQUIRE_MESSAGE(t.is_ok(), t.status().message());
    REQUIRE(t->columns.size() == 8);
    std::vector<ValueType> types;
    for (const ColumnInfo& c : t->columns) types.push_back(c.type);
    CHECK(types == std::vector<ValueType>{ValueType::kBoolean, ValueType::kBinary, ValueType::kDecimal,
                                          ValueType::kText, ValueType::kText, ValueType::kDate, ValueType::kReal,
                                          ValueType::kJson});
    CHECK(t->columns[2].declared_type == pg.name() + ".money_amount");
    CHECK(t->columns[3].declared_type == "integer[]");
    REQUIRE(t->indexes.size() == 1);
    CHECK(t->indexes[0].columns == std::vector<std::string>{"flag", "(d + 1)"});
  }
}

TEST_CASE("postgres connector: values round-trip through write then read") {
  PgSchema pg;
  pg.run(R"(CREATE TABLE {s}.vals (id integer PRIMARY KEY, t text, b bytea, flag boolean, ts timestamp,
                                   tstz timestamptz, n numeric(12,3), r double precision, d date))");
  const std::vector<std::string> columns{"id", "t", "b", "flag", "ts", "tstz", "n", "r", "d"};
  const std::string bytes("\x00\x01\xff\\\t\n", 6);
  const std::vector<Row> written{
      {"1", "客户 张三\t制表\n换行\\反斜杠\r回车", bytes, "true", "2024-02-29 13:45:07.123456",
       "2024-02-29 13:45:07+08", "12.5", "0.1", "2024-02-29"},
      {"2", "", "", "false", "1999-12-31 23:59:59", "2000-01-01 00:00:00+00", "-0.001", "-1e+300", "0001-01-01"},
      {"3", std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
       std::nullopt},
      {"4", "\\N", "\\N", "true", "2024-01-01 00:00:00", "2024-06-30 23:30:00-02:30", "0", "3.141592653589793",
       "2024-01-01"},
  };
  Status s = write_rows(pg.db(), pg.table("vals"), columns, written);
  REQUIRE_MESSAGE(s.is_ok(), s.message());

  ReadRequest request = reading(pg.table("vals"));
  request.order_by = {"id"};
  std::vector<Row> read = read_all(pg.db(), request);
  const std::vector<Row> expected{
      {"1", "客户 张三\t制表\n换行\\反斜杠\r回车", bytes, "true", "2024-02-29 13:45:07.123456",
       "2024-02-29 05:45:07+00", "12.500", "0.1", "2024-02-29"},
      {"2", "", "", "false", "1999-12-31 23:59:59", "2000-01-01 00:00:00+00", "-0.001", "-1e+300", "0001-01-01"},
      written[2],
      {"4", "\\N", "\\N", "true", "2024-01-01 00:00:00", "2024-07-01 02:00:00+00", "0.000", "3.141592653589793",
       "2024-01-01"},
  };
  REQUIRE(read.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    CHECK(read[i] == expected[i]);
  }
  CHECK(read[1][1].has_value());  // the empty string is not NULL
  CHECK_FALSE(read[2][1].has_value());
}

TEST_CASE("postgres connector: read with columns, where, order_by and limit") {
  PgSchema pg;
  create_catalog_tables(pg);
  pg.run(R"(INSERT INTO {s}."客户 ""order"" table" ("select", "名字") VALUES (1, '一'), (2, '二'), (3, NULL), (4, '四'))");

  ReadRequest request = reading(pg.table(kWeird));
  request.columns = {"名字", "select"};

  SUBCASE("all of them") {
    request.where = R"("select" > 1 -- a trailing comment)";
    request.order_by = {"select"};
    request.limit = 2;
    auto reader = pg.db().read(request);
    REQUIRE_MESSAGE(reader.is_ok(), reader.status().message());
    REQUIRE((*reader)->columns().size() == 2);
    CHECK((*reader)->columns()[0].name == "名字");
    CHECK((*reader)->columns()[1].name == "select");
    CHECK((*reader)->columns()[1].declared_type == "bigint");
    CHECK(read_all(pg.db(), request) == std::vector<Row>{{"二", "2"}, {std::nullopt, "3"}});
  }
  SUBCASE("limit 0") {
    request.limit = 0;
    CHECK(read_all(pg.db(), request).empty());
  }
  SUBCASE("unknown column") {
    request.columns = {"名字", "selct"};
    auto reader = pg.db().read(request);
    REQUIRE_FALSE(reader.is_ok());
    CHECK(reader.status().code() == ErrorCode::kNotFound);
    CHECK(reader.status().message() ==
          "column 'selct' not found in table " + pg.name() + "." + kWeird + "; did you mean 'select'?");
  }
  SUBCASE("unknown order_by column") {
    request.order_by = {"nope"};
    auto reader = pg.db().read(request);
    REQUIRE_FALSE(reader.is_ok());
    CHECK(reader.status().code() == ErrorCode::kNotFound);
    CHECK(reader.status().message() == "column 'nope' not found in table " + pg.name() + "." + kWeird);
  }
  SUBCASE("bad where") {
    request.where = "\"select\" = = 1";
    auto reader = pg.db().read(request);
    REQUIRE_FALSE(reader.is_ok());
    CHECK(reader.status().code() == ErrorCode::kInvalidArgument);
    CHECK(reader.status().message() ==
          "reading table " + pg.name() + "." + kWeird + " where \"select\" = = 1: syntax error at or near \"=\"");
  }
  SUBCASE("where cannot add a second statement") {
    request.where = "true); DROP TABLE " + pg.name() + ".customers; SELECT (1";
    auto reader = pg.db().read(request);
    REQUIRE_FALSE(reader.is_ok());
    CHECK(reader.status().code() == ErrorCode::kInvalidArgument);
    CHECK(reader.status().message() ==
          "reading table " + pg.name() + "." + kWeird + " where " + request.where + ": syntax error at or near \";\"");
    CHECK(pg.db().describe(pg.table("customers")).is_ok());
  }
  SUBCASE("where that fails while rows stream") {
    request.where = "1 / (\"select\" - 3) > 0";
    request.order_by = {"select"};
    auto reader = pg.db().read(request);
    REQUIRE_MESSAGE(reader.is_ok(), reader.status().message());
    Batch batch;
    auto more = (*reader)->next(batch);
    REQUIRE_FALSE(more.is_ok());
    CHECK(more.status().code() == ErrorCode::kData);
    CHECK(more.status().message() ==
          "reading table " + pg.name() + "." + kWeird + " where 1 / (\"select\" - 3) > 0: division by zero");
  }
}

TEST_CASE("postgres connector: read batches hold at most batch_rows") {
  PgSchema pg;
  pg.run("CREATE TABLE {s}.many AS SELECT g AS id, 'row ' || g AS label FROM generate_series(1, 2500) g");
  ReadRequest request = reading(pg.table("many"));
  request.batch_rows = 1000;
  request.order_by = {"id"};
  std::vector<size_t> sizes;

  SUBCASE("2500 rows") {
    std::vector<Row> rows = read_all(pg.db(), request, &sizes);
    CHECK(sizes == std::vector<size_t>{1000, 1000, 500});
    REQUIRE(rows.size() == 2500);
    CHECK(rows.front() == Row{"1", "row 1"});
    CHECK(rows.back() == Row{"2500", "row 2500"});
  }
  SUBCASE("exactly two batches") {
    request.limit = 2000;
    read_all(pg.db(), request, &sizes);
    CHECK(sizes == std::vector<size_t>{1000, 1000});
  }
  SUBCASE("a reader dropped midway leaves the connector usable") {
    pg.run("INSERT INTO {s}.many SELECT g, 'more' FROM generate_series(2501, 200000) g");
    {
      auto reader = pg.db().read(request);
      REQUIRE_MESSAGE(reader.is_ok(), reader.status().message());
      Batch batch;
      auto more = (*reader)->next(batch);
      REQUIRE(more.is_ok());
      CHECK(batch.rows() == 1000);
    }
    CHECK(exact_count(pg.db(), pg.table("many")) == 200000);
  }
  SUBCASE("batch_rows 0") {
    request.batch_rows = 0;
    auto reader = pg.db().read(request);
    REQUIRE_FALSE(reader.is_ok());
    CHECK(reader.status().code() == ErrorCode::kInvalidArgument);
    CHECK(reader.status().message() == "reading table " + pg.name() + ".many: batch_rows is 0");
  }
}

TEST_CASE("postgres connector: count exact and estimate") {
  PgSchema pg;
  // No autovacuum: whether statistics exist must not depend on timing.
  pg.run("CREATE TABLE {s}.counted (id integer) WITH (autovacuum_enabled = false);"
         "INSERT INTO {s}.counted SELECT generate_series(1, 2500)");

  CHECK(exact_count(pg.db(), pg.table("counted")) == 2500);

  auto never_analysed = pg.db().count(pg.table("counted"), true);
  REQUIRE(never_analysed.is_ok());
  CHECK(never_analysed->rows == 2500);
  CHECK(never_analysed->exact);

  pg.run("ANALYZE {s}.counted");
  auto estimated = pg.db().count(pg.table("counted"), true);
  REQUIRE(estimated.is_ok());
  CHECK(estimated->rows == 2500);
  CHECK_FALSE(estimated->exact);
}

TEST_CASE("postgres connector: connection failures are kUnreachable and never show the password") {
  std::string target;
  std::string expected;
  const std::string secret = "Wr0ng-s3cret";
  SUBCASE("wrong password in a URI") {
    target = with_password(secret);
    expected = "cannot connect to postgres '" + with_password("***") +
               "': connection to server at \"127.0.0.1\", port " + pg_port() +
               " failed: FATAL:  password authentication failed for user \"csbridge\"";
  }
  SUBCASE("wrong password in key/value form") {
    target = "host=127.0.0.1 port=" + pg_port() + " dbname=csbridge_test user=csbridge password=" + secret;
    expected = "cannot connect to postgres 'host=127.0.0.1 port=" + pg_port() +
               " dbname=csbridge_test user=csbridge password=***': connection to server at \"127.0.0.1\", port " +
               pg_port() + " failed: FATAL:  password authentication failed for user \"csbridge\"";
  }
  SUBCASE("nothing listening on the port") {
    target = "postgresql://csbridge:" + secret + "@127.0.0.1:1/csbridge_test";
    expected = "cannot connect to postgres 'postgresql://csbridge:***@127.0.0.1:1/csbridge_test': connection to "
               "server at \"127.0.0.1\", port 1 failed: Connection refused";
  }
  SUBCASE("unknown database") {
    target = util::replace_all(pg_uri(), "/csbridge_test", "/no_such_db");
    expected = "cannot connect to postgres '" +
               util::replace_all(with_password("***"), "/csbridge_test", "/no_such_db") +
               "': connection to server at \"127.0.0.1\", port " + pg_port() +
               " failed: FATAL:  database \"no_such_db\" does not exist";
  }
  auto opened = open_connector(target);
  REQUIRE_FALSE(opened.is_ok());
  CHECK(opened.status().code() == ErrorCode::kUnreachable);
  CHECK(opened.status().message() == expected);
  CHECK(opened.status().message().find(secret) == std::string::npos);
  CHECK(opened.status().message().find(pg_password()) == std::string::npos);
  CHECK(opened.status().message().find('\n') == std::string::npos);
}

TEST_CASE("postgres connector: an unknown table is kNotFound") {
  PgSchema pg;
  const TableRef missing = pg.table("no_such_table");
  const std::string message = "table " + pg.name() + ".no_such_table not found";
  Status status;
  SUBCASE("describe") { status = pg.db().describe(missing).status(); }
  SUBCASE("count") { status = pg.db().count(missing).status(); }
  SUBCASE("count estimate") { status = pg.db().count(missing, true).status(); }
  SUBCASE("read") { status = pg.db().read(reading(missing)).status(); }
  SUBCASE("write") { status = pg.db().write({missing, {"id"}}).status(); }
  CHECK(status.code() == ErrorCode::kNotFound);
  CHECK(status.message() == message);
}

TEST_CASE("postgres connector: write errors name the table, batch row and column") {
  PgSchema pg;
  pg.run("CREATE TABLE {s}.notes (id integer PRIMARY KEY, body text)");
  const TableRef notes = pg.table("notes");
  auto writer = pg.db().write({notes, {"id", "body"}});
  REQUIRE_MESSAGE(writer.is_ok(), writer.status().message());

  SUBCASE("NUL byte in text is refused before sending; the writer stays usable") {
    Status s = (*writer)->write(batch_of(2, {{"1", "fine"}, {"2", std::string("bad\0byte", 8)}}));
    CHECK(s.code() == ErrorCode::kData);
    CHECK(s.message() == "table " + pg.name() +
                             ".notes, row 2 of the batch, column 'body': text contains a NUL byte (0x00), which "
                             "PostgreSQL cannot store");
    Status retry = (*writer)->write(batch_of(2, {{"1", "fine"}}));
    REQUIRE_MESSAGE(retry.is_ok(), retry.message());
    REQUIRE((*writer)->finish().is_ok());
    CHECK(exact_count(pg.db(), notes) == 1);
  }
  SUBCASE("a value the column type refuses") {
    Status s = (*writer)->write(batch_of(2, {{"1", "a"}, {"x2", "b"}}));
    CHECK(s.code() == ErrorCode::kData);
    CHECK(s.message() == "table " + pg.name() +
                             ".notes, row 2 of the batch, column 'id': invalid input syntax for type integer: \"x2\"");
    Status finish = (*writer)->finish();
    CHECK(finish.code() == ErrorCode::kData);
    CHECK(finish.message() == "rolled back after an earlier failure: " + s.message());
    CHECK(exact_count(pg.db(), notes) == 0);
  }
  SUBCASE("a duplicate key") {
    Status s = (*writer)->write(batch_of(2, {{"1", "a"}, {"2", "b"}, {"1", "c"}}));
    CHECK(s.code() == ErrorCode::kData);
    CHECK(s.message() == "table " + pg.name() + ".notes, row 3 of the batch: " +
                             "duplicate key value violates unique constraint \"notes_pkey\"");
  }
  SUBCASE("a batch of the wrong width") {
    Status s = (*writer)->write(batch_of(1, {{"1"}}));
    CHECK(s.code() == ErrorCode::kInvalidArgument);
    CHECK(s.message() == "table " + pg.name() + ".notes: the batch has 1 columns, the writer 2");
  }
  SUBCASE("an unknown column") {
    auto bad = pg.db().write({notes, {"id", "bdoy"}});
    REQUIRE_FALSE(bad.is_ok());
    CHECK(bad.status().code() == ErrorCode::kNotFound);
    CHECK(bad.status().message() == "column 'bdoy' not found in table " + pg.name() + ".notes; did you mean 'body'?");
  }
}

TEST_CASE("postgres connector: a writer destroyed without finish() leaves nothing") {
  PgSchema pg;
  pg.run("CREATE TABLE {s}.notes (id integer, body text)");
  {
    auto writer = pg.db().write({pg.table("notes"), {"id", "body"}});
    REQUIRE_MESSAGE(writer.is_ok(), writer.status().message());
    REQUIRE((*writer)->write(batch_of(2, {{"1", "a"}, {"2", "b"}})).is_ok());
    REQUIRE((*writer)->write(batch_of(2, {{"3", "c"}})).is_ok());
  }
  CHECK(exact_count(pg.db(), pg.table("notes")) == 0);

  SUBCASE("and with finish() everything is there") {
    Status s = write_rows(pg.db(), pg.table("notes"), {"id", "body"}, {{"1", "a"}, {"2", "b"}});
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    CHECK(exact_count(pg.db(), pg.table("notes")) == 2);
  }
}

TEST_CASE("postgres connector: execute runs a script in one transaction") {
  PgSchema pg;
  pg.run("CREATE TABLE {s}.whole (id integer); INSERT INTO {s}.whole VALUES (1), (2)");
  CHECK(exact_count(pg.db(), pg.table("whole")) == 2);

  std::string script = "CREATE TABLE " + pg.name() + ".half (id integer); ";
  ErrorCode code = ErrorCode::kOk;
  std::string message;
  SUBCASE("syntax error") {
    script += "SELEC 1";
    code = ErrorCode::kInvalidArgument;
    message = "SQL script: syntax error at or near \"SELEC\"";
  }
  SUBCASE("unknown table") {
    script += "INSERT INTO " + pg.name() + ".nope VALUES (1)";
    code = ErrorCode::kInvalidArgument;
    message = "SQL script: relation \"" + pg.name() + ".nope\" does not exist";
  }
  SUBCASE("bad value") {
    script += "INSERT INTO " + pg.name() + ".half VALUES ('x')";
    code = ErrorCode::kData;
    message = "SQL script: invalid input syntax for type integer: \"x\"";
  }
  Status s = pg.db().execute(script);
  CHECK(s.code() == code);
  CHECK(s.message() == message);
  CHECK(pg.db().describe(pg.table("half")).status().code() == ErrorCode::kNotFound);
}

TEST_CASE("postgres connector: write and read quoted, Chinese and reserved names") {
  PgSchema pg;
  create_catalog_tables(pg);
  const std::vector<std::string> columns{"select", "名字", "it's \"quoted\"", "a b"};
  Status s = write_rows(pg.db(), pg.table(kWeird), columns,
                        {{"1", "张三", "12.34", "2024-05-01 08:00:00+08"}, {"2", "李四", std::nullopt, std::nullopt}});
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  ReadRequest request = reading(pg.table(kWeird));
  request.columns = columns;
  request.order_by = {"select"};
  CHECK(read_all(pg.db(), request) == std::vector<Row>{{"1", "张三", "12.34", "2024-05-01 00:00:00+00"},
                                                       {"2", "李四", std::nullopt, std::nullopt}});
}

TEST_CASE("postgres connector: a table without schema is found through the search_path") {
  PgSchema pg;
  // Named after the schema so that no other test's table can answer for it.
  pg.run("CREATE TABLE {s}.{s} (id integer); INSERT INTO {s}.{s} VALUES (1)");
  const TableRef unqualified{"", pg.name()};

  auto opened = open_connector(pg_uri() + "?options=-csearch_path%3D" + pg.name());
  REQUIRE_MESSAGE(opened.is_ok(), opened.status().message());
  auto t = (*opened)->describe(unqualified);
  REQUIRE_MESSAGE(t.is_ok(), t.status().message());
  CHECK(t->ref == pg.table(pg.name()));
  CHECK(exact_count(**opened, unqualified) == 1);

  auto missing = pg.db().describe(unqualified);
  CHECK(missing.status().code() == ErrorCode::kNotFound);
  CHECK(missing.status().message() == "table " + pg.name() + " not found");
}

}  // namespace

TEST_CASE("postgres connector: a query reads like a table, in a read-only transaction") {
  PgSchema pg;
  pg.run(R"(
    CREATE DOMAIN {s}.money_amount AS numeric(10,2);
    CREATE TYPE {s}.mood AS ENUM ('ok', 'sad');
    CREATE TABLE {s}.typed (id integer PRIMARY KEY, flag boolean, data bytea, amount {s}.money_amount,
                            tags integer[], m {s}.mood, label varchar(12));
    INSERT INTO {s}.typed VALUES (1, true, '\x00ff', 12.5, '{1,2}', 'sad', '一'),
                                 (2, false, NULL, NULL, NULL, 'ok', NULL);
    CREATE TABLE {s}.log (n integer);
    CREATE FUNCTION {s}.sneaky() RETURNS integer LANGUAGE sql AS 'INSERT INTO {s}.log VALUES (1) RETURNING n';)");

  SUBCASE("describe_query types table columns as describe() does, domains included") {
    auto table = pg.db().describe(pg.table("typed"));
    REQUIRE_MESSAGE(table.is_ok(), table.status().message());
    auto query = pg.db().describe_query("SELECT * FROM " + pg.name() + ".typed");
    REQUIRE_MESSAGE(query.is_ok(), query.status().message());
    CHECK(query->ref == TableRef{"", "query"});
    REQUIRE(query->columns.size() == table->columns.size());
    for (size_t i = 0; i < table->columns.size(); ++i) {
      CAPTURE(i);
      CHECK(query->columns[i].name == table->columns[i].name);
      CHECK(query->columns[i].declared_type == table->columns[i].declared_type);
      CHECK(query->columns[i].type == table->columns[i].type);
    }
    CHECK(query->columns[3].declared_type == pg.name() + ".money_amount");
  }
  SUBCASE("describe_query types expressions by their result type") {
    auto query = pg.db().describe_query("SELECT count(*) AS n, now()::date AS d, 1.5::numeric(4,1) AS x, "
                                        "'a'::text || 'b' AS s, ARRAY[1] AS a");
    REQUIRE_MESSAGE(query.is_ok(), query.status().message());
    std::vector<std::string> declared;
    std::vector<ValueType> types;
    for (const ColumnInfo& c : query->columns) {
      declared.push_back(c.declared_type);
      types.push_back(c.type);
    }
    // The server gives an expression's type but not its modifier: numeric(4,1) reads as numeric.
    CHECK(declared == std::vector<std::string>{"bigint", "date", "numeric", "text", "integer[]"});
    CHECK(types == std::vector<ValueType>{ValueType::kInteger, ValueType::kDate, ValueType::kDecimal,
                                          ValueType::kText, ValueType::kText});
  }
  SUBCASE("rows keep the table conversions: booleans, bytea, arrays; where, order_by, limit apply") {
    ReadRequest request;
    request.query = "SELECT t.id, t.flag, t.data, t.tags, t.m AS mood, t.label FROM " + pg.name() +
                    ".typed t -- trailing comment\n;";
    request.where = "mood IN ('ok', 'sad')";
    request.order_by = {"id"};
    request.limit = 5;
    request.batch_rows = 1;
    std::vector<size_t> sizes;
    CHECK(read_all(pg.db(), request, &sizes) ==
          std::vector<Row>{{"1", "true", std::string("\x00\xff", 2), "{1,2}", "sad", "一"},
                           {"2", "false", std::nullopt, std::nullopt, "ok", std::nullopt}});
    CHECK(sizes == std::vector<size_t>{1, 1});
  }
  SUBCASE("a query cannot write, even through a function") {
    ReadRequest request;
    request.query = "SELECT " + pg.name() + ".sneaky() AS n";
    auto reader = pg.db().read(request);
    Status failed = reader.status();
    if (reader.is_ok()) {
      Batch batch;
      failed = (*reader)->next(batch).status();
    }
    CHECK(failed.code() == ErrorCode::kInvalidArgument);
    CHECK(failed.message() == "reading query: cannot execute INSERT in a read-only transaction");
    CHECK(exact_count(pg.db(), pg.table("log")) == 0);
  }
  SUBCASE("a data-modifying statement is a syntax error inside the derived table") {
    Status s = pg.db().describe_query("INSERT INTO " + pg.name() + ".log VALUES (2) RETURNING n").status();
    CHECK(s.code() == ErrorCode::kInvalidArgument);
    CHECK(s.message() == "query: syntax error at or near \"INTO\"");
    CHECK(exact_count(pg.db(), pg.table("log")) == 0);
  }
}

}  // namespace csbridge::connector

namespace csbridge::connector {
namespace {

TEST_CASE("postgres connector: a table the account may not read is permission_denied, not a usage error") {
  // The superuser reaches the server through its socket (trust, local only) to make a table the
  // test account has no grant on.
  std::string admin = "host=" + test::require_env("CSBRIDGE_TEST_PG_SOCKET_DIR") + " port=" + pg_port() +
                      " user=postgres dbname=csbridge_test";
  auto su = open_connector(admin);
  REQUIRE_MESSAGE(su.is_ok(), su.status().message());
  std::string table = "private_" + std::to_string(::getpid());
  REQUIRE((*su)->execute("CREATE TABLE public." + table + " (id int); REVOKE ALL ON public." + table + " FROM PUBLIC").is_ok());
  auto db = open_connector(pg_uri());
  REQUIRE(db.is_ok());
  auto count = (*db)->count({"public", table});
  REQUIRE_FALSE(count.is_ok());
  CHECK_MESSAGE(count.status().code() == ErrorCode::kPermissionDenied, count.status().message());
  CHECK(count.status().message().find("permission denied") != std::string::npos);
  CHECK(exit_status_for(count.status()) == ExitStatus::kUnreachable);
  (void)(*su)->execute("DROP TABLE public." + table);
}

}  // namespace
}  // namespace csbridge::connector
