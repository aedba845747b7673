#include "connector/sqlite_connector.h"

#include <doctest/doctest.h>

#include "test_support.h"

namespace csbridge::connector {
namespace {

std::unique_ptr<Connector> open_path(const std::string& path, const std::string& mode = "rw") {
  auto conn = parse_connection_string("sqlite:" + path + "?mode=" + mode);
  REQUIRE(conn.is_ok());
  auto db = open_sqlite(*conn);
  REQUIRE_MESSAGE(db.is_ok(), db.status().message());
  return std::move(db).value();
}

const char* kFixture = R"sql(
CREATE TABLE "客户 list" ("编号" INTEGER PRIMARY KEY, "name" VARCHAR(40) NOT NULL, "select" TEXT,
                         "say ""hi""" TEXT, "vip" BOOLEAN, "amount" DECIMAL(10,2), "photo" BLOB, "ratio" REAL);
CREATE UNIQUE INDEX "ux_name" ON "客户 list" ("name");
CREATE TABLE orders (shop INTEGER, order_no VARCHAR(20), customer INTEGER REFERENCES "客户 list",
                     PRIMARY KEY (shop, order_no));
CREATE TABLE lines (shop INTEGER, order_no VARCHAR(20), n INTEGER,
                    FOREIGN KEY (shop, order_no) REFERENCES orders (shop, order_no));
CREATE INDEX ix_lines ON lines (order_no, n);
CREATE VIEW v_orders AS SELECT * FROM orders;
INSERT INTO "客户 list" VALUES (1, '张三', NULL, '', 1, 12.50, X'00FF10', 0.1);
INSERT INTO "客户 list" VALUES (2, 'O''Brien', 'x', 'tab	and
newline', 0, 3, NULL, NULL);
)sql";

}  // namespace

TEST_CASE("sqlite connector: describe keys, indexes, foreign keys and quoted identifiers") {
  test::TempDir dir;
  auto db = open_path((dir.path() / "t.db").string(), "rwc");
  REQUIRE(db->execute(kFixture).is_ok());

  auto tables = db->list_tables();
  REQUIRE(tables.is_ok());
  std::vector<std::string> names;
  for (auto& t : *tables) names.push_back(t.name);
  CHECK(names == std::vector<std::string>{"lines", "orders", "v_orders", "客户 list"});

  auto c = db->describe({"", "客户 list"});
  REQUIRE(c.is_ok());
  CHECK(c->primary_key == std::vector<std::string>{"编号"});
  REQUIRE(c->columns.size() == 8);
  CHECK(c->columns[1].declared_type == "VARCHAR(40)");
  CHECK(c->columns[1].type == ValueType::kText);
  CHECK_FALSE(c->columns[1].nullable);
  CHECK(c->columns[3].name == "say \"hi\"");
  CHECK(c->columns[4].type == ValueType::kBoolean);
  CHECK(c->columns[5].type == ValueType::kDecimal);
  CHECK(c->columns[6].type == ValueType::kBinary);
  REQUIRE(c->indexes.size() == 1);
  CHECK(c->indexes[0].name == "ux_name");
  CHECK(c->indexes[0].unique);

  auto o = db->describe({"", "orders"});
  REQUIRE(o.is_ok());
  CHECK(o->primary_key == std::vector<std::string>{"shop", "order_no"});
  REQUIRE(o->foreign_keys.size() == 1);
  CHECK(o->foreign_keys[0].columns == std::vector<std::string>{"customer"});
  CHECK(o->foreign_keys[0].ref_table.name == "客户 list");
  CHECK(o->foreign_keys[0].ref_columns == std::vector<std::string>{"编号"});  // resolved from the parent's key

  auto l = db->describe({"", "lines"});
  REQUIRE(l.is_ok());
  CHECK(l->primary_key.empty());
  REQUIRE(l->foreign_keys.size() == 1);
  CHECK(l->foreign_keys[0].columns == std::vector<std::string>{"shop", "order_no"});
  CHECK(l->foreign_keys[0].ref_columns == std::vector<std::string>{"shop", "order_no"});
  REQUIRE(l->indexes.size() == 1);
  CHECK(l->indexes[0].columns == std::vector<std::string>{"order_no", "n"});
  CHECK_FALSE(l->indexes[0].unique);

  auto v = db->describe({"", "v_orders"});
  REQUIRE(v.is_ok());
  CHECK(v->is_view);
}

TEST_CASE("sqlite connector: read gives canonical text, NULL apart from empty") {
  test::TempDir dir;
  auto db = open_path((dir.path() / "t.db").string(), "rwc");
  REQUIRE(db->execute(kFixture).is_ok());
  ReadRequest req;
  req.table = {"", "客户 list"};
  req.order_by = {"编号"};
  auto reader = db->read(req);
  REQUIRE(reader.is_ok());
  Batch b;
  REQUIRE(*(*reader)->next(b));
  REQUIRE(b.rows() == 2);
  CHECK(b.get(0, 1) == "张三");
  CHECK(b.is_null(0, 2));
  CHECK_FALSE(b.is_null(0, 3));
  CHECK(b.get(0, 3) == "");
  CHECK(b.get(0, 4) == "true");
  CHECK(b.get(1, 4) == "false");
  CHECK(b.get(0, 5) == "12.5");
  CHECK(b.get(0, 6) == std::string_view("\x00\xFF\x10", 3));
  CHECK(b.get(0, 7) == "0.1");
  CHECK(b.get(1, 1) == "O'Brien");
  CHECK(b.get(1, 3) == "tab\tand\nnewline");
  CHECK_FALSE(*(*reader)->next(b));
  CHECK(b.rows() == 0);
}

TEST_CASE("sqlite connector: batches, columns, where, limit, count") {
  test::TempDir dir;
  auto db = open_path((dir.path() / "t.db").string(), "rwc");
  REQUIRE(db->execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);"
                      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500) "
                      "INSERT INTO t SELECT i, 'v' || i FROM n;")
              .is_ok());
  CHECK(db->count({"", "t"}).value().rows == 2500);
  CHECK(db->count({"", "t"}).value().exact);

  ReadRequest req;
  req.table = {"", "t"};
  req.columns = {"v"};
  req.batch_rows = 1000;
  auto reader = db->read(req);
  REQUIRE(reader.is_ok());
  std::vector<size_t> sizes;
  Batch b;
  while (*(*reader)->next(b)) sizes.push_back(b.rows());
  CHECK(sizes == std::vector<size_t>{1000, 1000, 500});
  CHECK((*reader)->columns().size() == 1);

  req.where = "id > 2490";
  req.limit = 3;
  req.order_by = {"id"};
  reader = db->read(req);
  REQUIRE(reader.is_ok());
  REQUIRE(*(*reader)->next(b));
  CHECK(b.rows() == 3);
  CHECK(b.get(0, 0) == "v2491");
}

