#include "validate/plan.h"

#include <doctest/doctest.h>

#include <sqlite3.h>

#include <fstream>
#include <string>
#include <vector>

#include "mapping/loader.h"
#include "migrate/migrate.h"
#include "test_support.h"

namespace csbridge::validate {
namespace {

// 100 tags migrated into a SQLite file; the source then changed.
struct PlanProject {
  test::TempDir dir;
  model::Model model = model::builtin_model().value();
  config::Config config;
  mapping::LoadResult loaded;
  std::string source = (dir.path() / "src.db").string();

  explicit PlanProject(const std::string& deletes = "keys") {
    exec("CREATE TABLE tags (id INTEGER PRIMARY KEY, tag_name TEXT, updated_at TEXT);"
         "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100) "
         "INSERT INTO tags SELECT x, 'tag ' || x, '2026-01-01 00:00:00' FROM c");
    config.sources.push_back({});
    config.sources[0].name = "legacy";
    config.sources[0].connection = "sqlite:" + source;
    config.target = config::TargetConfig{};
    config.target->connection = "sqlite:" + (dir.path() / "cs.db").string();
    std::string file = (dir.path() / "tag.yaml").string();
    std::ofstream(file) << "entity: tag\nsource: legacy\ntable: tags\nkey: id\nwatermark: updated_at\n"
                        << (deletes.empty() ? "" : "deletes: " + deletes + "\n") << "fields:\n  name: tag_name\ncustom: none\n";
    loaded = mapping::load_mappings({file}, config, model);
    REQUIRE_FALSE(loaded.has_errors());
    migrate::MigrateOptions o;
    o.env = [](const std::string&) { return std::optional<std::string>(); };
    auto run = migrate::run_migration(config, loaded.set, model, o);
    REQUIRE_MESSAGE(run.is_ok(), run.status().message());
  }
  void exec(const std::string& sql) { test::sqlite_exec(source, sql); }
};

TEST_CASE("plan: new, changed, unchanged and deleted rows with their first keys, and nothing written") {
  PlanProject p;
  p.exec("INSERT INTO tags VALUES (101, 'new', '2026-01-02'), (102, 'new', '2026-01-02');"
         "UPDATE tags SET tag_name = 'renamed' WHERE id IN (7, 9, 11);"
         "DELETE FROM tags WHERE id = 50");
  ValidateOptions o;
  o.env = [](const std::string&) { return std::optional<std::string>(); };
  auto plan = plan_migration(p.config, p.loaded.set, p.model, o);
  REQUIRE_MESSAGE(plan.is_ok(), plan.status().message());
  REQUIRE(plan->entities.size() == 1);
  const EntityPlan& e = plan->entities[0];
  CHECK(e.name == "tag");
  CHECK(e.new_rows == 2);
  CHECK(e.changed == 3);
  CHECK(e.unchanged == 96);
  CHECK(e.deleted == 1);
  CHECK(e.first_keys.at("new") == std::vector<std::string>{"101", "102"});
  CHECK(e.first_keys.at("changed") == std::vector<std::string>{"11", "7", "9"});
  CHECK(e.first_keys.at("deleted") == std::vector<std::string>{"50"});
  CHECK(e.reading == "watermark updated_at: a delta reads past the mark");
  CHECK(e.deletes == "tag (tag.yaml#1): keys: the source's keys against the crosswalk");
  CHECK(e.not_detected == 0);
  auto again = plan_migration(p.config, p.loaded.set, p.model, o);  // the first plan wrote nothing
  REQUIRE(again.is_ok());
  CHECK(again->entities[0].new_rows == 2);
}

TEST_CASE("plan: without 'deletes:' the rows the source no longer gives are not deleted, said so") {
  PlanProject p("");
  p.exec("DELETE FROM tags WHERE id IN (50, 51)");
  ValidateOptions o;
  o.env = [](const std::string&) { return std::optional<std::string>(); };
  auto plan = plan_migration(p.config, p.loaded.set, p.model, o);
  REQUIRE_MESSAGE(plan.is_ok(), plan.status().message());
  const EntityPlan& e = plan->entities.at(0);
  CHECK(e.deleted == 0);
  CHECK(e.not_detected == 2);
  CHECK(e.deletes.empty());
  CHECK(e.first_keys.count("deleted") == 0);
}

}  // namespace
}  // namespace csbridge::validate
