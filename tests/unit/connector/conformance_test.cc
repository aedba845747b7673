// The connector conformance suite: the same checks over every database
// backend, on the sample helpdesk that scripts/test loads into each engine.
// The expected facts come from the sample's generator (samples/helpdesk/
// expected.json), never from a backend itself; the rows of every backend must
// equal the rows of native SQLite, value for value.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
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

// Every row of `table` ordered by its primary key, one string per row.
std::vector<std::string> all_rows(Connector& db, const std::string& table, const nlohmann::json& facts) {
  ReadRequest req;
  req.table = {"", table};
  for (const auto& col : facts["primary_key"]) req.order_by.push_back(col.get<std::string>());
  for (const auto& col : facts["columns"]) req.columns.push_back(col["name"].get<std::string>());
  auto reader = db.read(req);
  REQUIRE_MESSAGE(reader.is_ok(), reader.status().message());
  std::vector<bool> numeric;
  for (const auto& col : facts["columns"]) numeric.push_back(is_number_type(col["type"].get<std::string>()));
  std::vector<std::string> rows;
  Batch batch;
  for (;;) {
    auto more = (*reader)->next(batch);
    REQUIRE_MESSAGE(more.is_ok(), more.status().message());
    if (!*more) break;
    for (size_t r = 0; r < batch.rows(); ++r) {
      std::string row;
      for (size_t c = 0; c < batch.columns(); ++c) {
        row += c ? " | " : "";
        if (batch.is_null(r, c)) {
          row += "NULL";
        } else {
          row += numeric[c] ? canonical_number(batch.get(r, c)) : "'" + std::string(batch.get(r, c)) + "'";
        }
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
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

}  // namespace csbridge::connector