TEST_CASE("sqlite connector: write commits on finish, rolls back otherwise") {
  test::TempDir dir;
  auto db = open_path((dir.path() / "t.db").string(), "rwc");
  REQUIRE(db->execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, ok BOOLEAN, img BLOB);").is_ok());
  Batch b(4);
  b.append("1"); b.append("张三"); b.append("true"); b.append(std::string_view("\0\1", 2));
  b.append("2"); b.append_null(); b.append("false"); b.append_null();
  {
    auto w = db->write({{"", "t"}, {"id", "name", "ok", "img"}});
    REQUIRE(w.is_ok());
    REQUIRE((*w)->write(b).is_ok());
  }  // destroyed without finish: rolled back
  CHECK(db->count({"", "t"}).value().rows == 0);
  {
    auto w = db->write({{"", "t"}, {"id", "name", "ok", "img"}});
    REQUIRE(w.is_ok());
    REQUIRE((*w)->write(b).is_ok());
    REQUIRE((*w)->finish().is_ok());
  }
  ReadRequest req;
  req.table = {"", "t"};
  auto reader = db->read(req);
  Batch out;
  REQUIRE(*(*reader)->next(out));
  CHECK(out.get(0, 1) == "张三");
  CHECK(out.get(0, 2) == "true");
  CHECK(out.get(0, 3) == std::string_view("\0\1", 2));
  CHECK(out.is_null(1, 1));

  SUBCASE("a constraint violation names the table and the row") {
    auto w = db->write({{"", "t"}, {"id", "name", "ok", "img"}});
    REQUIRE(w.is_ok());
    Status s = (*w)->write(b);
    CHECK(s.code() == ErrorCode::kData);
    CHECK(s.message() == "writing t (row 1 of the batch): UNIQUE constraint failed: t.id");
  }
}

