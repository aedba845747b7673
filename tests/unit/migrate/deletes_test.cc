#include "migrate/deletes.h"

#include <doctest/doctest.h>

#include <sqlite3.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "connector/registry.h"
#include "mapping/loader.h"
#include "migrate/migrate.h"
#include "migrate/target_store.h"
#include "model/ddl.h"
#include "test_support.h"
#include "util/strings.h"
#include "validate/plan.h"
#include "validate/validate.h"

namespace csbridge::migrate {
namespace {

enum class Backend { kSqlite, kPostgres };

// `rows` tags in a SQLite source (id, tag_name, is_deleted, updated_at) migrated into a fresh
// target — SQLite, or a PostgreSQL schema of its own (dropped at the end) — with `deletes`
// as the block's `deletes:` value.
struct Project {
  test::TempDir dir;
  Backend backend;
  model::Model model = model::builtin_model().value();
  config::Config config;
  mapping::LoadResult loaded;
  std::string source = (dir.path() / "src.db").string();
  std::string schema;
  std::unique_ptr<connector::Connector> inspect;

  Project(Backend b, int rows, const std::string& deletes) : backend(b) {
    exec("CREATE TABLE tags (id INTEGER PRIMARY KEY, tag_name TEXT, is_deleted INTEGER, updated_at TEXT);"
         "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < " + std::to_string(rows) +
         ") INSERT INTO tags SELECT x, 'tag ' || x, 0, '2026-01-01 00:00:00' FROM c");
    config.sources.push_back({});
    config.sources[0].name = "legacy";
    config.sources[0].connection = "sqlite:" + source;
    config.target = config::TargetConfig{};
    if (b == Backend::kSqlite) {
      config.target->connection = "sqlite:" + (dir.path() / "cs.db").string();
    } else {
      static int counter = 0;
      schema = "csb deletes " + std::to_string(::getpid()) + "_" + std::to_string(counter++);
      config.target->connection = test::require_env("CSBRIDGE_TEST_PG");
      config.target->schema = schema;
    }
    config.delta.settle_seconds = 0;
    std::string file = (dir.path() / "tag.yaml").string();
    std::ofstream(file) << "entity: tag\nsource: legacy\ntable: tags\nkey: id\nwatermark: updated_at\n"
                           "deletes: " << deletes << "\nfields:\n  name: tag_name\ncustom: none\n";
    loaded = mapping::load_mappings({file}, config, model);
    REQUIRE_FALSE(loaded.has_errors());
    auto first = migrate();
    REQUIRE(first.status == "ok");
    auto opened = connector::open_connector(config.target->connection);
    REQUIRE(opened.is_ok());
    inspect = std::move(*opened);
  }
  ~Project() {
    if (backend == Backend::kPostgres && inspect) {
      (void)inspect->execute("DROP SCHEMA " + model::quote_identifier(schema) + " CASCADE");
    }
  }
  void exec(const std::string& sql) { test::sqlite_exec(source, sql); }
  MigrateSummary migrate(bool hard = false, bool delta = true) {
    MigrateOptions o;
    o.env = [](const std::string&) { return std::optional<std::string>(); };
    o.delta = delta;
    o.hard_deletes = hard;
    auto run = run_migration(config, loaded.set, model, o);
    REQUIRE_MESSAGE(run.is_ok(), run.status().message());
    return *run;
  }
  std::string table(const std::string& name) const {
    return (schema.empty() ? "" : model::quote_identifier(schema) + ".") + model::quote_identifier(name);
  }
  int64_t scalar(const std::string& sql) {
    connector::ReadRequest r;
    r.query = sql;
    auto reader = inspect->read(r);
    REQUIRE_MESSAGE(reader.is_ok(), reader.status().message());
    connector::Batch batch;
    REQUIRE((*reader)->next(batch).value());
    return std::stoll(std::string(batch.get(0, 0)));
  }
  int64_t tombstones() { return scalar("SELECT count(*) FROM " + table("tag") + " WHERE deleted_at IS NOT NULL"); }
  int64_t target_rows() { return scalar("SELECT count(*) FROM " + table("tag")); }
  int64_t crosswalk() {
    return scalar("SELECT count(*) FROM " + table("csbridge_crosswalk") + " WHERE entity = 'tag'");
  }
  validate::ValidateOptions validate_options() {
    validate::ValidateOptions o;
    o.env = [](const std::string&) { return std::optional<std::string>(); };
    return o;
  }
  int64_t planned_deletes() {
    auto plan = validate::plan_migration(config, loaded.set, model, validate_options());
    REQUIRE_MESSAGE(plan.is_ok(), plan.status().message());
    return plan->entities.at(0).deleted;
  }
  void validates() {
    auto o = validate_options();
    o.checks = {"counts", "rows", "crosswalk", "references"};
    auto report = validate::run_validation(config, loaded.set, model, o);
    REQUIRE_MESSAGE(report.is_ok(), report.status().message());
    for (const auto& c : report->checks) {
      INFO(c.name, " ", c.entity, " ", c.note, " ", (c.failures.empty() ? "" : c.failures[0].key));
      CHECK(c.status != validate::CheckStatus::kFailed);
    }
  }
  const EntityCounts& tag(const MigrateSummary& s) { return s.entities.at(0); }
};

std::vector<Backend> backends() {
  std::vector<Backend> out = {Backend::kSqlite};
  if (std::getenv("CSBRIDGE_TEST_PG")) out.push_back(Backend::kPostgres);
  return out;
}
const char* name(Backend b) { return b == Backend::kSqlite ? "sqlite" : "postgres"; }

TEST_CASE("deletes: soft deletes become tombstones, plan counts them first, a second delta writes nothing, "
          "an undeleted row comes back, validate passes") {
  for (Backend b : backends()) {
    CAPTURE(name(b));
    Project p(b, 200, "{column: is_deleted, values: [1]}");
    p.exec("UPDATE tags SET is_deleted = 1, updated_at = '2026-01-02 00:00:00' WHERE id IN (3, 30, 60, 90, 120)");
    CHECK(p.planned_deletes() == 5);
    MigrateSummary run = p.migrate();
    CHECK(run.status == "ok");
    CHECK(p.tag(run).deleted == 5);
    CHECK(p.tag(run).deletes_found == 5);
    CHECK(p.tag(run).deletes == "soft: is_deleted in [1]");
    CHECK(p.tombstones() == 5);
    CHECK(p.target_rows() == 200);  // tombstones, not deletes
    p.validates();
    CHECK(p.planned_deletes() == 0);

    MigrateSummary again = p.migrate();  // a second delta writes nothing
    CHECK(p.tag(again).loaded == 0);
    CHECK(p.tag(again).deleted == 0);
    CHECK(p.tombstones() == 5);

    p.exec("UPDATE tags SET is_deleted = 0, updated_at = '2026-01-03 00:00:00' WHERE id = 30");
    MigrateSummary back = p.migrate();
    CHECK(p.tag(back).loaded == 1);
    CHECK(p.tombstones() == 4);
    CHECK(p.scalar("SELECT count(*) FROM " + p.table("tag") + " WHERE source_key = '30' AND deleted_at IS NULL") == 1);
    p.validates();
  }
}

TEST_CASE("deletes: keys — thousands of source rows merged with the crosswalk in bounded memory, in byte order") {
  for (Backend b : backends()) {
    CAPTURE(name(b));
    Project p(b, 5000, "keys");
    p.exec("DELETE FROM tags WHERE id % 50 = 7");  // 100 of 5,000 (2 %)
    CHECK(p.planned_deletes() == 100);
    {
      // The merge itself: never more than a sorted run of source keys and a page of target keys.
      auto store = TargetStore::open(p.config.target->connection, p.config.target->schema, p.model);
      REQUIRE(store.is_ok());
      DeleteOptions o;
      o.sort_run_keys = 256;
      o.page_keys = 300;
      DeletePass pass(**store, o);
      auto db = connector::open_connector("sqlite:" + p.source);
      REQUIRE(db.is_ok());
      const mapping::Block& block = p.loaded.set.blocks.at(0);
      Status s = pass.detect(**db, block, [&]() { return connector::open_connector("sqlite:" + p.source); });
      REQUIRE_MESSAGE(s.is_ok(), s.message());
      CHECK(pass.blocks().at(0).found == 100);
      CHECK(pass.stats().max_source_keys_held <= 256);
      CHECK(pass.stats().sorted_runs >= 4900 / 256);
      CHECK(pass.stats().max_target_keys_held <= 300);
      CHECK(pass.stats().target_pages >= 5000 / 300);
      CHECK(pass.stats().target_in_order);  // "10" < "100" < "11" < "2": bytes, not numbers
      CHECK(p.tombstones() == 0);           // detect writes nothing
    }
    MigrateSummary run = p.migrate();
    CHECK(p.tag(run).deleted == 100);
    CHECK(p.tombstones() == 100);
    p.validates();
    MigrateSummary again = p.migrate();
    CHECK(p.tag(again).deleted == 0);
    CHECK(p.tag(again).loaded == 0);
    CHECK(p.planned_deletes() == 0);

    // A deleted key that comes back loads again and loses its tombstone.
    p.exec("INSERT INTO tags VALUES (7, 'tag 7', 0, '2026-01-05 00:00:00')");
    MigrateSummary back = p.migrate();
    CHECK(p.tag(back).loaded == 1);
    CHECK(p.tombstones() == 99);
  }
}

TEST_CASE("deletes: --hard-deletes removes the rows and their crosswalk entries") {
  for (Backend b : backends()) {
    CAPTURE(name(b));
    Project p(b, 1000, "keys");
    p.exec("DELETE FROM tags WHERE id <= 20");
    MigrateSummary run = p.migrate(true);
    CHECK(p.tag(run).deleted == 20);
    CHECK(p.tag(run).removed == 20);
    CHECK(p.target_rows() == 980);
    CHECK(p.crosswalk() == 980);
    CHECK(p.tombstones() == 0);
    p.validates();
    MigrateSummary again = p.migrate(true);
    CHECK(p.tag(again).deleted == 0);
  }
}

TEST_CASE("deletes: tombstoned earlier, removed by a later --hard-deletes run") {
  Project p(Backend::kSqlite, 1000, "{column: is_deleted, values: [1, 2]}");
  p.exec("UPDATE tags SET is_deleted = 2, updated_at = '2026-01-02 00:00:00' WHERE id <= 10");
  p.migrate();
  CHECK(p.tombstones() == 10);
  MigrateSummary hard = p.migrate(true);
  CHECK(p.tag(hard).removed == 10);
  CHECK(p.target_rows() == 990);
  CHECK(p.crosswalk() == 990);
}

TEST_CASE("deletes: over delta.max_delete_ratio the run stops before any delete, naming the block, count and ratio") {
  for (Backend b : backends()) {
    CAPTURE(name(b));
    Project p(b, 100, "keys");
    p.exec("DELETE FROM tags WHERE id <= 6");  // 6 %
    MigrateSummary run = p.migrate();
    CHECK(run.status == "too_many_deletes");
    CHECK(run.deletes_error ==
          "tag (tag.yaml#1): 6 deletes of 100 live tag rows in the target (6.0%) exceed delta.max_delete_ratio 5% "
          "(keys: the source's keys against the crosswalk): no delete applied; check the source, or raise "
          "delta.max_delete_ratio");
    CHECK(p.tag(run).deleted == 0);
    CHECK(p.tombstones() == 0);
    p.config.delta.max_delete_percent = 10;
    MigrateSummary allowed = p.migrate();
    CHECK(allowed.status == "ok");
    CHECK(p.tag(allowed).deleted == 6);
  }
}

TEST_CASE("deletes: a target created before deleted_at existed gets the column") {
  test::TempDir dir;
  std::string path = (dir.path() / "old.db").string();
  auto model = model::builtin_model().value();
  std::string ddl = model::generate_ddl(model, model::Dialect::kSqlite, {"", true});
  // The DDL of the previous version: no deleted_at.
  ddl = util::replace_all(ddl, ",\n  \"deleted_at\" TIMESTAMP", "");
  REQUIRE(ddl.find("deleted_at") == std::string::npos);
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  REQUIRE(sqlite3_exec(raw, ddl.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
  auto store = TargetStore::open("sqlite:" + path, "", model);
  REQUIRE(store.is_ok());
  Status s = (*store)->prepare();
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  auto live = (*store)->live_rows("ticket");
  REQUIRE_MESSAGE(live.is_ok(), live.status().message());
  CHECK(*live == 0);
}

TEST_CASE("deletes: a bad 'deletes:' value is located") {
  test::TempDir dir;
  auto model = model::builtin_model().value();
  config::Config config;
  config.sources.push_back({});
  config.sources[0].name = "legacy";
  config.sources[0].connection = "sqlite:" + (dir.path() / "none.db").string();
  auto diagnose = [&](const std::string& deletes) {
    std::string file = (dir.path() / "tag.yaml").string();
    std::ofstream(file) << "entity: tag\nsource: legacy\ntable: tags\nkey: id\ndeletes: " << deletes
                        << "\nfields:\n  name: tag_name\n";
    auto loaded = mapping::load_mappings({file}, config, model);
    REQUIRE(loaded.has_errors());
    const auto& d = loaded.diagnostics.at(0);
    return std::to_string(d.at.line) + ":" + std::to_string(d.at.col) + ": " + d.message;
  };
  SUBCASE("unknown word") {
    CHECK(diagnose("key") == "5:10: 'deletes' must be 'keys' or {column: COLUMN, values: [VALUE, …]}, not 'key', "
                             "did you mean 'keys'?");
  }
  SUBCASE("no values") { CHECK(diagnose("{column: is_deleted}") == "5:10: 'deletes' has no 'values' (the flag's values of a deleted row)"); }
  SUBCASE("no column") { CHECK(diagnose("{values: [1]}") == "5:10: 'deletes' has no 'column' (the soft-delete flag)"); }
  SUBCASE("unknown key") {
    CHECK(diagnose("{column: d, value: [1]}") == "5:22: unknown deletes key 'value', did you mean 'values'?");
  }
  SUBCASE("empty list") {
    CHECK(diagnose("{column: d, values: []}") ==
          "5:30: 'deletes.values' must be a value or a non-empty list of values (null allowed)");
  }
  SUBCASE("a list") { CHECK(diagnose("[keys]") == "5:10: 'deletes' must be 'keys' or {column: COLUMN, values: [VALUE, …]}"); }
}

}  // namespace
}  // namespace csbridge::migrate
