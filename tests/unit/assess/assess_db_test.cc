// assess db on the sample helpdesk, through every connector, against the
// facts its generator recorded (samples/helpdesk/expected.json).
#include "assess/assess_db.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>

#include "connector/registry.h"
#include "test_support.h"
#include "util/strings.h"

namespace csbridge::assess {
namespace {

const nlohmann::json& expected() {
  static const nlohmann::json facts = [] {
    std::ifstream in(test::source_dir() + "/samples/helpdesk/expected.json");
    return nlohmann::json::parse(in);
  }();
  return facts;
}

Assessment run(const std::string& connection, const AssessOptions& options = {}) {
  auto db = connector::open_connector(connection);
  REQUIRE_MESSAGE(db.is_ok(), db.status().message());
  auto m = model::builtin_model();
  REQUIRE(m.is_ok());
  auto a = assess_database(**db, *m, options);
  REQUIRE_MESSAGE(a.is_ok(), a.status().message());
  return std::move(a).value();
}

// What must not depend on the connector: tables, keys, entities, PII classes, relationships.
std::map<std::string, std::string> digest(const Assessment& a) {
  std::map<std::string, std::string> out;
  for (const TableAssessment& t : a.tables) {
    std::string d = "rows=" + std::to_string(t.rows) + " pk=" + util::join(t.primary_key, ",") + " entity=" + t.entity.name;
    for (const ColumnProfile& c : t.columns) {
      std::vector<std::string> classes;
      for (const PiiHit& h : c.pii) classes.push_back(model::pii_class_name(h.pii));
      std::sort(classes.begin(), classes.end());
      if (!classes.empty()) d += " " + c.name + ":" + util::join(classes, "+");
    }
    std::vector<std::string> rels;
    for (const Relationship& r : t.foreign_keys) {
      // PostgreSQL names the parent with its schema, SQLite has none: compare the table.
      std::string parent = r.ref_table;
      if (!t.ref.schema.empty() && parent.rfind(t.ref.schema + ".", 0) == 0) parent = parent.substr(t.ref.schema.size() + 1);
      rels.push_back(util::join(r.columns, ",") + "->" + parent + "." + util::join(r.ref_columns, ",") +
                     (r.polymorphic ? "[" + r.type_value + "]" : "") + " orphans=" + std::to_string(r.orphans));
    }
    std::sort(rels.begin(), rels.end());
    d += " rels=" + util::join(rels, ";");
    out[t.ref.name] = d;
  }
  return out;
}

const TableAssessment& table(const Assessment& a, const std::string& name) {
  for (const TableAssessment& t : a.tables) {
    if (t.ref.name == name) return t;
  }
  FAIL("no table " << name);
  return a.tables.front();
}

}  // namespace

TEST_CASE("assess db: the sample helpdesk gives what it was built with") {
  Assessment a = run(std::string("sqlite:") + CSBRIDGE_SAMPLE_DB + "?mode=ro");
  const nlohmann::json& facts = expected();

  SUBCASE("tables, rows, keys and entities") {
    REQUIRE(a.tables.size() == facts["tables"].size());
    for (const auto& [name, t] : facts["tables"].items()) {
      CAPTURE(name);
      const TableAssessment& got = table(a, name);
      CHECK(got.rows == t["rows"].get<int64_t>());
      CHECK(got.rows_exact);
      CHECK(got.primary_key == t["primary_key"].get<std::vector<std::string>>());
      CHECK(got.entity.name == t["cs_entity"].get<std::string>());
      CHECK(got.profiled);
    }
  }
  SUBCASE("every planted relationship is inferred with its exact orphan count") {
    for (const auto& r : facts["relationships"]) {
      std::string child = r["child"], parent = r["parent"];
      CAPTURE(child);
      CAPTURE(parent);
      std::string child_table = child.substr(0, child.find('.')), child_col = child.substr(child.find('.') + 1);
      std::string parent_table = parent.substr(0, parent.find('.')), parent_col = parent.substr(parent.find('.') + 1);
      const Relationship* found = nullptr;
      for (const Relationship& rel : table(a, child_table).foreign_keys) {
        bool same_type = r["discriminator"].is_null() || rel.type_value == r["discriminator"]["value"].get<std::string>();
        if (rel.columns == std::vector<std::string>{child_col} && rel.ref_table == parent_table &&
            rel.ref_columns == std::vector<std::string>{parent_col} && same_type) {
          found = &rel;
        }
      }
      REQUIRE(found != nullptr);
      CHECK_FALSE(found->declared);
      CHECK(found->polymorphic == (r["kind"] == "polymorphic"));
      CHECK(found->orphans == r["orphan_rows"].get<int64_t>());
      CHECK(found->confidence >= 0.45);
    }
  }
  SUBCASE("no relationship is inferred that the sample does not have") {
    std::set<std::string> planted;
    for (const auto& r : facts["relationships"]) {
      planted.insert(r["child"].get<std::string>() + "->" + r["parent"].get<std::string>());
    }
    for (const TableAssessment& t : a.tables) {
      for (const Relationship& rel : t.foreign_keys) {
        std::string key = t.ref.name + "." + util::join(rel.columns, ",") + "->" + rel.ref_table + "." +
                          util::join(rel.ref_columns, ",");
        CHECK_MESSAGE(planted.count(key) == 1, "unexpected relationship " << key);
      }
    }
  }
  SUBCASE("PII classes of the columns the sample holds personal data in") {
    for (const auto& [column, cls] : facts["pii"].items()) {
      CAPTURE(column);
      const TableAssessment& t = table(a, column.substr(0, column.find('.')));
      std::string col = column.substr(column.find('.') + 1);
      const ColumnProfile* p = nullptr;
      for (const ColumnProfile& c : t.columns) {
        if (c.name == col) p = &c;
      }
      REQUIRE(p != nullptr);
      if (cls == "free_text") {
        // Free text holds PII only where the generator embedded some: check each class it counted.
        const nlohmann::json& counts = facts["free_text_embedded"]["columns"][column];
        auto hit = [&](const char* name) -> const PiiHit* {
          for (const PiiHit& h : p->pii) {
            if (model::pii_class_name(h.pii) == std::string(name) && h.embedded) return &h;
          }
          return nullptr;
        };
        const std::pair<const char*, const char*> classes[] = {
            {"rows_with_national_id", "national_id"}, {"rows_with_bank_card", "bank_card"}, {"rows_with_email", "email"}};
        for (const auto& [key, name] : classes) {
          CAPTURE(name);
          int64_t want = counts[key].get<int64_t>();
          if (want == 0) continue;
          REQUIRE(hit(name) != nullptr);
          CHECK(hit(name)->count == want);
        }
        if (counts["rows_with_mobile"].get<int64_t>() > 0) {
          REQUIRE(hit("phone") != nullptr);  // mobiles and landlines are both phone
          CHECK(hit("phone")->count >= counts["rows_with_mobile"].get<int64_t>());
        }
      } else {
        REQUIRE_FALSE(p->pii.empty());
        CHECK(std::any_of(p->pii.begin(), p->pii.end(),
                          [&](const PiiHit& h) { return model::pii_class_name(h.pii) == cls.get<std::string>(); }));
      }
    }
  }
  SUBCASE("summary") {
    CHECK(a.summary.total_rows == facts["total_rows"].get<int64_t>());
    CHECK(a.summary.readiness > 0);
    CHECK(a.summary.readiness < 100);
    CHECK(a.summary.cs_fit > 0.5);
    const auto& order = a.summary.migration_order;
    auto pos = [&](const std::string& t) { return std::find(order.begin(), order.end(), t) - order.begin(); };
    REQUIRE(order.size() == a.tables.size());
    CHECK(pos("customers") < pos("tickets"));
    CHECK(pos("agents") < pos("tickets"));
    CHECK(pos("agents") < pos("agent_groups"));  // a mutual pair: the CS model orders agent first
    CHECK(pos("agent_groups") < pos("tags"));    // and the cycle does not push unrelated tables ahead
    CHECK(pos("tickets") < pos("ticket_replies"));
    CHECK(pos("ticket_replies") < pos("attachments"));
    CHECK(a.summary.estimate_seconds > 0);
  }
}

TEST_CASE("assess db: every connector sees the sample alike") {
  std::string db = CSBRIDGE_SAMPLE_DB;
  auto reference = digest(run("sqlite:" + db + "?mode=ro"));
  const std::pair<const char*, std::string> others[] = {
      {"odbc-sqlite", "odbc:Driver={SQLite3};Database=" + db},
      {"postgres", test::require_env("CSBRIDGE_TEST_PG_HELPDESK")},
      {"odbc-mariadb", test::require_env("CSBRIDGE_TEST_MARIADB_HELPDESK_ODBC")},
      {"odbc-postgres", test::require_env("CSBRIDGE_TEST_PG_HELPDESK_ODBC")},
  };
  for (const auto& [name, conn] : others) {
    SUBCASE(name) {
      auto got = digest(run(conn));
      REQUIRE(got.size() == reference.size());
      for (const auto& [table, d] : reference) {
        CAPTURE(table);
        CHECK(got[table] == d);
      }
    }
  }
}

TEST_CASE("assess db: a folder of exports, a sample, and tables that cannot be read") {
  SUBCASE("CSV/JSON/XML exports") {
    Assessment a = run("csv:" + test::source_dir() + "/samples/helpdesk/exports/?encoding=gbk");
    REQUIRE(a.tables.size() == 1);
    CHECK(a.tables[0].ref.name == "customers_legacy_gbk");
    CHECK(a.tables[0].entity.name == "customer");
    const auto& findings = a.tables[0].findings;
    auto rejected = std::find_if(findings.begin(), findings.end(), [](const Finding& f) { return f.kind == "rejected_records"; });
    REQUIRE(rejected != findings.end());
    CHECK(rejected->count == 1);
    CHECK(rejected->severity == Severity::kError);
    CHECK(rejected->examples == std::vector<std::string>{"customers_legacy_gbk.csv:43: expected 8 fields, found 9"});
    Assessment x = run("xml:" + test::source_dir() + "/samples/helpdesk/exports/waybills.xml?record=/waybills/waybill");
    CHECK(x.tables[0].rows == 30);
  }
  SUBCASE("--sample profiles a share of rows, references stay exact") {
    AssessOptions o;
    o.sample_percent = 20;
    Assessment a = run(std::string("sqlite:") + CSBRIDGE_SAMPLE_DB + "?mode=ro", o);
    const TableAssessment& replies = table(a, "ticket_replies");
    CHECK(replies.sample_fraction == doctest::Approx(0.2));
    CHECK(replies.columns[0].values < replies.rows);
    CHECK(replies.columns[0].values > replies.rows / 10);
    for (const Relationship& r : replies.foreign_keys) {
      if (r.columns[0] == "ticket_id") CHECK(r.orphans == 5);
    }
  }
  SUBCASE("a missing table is a finding, the rest is assessed") {
    AssessOptions o;
    o.tables = {"tickets", "no_such_table"};
    Assessment a = run(std::string("sqlite:") + CSBRIDGE_SAMPLE_DB + "?mode=ro", o);
    REQUIRE(a.tables.size() == 2);
    CHECK(a.tables[0].profiled);
    CHECK_FALSE(a.tables[1].profiled);
    REQUIRE(a.tables[1].findings.size() >= 1);
    CHECK(a.tables[1].findings[0].kind == "read_error");
    CHECK(a.tables[1].findings[0].severity == Severity::kError);
  }
  SUBCASE("an empty table, quoted identifiers, a binary column") {
    test::TempDir dir;
    std::string path = (dir.path() / "odd.db").string();
    auto db = connector::open_connector("sqlite:" + path + "?mode=rwc");
    REQUIRE(db.is_ok());
    REQUIRE((*db)->execute("CREATE TABLE \"工单 \"\"备份\"\"\" (\"编号\" INTEGER PRIMARY KEY, \"select\" TEXT, img BLOB);"
                           "CREATE TABLE empty_one (id INTEGER PRIMARY KEY);"
                           "INSERT INTO \"工单 \"\"备份\"\"\" VALUES (1, 'a', X'0001'), (2, NULL, X'FF');")
                .is_ok());
    Assessment a = run("sqlite:" + path);
    REQUIRE(a.tables.size() == 2);
    const TableAssessment& e = table(a, "empty_one");
    CHECK(e.rows == 0);
    CHECK(e.profiled);
    const TableAssessment& odd = table(a, "工单 \"备份\"");
    CHECK(odd.rows == 2);
    CHECK(odd.entity.name == "ticket");
    CHECK(std::any_of(odd.findings.begin(), odd.findings.end(), [](const Finding& f) { return f.kind == "binary_column"; }));
  }
}

}  // namespace csbridge::assess