TEST_CASE("sqlite connector: bad input") {
  test::TempDir dir;
  SUBCASE("missing file is unreachable, not silently created") {
    std::string path = (dir.path() / "missing.db").string();
    auto conn = parse_connection_string("sqlite:" + path);
    auto db = open_sqlite(*conn);
    REQUIRE_FALSE(db.is_ok());
    CHECK(db.status().code() == ErrorCode::kUnreachable);
    CHECK(db.status().message() == "cannot open sqlite:" + path + ": no such file (add ?mode=rwc to create it)");
  }
  SUBCASE("a file that is not a database") {
    std::string path = dir.write("notes.db", "this is not a database, just text that is long enough to matter");
    auto db = open_sqlite(*parse_connection_string("sqlite:" + path));
    REQUIRE_FALSE(db.is_ok());
    CHECK(db.status().code() == ErrorCode::kUnreachable);
    CHECK(db.status().message() == "cannot open sqlite:" + path + ": file is not a database");
  }
  SUBCASE("bad mode") {
    auto db = open_sqlite(*parse_connection_string("sqlite:x.db?mode=rx"));
    CHECK(db.status().message() == "connection string 'sqlite:x.db?mode=rx': mode must be ro, rw or rwc, not 'rx'");
  }
  auto db = open_path((dir.path() / "t.db").string(), "rwc");
  REQUIRE(db->execute("CREATE TABLE tickets (id INTEGER PRIMARY KEY, subject TEXT);").is_ok());
  SUBCASE("unknown table") {
    auto r = db->describe({"", "ticket"});
    CHECK(r.status().code() == ErrorCode::kNotFound);
    CHECK(r.status().message() == "no table 'ticket' in sqlite:" + (dir.path() / "t.db").string() + "?mode=rwc");
    CHECK(db->count({"", "ticket"}).status().code() == ErrorCode::kNotFound);
  }
  SUBCASE("unknown column with a suggestion") {
    ReadRequest req;
    req.table = {"", "tickets"};
    req.columns = {"subjet"};
    auto r = db->read(req);
    CHECK(r.status().code() == ErrorCode::kNotFound);
    CHECK(r.status().message() == "no column 'subjet' in table 'tickets', did you mean 'subject'?");
  }
  SUBCASE("bad where") {
    ReadRequest req;
    req.table = {"", "tickets"};
    req.where = "id >";
    auto r = db->read(req);
    CHECK(r.status().code() == ErrorCode::kInvalidArgument);
    CHECK(r.status().message() == "reading tickets: incomplete input");
  }
  SUBCASE("failed script rolls back whole") {
    Status s = db->execute("CREATE TABLE a (x INTEGER); CREATE TABLE tickets (y INTEGER);");
    CHECK(s.code() == ErrorCode::kInvalidArgument);
    CHECK(s.message().find("table tickets already exists") != std::string::npos);
    CHECK(db->describe({"", "a"}).status().code() == ErrorCode::kNotFound);
  }
}


