// The connector conformance suite: the same checks over every database
// backend, on the sample helpdesk that scripts/test loads into each engine.
// The expected facts come from the sample's generator (samples/helpdesk/
// expected.json), never from a backend itself; the rows of every backend must
// equal the rows of native SQLite, value for value.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "connector/registry.h"
#include "test_support.h"

namespace csbridge::connector {
namespace {

struct Backend {
  const char* name;
  std::string connection;
};

std::vector<Backend> backends() {
  const std::string db = CSBRIDGE_SAMPLE_DB;
  return {
      {"sqlite", "sqlite:" + db + "?mode=ro"},
      {"odbc-sqlite", "odbc:Driver={SQLite3};Database=" + db},
      {"postgres", test::require_env("CSBRIDGE_TEST_PG_HELPDESK")},
      {"odbc-postgres", test::require_env("CSBRIDGE_TEST_PG_HELPDESK_ODBC")},
      {"odbc-mariadb", test::require_env("CSBRIDGE_TEST_MARIADB_HELPDESK_ODBC")},
  };
}

const nlohmann::json& expected() {
  static const nlohmann::json facts = [] {
    std::ifstream in(test::source_dir() + "/samples/helpdesk/expected.json");
    return nlohmann::json::parse(in);
  }();
  return facts;
}

// Engines print exact numbers with their own scale (PostgreSQL "199.00", SQLite
// "199"): compare numbers by value, everything else by its text.
std::string canonical_number(std::string_view v) {
  std::string s(v);
  if (s.find('.') == std::string::npos) return s;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

bool is_number_type(const std::string& declared) {
  ValueType t = value_type_from_declared(declared);
  return t == ValueType::kDecimal || t == ValueType::kInteger || t == ValueType::kReal;
}

using Row = std::vector<std::optional<std::string>>;

// Every row `req` reads, in batches of at most req.batch_rows.
std::vector<Row> read_rows(Connector& db, const ReadRequest& req) {
  auto reader = db.read(req);
  REQUIRE_MESSAGE(reader.is_ok(), reader.status().message());
  std::vector<Row> rows;
  Batch batch;
  for (;;) {
    auto more = (*reader)->next(batch);
    REQUIRE_MESSAGE(more.is_ok(), more.status().message());
    if (!*more) break;
    CHECK(batch.rows() <= req.batch_rows);
    for (size_t r = 0; r < batch.rows(); ++r) {
      Row& row = rows.emplace_back();
      for (size_t c = 0; c < batch.columns(); ++c) {
        auto v = batch.value(r, c);
        row.push_back(v ? std::optional<std::string>(*v) : std::nullopt);
      }
    }
    CHECK((*reader)->take_rejects().empty());
  }
  return rows;
}

// One string per row, numbers compared by value (numeric[c] says which columns hold them).
std::vector<std::string> texts(const std::vector<Row>& rows, const std::vector<bool>& numeric) {
  std::vector<std::string> out;
  for (const Row& r : rows) {
    std::string row;
    for (size_t c = 0; c < r.size(); ++c) {
      row += c ? " | " : "";
      if (!r[c]) {
        row += "NULL";
      } else {
        row += numeric[c] ? canonical_number(*r[c]) : "'" + *r[c] + "'";
      }
    }
    out.push_back(std::move(row));
  }
  return out;
}

// Every row of `table` ordered by its primary key, one string per row.
std::vector<std::string> all_rows(Connector& db, const std::string& table, const nlohmann::json& facts) {
  ReadRequest req;
  req.table = {"", table};
  for (const auto& col : facts["primary_key"]) req.order_by.push_back(col.get<std::string>());
  for (const auto& col : facts["columns"]) req.columns.push_back(col["name"].get<std::string>());
  std::vector<bool> numeric;
  for (const auto& col : facts["columns"]) numeric.push_back(is_number_type(col["type"].get<std::string>()));
  return texts(read_rows(db, req), numeric);
}

std::unique_ptr<Connector> open(const Backend& b) {
  auto db = open_connector(b.connection);
  REQUIRE_MESSAGE(db.is_ok(), b.name << ": " << db.status().message());
  return std::move(db).value();
}

}  // namespace

TEST_CASE("conformance: every backend lists, describes and counts the sample helpdesk alike") {
  const nlohmann::json& tables = expected()["tables"];
  for (const Backend& b : backends()) {
    SUBCASE(b.name) {
      auto db = open(b);
      auto listed = db->list_tables();
      REQUIRE_MESSAGE(listed.is_ok(), listed.status().message());
      std::set<std::string> names;
      for (const TableRef& t : *listed) names.insert(t.name);
      std::set<std::string> want;
      for (const auto& [name, facts] : tables.items()) want.insert(name);
      CHECK(names == want);

      for (const auto& [name, facts] : tables.items()) {
        CAPTURE(name);
        auto info = db->describe({"", name});
        REQUIRE_MESSAGE(info.is_ok(), info.status().message());
        std::vector<std::string> columns, want_columns;
        for (const ColumnInfo& c : info->columns) columns.push_back(c.name);
        for (const auto& c : facts["columns"]) want_columns.push_back(c["name"]);
        CHECK(columns == want_columns);
        CHECK(info->primary_key == facts["primary_key"].get<std::vector<std::string>>());
        std::set<std::vector<std::string>> unique;
        for (const IndexInfo& ix : info->indexes) {
          if (ix.unique) unique.insert(ix.columns);
        }
        auto want_unique = facts["unique_indexes"].get<std::set<std::vector<std::string>>>();
        CHECK(unique == want_unique);
        CHECK(info->foreign_keys.empty());  // the sample, like most legacy helpdesks, declares none

        auto count = db->count({"", name});
        REQUIRE_MESSAGE(count.is_ok(), count.status().message());
        CHECK(count->rows == facts["rows"].get<int64_t>());
        CHECK(count->exact);
      }
    }
  }
}

TEST_CASE("conformance: the same sample rows through PostgreSQL, ODBC (MariaDB, PostgreSQL, SQLite) and SQLite") {
  const nlohmann::json& tables = expected()["tables"];
  std::vector<Backend> all = backends();
  auto reference = open(all.front());
  std::map<std::string, std::vector<std::string>> want;
  for (const auto& [name, facts] : tables.items()) {
    want[name] = all_rows(*reference, name, facts);
    REQUIRE(want[name].size() == facts["rows"].get<size_t>());
  }
  for (size_t i = 1; i < all.size(); ++i) {
    SUBCASE(all[i].name) {
      auto db = open(all[i]);
      for (const auto& [name, facts] : tables.items()) {
        CAPTURE(name);
        std::vector<std::string> got = all_rows(*db, name, facts);
        REQUIRE(got.size() == want[name].size());
        size_t differing = 0;
        for (size_t r = 0; r < got.size(); ++r) {
          if (got[r] == want[name][r]) continue;
          if (differing++ == 0) CHECK_MESSAGE(got[r] == want[name][r], "first differing row " << r);
        }
        CHECK_MESSAGE(differing == 0, differing << " rows of " << name << " differ from native SQLite");
      }
    }
  }
}

namespace {

// A query over the sample (tickets ⋈ customers) with where, order_by and limit
// applied to its result. Its expected rows come from a join done here over the
// two tables as native SQLite reads them, not from any engine running the query.
constexpr const char* kJoin =
    "SELECT t.id, t.ticket_no, t.priority, t.created_at, c.name AS customer_name, c.vip_level\n"
    "FROM tickets t JOIN customers c ON c.id = t.customer_id -- customers without tickets drop out\n";
constexpr const char* kJoinWhere = "vip_level >= 1";
constexpr int64_t kJoinLimit = 40;
const std::vector<bool> kJoinNumeric = {true, false, true, false, false, true};

ReadRequest join_request() {
  ReadRequest req;
  req.query = std::string(kJoin) + ";";  // a trailing semicolon, as mapping files often have
  req.where = kJoinWhere;
  req.order_by = {"id"};
  req.limit = kJoinLimit;
  req.batch_rows = 7;
  return req;
}

std::vector<Row> expected_join(Connector& sqlite) {
  ReadRequest tickets;
  tickets.table = {"", "tickets"};
  tickets.columns = {"id", "ticket_no", "priority", "created_at", "customer_id"};
  ReadRequest customers;
  customers.table = {"", "customers"};
  customers.columns = {"id", "name", "vip_level"};
  std::map<std::string, Row> by_id;
  for (Row& c : read_rows(sqlite, customers)) by_id[*c[0]] = c;
  std::vector<std::pair<int64_t, Row>> joined;
  for (const Row& t : read_rows(sqlite, tickets)) {
    if (!t[4] || by_id.count(*t[4]) == 0) continue;
    const Row& c = by_id[*t[4]];
    if (!c[2] || std::stoll(*c[2]) < 1) continue;
    joined.emplace_back(std::stoll(*t[0]), Row{t[0], t[1], t[2], t[3], c[1], c[2]});
  }
  std::sort(joined.begin(), joined.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Row> rows;
  for (size_t i = 0; i < joined.size() && i < static_cast<size_t>(kJoinLimit); ++i) rows.push_back(joined[i].second);
  return rows;
}

// The password of the test servers (the same for both), which no message may show.
std::string server_password() {
  std::string uri = test::require_env("CSBRIDGE_TEST_PG_HELPDESK");
  size_t start = uri.find(':', uri.find("://") + 3) + 1;
  return uri.substr(start, uri.find('@') - start);
}

// What each engine says to a query naming a table that does not exist, and to
// a statement that writes; `where` is the connection as messages show it.
struct QueryFailures {
  std::string unknown_table;
  std::string writing;
};

QueryFailures failures_of(const std::string& backend, const std::string& where) {
  const std::string odbc = "query in " + where + ": ";
  if (backend == "sqlite") {
    return {"query: no such table: no_such_table",
            "query: refusing a statement that writes to the database (a query must only read)"};
  }
  if (backend == "odbc-sqlite") {
    return {odbc + "no such table: no_such_table (1) (HY000)", odbc + "near \"DELETE\": syntax error (1) (HY000)"};
  }
  if (backend == "postgres") {
    return {"query: relation \"no_such_table\" does not exist", "query: syntax error at or near \"FROM\""};
  }
  if (backend == "odbc-postgres") {
    const std::string psqlodbc_note = "; No query has been executed with that handle";
    return {odbc + "ERROR: relation \"no_such_table\" does not exist" + psqlodbc_note + " (42P01)",
            odbc + "ERROR: syntax error at or near \"FROM\"" + psqlodbc_note + " (42601)"};
  }
  return {odbc + "Table 'helpdesk.no_such_table' doesn't exist (42S02)",
          odbc + "You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server "
                 "version for the right syntax to use near 'DELETE FROM tickets ) AS q WHERE 1=0' at line 2 (42000)"};
}

}  // namespace

TEST_CASE("conformance: a query (tickets join customers) reads the same rows through every backend") {
  auto reference = open(backends().front());
  const std::vector<Row> want_rows = expected_join(*reference);
  REQUIRE(want_rows.size() == static_cast<size_t>(kJoinLimit));
  const std::vector<std::string> want = texts(want_rows, kJoinNumeric);
  for (const Backend& b : backends()) {
    SUBCASE(b.name) {
      auto db = open(b);
      std::vector<std::string> got = texts(read_rows(*db, join_request()), kJoinNumeric);
      REQUIRE(got.size() == want.size());
      for (size_t r = 0; r < got.size(); ++r) {
        CAPTURE(r);
        CHECK(got[r] == want[r]);
      }

      ReadRequest two = join_request();
      two.columns = {"customer_name", "id"};
      two.limit = 2;
      auto reader = db->read(two);
      REQUIRE_MESSAGE(reader.is_ok(), reader.status().message());
      REQUIRE((*reader)->columns().size() == 2);
      CHECK((*reader)->columns()[0].name == "customer_name");
      CHECK((*reader)->columns()[1].type == ValueType::kInteger);
      const std::vector<Row> want_two = {{want_rows[0][4], want_rows[0][0]}, {want_rows[1][4], want_rows[1][0]}};
      CHECK(texts(read_rows(*db, two), {false, true}) == texts(want_two, {false, true}));
    }
  }
}

TEST_CASE("conformance: describe_query types a query's columns as describe() types their tables' columns") {
  // Through these drivers a query's column is named as SQLDescribeCol names
  // it, which differs from the SQLColumns name describe() gives for some types
  // (MariaDB "integer" for "int", psqlodbc "timestamp without time zone").
  const std::map<std::string, std::vector<std::string>> driver_names = {
      {"odbc-mariadb", {"integer", "varchar(20)", "smallint", "timestamp", "varchar(50)", "smallint"}},
      {"odbc-postgres", {"int4", "varchar(20)", "int2", "timestamp without time zone", "varchar(50)", "int2"}},
  };
  for (const Backend& b : backends()) {
    SUBCASE(b.name) {
      auto db = open(b);
      auto query = db->describe_query(kJoin);
      REQUIRE_MESSAGE(query.is_ok(), query.status().message());
      CHECK(query->ref == TableRef{"", "query"});
      CHECK(query->primary_key.empty());
      CHECK(query->indexes.empty());
      auto tickets = db->describe({"", "tickets"});
      auto customers = db->describe({"", "customers"});
      REQUIRE(tickets.is_ok());
      REQUIRE(customers.is_ok());
      auto column = [](const TableInfo& t, const std::string& name) {
        auto it = std::find_if(t.columns.begin(), t.columns.end(), [&](const ColumnInfo& c) { return c.name == name; });
        REQUIRE(it != t.columns.end());
        return *it;
      };
      const std::vector<std::pair<std::string, ColumnInfo>> want = {
          {"id", column(*tickets, "id")},
          {"ticket_no", column(*tickets, "ticket_no")},
          {"priority", column(*tickets, "priority")},
          {"created_at", column(*tickets, "created_at")},
          {"customer_name", column(*customers, "name")},
          {"vip_level", column(*customers, "vip_level")},
      };
      REQUIRE(query->columns.size() == want.size());
      for (size_t i = 0; i < want.size(); ++i) {
        CAPTURE(i);
        CHECK(query->columns[i].name == want[i].first);
        if (!driver_names.count(b.name)) CHECK(query->columns[i].declared_type == want[i].second.declared_type);
        CHECK(query->columns[i].type == want[i].second.type);
        CHECK(query->columns[i].nullable);
      }
      if (driver_names.count(b.name)) {
        std::vector<std::string> declared;
        for (const ColumnInfo& c : query->columns) declared.push_back(c.declared_type);
        CHECK(declared == driver_names.at(b.name));
      }
      std::vector<ValueType> types;
      for (const ColumnInfo& c : query->columns) types.push_back(c.type);
      CHECK(types == std::vector<ValueType>{ValueType::kInteger, ValueType::kText, ValueType::kInteger,
                                            ValueType::kTimestamp, ValueType::kText, ValueType::kInteger});
    }
  }
}

TEST_CASE("conformance: a query the engine refuses is kInvalidArgument with the engine's message, and writes nothing") {
  for (const Backend& b : backends()) {
    SUBCASE(b.name) {
      auto db = open(b);
      auto info = db->info();
      REQUIRE(info.is_ok());
      const QueryFailures want = failures_of(b.name, info->redacted);
      CHECK(info->redacted.find(server_password()) == std::string::npos);

      ReadRequest unknown;
      unknown.query = "SELECT id FROM no_such_table";
      Status described = db->describe_query(unknown.query).status();
      CHECK(described.code() == ErrorCode::kInvalidArgument);
      CHECK(described.message() == want.unknown_table);
      Status read = db->read(unknown).status();
      CHECK(read.code() == ErrorCode::kInvalidArgument);
      CHECK(read.message() == want.unknown_table);

      ReadRequest writing;
      writing.query = "DELETE FROM tickets";
      read = db->read(writing).status();
      CHECK(read.code() == ErrorCode::kInvalidArgument);
      CHECK(read.message() == want.writing);
      auto count = db->count({"", "tickets"});
      REQUIRE_MESSAGE(count.is_ok(), count.status().message());
      CHECK(count->rows == expected()["tables"]["tickets"]["rows"].get<int64_t>());

      ReadRequest bad_column = join_request();
      bad_column.columns = {"customer_nam"};
      read = db->read(bad_column).status();
      CHECK(read.code() == ErrorCode::kNotFound);
      CHECK(read.message() == (b.name == std::string("sqlite")
                                   ? "no column 'customer_nam' in query, did you mean 'customer_name'?"
                                   : "column 'customer_nam' not found in query; did you mean 'customer_name'?"));
    }
  }
}

}  // namespace csbridge::connector
