#include "migrate/follow.h"

#include <doctest/doctest.h>

#include <sqlite3.h>

#include <atomic>
#include <fstream>
#include <string>
#include <vector>

#include "mapping/loader.h"
#include "migrate/target_store.h"
#include "test_support.h"

namespace csbridge::migrate {
namespace {

// 100 tags with a watermark, migrated into a SQLite file, the source changed from a cycle's callback.
struct FollowProject {
  test::TempDir dir;
  model::Model model = model::builtin_model().value();
  config::Config config;
  mapping::LoadResult loaded;
  std::string source = (dir.path() / "src.db").string();

  FollowProject() {
    exec("CREATE TABLE tags (id INTEGER PRIMARY KEY, tag_name TEXT, updated_at TEXT);"
         "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100) "
         "INSERT INTO tags SELECT x, 'tag ' || x, '2026-01-01 00:00:00.' || printf('%03d', x) FROM c");
    config.sources.push_back({});
    config.sources[0].name = "legacy";
    config.sources[0].connection = "sqlite:" + source;
    config.target = config::TargetConfig{};
    config.target->connection = "sqlite:" + (dir.path() / "cs.db").string();
    config.delta.settle_seconds = 0;
    std::string file = (dir.path() / "tag.yaml").string();
    std::ofstream(file) << "entity: tag\nsource: legacy\ntable: tags\nkey: id\nwatermark: updated_at\n"
                           "fields:\n  name: tag_name\ncustom: none\n";
    loaded = mapping::load_mappings({file}, config, model);
    REQUIRE_FALSE(loaded.has_errors());
  }
  void exec(const std::string& sql) { test::sqlite_exec(source, sql); }
  MigrateOptions options() const {
    MigrateOptions o;
    o.env = [](const std::string&) { return std::optional<std::string>(); };
    return o;
  }
};

TEST_CASE("follow: a delta per cycle picks up each change once, until the stop flag") {
  FollowProject p;
  std::atomic<int> stop{0};
  MigrateOptions o = p.options();
  o.interrupt = &stop;
  FollowOptions f;
  f.interval_seconds = 0.05;
  std::vector<std::string> seen;
  f.on_cycle = [&](const MigrateSummary& s, int64_t cycle) {
    const EntityCounts& t = s.entities.at(0);
    seen.push_back(std::to_string(cycle) + " " + s.status + " read " + std::to_string(t.read) + " loaded " +
                   std::to_string(t.loaded));
    if (cycle == 1) p.exec("UPDATE tags SET tag_name = 'renamed', updated_at = '2026-01-02 00:00:00' WHERE id = 7");
    if (cycle == 3) stop.store(15);
  };
  auto cycles = follow(p.config, p.loaded.set, p.model, o, f);
  REQUIRE_MESSAGE(cycles.is_ok(), cycles.status().message());
  CHECK(*cycles == 3);
  // The first cycle has no mark yet: it reads everything; then only the change; then nothing.
  CHECK(test::Lines(seen) == test::Lines{"1 ok read 100 loaded 100", "2 ok read 1 loaded 1", "3 ok read 0 loaded 0"});
  auto store = TargetStore::open(p.config.target->connection, "", p.model);
  REQUIRE(store.is_ok());
  auto runs = (*store)->list_runs(10);
  REQUIRE(runs.is_ok());
  CHECK(runs->size() == 3);
}

TEST_CASE("follow: refuses a dry run and an interval of 0") {
  FollowProject p;
  MigrateOptions o = p.options();
  FollowOptions f;
  f.interval_seconds = 0;
  CHECK(follow(p.config, p.loaded.set, p.model, o, f).status().message() == "--interval must be above 0");
  f.interval_seconds = 1;
  o.dry_run = true;
  CHECK(follow(p.config, p.loaded.set, p.model, o, f).status().message() ==
        "--follow and --dry-run do not go together");
}

}  // namespace
}  // namespace csbridge::migrate
