#include "connector/odbc_connector.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "connector/odbc_handles.h"
#include "connector/odbc_types.h"
#include "connector/registry.h"
#include "test_support.h"
#include "util/strings.h"

namespace csbridge::connector {
namespace {

using Cell = std::optional<std::string>;
using Row = std::vector<Cell>;

// What differs between the three engines in the DDL the tests write and in
// what describe() reports back for it.
struct Dialect {
  std::string engine;  // SourceInfo::engine
  char quote;
  std::string text_type, decimal_type, timestamp_type, bool_type, blob_type;
  std::string int_declared, text_declared, decimal_declared, timestamp_declared, bool_declared, blob_declared;
  bool fk_names;  // SQLite reports unnamed foreign keys
};

const Dialect kMariaDb{"MariaDB", '`',
                       "LONGTEXT", "DECIMAL(10,2)", "DATETIME(6)", "BIT(1)", "LONGBLOB",
                       "int", "longtext", "decimal(10,2)", "datetime", "bit", "longblob", true};
const Dialect kPostgres{"PostgreSQL", '"',
                        "TEXT", "NUMERIC(10,2)", "TIMESTAMP(6)", "BOOLEAN", "BYTEA",
                        "int4", "text", "numeric(10,2)", "timestamp", "bool", "bytea", true};
const Dialect kSqlite{"SQLite", '"',
                      "TEXT", "DECIMAL(10,2)", "TIMESTAMP", "BOOLEAN", "BLOB",
                      "integer", "text", "decimal(10,2)", "timestamp", "boolean", "blob", false};

struct Target {
  std::string label;
  std::string connection;  // "odbc:…"
  const Dialect* dialect;
};

// The three drivers; the SQLite database lives in `dir`.
std::vector<Target> targets(const test::TempDir& dir) {
  return {
      {"MariaDB", test::require_env("CSBRIDGE_TEST_MARIADB_ODBC"), &kMariaDb},
      {"PostgreSQL", test::require_env("CSBRIDGE_TEST_PG_ODBC"), &kPostgres},
      {"SQLite3", "odbc:Driver={SQLite3};Database=" + (dir.path() / "odbc.db").string(), &kSqlite},
  };
}

// Runs `check` once per driver, each in its own SUBCASE.
void for_each_driver(const std::function<void(const Target&)>& check) {
  test::TempDir dir;
  for (const Target& t : targets(dir)) {
    SUBCASE(t.label.c_str()) { check(t); }
  }
}

ConnectionString parsed(const std::string& text) {
  Result<ConnectionString> conn = parse_connection_string(text);
  REQUIRE(conn.is_ok());
  return conn.value();
}

std::unique_ptr<Connector> open_ok(const std::string& text) {
  Result<std::unique_ptr<Connector>> c = open_odbc(parsed(text));
  INFO(c.status().message());
  REQUIRE(c.is_ok());
  return std::move(c).value();
}

std::string unique_suffix() {
  static int counter = 0;
  return std::to_string(::getpid()) + "_" + std::to_string(counter++);
}

std::string quoted(const Dialect& d, const std::string& name) {
  std::string out(1, d.quote);
  for (char c : name) {
    out += c;
    if (c == d.quote) out += c;
  }
  return out + d.quote;
}

const std::vector<std::string> kColumns = {"id", "part", "customer name", "note", "body",
                                           "amount", "created", "flag", "payload", "parent_id"};
constexpr size_t kRows = 2500;
constexpr size_t kBigRow = 7;

std::string big_text() {
  std::string s;
  while (s.size() < 200 * 1024) s += "工单正文 line " + std::to_string(s.size()) + " 'quoted' \"dq\";\n";
  return s;
}

// Row `i` of the generated table, in canonical text form.
Row expected_row(size_t i) {
  static const std::string big = big_text();
  std::string n = std::to_string(i);
  Row r;
  r.push_back(n);
  r.push_back(i % 2 ? std::string("东") : std::string("west"));
  r.push_back("客户 " + n);
  r.push_back(i % 3 == 0 ? Cell() : i % 3 == 1 ? Cell("") : Cell("备注 " + n));
  r.push_back(i == kBigRow ? Cell(big) : i % 5 == 0 ? Cell() : Cell("正文 'q' \"dq\" ;semi\nline " + n));
  r.push_back(i % 4 == 0 ? Cell() : Cell((i % 2 ? "-" : "") + n + ".25"));
  r.push_back(i % 2 ? std::string("2024-01-02 03:04:05.123456") : std::string("2023-12-31 23:59:59"));
  r.push_back(i % 3 == 0 ? Cell("true") : i % 3 == 1 ? Cell("false") : Cell());
  r.push_back(i % 6 == 0 ? Cell() : i % 6 == 1 ? Cell("") : Cell(std::string("\x00\xff\x01", 3) + n));
  r.push_back(i % 2 ? Cell("1") : Cell());
  return r;
}

Batch batch_of(size_t first, size_t count) {
  Batch b(kColumns.size());
  for (size_t i = first; i < first + count; ++i) {
    for (const Cell& c : expected_row(i)) {
      if (c) b.append(*c);
      else b.append_null();
    }
  }
  return b;
}

// A cell as doctest can print it.
std::string shown(const Cell& c) { return c ? *c : std::string("<NULL>"); }

Row row_of(const Batch& b, size_t row) {
  Row r;
  for (size_t c = 0; c < b.columns(); ++c) {
    std::optional<std::string_view> v = b.value(row, c);
    r.push_back(v ? Cell(std::string(*v)) : Cell());
  }
  return r;
}

// Everything `request` reads from `conn`, row by row, with the rows of each
// batch in `batches` where given; no rejects.
std::vector<Row> read_all(Connector& conn, const ReadRequest& request, std::vector<size_t>* batches = nullptr) {
  Result<std::unique_ptr<RowReader>> reader = conn.read(request);
  INFO(reader.status().message());
  REQUIRE(reader.is_ok());
  std::vector<Row> rows;
  Batch batch;
  for (;;) {
    Result<bool> more = (*reader)->next(batch);
    INFO(more.status().message());
    REQUIRE(more.is_ok());
    if (!*more) break;
    if (batches) batches->push_back(batch.rows());
    for (size_t r = 0; r < batch.rows(); ++r) rows.push_back(row_of(batch, r));
  }
  CHECK((*reader)->take_rejects().empty());
  return rows;
}

// A parent and a child table with a unique name, dropped when this dies.
struct Tables {
  Connector& conn;
  const Dialect& d;
  std::string suffix = unique_suffix();
  std::string parent = "csb_odbc_" + suffix + "_parent";
  std::string child = "csb odbc " + suffix + " ticket";  // an identifier with spaces
  std::string index = "csb_ix_" + suffix;
  std::string fk = "csb_fk_" + suffix;
  std::string view = "csb_odbc_" + suffix + "_view";

  Tables(Connector& c, const Dialect& dialect) : conn(c), d(dialect) {
    std::string ddl =
        "CREATE TABLE " + quoted(d, parent) + " (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20));\n"
        "CREATE TABLE " + quoted(d, child) + " (\n"
        "  id INTEGER NOT NULL,\n"
        "  part VARCHAR(10) NOT NULL,\n"
        "  " + quoted(d, "customer name") + " VARCHAR(40) NOT NULL,\n"
        "  note VARCHAR(20),\n"
        "  body " + d.text_type + ",\n"
        "  amount " + d.decimal_type + ",\n"
        "  created " + d.timestamp_type + " NOT NULL,\n"
        "  flag " + d.bool_type + ",\n"
        "  payload " + d.blob_type + ",\n"
        "  parent_id INTEGER,\n"
        "  PRIMARY KEY (id, part),\n"
        "  UNIQUE (" + quoted(d, "customer name") + "),\n"
        "  CONSTRAINT " + quoted(d, fk) + " FOREIGN KEY (parent_id) REFERENCES " + quoted(d, parent) + " (id)\n"
        "); -- the index follows; a ';' inside a comment does not split\n"
        "CREATE INDEX " + quoted(d, index) + " ON " + quoted(d, child) + " (amount, note);\n"
        "CREATE VIEW " + quoted(d, view) + " AS SELECT id, part FROM " + quoted(d, child) + ";";
    Status s = conn.execute(ddl);
    INFO(s.message());
    REQUIRE(s.is_ok());
  }
  ~Tables() {
    (void)conn.execute("DROP VIEW " + quoted(d, view));
    (void)conn.execute("DROP TABLE " + quoted(d, child));
    (void)conn.execute("DROP TABLE " + quoted(d, parent));
  }

  TableRef child_ref() const { return {d.engine == "PostgreSQL" ? "public" : "", child}; }
  TableRef parent_ref() const { return {d.engine == "PostgreSQL" ? "public" : "", parent}; }
  TableRef view_ref() const { return {d.engine == "PostgreSQL" ? "public" : "", view}; }

  void load_parent() {
    Result<std::unique_ptr<RowWriter>> w = conn.write({parent_ref(), {"id", "name"}});
    INFO(w.status().message());
    REQUIRE(w.is_ok());
    Batch b(2);
    b.append("1");
    b.append("总部");
    REQUIRE((*w)->write(b).is_ok());
    REQUIRE((*w)->finish().is_ok());
  }