TEST_CASE("sqlite connector: a query reads like a table, with the same conversions") {
  test::TempDir dir;
  auto db = open_path((dir.path() / "t.db").string(), "rwc");
  REQUIRE(db->execute(kFixture).is_ok());
  REQUIRE(db->execute("INSERT INTO orders VALUES (7, 'A-1', 1), (7, 'A-2', 2), (8, 'B-1', 1);").is_ok());
  const std::string join =
      "SELECT o.order_no, c.\"name\" AS \"客户\", c.vip, c.photo, c.ratio, o.shop * 10 AS shop10, 'x' || o.shop AS tag\n"
      "FROM orders o JOIN \"客户 list\" c ON c.\"编号\" = o.customer  -- a trailing comment";

  SUBCASE("describe_query: declared types of table columns, none for expressions") {
    auto info = db->describe_query(join);
    REQUIRE_MESSAGE(info.is_ok(), info.status().message());
    CHECK(info->ref == TableRef{"", "query"});
    std::vector<std::string> names, declared;
    std::vector<ValueType> types;
    for (const ColumnInfo& c : info->columns) {
      names.push_back(c.name);
      declared.push_back(c.declared_type);
      types.push_back(c.type);
    }
    CHECK(names == std::vector<std::string>{"order_no", "客户", "vip", "photo", "ratio", "shop10", "tag"});
    CHECK(declared == std::vector<std::string>{"VARCHAR(20)", "VARCHAR(40)", "BOOLEAN", "BLOB", "REAL", "", ""});
    CHECK(types == std::vector<ValueType>{ValueType::kText, ValueType::kText, ValueType::kBoolean,
                                          ValueType::kBinary, ValueType::kReal, ValueType::kUnknown,
                                          ValueType::kUnknown});
  }
  SUBCASE("rows: booleans, blobs and reals canonical; where, order_by and limit on the result") {
    ReadRequest req;
    req.query = join;
    req.where = "shop10 = 70";
    req.order_by = {"order_no"};
    req.limit = 5;
    auto reader = db->read(req);
    REQUIRE_MESSAGE(reader.is_ok(), reader.status().message());
    Batch b;
    REQUIRE(*(*reader)->next(b));
    REQUIRE(b.rows() == 2);
    CHECK(b.get(0, 0) == "A-1");
    CHECK(b.get(0, 1) == "张三");
    CHECK(b.get(0, 2) == "true");
    CHECK(b.get(1, 2) == "false");
    CHECK(b.get(0, 3) == std::string_view("\x00\xFF\x10", 3));
    CHECK(b.is_null(1, 3));
    CHECK(b.get(0, 4) == "0.1");
    CHECK(b.get(0, 5) == "70");
    CHECK(b.get(1, 6) == "x7");
    CHECK_FALSE(*(*reader)->next(b));
  }
  SUBCASE("a writing statement is refused and never run") {
    for (const char* writing : {"DELETE FROM orders", "INSERT INTO orders VALUES (9, 'C-1', 1) RETURNING shop",
                                "UPDATE orders SET shop = 0 RETURNING *"}) {
      CAPTURE(writing);
      ReadRequest req;
      req.query = writing;
      auto r = db->read(req);
      CHECK(r.status().code() == ErrorCode::kInvalidArgument);
      CHECK(r.status().message() ==
            "query: refusing a statement that writes to the database (a query must only read)");
    }
    CHECK(db->count({"", "orders"}).value().rows == 3);
  }
  SUBCASE("more than one statement, an empty query, a statement without rows") {
    CHECK(db->describe_query("SELECT 1; DELETE FROM orders").status().message() ==
          "query: it holds more than one statement");
    CHECK(db->describe_query(" ;\n").status().message() == "query: it is empty");
    CHECK(db->describe_query("BEGIN").status().message() == "query: the statement returns no rows");
    CHECK(db->count({"", "orders"}).value().rows == 3);
  }
  SUBCASE("a bad where names the query") {
    ReadRequest req;
    req.query = join;
    req.where = "nope = 1";
    auto r = db->read(req);
    CHECK(r.status().code() == ErrorCode::kInvalidArgument);
    CHECK(r.status().message() == "reading query: no such column: nope");
  }
}

}  // namespace csbridge::connector