  void load_child() {
    Result<std::unique_ptr<RowWriter>> w = conn.write({child_ref(), kColumns});
    INFO(w.status().message());
    REQUIRE(w.is_ok());
    for (size_t first = 0; first < kRows; first += 700) {
      Status s = (*w)->write(batch_of(first, std::min<size_t>(700, kRows - first)));
      INFO(s.message());
      REQUIRE(s.is_ok());
    }
    Status s = (*w)->finish();
    INFO(s.message());
    REQUIRE(s.is_ok());
  }
};

const ColumnInfo* find_column(const TableInfo& info, const std::string& name) {
  for (const ColumnInfo& c : info.columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const IndexInfo* find_index(const TableInfo& info, const std::vector<std::string>& columns) {
  for (const IndexInfo& i : info.indexes) {
    if (i.columns == columns) return &i;
  }
  return nullptr;
}

TEST_CASE("odbc connector: info names the engine and hides the password") {
  for_each_driver([](const Target& t) {
    auto conn = open_ok(t.connection);
    CHECK(conn->backend() == "odbc");
    Result<SourceInfo> info = conn->info();
    REQUIRE(info.is_ok());
    CHECK(info->engine == t.dialect->engine);
    CHECK_FALSE(info->version.empty());
    CHECK(info->redacted == parsed(t.connection).redacted());
    if (t.dialect->engine != "SQLite") {
      CHECK(info->redacted.find("Pwd=***") != std::string::npos);
    }
  });
}

TEST_CASE("odbc connector: written rows read back exactly, in batches of 1000/1000/500") {
  for_each_driver([](const Target& t) {
    auto conn = open_ok(t.connection);
    Tables tables(*conn, *t.dialect);
    tables.load_parent();
    tables.load_child();

    Result<RowCount> count = conn->count(tables.child_ref());
    INFO(count.status().message());
    REQUIRE(count.is_ok());
    CHECK(count->rows == static_cast<int64_t>(kRows));
    CHECK(count->exact);
    Result<RowCount> estimate = conn->count(tables.child_ref(), true);
    REQUIRE(estimate.is_ok());
    CHECK(estimate->rows == static_cast<int64_t>(kRows));
    CHECK(estimate->exact);

    // All columns (text and blob ones make MariaDB and SQLite fetch row by
    // row), then only short ones (array fetch on every driver).
    const std::vector<std::vector<std::string>> selections = {
        {}, {"id", "part", "customer name", "note", "amount", "created", "flag", "parent_id"}};
    for (const std::vector<std::string>& selection : selections) {
      INFO("columns: " << (selection.empty() ? "all" : "short ones"));
      std::vector<size_t> positions;
      for (const std::string& name : selection.empty() ? kColumns : selection) {
        positions.push_back(static_cast<size_t>(std::find(kColumns.begin(), kColumns.end(), name) - kColumns.begin()));
      }
      ReadRequest request;
      request.table = tables.child_ref();
      request.columns = selection;
      request.order_by = {"id"};
      request.batch_rows = 1000;
      Result<std::unique_ptr<RowReader>> reader = conn->read(request);
      INFO(reader.status().message());
      REQUIRE(reader.is_ok());
      std::vector<std::string> names;
      for (const ColumnInfo& c : (*reader)->columns()) names.push_back(c.name);
      CHECK(names == (selection.empty() ? kColumns : selection));

      std::vector<size_t> sizes;
      size_t next_row = 0, mismatches = 0;
      Batch batch;
      for (;;) {
        Result<bool> more = (*reader)->next(batch);
        INFO(more.status().message());
        REQUIRE(more.is_ok());
        if (!*more) break;
        sizes.push_back(batch.rows());
        for (size_t r = 0; r < batch.rows(); ++r, ++next_row) {
          Row got = row_of(batch, r);
          Row full = expected_row(next_row);
          Row want;
          for (size_t p : positions) want.push_back(full[p]);
          if (got == want || ++mismatches > 3) continue;
          for (size_t c = 0; c < got.size(); ++c) {
            INFO("row " << next_row << " column " << names[c]);
            CHECK(shown(got[c]).substr(0, 80) == shown(want[c]).substr(0, 80));
            CHECK(shown(got[c]).size() == shown(want[c]).size());
          }
        }
      }
      CHECK(mismatches == 0);
      CHECK(sizes == std::vector<size_t>{1000, 1000, 500});
      CHECK((*reader)->take_rejects().empty());
      CHECK_FALSE(*(*reader)->next(batch));  // stays exhausted
      CHECK(batch.empty());
    }
  });
}

TEST_CASE("odbc connector: a 200 KB text value is read back whole, never truncated") {
  for_each_driver([](const Target& t) {
    auto conn = open_ok(t.connection);
    Tables tables(*conn, *t.dialect);
    tables.load_parent();
    tables.load_child();
    ReadRequest request;
    request.table = tables.child_ref();
    request.columns = {"body", "id"};
    request.where = "id = " + std::to_string(kBigRow);
    Result<std::unique_ptr<RowReader>> reader = conn->read(request);
    INFO(reader.status().message());
    REQUIRE(reader.is_ok());
    Batch batch;
    REQUIRE(*(*reader)->next(batch));
    REQUIRE(batch.rows() == 1);
    CHECK(batch.get(0, 0).size() == big_text().size());
    CHECK(batch.get(0, 0) == big_text());
    CHECK(batch.get(0, 1) == std::to_string(kBigRow));
  });
}

TEST_CASE("odbc connector: read with columns, where, order and limit") {
  for_each_driver([](const Target& t) {
    auto conn = open_ok(t.connection);
    Tables tables(*conn, *t.dialect);
    tables.load_parent();
    tables.load_child();
    ReadRequest request;
    request.table = tables.child_ref();
    request.columns = {"customer name", "note", "flag"};
    request.where = "id >= 10";
    request.order_by = {"id"};
    request.limit = 4;
    request.batch_rows = 3;
    Result<std::unique_ptr<RowReader>> reader = conn->read(request);
    INFO(reader.status().message());
    REQUIRE(reader.is_ok());
    REQUIRE((*reader)->columns().size() == 3);
    CHECK((*reader)->columns()[0].name == "customer name");
    std::vector<Row> rows;
    Batch batch;
    while (*(*reader)->next(batch)) {
      CHECK(batch.rows() <= 3);
      for (size_t r = 0; r < batch.rows(); ++r) rows.push_back(row_of(batch, r));
    }
    std::vector<Row> want;
    for (size_t i = 10; i < 14; ++i) {
      Row full = expected_row(i);
      want.push_back({full[2], full[3], full[7]});
    }
    CHECK(rows == want);
    CHECK(shown(rows[0][1]) == "");  // the empty string is not NULL
    CHECK(shown(rows[2][1]) == "<NULL>");
  });
}

TEST_CASE("odbc connector: describe reports columns, keys, indexes and foreign keys") {
  for_each_driver([](const Target& t) {
    auto conn = open_ok(t.connection);
    const Dialect& d = *t.dialect;
    Tables tables(*conn, d);

    Result<std::vector<TableRef>> listed = conn->list_tables();
    INFO(listed.status().message());
    REQUIRE(listed.is_ok());
    CHECK(std::count(listed->begin(), listed->end(), tables.child_ref()) == 1);
    CHECK(std::count(listed->begin(), listed->end(), tables.parent_ref()) == 1);
    CHECK(std::count(listed->begin(), listed->end(), tables.view_ref()) == 1);
    for (const TableRef& ref : *listed) {
      INFO(ref.display());
      CHECK(ref.schema != "information_schema");
      CHECK(ref.schema != "pg_catalog");
      CHECK(ref.name.rfind("sqlite_", 0) != 0);
    }

    Result<TableInfo> info = conn->describe(tables.child_ref());
    INFO(info.status().message());
    REQUIRE(info.is_ok());
    CHECK(info->ref == tables.child_ref());
    CHECK_FALSE(info->is_view);
    std::vector<std::string> names;
    for (const ColumnInfo& c : info->columns) names.push_back(c.name);
    CHECK(names == kColumns);

    struct Expect {
      std::string column, declared;
      ValueType type;
      bool nullable;
    };
    std::vector<Expect> expects = {
        {"id", d.int_declared, ValueType::kInteger, false},
        {"customer name", "varchar(40)", ValueType::kText, false},
        {"note", "varchar(20)", ValueType::kText, true},
        {"body", d.text_declared, ValueType::kText, true},
        {"amount", d.decimal_declared, ValueType::kDecimal, true},
        {"created", d.timestamp_declared, ValueType::kTimestamp, false},
        {"flag", d.bool_declared, ValueType::kBoolean, true},
        {"payload", d.blob_declared, ValueType::kBinary, true},
    };
    for (const Expect& e : expects) {
      INFO("column " << e.column);
      const ColumnInfo* c = find_column(*info, e.column);
      REQUIRE(c != nullptr);
      CHECK(c->declared_type == e.declared);
      CHECK(value_type_name(c->type) == std::string(value_type_name(e.type)));
      CHECK(c->nullable == e.nullable);
    }

    CHECK(info->primary_key == std::vector<std::string>{"id", "part"});
    const IndexInfo* unique = find_index(*info, {"customer name"});
    REQUIRE(unique != nullptr);
    CHECK(unique->unique);
    const IndexInfo* plain = find_index(*info, {"amount", "note"});
    REQUIRE(plain != nullptr);
    CHECK(plain->name == tables.index);
    CHECK_FALSE(plain->unique);
    CHECK(find_index(*info, {"id", "part"}) == nullptr);  // the primary key is not repeated

    REQUIRE(info->foreign_keys.size() == 1);
    const ForeignKey& fk = info->foreign_keys[0];
    CHECK(fk.columns == std::vector<std::string>{"parent_id"});
    CHECK(fk.ref_table == tables.parent_ref());
    CHECK(fk.ref_columns == std::vector<std::string>{"id"});
    CHECK(fk.name == (d.fk_names ? tables.fk : ""));

    Result<TableInfo> view = conn->describe(tables.view_ref());
    INFO(view.status().message());
    REQUIRE(view.is_ok());
    CHECK(view->is_view);
    REQUIRE(view->columns.size() == 2);
    CHECK(view->columns[1].name == "part");
    CHECK(view->primary_key.empty());

    Result<TableInfo> parent = conn->describe(tables.parent_ref());
    REQUIRE(parent.is_ok());
    CHECK(parent->primary_key == std::vector<std::string>{"id"});
    CHECK(parent->foreign_keys.empty());
  });
}

TEST_CASE("odbc connector: a writer destroyed without finish() rolls back") {
  for_each_driver([](const Target& t) {
    auto conn = open_ok(t.connection);
    Tables tables(*conn, *t.dialect);
    tables.load_parent();
    {
      Result<std::unique_ptr<RowWriter>> w = conn->write({tables.child_ref(), kColumns});
      REQUIRE(w.is_ok());
      REQUIRE((*w)->write(batch_of(0, 10)).is_ok());
    }
    Result<RowCount> count = conn->count(tables.child_ref());
    REQUIRE(count.is_ok());
    CHECK(count->rows == 0);
    // The connection is usable again: autocommit is back on.
    std::string insert = "INSERT INTO " + quoted(*t.dialect, tables.parent) + " (id, name) VALUES (2, 'a;b')";
    REQUIRE(conn->execute(insert).is_ok());
    Result<RowCount> parents = conn->count(tables.parent_ref());
    REQUIRE(parents.is_ok());
    CHECK(parents->rows == 2);
  });
}

TEST_CASE("odbc connector: execute runs a script in one transaction") {
  for_each_driver([](const Target& t) {
    auto conn = open_ok(t.connection);
    const Dialect& d = *t.dialect;
    Tables tables(*conn, d);
    std::string parent = quoted(d, tables.parent);
    Status s = conn->execute("INSERT INTO " + parent + " (id, name) VALUES (1, 'x;y');\n"
                             "INSERT INTO csb_no_such_table_odbc VALUES (1);");
    REQUIRE_FALSE(s.is_ok());
    CHECK(s.message().rfind("statement 2 of 2 failed on " + parsed(t.connection).redacted() + ": ", 0) == 0);
    Result<RowCount> count = conn->count(tables.parent_ref());
    REQUIRE(count.is_ok());
    CHECK(count->rows == 0);  // statement 1 was rolled back

    REQUIRE(conn->execute("INSERT INTO " + parent + " (id, name) VALUES (1, 'x;y');; ;\n-- done;\n").is_ok());
    ReadRequest request;
    request.table = tables.parent_ref();
    Result<std::unique_ptr<RowReader>> reader = conn->read(request);
    REQUIRE(reader.is_ok());
    Batch batch;
    REQUIRE(*(*reader)->next(batch));
    CHECK(shown(row_of(batch, 0)[1]) == "x;y");
  });
}

// Engine-specific types and what they read back as (connector.h canonical forms).
struct ValueCase {
  std::string ddl;                // "%T" stands for the table name
  std::vector<std::string> inserts;
  std::vector<std::string> columns;
  std::vector<Row> rows;          // expected, ordered by id
  std::vector<RejectedRecord> rejects;
};

ValueCase value_case(const std::string& engine) {
  if (engine == "MariaDB") {
    return {"CREATE TABLE %T (id INT PRIMARY KEY, b BIT(1), ti TINYINT(1), d DOUBLE, f FLOAT, tm TIME(3), "
            "dt DATETIME(6), da DATE, bin VARBINARY(10), dec4 DECIMAL(12,4), e ENUM('a','b'))",
            {"INSERT INTO %T VALUES (1, b'1', 1, 0.1, 0.5, '10:11:12.500', '2024-01-02 03:04:05.000000', "
             "'2024-01-02', x'00ff', 12.5, 'b')",
             "INSERT INTO %T VALUES (2, b'0', 0, -1e20, NULL, '10:11:12', '2024-01-02 03:04:05.000100', NULL, '', "
             "-0.0001, NULL)"},
            {"id", "b", "ti", "d", "f", "tm", "dt", "da", "bin", "dec4", "e"},
            {{"1", "true", "1", "0.1", "0.5", "10:11:12.5", "2024-01-02 03:04:05", "2024-01-02",
              std::string("\x00\xff", 2), "12.5000", "b"},
             {"2", "false", "0", "-1e+20", Cell(), "10:11:12", "2024-01-02 03:04:05.0001", Cell(), "", "-0.0001",
              Cell()}},
            {}};
  }
  if (engine == "PostgreSQL") {
    return {"CREATE TABLE %T (id INT PRIMARY KEY, b BOOLEAN, r REAL, d DOUBLE PRECISION, tz TIMESTAMPTZ, "
            "ts TIMESTAMP(3), u UUID, tm TIME, j JSONB, n NUMERIC, bin BYTEA, vc VARCHAR)",
            {"INSERT INTO %T VALUES (1, true, 0.1, 0.1, '2024-01-02 03:04:05.5+08', '2024-01-02 03:04:05.120', "
             "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '10:11:12', '{\"a\": 1}', 1.2345678901234567890123, "
             "'\\x00ff', repeat('长', 3000))",
             "INSERT INTO %T VALUES (2, false, NULL, -1e20, '2024-06-30 23:59:59+00', '2024-01-02 03:04:05', NULL, "
             "'00:00:00', '[]', -5, '', '')"},
            {"id", "b", "r", "d", "tz", "ts", "u", "tm", "j", "n", "bin", "vc"},
            {{"1", "true", "0.1", "0.1", "2024-01-01 19:04:05.5+00", "2024-01-02 03:04:05.12",
              "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "10:11:12", "{\"a\": 1}", "1.2345678901234567890123",
              std::string("\x00\xff", 2), [] { std::string s; for (int i = 0; i < 3000; ++i) s += "长"; return s; }()},
             {"2", "false", Cell(), "-1e+20", "2024-06-30 23:59:59+00", "2024-01-02 03:04:05", Cell(), "00:00:00", "[]",
              "-5", "", ""}},
            {}};
  }
  return {"CREATE TABLE %T (id INTEGER PRIMARY KEY, b BOOLEAN, d DOUBLE, ts TIMESTAMP, bin BLOB, t TEXT)",
          {"INSERT INTO %T VALUES (1, 1, 0.1, '2024-01-02 03:04:05.000', x'00ff', 'ok')",
           "INSERT INTO %T VALUES (2, 0, 1e20, '2024-01-02 03:04:05', NULL, CAST(x'ff41' AS TEXT))",
           "INSERT INTO %T VALUES (3, NULL, NULL, NULL, x'', '')"},
          {"id", "b", "d", "ts", "bin", "t"},
          {{"1", "true", "0.1", "2024-01-02 03:04:05", std::string("\x00\xff", 2), "ok"},
           {"3", Cell(), Cell(), Cell(), "", ""}},
          {{"%T row 2", "column 't': invalid UTF-8 at byte 0"}}};
}

std::string with_table(std::string text, const std::string& table) {
  for (size_t at = text.find("%T"); at != std::string::npos; at = text.find("%T", at + table.size())) {
    text.replace(at, 2, table);
  }
  return text;
}

// A table that `statements` make ("%T" stands for `quoted`, its name as SQL
// writes it), dropped when this dies.
struct ScratchTable {
  Connector& conn;
  std::string quoted;

  ScratchTable(Connector& c, std::string name, const std::vector<std::string>& statements)
      : conn(c), quoted(std::move(name)) {
    for (const std::string& statement : statements) {
      Status s = conn.execute(with_table(statement, quoted));
      INFO(s.message());
      REQUIRE(s.is_ok());
    }
  }
  ~ScratchTable() { (void)conn.execute("DROP TABLE " + quoted); }
  ScratchTable(const ScratchTable&) = delete;
  ScratchTable& operator=(const ScratchTable&) = delete;
};

TEST_CASE("odbc connector: values come back in canonical form") {
  for_each_driver([](const Target& t) {
    auto conn = open_ok(t.connection);
    const Dialect& d = *t.dialect;
    ValueCase vc = value_case(d.engine);
    std::string table = "csb_odbc_values_" + unique_suffix() + " q" + d.quote + "x";  // quotes are doubled
    std::vector<std::string> statements = {vc.ddl};
    statements.insert(statements.end(), vc.inserts.begin(), vc.inserts.end());
    ScratchTable scratch(*conn, quoted(d, table), statements);
    ReadRequest request;
    request.table = {d.engine == "PostgreSQL" ? "public" : "", table};
    request.order_by = {"id"};
    Result<std::unique_ptr<RowReader>> reader = conn->read(request);
    INFO(reader.status().message());
    REQUIRE(reader.is_ok());
    std::vector<std::string> names;
    for (const ColumnInfo& c : (*reader)->columns()) names.push_back(c.name);
    CHECK(names == vc.columns);
    std::vector<Row> rows;
    Batch batch;
    while (*(*reader)->next(batch)) {
      for (size_t r = 0; r < batch.rows(); ++r) rows.push_back(row_of(batch, r));
    }
    REQUIRE(rows.size() == vc.rows.size());
    for (size_t r = 0; r < rows.size(); ++r) {
      for (size_t c = 0; c < names.size(); ++c) {
        INFO("row " << r << " column " << names[c]);
        CHECK(shown(rows[r][c]) == shown(vc.rows[r][c]));
      }
    }
    std::vector<RejectedRecord> rejects = (*reader)->take_rejects();
    REQUIRE(rejects.size() == vc.rejects.size());
    for (size_t i = 0; i < rejects.size(); ++i) {
      CHECK(rejects[i].location == with_table(vc.rejects[i].location, table));
      CHECK(rejects[i].reason == vc.rejects[i].reason);
    }
  });
}

TEST_CASE("odbc connector: bad input") {
  test::TempDir dir;
  const std::vector<Target> all = targets(dir);
  const Target& mariadb = all[0];

  SUBCASE("missing driver") {
    std::string text = "odbc:Driver={No Such Driver};Server=127.0.0.1;Uid=u;Pwd=s3cr3t-pw";
    Result<std::unique_ptr<Connector>> c = open_odbc(parsed(text));
    REQUIRE_FALSE(c.is_ok());
    CHECK(c.status().code() == ErrorCode::kUnreachable);
    const std::string& m = c.status().message();
    CHECK(m.rfind("cannot connect to odbc:Driver={No Such Driver};Server=127.0.0.1;Uid=u;Pwd=***: "
                  "ODBC driver 'No Such Driver' is not installed (IM002); installed drivers: ",
                  0) == 0);
    CHECK(m.find("MariaDB Unicode") != std::string::npos);
    CHECK(m.find("s3cr3t-pw") == std::string::npos);
    CHECK(m.find('\n') == std::string::npos);
  }
  SUBCASE("undefined data source") {
    Result<std::unique_ptr<Connector>> c = open_odbc(parsed("odbc:DSN=csb_no_such_dsn;PWD={a;b}"));
    REQUIRE_FALSE(c.is_ok());
    CHECK(c.status().code() == ErrorCode::kUnreachable);
    CHECK(c.status().message().rfind("cannot connect to odbc:DSN=csb_no_such_dsn;PWD=***: ODBC data source "
                                     "'csb_no_such_dsn' is not defined (IM002); defined data sources: ",
                                     0) == 0);
    CHECK(c.status().message().find("a;b") == std::string::npos);
  }
  SUBCASE("wrong password") {
    std::string text = mariadb.connection;
    size_t pwd = text.find("Pwd=");
    REQUIRE(pwd != std::string::npos);
    text = text.substr(0, pwd) + "Pwd=Wrong-Secret-42";
    Result<std::unique_ptr<Connector>> c = open_odbc(parsed(text));
    REQUIRE_FALSE(c.is_ok());
    CHECK(c.status().code() == ErrorCode::kUnreachable);
    const std::string& m = c.status().message();
    CHECK(m.rfind("cannot connect to " + parsed(text).redacted() + ": ", 0) == 0);
    CHECK(m.find("(28000)") != std::string::npos);
    CHECK(m.find("Wrong-Secret-42") == std::string::npos);
  }
  SUBCASE("unreachable host") {
    std::string text = "odbc:Driver={MariaDB Unicode};Server=127.0.0.1;Port=1;Uid=u;Pwd=s3cr3t-pw";
    Result<std::unique_ptr<Connector>> c = open_odbc(parsed(text));
    REQUIRE_FALSE(c.is_ok());
    CHECK(c.status().code() == ErrorCode::kUnreachable);
    CHECK(c.status().message().rfind("cannot connect to " + parsed(text).redacted() + ": ", 0) == 0);
    CHECK(c.status().message().find("s3cr3t-pw") == std::string::npos);
  }
  for (const Target& t : all) {
    SUBCASE((t.label + ": unknown table").c_str()) {
      auto conn = open_ok(t.connection);
      std::string where = parsed(t.connection).redacted();
      TableRef missing{"", "csb_no_such_table_odbc"};
      std::string message = "table 'csb_no_such_table_odbc' not found in " + where;
      Result<TableInfo> info = conn->describe(missing);
      CHECK(info.status().code() == ErrorCode::kNotFound);
      CHECK(info.status().message() == message);
      Result<RowCount> count = conn->count(missing);
      CHECK(count.status().code() == ErrorCode::kNotFound);
      CHECK(count.status().message() == message);
      ReadRequest request;
      request.table = missing;
      Result<std::unique_ptr<RowReader>> reader = conn->read(request);
      CHECK(reader.status().code() == ErrorCode::kNotFound);
      CHECK(reader.status().message() == message);
      Result<std::unique_ptr<RowWriter>> writer = conn->write({missing, {"a"}});
      CHECK(writer.status().code() == ErrorCode::kNotFound);
      CHECK(writer.status().message() == message);
    }
    SUBCASE((t.label + ": unknown column").c_str()) {
      auto conn = open_ok(t.connection);
      Tables tables(*conn, *t.dialect);
      ReadRequest request;
      request.table = tables.parent_ref();
      request.columns = {"id", "nope"};
      Result<std::unique_ptr<RowReader>> reader = conn->read(request);
      CHECK(reader.status().code() == ErrorCode::kNotFound);
      CHECK(reader.status().message() ==
            "column 'nope' not found in table " + tables.parent_ref().display() + "; did you mean 'name'?");
      request.columns = {};
      request.order_by = {"created_at_xyz"};
      Result<std::unique_ptr<RowReader>> ordered = conn->read(request);
      CHECK(ordered.status().code() == ErrorCode::kNotFound);
      CHECK(ordered.status().message() ==
            "column 'created_at_xyz' not found in table " + tables.parent_ref().display());
      Result<std::unique_ptr<RowWriter>> writer = conn->write({tables.parent_ref(), {"id", "nope"}});
      CHECK(writer.status().code() == ErrorCode::kNotFound);
    }
    SUBCASE((t.label + ": batch with the wrong width, second writer").c_str()) {
      auto conn = open_ok(t.connection);
      Tables tables(*conn, *t.dialect);
      Result<std::unique_ptr<RowWriter>> w = conn->write({tables.parent_ref(), {"id", "name"}});
      REQUIRE(w.is_ok());
      Batch narrow(1);
      narrow.append("1");
      Status s = (*w)->write(narrow);
      CHECK(s.code() == ErrorCode::kInvalidArgument);
      CHECK(s.message() == "batch for " + tables.parent_ref().display() + " has 1 columns, the writer expects 2");
      Result<std::unique_ptr<RowWriter>> second = conn->write({tables.parent_ref(), {"id"}});
      CHECK(second.status().code() == ErrorCode::kInvalidArgument);
      CHECK(second.status().message() == "cannot write " + tables.parent_ref().display() + " on " +
                                             parsed(t.connection).redacted() +
                                             ": another writer or script is still open on this connection");
      CHECK(conn->execute("SELECT 1").code() == ErrorCode::kInvalidArgument);
    }
    SUBCASE((t.label + ": a duplicate key fails the write, naming the rows").c_str()) {
      auto conn = open_ok(t.connection);
      Tables tables(*conn, *t.dialect);
      Result<std::unique_ptr<RowWriter>> w = conn->write({tables.parent_ref(), {"id", "name"}});
      REQUIRE(w.is_ok());
      Batch b(2);
      for (const char* id : {"1", "2", "2"}) {
        b.append(id);
        b.append("n");
      }
      Status s = (*w)->write(b);
      INFO(s.message());
      REQUIRE_FALSE(s.is_ok());
      CHECK(s.code() == ErrorCode::kData);  // SQLSTATE 23xxx, or HY000 from SQLite
      CHECK(s.message().find("DETAIL") == std::string::npos);  // PostgreSQL's DETAIL quotes the key
      CHECK(s.message().rfind("writing " + tables.parent_ref().display() + " to " + parsed(t.connection).redacted() +
                                  ", rows 1-3 of this writer: ",
                              0) == 0);
      CHECK((*w)->write(b).message() == s.message());
      Status finished = (*w)->finish();
      CHECK(finished.code() == s.code());
      CHECK(finished.message() == "nothing committed, an earlier write failed: " + s.message());
      Result<RowCount> count = conn->count(tables.parent_ref());
      REQUIRE(count.is_ok());
      CHECK(count->rows == 0);
    }
  }
}

}  // namespace

TEST_CASE("odbc connector: a query reads like a table, long values and conversions included") {
  for_each_driver([](const Target& t) {
    auto conn = open_ok(t.connection);
    Tables tables(*conn, *t.dialect);
    tables.load_parent();
    tables.load_child();
    const Dialect& d = *t.dialect;
    ReadRequest request;
    request.query = "SELECT c.id, c." + quoted(d, "customer name") + ", c.body, c.amount, c.created, c.flag, "
                    "c.payload, p.name AS parent_name\nFROM " + quoted(d, tables.child) + " c LEFT JOIN " +
                    quoted(d, tables.parent) + " p ON p.id = c.parent_id";
    request.where = "id BETWEEN 5 AND 9";  // row kBigRow holds a 200 KB body
    request.order_by = {"id"};
    request.batch_rows = 2;

    Result<TableInfo> info = conn->describe_query(request.query);
    INFO(info.status().message());
    REQUIRE(info.is_ok());
    std::vector<ValueType> types;
    for (const ColumnInfo& c : info->columns) types.push_back(c.type);
    CHECK(types == std::vector<ValueType>{ValueType::kInteger, ValueType::kText, ValueType::kText,
                                          ValueType::kDecimal, ValueType::kTimestamp, ValueType::kBoolean,
                                          ValueType::kBinary, ValueType::kText});

    Result<std::unique_ptr<RowReader>> reader = conn->read(request);
    INFO(reader.status().message());
    REQUIRE(reader.is_ok());
    std::vector<Row> rows;
    Batch batch;
    while (*(*reader)->next(batch)) {
      CHECK(batch.rows() <= 2);
      for (size_t r = 0; r < batch.rows(); ++r) rows.push_back(row_of(batch, r));
    }
    CHECK((*reader)->take_rejects().empty());
    std::vector<Row> want;
    for (size_t i = 5; i <= 9; ++i) {
      Row full = expected_row(i);
      want.push_back({full[0], full[2], full[4], full[5], full[6], full[7], full[8],
                      full[9] ? Cell("总部") : Cell()});
    }
    REQUIRE(rows.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      CAPTURE(i);
      for (size_t c = 0; c < want[i].size(); ++c) {
        CAPTURE(c);
        CHECK(shown(rows[i][c]).size() == shown(want[i][c]).size());
        CHECK(rows[i][c] == want[i][c]);
      }
    }
  });
}

TEST_CASE("odbc connector: a query the engine refuses is kInvalidArgument whatever its SQLSTATE") {
  for_each_driver([](const Target& t) {
    auto conn = open_ok(t.connection);
    std::string where = parsed(t.connection).redacted();
    ReadRequest request;
    request.query = "SELECT nope FROM csb_no_such_table_odbc";
    Status s = conn->read(request).status();
    CHECK(s.code() == ErrorCode::kInvalidArgument);
    std::string engine_says = t.label == "MariaDB"
                                  ? "Table 'csbridge_test.csb_no_such_table_odbc' doesn't exist (42S02)"
                              : t.label == "PostgreSQL"
                                  ? "ERROR: relation \"csb_no_such_table_odbc\" does not exist; No query has been "
                                    "executed with that handle (42P01)"
                                  : "no such table: csb_no_such_table_odbc (1) (HY000)";
    CHECK(s.message() == "query in " + where + ": " + engine_says);
    CHECK(conn->describe_query(request.query).status().message() == s.message());
  });
}

namespace {

// The first column of the first row `query` reads.
std::string first_value(Connector& conn, const std::string& query) {
  ReadRequest request;
  request.query = query;
  Result<std::unique_ptr<RowReader>> reader = conn.read(request);
  INFO(reader.status().message());
  REQUIRE(reader.is_ok());
  Batch batch;
  Result<bool> more = (*reader)->next(batch);
  INFO(more.status().message());
  REQUIRE(more.is_ok());
  REQUIRE(*more);
  return std::string(batch.get(0, 0));
}

}  // namespace

TEST_CASE("odbc connector: a query on a connection the server has ended is kUnreachable") {
  struct Server {
    std::string label, connection, own_id, end_before, end_after;
  };
  const std::vector<Server> servers = {
      {"MariaDB", test::require_env("CSBRIDGE_TEST_MARIADB_ODBC"), "SELECT CONNECTION_ID() AS id", "KILL ", ""},
      {"PostgreSQL", test::require_env("CSBRIDGE_TEST_PG_ODBC"), "SELECT pg_backend_pid() AS id",
       "SELECT pg_terminate_backend(", ") AS ended"},
  };
  for (const Server& server : servers) {
    SUBCASE(server.label.c_str()) {
      auto doomed = open_ok(server.connection);
      auto killer = open_ok(server.connection);
      std::string end = server.end_before + first_value(*doomed, server.own_id) + server.end_after;
      if (server.label == "MariaDB") {
        Status killed = killer->execute(end);
        INFO(killed.message());
        REQUIRE(killed.is_ok());
      } else {
        REQUIRE(first_value(*killer, end) == "true");
      }
      Status s = doomed->describe_query("SELECT 1 AS one").status();
      INFO(s.message());
      CHECK(s.code() == ErrorCode::kUnreachable);
      CHECK(s.message().rfind("query in " + parsed(server.connection).redacted() + ": ", 0) == 0);
    }
  }
}

// ---------------------------------------------------------------------------
// MariaDB keyset reads. Connector/ODBC 3.1 stores whole result sets, so an
// ordered read goes by chunks of keys ("Keyset reads" in odbc_keyset_read.h).
// Every case reads with chunks of a few rows and compares with the same
// request read by one statement (a chunk larger than the table).

namespace {

// A table made by `sql` ("%T" stands for its name), dropped when this dies.
struct KeysetTable {
  Connector& conn;
  std::string name = "csb_keyset_" + unique_suffix();

  KeysetTable(Connector& c, const std::vector<std::string>& sql) : conn(c) {
    for (const std::string& statement : sql) {
      Status s = conn.execute(with_table(statement, "`" + name + "`"));
      INFO(s.message());
      REQUIRE(s.is_ok());
    }
  }
  ~KeysetTable() { (void)conn.execute("DROP TABLE `" + name + "`"); }
  KeysetTable(const KeysetTable&) = delete;
  KeysetTable& operator=(const KeysetTable&) = delete;
};

// The SELECT statements this connection has run so far.
int64_t selects_run(Connector& conn) {
  return std::stoll(first_value(
      conn, "SELECT VARIABLE_VALUE AS v FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'COM_SELECT'"));
}

struct KeysetRows {
  std::vector<Row> rows;
  std::vector<size_t> batches;  // rows per batch
  int64_t selects = 0;          // SELECTs the read ran, catalog queries and counting included
};

// Everything `request` reads; `chunk_rows` 0 reads in one statement.
KeysetRows read_keyset(Connector& conn, ReadRequest request, size_t chunk_rows) {
  KeysetRows out;
  if (chunk_rows > 0) request.chunk_rows = chunk_rows;
  else request.batch_rows = 1000000;  // the first chunk holds a batch: the whole table
  int64_t before = selects_run(conn);
  out.rows = read_all(conn, request, &out.batches);
  out.selects = selects_run(conn) - before;
  return out;
}

// The SELECTs a read of `rows` rows with distinct keys runs beyond those of
// a read in one chunk. Keys that may repeat or be NULL: one statement finds
// each boundary and one reads up to it (a last pair finds none and reads the
// rest, as the one chunk does). Keys declared unique and NOT NULL
// (`one_statement`): one statement per chunk, until one comes back short. The
// first chunk holds a batch, the next ones `chunk` rows.
int64_t extra_selects(size_t rows, size_t batch, size_t chunk, bool one_statement = false) {
  size_t first = std::min(batch, chunk);
  size_t boundaries = rows < first ? 0 : 1 + (rows - first) / chunk;
  return static_cast<int64_t>((one_statement ? 1 : 2) * boundaries);
}

// Column `c` of every row.
std::vector<Cell> column_of(const std::vector<Row>& rows, size_t c) {
  std::vector<Cell> out;
  for (const Row& r : rows) out.push_back(r[c]);
  return out;
}

// Column `c` (by default 0, "id": unique) of every row, sorted: each row once, whatever the order of equal keys.
std::vector<int64_t> sorted_ids(const std::vector<Row>& rows, size_t c = 0) {
  std::vector<int64_t> ids;
  for (const Row& r : rows) ids.push_back(std::stoll(r[c].value()));
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<int64_t> ids_from(int64_t first, int64_t count) {
  std::vector<int64_t> out;
  for (int64_t i = first; i < first + count; ++i) out.push_back(i);
  return out;
}

// "INSERT INTO %T VALUES (…), (…)" of `rows` rows, `values(i)` giving row i.
std::string insert_rows(size_t rows, const std::function<std::string(size_t)>& values) {
  std::string sql = "INSERT INTO %T VALUES ";
  for (size_t i = 0; i < rows; ++i) {
    sql += i == 0 ? "(" : ", (";
    sql += values(i);
    sql += ')';
  }
  return sql;
}

}  // namespace

TEST_CASE("odbc connector (MariaDB keyset): an integer key reads in chunks what one statement reads") {
  auto conn = open_ok(test::require_env("CSBRIDGE_TEST_MARIADB_ODBC"));
  constexpr size_t kKeyRows = 1000;
  // A LONGTEXT and a BLOB make the driver fetch row by row, long values through SQLGetData.
  KeysetTable table(*conn, {"CREATE TABLE %T (id INT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL, "
                            "amount DECIMAL(10,2), body LONGTEXT, payload BLOB)",
                            insert_rows(kKeyRows, [](size_t i) {
                              std::string n = std::to_string(i);
                              return n + ", '客户 " + n + "', " + (i % 4 == 0 ? "NULL" : n + ".25") + ", " +
                                     (i % 5 == 0 ? "NULL" : "REPEAT('正文 " + n + " ', " + std::to_string(i % 50) + ")") +
                                     ", " + (i % 6 == 0 ? "NULL" : "x'00ff'");
                            })});
  ReadRequest request;
  request.table = {"", table.name};
  request.order_by = {"id"};
  KeysetRows whole = read_keyset(*conn, request, 0);
  REQUIRE(whole.rows.size() == kKeyRows);
  for (size_t i = 0; i < kKeyRows; ++i) {
    CAPTURE(i);
    CHECK(whole.rows[i][0] == Cell(std::to_string(i)));
  }
  CHECK(whole.rows[7][3] == Cell([] { std::string s; for (int k = 0; k < 7; ++k) s += "正文 7 "; return s; }()));
  CHECK(whole.rows[7][4] == Cell(std::string("\x00\xff", 2)));

  for (size_t chunk : {1, 7, 999, 1000}) {
    for (size_t batch : {3, 250}) {
      CAPTURE(chunk);
      CAPTURE(batch);
      request.batch_rows = batch;
      KeysetRows chunked = read_keyset(*conn, request, chunk);
      CHECK(chunked.rows == whole.rows);
      // Batches fill across chunks: all full but the last.
      std::vector<size_t> sizes(kKeyRows / batch, batch);
      if (kKeyRows % batch != 0) sizes.push_back(kKeyRows % batch);
      CHECK(chunked.batches == sizes);
      CHECK(chunked.selects - whole.selects == extra_selects(kKeyRows, batch, chunk, true));
    }
  }
}

TEST_CASE("odbc connector (MariaDB keyset): a unique NOT NULL key reads each chunk as one statement, every row once") {
  auto conn = open_ok(test::require_env("CSBRIDGE_TEST_MARIADB_ODBC"));
  constexpr size_t kKeyRows = 300;
  // A composite primary key of a text and an integer column (the text equal in case-blind pairs), a unique
  // text key of NOT NULL words in mixed case and Chinese, and a unique key that may be NULL.
  const std::vector<std::string> words = {"apple", "Banana", "中文", "北京", "éclair", "Zebra", ""};
  KeysetTable table(*conn, {"CREATE TABLE %T (g VARCHAR(10) NOT NULL, n INT NOT NULL, id INT NOT NULL, "
                            "w VARCHAR(40) NOT NULL, maybe INT NULL, PRIMARY KEY (g, n), UNIQUE KEY (w), "
                            "UNIQUE KEY (id, n), UNIQUE KEY (maybe))",
                            insert_rows(kKeyRows, [&](size_t i) {
                              std::string id = std::to_string(i);
                              return std::string("'") + (i % 2 ? "k" : "K") + std::to_string(i % 5) + "', " +
                                     std::to_string(kKeyRows - i) + ", " + id + ", '" + words[i % words.size()] +
                                     " " + id + "', " + (i % 4 == 0 ? "NULL" : id);
                            })});
  ReadRequest request;
  request.table = {"", table.name};
  request.batch_rows = 2;
  struct Case {
    std::vector<std::string> order;
    int64_t charset_queries;  // text keys: their character set and collation, asked once
  };
  SUBCASE("unordered: in chunks of the composite primary key") {
    KeysetRows whole = read_keyset(*conn, request, 0);
    REQUIRE(whole.rows.size() == kKeyRows);
    for (size_t chunk : {1, 2, 7, 150, 299, 300}) {
      CAPTURE(chunk);
      KeysetRows chunked = read_keyset(*conn, request, chunk);
      CHECK(chunked.rows == whole.rows);
      CHECK(sorted_ids(chunked.rows, 2) == ids_from(0, kKeyRows));
      CHECK(chunked.selects - whole.selects == extra_selects(kKeyRows, 2, chunk, true) + 1);
    }
  }
  for (const Case& c : {Case{{"g", "n"}, 1}, Case{{"n", "g"}, 1}, Case{{"w"}, 1}, Case{{"id", "w"}, 1},
                        Case{{"n", "id"}, 0}}) {
    CAPTURE(util::join(c.order, ","));
    request.order_by = c.order;
    KeysetRows whole = read_keyset(*conn, request, 0);
    REQUIRE(whole.rows.size() == kKeyRows);
    for (size_t chunk : {1, 3, 64}) {
      CAPTURE(chunk);
      KeysetRows chunked = read_keyset(*conn, request, chunk);
      CHECK(chunked.rows == whole.rows);
      CHECK(sorted_ids(chunked.rows, 2) == ids_from(0, kKeyRows));
      CHECK(chunked.selects - whole.selects == extra_selects(kKeyRows, 2, chunk, true) + c.charset_queries);
    }
  }
  // Not unique on its own: two statements a chunk, as before.
  request.order_by = {"id"};
  KeysetRows whole = read_keyset(*conn, request, 0);
  KeysetRows chunked = read_keyset(*conn, request, 7);
  CHECK(chunked.rows == whole.rows);
  CHECK(chunked.selects - whole.selects == extra_selects(kKeyRows, 2, 7));
  // Unique but nullable: NULLs repeat, so the boundary queries too; every row once.
  request.order_by = {"maybe"};
  whole = read_keyset(*conn, request, 0);
  chunked = read_keyset(*conn, request, 7);
  CHECK(column_of(chunked.rows, 4) == column_of(whole.rows, 4));
  CHECK(sorted_ids(chunked.rows, 2) == ids_from(0, kKeyRows));
  CHECK(chunked.selects - whole.selects > extra_selects(kKeyRows - kKeyRows / 4, 2, 7, true));
}

TEST_CASE("odbc connector (MariaDB keyset): a text key goes in the column's collation, Chinese and mixed case") {
  auto conn = open_ok(test::require_env("CSBRIDGE_TEST_MARIADB_ODBC"));
  const std::vector<std::string> words = {"apple", "Apple", "APPLE", "banana", "Banana", "中文", "北京", "上海",
                                          "Äpfel", "apfel", "zebra", "Zebra", "éclair", "Eclair", "", "b"};
  constexpr size_t kKeyRows = 320;
  // Unique in the collation (the row number tells equal words apart), so one order is right.
  KeysetTable table(*conn, {"CREATE TABLE %T (id INT NOT NULL PRIMARY KEY, k VARCHAR(40) NOT NULL)",
                            insert_rows(kKeyRows, [&](size_t i) {
                              return std::to_string(i) + ", '" + words[i % words.size()] + " " + std::to_string(i) +
                                     "'";
                            })});
  CHECK(first_value(*conn, "SELECT COLLATION(k) AS c FROM `" + table.name + "` LIMIT 1") == "utf8mb4_unicode_ci");
  ReadRequest request;
  request.table = {"", table.name};
  request.columns = {"id", "k"};
  request.order_by = {"k"};
  request.batch_rows = 1;
  KeysetRows whole = read_keyset(*conn, request, 0);
  REQUIRE(whole.rows.size() == kKeyRows);
  std::vector<Cell> keys = column_of(whole.rows, 1);
  std::vector<Cell> bytewise = keys;
  std::sort(bytewise.begin(), bytewise.end());
  CHECK(keys != bytewise);  // the collation orders them, not their bytes
  for (size_t chunk : {1, 3, 7, 64}) {
    CAPTURE(chunk);
    KeysetRows chunked = read_keyset(*conn, request, chunk);
    CHECK(chunked.rows == whole.rows);
    CHECK(chunked.selects - whole.selects == extra_selects(kKeyRows, 1, chunk));
  }
}

namespace {

// What a text key collates as in utf8mb4_unicode_ci among the values of the
// tests below: equal keys map to one letter, NULL to "<NULL>".
std::string collates_as(const Cell& c) {
  if (!c) return "<NULL>";
  static const std::vector<std::pair<std::string, std::string>> kGroups = {
      {"a", "a"}, {"A", "a"}, {"a ", "a"}, {"á", "a"}, {"b", "b"}, {"B", "b"}, {"中", "z"}, {"中 ", "z"}, {"", "-"}};
  for (const auto& [value, group] : kGroups) {
    if (*c == value) return group;
  }
  return "?" + *c;
}

std::vector<std::string> groups_of(const std::vector<Row>& rows, size_t c) {
  std::vector<std::string> out;
  for (const Row& r : rows) out.push_back(collates_as(r[c]));
  return out;
}

// A legacy table without a primary key: `k` and `t` repeat, NULL among them,
// and equal text keys differ in case, accents and trailing blanks.
std::vector<std::string> repeated_keys_table(size_t rows) {
  return {"CREATE TABLE %T (id INT NOT NULL, k INT, t VARCHAR(10))",
          insert_rows(rows, [](size_t i) {
            static const std::vector<std::string> kTexts = {"'a'", "'A'", "'b'", "NULL", "'a '", "'中'",
                                                            "'B'", "'á'", "'中 '", "''"};
            return std::to_string(i) + ", " + (i % 11 == 0 ? std::string("NULL") : std::to_string(i / 9)) + ", " +
                   kTexts[(i * 7) % kTexts.size()];
          })};
}

}  // namespace

TEST_CASE("odbc connector (MariaDB keyset): repeated keys are read once each, across chunk boundaries") {
  auto conn = open_ok(test::require_env("CSBRIDGE_TEST_MARIADB_ODBC"));
  constexpr size_t kKeyRows = 600;
  KeysetTable table(*conn, repeated_keys_table(kKeyRows));
  ReadRequest request;
  request.table = {"", table.name};
  request.batch_rows = 4;

  SUBCASE("an integer key repeated 9 times, chunks of 7") {
    request.order_by = {"k"};
    KeysetRows whole = read_keyset(*conn, request, 0);
    KeysetRows chunked = read_keyset(*conn, request, 7);
    CHECK(column_of(chunked.rows, 1) == column_of(whole.rows, 1));
    CHECK(sorted_ids(chunked.rows) == ids_from(0, kKeyRows));
  }
  SUBCASE("a text key equal in the collation ('a' = 'A' = 'a ' = 'á'), chunks of 1, 7 and 50") {
    request.order_by = {"t"};
    KeysetRows whole = read_keyset(*conn, request, 0);
    for (size_t chunk : {1, 7, 50}) {
      CAPTURE(chunk);
      KeysetRows chunked = read_keyset(*conn, request, chunk);
      CHECK(groups_of(chunked.rows, 2) == groups_of(whole.rows, 2));
      CHECK(sorted_ids(chunked.rows) == ids_from(0, kKeyRows));
      // A chunk ends after all rows of its last key: 60 of each group of 'a', fewer statements than rows.
      CHECK(chunked.selects - whole.selects < static_cast<int64_t>(2 * (kKeyRows / chunk)));
    }
    std::vector<std::string> groups = groups_of(whole.rows, 2);
    CHECK(std::count(groups.begin(), groups.end(), "?") == 0);
    CHECK(groups.front() == "<NULL>");  // NULL sorts first
  }
}

TEST_CASE("odbc connector (MariaDB keyset): NULL keys are read first, none lost, more of them than a chunk") {
  auto conn = open_ok(test::require_env("CSBRIDGE_TEST_MARIADB_ODBC"));
  constexpr size_t kKeyRows = 600;
  KeysetTable table(*conn, repeated_keys_table(kKeyRows));
  ReadRequest request;
  request.table = {"", table.name};
  request.columns = {"id", "k"};
  request.order_by = {"k"};
  request.batch_rows = 4;
  KeysetRows whole = read_keyset(*conn, request, 0);
  const size_t nulls = (kKeyRows + 10) / 11;  // 55: i % 11 == 0
  for (size_t i = 0; i < whole.rows.size(); ++i) {
    CAPTURE(i);
    CHECK(whole.rows[i][1].has_value() == (i >= nulls));
  }
  for (size_t chunk : {1, 7, 55, 56}) {
    CAPTURE(chunk);
    KeysetRows chunked = read_keyset(*conn, request, chunk);
    CHECK(column_of(chunked.rows, 1) == column_of(whole.rows, 1));
    CHECK(sorted_ids(chunked.rows) == ids_from(0, kKeyRows));
  }
}

TEST_CASE("odbc connector (MariaDB keyset): a composite key of an integer and a text column, NULLs in both") {
  auto conn = open_ok(test::require_env("CSBRIDGE_TEST_MARIADB_ODBC"));
  constexpr size_t kKeyRows = 600;
  KeysetTable table(*conn, repeated_keys_table(kKeyRows));
  ReadRequest request;
  request.table = {"", table.name};
  request.order_by = {"k", "t"};
  request.batch_rows = 4;
  KeysetRows whole = read_keyset(*conn, request, 0);
  auto keys = [](const std::vector<Row>& rows) {
    std::vector<std::string> out;
    for (const Row& r : rows) out.push_back(shown(r[1]) + "|" + collates_as(r[2]));
    return out;
  };
  for (size_t chunk : {1, 2, 7, 100}) {
    CAPTURE(chunk);
    KeysetRows chunked = read_keyset(*conn, request, chunk);
    CHECK(keys(chunked.rows) == keys(whole.rows));
    CHECK(sorted_ids(chunked.rows) == ids_from(0, kKeyRows));
  }
  // And a unique composite key (id last): one order only.
  request.order_by = {"t", "k", "id"};
  KeysetRows unique_whole = read_keyset(*conn, request, 0);
  KeysetRows unique_chunked = read_keyset(*conn, request, 7);
  CHECK(unique_chunked.rows == unique_whole.rows);
}

TEST_CASE("odbc connector (MariaDB keyset): the where filter and the overall limit hold across chunks") {
  auto conn = open_ok(test::require_env("CSBRIDGE_TEST_MARIADB_ODBC"));
  constexpr size_t kKeyRows = 600;
  KeysetTable table(*conn, repeated_keys_table(kKeyRows));
  ReadRequest request;
  request.table = {"", table.name};
  request.columns = {"id", "k", "t"};
  request.where = "id % 3 <> 0 OR k IS NULL";
  request.batch_rows = 8;
  request.order_by = {"id"};
  for (int64_t limit : {-1, 1, 7, 14, 100, 399, 1000}) {
    CAPTURE(limit);
    request.limit = limit;
    KeysetRows whole = read_keyset(*conn, request, 0);
    KeysetRows chunked = read_keyset(*conn, request, 7);
    CHECK(chunked.rows == whole.rows);
    size_t matching = 0;
    for (size_t i = 0; i < kKeyRows; ++i) matching += (i % 3 != 0 || i % 11 == 0) ? 1 : 0;
    CHECK(chunked.rows.size() == (limit < 0 ? matching : std::min<size_t>(matching, static_cast<size_t>(limit))));
  }
  // A limit that cuts a repeated key: the keys up to it, each row at most once.
  request.order_by = {"k"};
  request.limit = 100;
  KeysetRows whole = read_keyset(*conn, request, 0);
  KeysetRows chunked = read_keyset(*conn, request, 7);
  REQUIRE(chunked.rows.size() == 100);
  CHECK(column_of(chunked.rows, 1) == column_of(whole.rows, 1));
  std::vector<int64_t> ids = sorted_ids(chunked.rows);
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
}

TEST_CASE("odbc connector (MariaDB keyset): a query read goes in chunks of an integer key, not of a text one") {
  auto conn = open_ok(test::require_env("CSBRIDGE_TEST_MARIADB_ODBC"));
  constexpr size_t kKeyRows = 600;
  KeysetTable table(*conn, repeated_keys_table(kKeyRows));
  KeysetTable parent(*conn, {"CREATE TABLE %T (k INT NOT NULL PRIMARY KEY, label VARCHAR(20))",
                             insert_rows(kKeyRows / 9 + 1, [](size_t i) {
                               return std::to_string(i) + ", '组 " + std::to_string(i) + "'";
                             })});
  ReadRequest request;
  request.query = "SELECT c.id, c.k, c.t, p.label FROM `" + table.name + "` c LEFT JOIN `" + parent.name +
                  "` p ON p.k = c.k WHERE c.id < 500";
  request.where = "id % 2 = 0";
  request.limit = 200;
  request.batch_rows = 6;

  request.order_by = {"id"};
  KeysetRows whole = read_keyset(*conn, request, 0);
  REQUIRE(whole.rows.size() == 200);
  CHECK(whole.rows[1] == Row{"2", "0", "a ", "组 0"});
  KeysetRows chunked = read_keyset(*conn, request, 7);
  CHECK(chunked.rows == whole.rows);
  CHECK(chunked.selects - whole.selects == extra_selects(200, 6, 7));

  // A text column of a query might be an ENUM (sorted by index, compared as
  // text), which the driver does not say: one statement.
  request.order_by = {"t", "id"};
  KeysetRows by_text = read_keyset(*conn, request, 7);
  ReadRequest unordered = request;
  unordered.order_by.clear();
  KeysetRows one_statement = read_keyset(*conn, unordered, 7);
  CHECK(by_text.selects == one_statement.selects);
  CHECK(by_text.rows == read_keyset(*conn, request, 0).rows);
  CHECK(by_text.rows.size() == 200);
}

TEST_CASE("odbc connector (MariaDB keyset): keys compare in their own type") {
  auto conn = open_ok(test::require_env("CSBRIDGE_TEST_MARIADB_ODBC"));
  // Values that a comparison as double or as text would get wrong: integers past 2^53, decimals past 15
  // digits, fractions of seconds, negative times, bytes above 0x7f; each repeated and NULL too.
  const std::vector<std::string> big = {"9007199254740993", "9007199254740992", "-9223372036854775808",
                                        "9223372036854775807", "9007199254740994", "0"};
  const std::vector<std::string> dec = {"12345678901234567.0000000001", "12345678901234567.0000000002",
                                        "-0.0000000001", "12345678901234567", "1.1", "1.10"};
  const std::vector<std::string> dt = {"'2024-01-02 03:04:05.000001'", "'2024-01-02 03:04:05'",
                                       "'2024-01-02 03:04:05.1'", "'1999-12-31 23:59:59.999999'",
                                       "'2024-01-02 03:04:05.000002'", "'2024-01-02 03:04:04.9'"};
  const std::vector<std::string> tm = {"'-01:00:00'", "'00:00:00.5'", "'838:59:59'", "'00:00:00'", "'-00:00:00.5'",
                                       "'12:00:00'"};
  const std::vector<std::string> da = {"'2024-01-02'", "'1000-01-01'", "'9999-12-31'", "'2024-01-01'",
                                       "'2024-01-03'", "'2000-02-29'"};
  const std::vector<std::string> bin = {"x'ff'", "x'00'", "x'7f80'", "x''", "x'80'", "x'00ff'"};
  constexpr size_t kKeyRows = 200;
  KeysetTable table(*conn, {"CREATE TABLE %T (id INT NOT NULL PRIMARY KEY, big BIGINT, dec30 DECIMAL(30,10), "
                            "dt DATETIME(6), tm TIME(1), da DATE, bin VARBINARY(4))",
                            insert_rows(kKeyRows, [&](size_t i) {
                              auto pick = [i](const std::vector<std::string>& values, size_t step) {
                                size_t at = (i * step) % (values.size() + 1);
                                return at == values.size() ? std::string("NULL") : values[at];
                              };
                              return std::to_string(i) + ", " + pick(big, 1) + ", " + pick(dec, 3) + ", " +
                                     pick(dt, 2) + ", " + pick(tm, 3) + ", " + pick(da, 1) + ", " + pick(bin, 5);
                            })});
  const std::vector<std::string> keys = {"big", "dec30", "dt", "tm", "da", "bin"};
  const std::vector<size_t> distinct_keys = {7, 6, 7, 7, 7, 7};  // with NULL; 1.1 = 1.10
  for (size_t k = 0; k < keys.size(); ++k) {
    CAPTURE(keys[k]);
    ReadRequest request;
    request.table = {"", table.name};
    request.order_by = {keys[k]};
    request.batch_rows = 3;
    KeysetRows whole = read_keyset(*conn, request, 0);
    std::vector<Cell> distinct = column_of(whole.rows, k + 1);
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    CHECK(distinct.size() == distinct_keys[k]);  // each value a run of equal keys
    for (size_t chunk : {1, 4, 29}) {
      CAPTURE(chunk);
      KeysetRows chunked = read_keyset(*conn, request, chunk);
      CHECK(column_of(chunked.rows, k + 1) == column_of(whole.rows, k + 1));
      CHECK(sorted_ids(chunked.rows) == ids_from(0, kKeyRows));
    }
  }
  // Computed keys of a query: no column type for the server to convert a literal to.
  ReadRequest request;
  request.query = "SELECT id, big + 0 AS big, dec30 * 1 AS dec30, ADDTIME(dt, '00:00:00') AS dt FROM `" +
                  table.name + "`";
  request.batch_rows = 3;
  for (const std::string key : {"big", "dec30", "dt"}) {
    CAPTURE(key);
    request.order_by = {key};
    KeysetRows whole = read_keyset(*conn, request, 0);
    KeysetRows chunked = read_keyset(*conn, request, 4);
    size_t c = key == "big" ? 1 : key == "dec30" ? 2 : 3;
    CHECK(column_of(chunked.rows, c) == column_of(whole.rows, c));
    CHECK(sorted_ids(chunked.rows) == ids_from(0, kKeyRows));
    CHECK(chunked.selects > whole.selects);
  }
}

TEST_CASE("odbc connector (MariaDB keyset): keys whose comparison may not follow their order read in one statement") {
  auto conn = open_ok(test::require_env("CSBRIDGE_TEST_MARIADB_ODBC"));
  constexpr size_t kKeyRows = 50;
  KeysetTable table(*conn, {"CREATE TABLE %T (id INT NOT NULL PRIMARY KEY, e ENUM('z', 'a', 'm'), f FLOAT, "
                            "ts TIMESTAMP NULL, s SET('x', 'y'))",
                            insert_rows(kKeyRows, [](size_t i) {
                              static const std::vector<std::string> kEnum = {"'z'", "'a'", "'m'", "NULL"};
                              return std::to_string(i) + ", " + kEnum[i % 4] + ", " + std::to_string(i % 7) +
                                     ".1, FROM_UNIXTIME(" + std::to_string(1700000000 + i % 5) + "), " +
                                     (i % 2 ? "'x'" : "'y'");
                            })});
  ReadRequest request;
  request.table = {"", table.name};
  request.batch_rows = 3;
  KeysetRows unordered = read_keyset(*conn, request, 2);  // in chunks of the primary key
  CHECK(sorted_ids(unordered.rows) == ids_from(0, kKeyRows));
  for (const std::string key : {"e", "f", "ts", "s"}) {
    CAPTURE(key);
    request.order_by = {key, "id"};
    KeysetRows whole = read_keyset(*conn, request, 0);
    KeysetRows read = read_keyset(*conn, request, 2);
    CHECK(read.selects == whole.selects);
    CHECK(sorted_ids(read.rows) == ids_from(0, kKeyRows));
    if (key == "e") CHECK(read.rows[kKeyRows - 1][1] == Cell("m"));  // in the order of the ENUM: NULL, z, a, m
  }
}

// ---------------------------------------------------------------------------
// Integers, timestamps and dates, MariaDB's zero dates included: MariaDB
// Connector/ODBC gets them in binary, and the reader binds them as C values
// and prints them itself ("Values bound as C types" in odbc_types.h); the
// other drivers read them as text. Either way each reads as the text the
// driver prints through SQL_C_CHAR.

namespace {

// A column of the typed-values table: its DDL type, the SQL literal of each
// row ("NULL" for NULL) and the text each reads back as.
struct TypedColumn {
  std::string name, type;
  std::vector<std::string> literals;
  std::vector<Cell> expected;
};

// The row keys: the extremes of a BIGINT key, read back after a chunk on MariaDB.
const std::vector<std::string> kTypedIds = {"-9223372036854775808", "-1", "0", "7", "42", "9223372036854775807"};

// Signed integers at their extremes, in MariaDB and PostgreSQL alike.
std::vector<TypedColumn> signed_integers() {
  return {
      {"b", "BIGINT", {"-9223372036854775808", "9223372036854775807", "0", "-1", "NULL", "123"},
       {"-9223372036854775808", "9223372036854775807", "0", "-1", Cell(), "123"}},
      {"i", "INTEGER", {"-2147483648", "2147483647", "NULL", "0", "-7", "1"},
       {"-2147483648", "2147483647", Cell(), "0", "-7", "1"}},
      {"si", "SMALLINT", {"-32768", "32767", "0", "-1", "NULL", "5"}, {"-32768", "32767", "0", "-1", Cell(), "5"}},
  };
}

std::vector<TypedColumn> typed_columns(const std::string& engine) {
  if (engine == "SQLite") {
    // SQLite keeps what it is given whatever the declared type: all of it reads back.
    return {
        {"b", "BIGINT", {"-9223372036854775808", "9223372036854775807", "'abc'", "1.5", "NULL", "123"},
         {"-9223372036854775808", "9223372036854775807", "abc", "1.5", Cell(), "123"}},
        {"ts", "TIMESTAMP",
         {"'2024-01-02 03:04:05.120'", "'not a date'", "NULL", "'2024-01-02 03:04:05'", "'2024-01-02T03:04:05Z'",
          "'2024-01-02 03:04:05.000'"},
         {"2024-01-02 03:04:05.12", "not a date", Cell(), "2024-01-02 03:04:05", "2024-01-02T03:04:05Z",
          "2024-01-02 03:04:05"}},
        {"da", "DATE", {"'2024-13-45'", "'2024-01-02'", "NULL", "20240102", "'x'", "'0000-00-00'"},
         {"2024-13-45", "2024-01-02", Cell(), "20240102", "x", "0000-00-00"}},
    };
  }
  std::vector<TypedColumn> out = signed_integers();
  if (engine == "MariaDB") {
    out.insert(out.end(), {
        {"mi", "MEDIUMINT", {"-8388608", "8388607", "1", "NULL", "-1", "0"},
         {"-8388608", "8388607", "1", Cell(), "-1", "0"}},
        {"ti", "TINYINT", {"-128", "127", "0", "NULL", "-1", "1"}, {"-128", "127", "0", Cell(), "-1", "1"}},
        {"ub", "BIGINT UNSIGNED", {"18446744073709551615", "0", "NULL", "9223372036854775808", "1", "42"},
         {"18446744073709551615", "0", Cell(), "9223372036854775808", "1", "42"}},
        {"uti", "TINYINT UNSIGNED", {"255", "0", "NULL", "1", "128", "7"}, {"255", "0", Cell(), "1", "128", "7"}},
        // ZEROFILL and YEAR print what a C integer does not hold.
        {"z", "INT(5) ZEROFILL", {"42", "0", "NULL", "123456", "1", "99999"},
         {"00042", "00000", Cell(), "123456", "00001", "99999"}},
        {"y", "YEAR", {"0", "1999", "NULL", "2155", "1901", "2024"}, {"0000", "1999", Cell(), "2155", "1901", "2024"}},
        {"dt", "DATETIME NULL",
         {"'0000-00-00 00:00:00'", "NULL", "'2024-00-00 00:00:00'", "'0000-00-00 00:00:01'", "'9999-12-31 23:59:59'",
          "'1000-01-01 00:00:00'"},
         {"0000-00-00 00:00:00", Cell(), "2024-00-00 00:00:00", "0000-00-00 00:00:01", "9999-12-31 23:59:59",
          "1000-01-01 00:00:00"}},
        {"dt6", "DATETIME(6)",
         {"'0000-00-00 00:00:00.000000'", "'2024-01-02 03:04:05.000100'", "'2024-01-02 03:04:05.120000'", "NULL",
          "'2024-01-02 03:04:05.000001'", "'9999-12-31 23:59:59.999999'"},
         {"0000-00-00 00:00:00", "2024-01-02 03:04:05.0001", "2024-01-02 03:04:05.12", Cell(),
          "2024-01-02 03:04:05.000001", "9999-12-31 23:59:59.999999"}},
        {"dt3", "DATETIME(3)",
         {"'2024-01-02 03:04:05.100'", "'0000-00-00 00:00:00.000'", "'2024-01-00 00:00:00.001'", "NULL",
          "'2024-01-02 03:04:05'", "'0000-00-00 00:00:00.999'"},
         {"2024-01-02 03:04:05.1", "0000-00-00 00:00:00", "2024-01-00 00:00:00.001", Cell(), "2024-01-02 03:04:05",
          "0000-00-00 00:00:00.999"}},
        {"da", "DATE", {"'0000-00-00'", "'2024-00-00'", "'0000-01-01'", "NULL", "'9999-12-31'", "'2024-00-29'"},
         {"0000-00-00", "2024-00-00", "0000-01-01", Cell(), "9999-12-31", "2024-00-29"}},
        {"ts", "TIMESTAMP(6) NULL",
         {"'0000-00-00 00:00:00'", "'2024-01-02 03:04:05.5'", "NULL", "'1970-01-02 00:00:00'", "NULL",
          "'2030-06-15 12:00:00.999999'"},
         {"0000-00-00 00:00:00", "2024-01-02 03:04:05.5", Cell(), "1970-01-02 00:00:00", Cell(),
          "2030-06-15 12:00:00.999999"}},
        // NOT NULL: a NULL from the driver can only be the zero date.
        {"dnn", "DATETIME(6) NOT NULL",
         {"'0000-00-00 00:00:00'", "'2024-01-02 03:04:05.25'", "'0000-00-00 00:00:00'", "'2024-01-00 00:00:00'",
          "'0000-00-00 00:00:00.000001'", "'2000-02-29 12:00:00'"},
         {"0000-00-00 00:00:00", "2024-01-02 03:04:05.25", "0000-00-00 00:00:00", "2024-01-00 00:00:00",
          "0000-00-00 00:00:00.000001", "2000-02-29 12:00:00"}},
        {"dann", "DATE NOT NULL",
         {"'0000-00-00'", "'2024-01-02'", "'0000-00-01'", "'0000-00-00'", "'1000-01-01'", "'2024-12-00'"},
         {"0000-00-00", "2024-01-02", "0000-00-01", "0000-00-00", "1000-01-01", "2024-12-00"}},
    });
  } else {
    out.insert(out.end(), {
        {"ts", "TIMESTAMP(6)",
         {"'2024-01-02 03:04:05.0001'", "'2024-01-02 03:04:05.12'", "NULL", "'0001-01-01 00:00:00'",
          "'2024-01-02 03:04:05.000001'", "'9999-12-31 23:59:59.999999'"},
         {"2024-01-02 03:04:05.0001", "2024-01-02 03:04:05.12", Cell(), "0001-01-01 00:00:00",
          "2024-01-02 03:04:05.000001", "9999-12-31 23:59:59.999999"}},
        {"ts3", "TIMESTAMP(3)",
         {"'2024-01-02 03:04:05.1'", "NULL", "'2024-01-02 03:04:05'", "'2000-02-29 23:59:59.999'",
          "'1970-01-01 00:00:00'", "'2024-01-02 03:04:05.01'"},
         {"2024-01-02 03:04:05.1", Cell(), "2024-01-02 03:04:05", "2000-02-29 23:59:59.999", "1970-01-01 00:00:00",
          "2024-01-02 03:04:05.01"}},
        {"da", "DATE", {"'2024-02-29'", "'0001-01-01'", "'9999-12-31'", "NULL", "'1970-01-01'", "'2024-01-02'"},
         {"2024-02-29", "0001-01-01", "9999-12-31", Cell(), "1970-01-01", "2024-01-02"}},
    });
  }
  return out;
}

// "2024-01-02 03:04:05.120000" → "2024-01-02 03:04:05.12", as the reader trims a fraction.
Cell trimmed_fraction(Cell v) {
  if (!v) return v;
  size_t dot = v->find('.');
  if (dot == std::string::npos) return v;
  size_t keep = v->find_last_not_of('0');
  v->erase(keep == dot ? dot : keep + 1);
  return v;
}

}  // namespace

TEST_CASE("odbc connector: integers, timestamps and dates read as the driver prints them, zero dates included") {
  for_each_driver([](const Target& t) {
    auto conn = open_ok(t.connection);
    const Dialect& d = *t.dialect;
    const std::vector<TypedColumn> columns = typed_columns(d.engine);
    std::string table = "csb_odbc_typed_" + unique_suffix();
    std::vector<std::string> statements;
    if (d.engine == "MariaDB") statements.push_back("SET SESSION sql_mode = ''");  // zero dates, zero in dates
    std::string create = "CREATE TABLE %T (id BIGINT NOT NULL PRIMARY KEY";
    for (const TypedColumn& c : columns) create += ", " + c.name + " " + c.type;
    statements.push_back(create + ")");
    for (size_t r = 0; r < kTypedIds.size(); ++r) {
      std::string insert = "INSERT INTO %T VALUES (" + kTypedIds[r];
      for (const TypedColumn& c : columns) insert += ", " + c.literals[r];
      statements.push_back(insert + ")");
    }
    ScratchTable scratch(*conn, quoted(d, table), statements);

    std::vector<Row> want;
    for (size_t r = 0; r < kTypedIds.size(); ++r) {
      Row row{kTypedIds[r]};
      for (const TypedColumn& c : columns) row.push_back(c.expected[r]);
      want.push_back(std::move(row));
    }
    auto check_rows = [&](const std::vector<Row>& rows) {
      REQUIRE(rows.size() == want.size());
      for (size_t r = 0; r < want.size(); ++r) {
        for (size_t c = 0; c < want[r].size(); ++c) {
          INFO("row " << r << " column " << (c == 0 ? std::string("id") : columns[c - 1].name));
          CHECK(shown(rows[r][c]) == shown(want[r][c]));
        }
      }
    };
    ReadRequest request;
    request.table = {d.engine == "PostgreSQL" ? "public" : "", table};
    request.order_by = {"id"};
    request.batch_rows = 4;
    SUBCASE("a table") { check_rows(read_all(*conn, request)); }
    SUBCASE("a table, in chunks of 2 after a key read back") {
      request.chunk_rows = 2;
      request.batch_rows = 2;
      check_rows(read_all(*conn, request));
    }
    SUBCASE("a query: its columns may all be NULL") {
      request.table = {};
      request.query = "SELECT * FROM " + scratch.quoted;
      check_rows(read_all(*conn, request));
    }
  });
}

TEST_CASE("odbc connector (MariaDB): 3000 integers and timestamps read as the server prints them, in rowsets of 1000") {
  auto conn = open_ok(test::require_env("CSBRIDGE_TEST_MARIADB_ODBC"));
  constexpr size_t kBulkRows = 3000;
  KeysetTable table(*conn, {"SET SESSION sql_mode = ''",
                            "CREATE TABLE %T (id INT NOT NULL PRIMARY KEY, n BIGINT, dt6 DATETIME(6), da DATE, "
                            "dt DATETIME NOT NULL)",
                            "INSERT INTO %T SELECT seq, IF(seq % 11 = 0, NULL, (CAST(seq AS SIGNED) * 7919 - 12000000) * "
                            "IF(seq % 2, 1000003, -1)), CASE WHEN seq % 13 = 0 THEN NULL WHEN seq % 17 = 0 THEN "
                            "'0000-00-00 00:00:00' ELSE TIMESTAMP '2020-01-01 00:00:00' + INTERVAL (seq * 1234567) "
                            "MICROSECOND END, CASE WHEN seq % 7 = 0 THEN NULL WHEN seq % 19 = 0 THEN '0000-00-00' "
                            "ELSE DATE '1999-12-31' + INTERVAL seq DAY END, IF(seq % 23 = 0, '0000-00-00 00:00:00', "
                            "TIMESTAMP '2000-01-01 00:00:00' + INTERVAL seq * 7777 SECOND) FROM seq_1_to_3000"});
  ReadRequest typed;
  typed.table = {"", table.name};
  typed.order_by = {"id"};
  std::vector<Row> rows = read_all(*conn, typed);
  // The same values as the server prints them, as text columns.
  ReadRequest text;
  text.query = "SELECT CAST(id AS CHAR) AS id, CAST(n AS CHAR) AS n, CAST(dt6 AS CHAR) AS dt6, "
               "CAST(da AS CHAR) AS da, CAST(dt AS CHAR) AS dt FROM `" + table.name + "`";
  text.order_by = {"id"};
  text.batch_rows = kBulkRows;
  std::vector<Row> printed = read_all(*conn, text);
  std::sort(printed.begin(), printed.end(),
            [](const Row& a, const Row& b) { return std::stoll(a[0].value()) < std::stoll(b[0].value()); });
  REQUIRE(rows.size() == kBulkRows);
  REQUIRE(printed.size() == kBulkRows);
  size_t zero_dates = 0;
  for (size_t r = 0; r < kBulkRows; ++r) {
    CAPTURE(r);
    Row want = printed[r];
    want[2] = trimmed_fraction(want[2]);
    CHECK(rows[r] == want);
    zero_dates += rows[r][2] == Cell("0000-00-00 00:00:00") ? 1 : 0;
  }
  CHECK(zero_dates == kBulkRows / 17 - kBulkRows / (13 * 17));
}

TEST_CASE("odbc connector (MariaDB): a source that declares its encoding reads latin1 columns as the bytes stored") {
  const std::string url = test::require_env("CSBRIDGE_TEST_MARIADB_ODBC");
  TextEncodings gbk;
  gbk.source = util::Encoding::kGbk;
  auto opened = open_connector(url, gbk, Undecodable::kReject);
  REQUIRE_MESSAGE(opened.is_ok(), opened.status().message());
  Connector& conn = **opened;
  // Written as a `SET NAMES latin1` client writes: GBK (张伟, 欧阳明) and UTF-8 (张伟) bytes in latin1 columns.
  KeysetTable table(conn, {"CREATE TABLE %T (id INT PRIMARY KEY, name VARCHAR(20) CHARACTER SET latin1, "
                           "note TEXT CHARACTER SET latin1, plain VARCHAR(20))",
                           "INSERT INTO %T VALUES (1, X'D5C5CEB0', X'E5BCA0E4BC9F', '张伟'), "
                           "(2, X'C5B7D1F4C3F7', NULL, 'x'), (3, X'D5FF', 'ok', 'y'), (4, 'Zoe', 'caf', '')"});
  auto read = [&](Connector& c, ReadRequest request) {
    KeysetRows out;
    auto reader = c.read(request);
    INFO(reader.status().message());
    REQUIRE(reader.is_ok());
    Batch batch;
    for (;;) {
      auto more = (*reader)->next(batch);
      REQUIRE(more.is_ok());
      for (const RejectedRecord& r : (*reader)->take_rejects()) {
        out.rows.push_back({Cell("rejected"), Cell(r.location), Cell(r.reason)});
      }
      if (!*more) break;
      for (size_t r = 0; r < batch.rows(); ++r) out.rows.push_back(row_of(batch, r));
    }
    std::sort(out.rows.begin(), out.rows.end());  // rejects come with their batch, ahead of its rows
    return out.rows;
  };
  const std::vector<Row> expected = {
      {Cell("1"), Cell("张伟"), Cell("张伟"), Cell("张伟")},
      {Cell("2"), Cell("欧阳明"), Cell(), Cell("x")},
      {Cell("4"), Cell("Zoe"), Cell("caf"), Cell("")},
      {Cell("rejected"), Cell(table.name + " key=3"),
       Cell("column 'name': decodes neither as UTF-8 nor as GBK (undecodable GBK bytes at offset 0 (D5 FF))")}};
  ReadRequest request;
  request.table = {"", table.name};
  request.order_by = {"id"};
  SUBCASE("one statement") { CHECK(read(conn, request) == expected); }
  SUBCASE("in key chunks") {
    request.chunk_rows = 1;
    request.batch_rows = 1;
    CHECK(read(conn, request) == expected);
  }
  SUBCASE("ordered by a latin1 column: the order and the chunks follow the column, not its bytes cast") {
    request.chunk_rows = 1;
    request.order_by = {"name"};
    request.columns = {"id", "name"};
    std::vector<Row> rows = read(conn, request);
    CHECK(rows.size() == 4);
  }
  SUBCASE("without a declared encoding the driver converts them as Latin-1") {
    auto plain = open_ok(url);
    request.columns = {"name"};
    std::vector<Row> rows = read(*plain, request);
    CHECK(std::find(rows.begin(), rows.end(), Row{Cell("ÕÅÎ°")}) != rows.end());
  }
}

}  // namespace csbridge::connector

namespace csbridge::connector {
namespace {

TEST_CASE("odbc connector (MariaDB): a table the account has no grant on is permission_denied") {
  // root reaches the server through its socket to make a database the test account may not read.
  std::string db = "csb_private_" + std::to_string(::getpid());
  std::string root = "mariadb --no-defaults -S '" + test::require_env("CSBRIDGE_TEST_MARIADB_SOCKET") + "' -u root -e ";
  REQUIRE(std::system((root + "'CREATE DATABASE " + db + "; CREATE TABLE " + db + ".t (id int)'").c_str()) == 0);
  auto c = open_connector(test::require_env("CSBRIDGE_TEST_MARIADB_ODBC"));
  REQUIRE(c.is_ok());
  ReadRequest request;
  request.query = "SELECT id FROM " + db + ".t";
  auto read = (*c)->read(request);
  Status why = read.is_ok() ? (*read)->next(*std::make_unique<Batch>()).status() : read.status();
  CHECK_MESSAGE(why.code() == ErrorCode::kPermissionDenied, why.message());
  CHECK(why.message().find("denied") != std::string::npos);
  (void)std::system((root + "'DROP DATABASE " + db + "'").c_str());
}

TEST_CASE("odbc diagnostics: a missing grant is permission_denied whatever the engine calls it") {
  auto code_of = [](const char* state, long native) { return odbc::code_for({state, "", native}); };
  CHECK(code_of("42000", 1142) == ErrorCode::kPermissionDenied);  // MariaDB: SELECT command denied
  CHECK(code_of("42000", 229) == ErrorCode::kPermissionDenied);   // SQL Server: permission denied on object
  CHECK(code_of("42501", 0) == ErrorCode::kPermissionDenied);     // psqlodbc: insufficient_privilege
  CHECK(code_of("42000", 1064) == ErrorCode::kInvalidArgument);   // MariaDB: a syntax error
  CHECK(code_of("28000", 1045) == ErrorCode::kUnreachable);       // a wrong password
}

TEST_CASE("odbc types: C values print as the driver prints them as text, fractions trimmed") {
  odbc::TypedText out;
  CHECK(odbc::integer_text(std::numeric_limits<int64_t>::min(), out) == "-9223372036854775808");
  CHECK(odbc::integer_text(std::numeric_limits<int64_t>::max(), out) == "9223372036854775807");
  CHECK(odbc::integer_text(0, out) == "0");
  CHECK(odbc::integer_text(-1, out) == "-1");

  auto ts = [&](SQLSMALLINT y, SQLUSMALLINT mo, SQLUSMALLINT d, SQLUSMALLINT h, SQLUSMALLINT mi, SQLUSMALLINT s,
                SQLUINTEGER fraction, int digits) {
    return std::string(odbc::timestamp_text(SQL_TIMESTAMP_STRUCT{y, mo, d, h, mi, s, fraction}, digits, out));
  };
  CHECK(ts(2024, 1, 2, 3, 4, 5, 0, 6) == "2024-01-02 03:04:05");
  CHECK(ts(2024, 1, 2, 3, 4, 5, 120000000, 6) == "2024-01-02 03:04:05.12");
  CHECK(ts(2024, 1, 2, 3, 4, 5, 100000, 6) == "2024-01-02 03:04:05.0001");
  CHECK(ts(2024, 1, 2, 3, 4, 5, 1000, 6) == "2024-01-02 03:04:05.000001");
  CHECK(ts(9999, 12, 31, 23, 59, 59, 999999000, 6) == "9999-12-31 23:59:59.999999");
  CHECK(ts(2024, 1, 2, 3, 4, 5, 123456789, 9) == "2024-01-02 03:04:05.123456789");
  // The driver prints as many digits as the column declares: DATETIME(3), DATETIME.
  CHECK(ts(2024, 1, 2, 3, 4, 5, 123456000, 3) == "2024-01-02 03:04:05.123");
  CHECK(ts(2024, 1, 2, 3, 4, 5, 400000, 3) == "2024-01-02 03:04:05");
  CHECK(ts(2024, 1, 2, 3, 4, 5, 500000000, 0) == "2024-01-02 03:04:05");
  // Zero months and days, a zero date but for its second; years below 1000.
  CHECK(ts(2024, 0, 0, 0, 0, 0, 0, 6) == "2024-00-00 00:00:00");
  CHECK(ts(0, 0, 0, 0, 0, 1, 0, 0) == "0000-00-00 00:00:01");
  CHECK(ts(1, 1, 1, 0, 0, 0, 0, 6) == "0001-01-01 00:00:00");

  CHECK(odbc::date_text(SQL_DATE_STRUCT{2024, 2, 29}, out) == "2024-02-29");
  CHECK(odbc::date_text(SQL_DATE_STRUCT{0, 1, 0}, out) == "0000-01-00");
  CHECK(odbc::zero_date_text(odbc::Typed::kDate) == "0000-00-00");
  CHECK(odbc::zero_date_text(odbc::Typed::kTimestamp) == "0000-00-00 00:00:00");

  // A row's value in a bound buffer, at an offset not aligned for it.
  std::vector<char> buffer(1 + sizeof(SQL_TIMESTAMP_STRUCT));
  const int64_t big = -1234567890123;
  std::memcpy(buffer.data() + 1, &big, sizeof big);
  CHECK(odbc::typed_text(odbc::Typed::kInteger, buffer.data() + 1, 0, out) == "-1234567890123");
  const SQL_TIMESTAMP_STRUCT t{1999, 12, 31, 23, 59, 59, 50000000};
  std::memcpy(buffer.data() + 1, &t, sizeof t);
  CHECK(odbc::typed_text(odbc::Typed::kTimestamp, buffer.data() + 1, 6, out) == "1999-12-31 23:59:59.05");
}

TEST_CASE("odbc types: only MariaDB Connector/ODBC binds C values, and only where they say what the text says") {
  auto column = [](SQLSMALLINT sql_type, ValueType type, const std::string& declared, int64_t size = 10) {
    odbc::ColumnMeta m;
    m.sql_type = sql_type;
    m.info.type = type;
    m.info.declared_type = declared;
    m.size = size;
    return m;
  };
  odbc::Engine mariadb;
  mariadb.driver = "libmaodbc.so";
  odbc::Engine postgres;
  postgres.driver = "psqlodbcw.so";
  odbc::Engine sqlite;
  sqlite.driver = "libsqlite3odbc.so";
  sqlite.sizes_enforced = false;
  const odbc::ColumnMeta bigint = column(SQL_BIGINT, ValueType::kInteger, "bigint");
  const odbc::ColumnMeta datetime = column(SQL_TYPE_TIMESTAMP, ValueType::kTimestamp, "datetime");
  const odbc::ColumnMeta date = column(SQL_TYPE_DATE, ValueType::kDate, "date");
  CHECK(odbc::planned_typed(bigint, mariadb) == odbc::Typed::kInteger);
  CHECK(odbc::planned_typed(column(SQL_TINYINT, ValueType::kInteger, "tinyint"), mariadb) == odbc::Typed::kInteger);
  CHECK(odbc::planned_typed(datetime, mariadb) == odbc::Typed::kTimestamp);
  CHECK(odbc::planned_typed(date, mariadb) == odbc::Typed::kDate);
  CHECK(odbc::planned_typed(column(SQL_SMALLINT, ValueType::kInteger, "year"), mariadb) == odbc::Typed::kNone);
  CHECK(odbc::planned_typed(column(SQL_DECIMAL, ValueType::kDecimal, "decimal(10,2)"), mariadb) ==
        odbc::Typed::kNone);
  CHECK(odbc::planned_typed(column(SQL_TYPE_TIME, ValueType::kTime, "time"), mariadb) == odbc::Typed::kNone);
  for (const odbc::Engine* text_driver : {&postgres, &sqlite}) {
    CAPTURE(text_driver->driver);
    CHECK(odbc::planned_typed(bigint, *text_driver) == odbc::Typed::kNone);
    CHECK(odbc::planned_typed(datetime, *text_driver) == odbc::Typed::kNone);
    CHECK(odbc::planned_typed(date, *text_driver) == odbc::Typed::kNone);
  }

  // What the statement describes decides: unsigned (ZEROFILL hides there) and other types stay text.
  CHECK(odbc::described_typed(odbc::Typed::kInteger, SQL_INTEGER, false) == odbc::Typed::kInteger);
  CHECK(odbc::described_typed(odbc::Typed::kInteger, SQL_BIGINT, true) == odbc::Typed::kNone);
  CHECK(odbc::described_typed(odbc::Typed::kInteger, SQL_DECIMAL, false) == odbc::Typed::kNone);
  CHECK(odbc::described_typed(odbc::Typed::kTimestamp, SQL_TYPE_TIMESTAMP, false) == odbc::Typed::kTimestamp);
  CHECK(odbc::described_typed(odbc::Typed::kTimestamp, SQL_VARCHAR, false) == odbc::Typed::kNone);
  CHECK(odbc::described_typed(odbc::Typed::kDate, SQL_TYPE_DATE, false) == odbc::Typed::kDate);
  CHECK(odbc::described_typed(odbc::Typed::kDate, SQL_TYPE_TIMESTAMP, false) == odbc::Typed::kNone);
  CHECK(odbc::described_typed(odbc::Typed::kNone, SQL_BIGINT, false) == odbc::Typed::kNone);
}


}  // namespace
}  // namespace csbridge::connector
