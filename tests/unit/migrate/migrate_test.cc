#include "migrate/migrate.h"

#include <doctest/doctest.h>

#include <fstream>

#include "mapping/loader.h"
#include "migrate/target_store.h"
#include "test_support.h"

namespace csbridge::migrate {
namespace {

// The sample helpdesk and its mappings, migrated into a SQLite file in a temp dir.
struct SampleProject {
  test::TempDir dir;
  model::Model model = model::builtin_model().value();
  config::Config config;
  mapping::LoadResult loaded;

  SampleProject() {
    auto c = config::load_config(test::source_dir() + "/samples/csbridge.yaml");
    REQUIRE(c.is_ok());
    config = std::move(c).value();
    config.sources[0].connection = std::string("sqlite:") + CSBRIDGE_SAMPLE_DB;
    config.target->connection = "sqlite:" + (dir.path() / "cs.db").string();
    loaded = mapping::load_mappings(config.mappings, config, model);
    REQUIRE_FALSE(loaded.has_errors());
  }
  MigrateOptions options() const {
    MigrateOptions o;
    o.reject_file = (dir.path() / "rejects.jsonl").string();
    o.env = [](const std::string&) { return std::optional<std::string>(); };
    return o;
  }
  const EntityCounts& entity(const MigrateSummary& s, const std::string& name) {
    for (const auto& e : s.entities) {
      if (e.name == name) return e;
    }
    FAIL("no entity " << name);
    return s.entities.front();
  }
};

TEST_CASE("migrate: the sample helpdesk loads with only the planted dirt rejected, and reconciles") {
  SampleProject p;
  auto s = run_migration(p.config, p.loaded.set, p.model, p.options());
  REQUIRE(s.is_ok());
  CHECK(s->status == "ok");
  for (const auto& e : s->entities) {
    INFO(e.name);
    CHECK(e.read == e.loaded + e.rejected + e.filtered);
  }
  CHECK(p.entity(*s, "ticket").loaded == 400);
  CHECK(p.entity(*s, "ticket_message").rejected == 5);  // replies of deleted spam tickets
  CHECK(p.entity(*s, "ticket_tag").rejected == 3);      // links to the deleted tag 11
  CHECK(p.entity(*s, "attachment").rejected == 2);      // files of deleted replies
  CHECK(p.entity(*s, "customer").rejected == 0);        // invalid phones kept in custom (on_error: null)

  std::ifstream in(p.options().reject_file);
  std::string line, all;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    all += line + "\n";
  }
  CHECK(lines == 14);
  CHECK(all.find("\"code\":\"orphan_reference\"") != std::string::npos);
  CHECK(all.find("13089588147") == std::string::npos);  // values in reject files are masked

  SUBCASE("a second run writes nothing and ends with no checkpoints") {
    auto again = run_migration(p.config, p.loaded.set, p.model, p.options());
    REQUIRE(again.is_ok());
    for (const auto& e : again->entities) {
      INFO(e.name);
      CHECK(e.loaded == e.unchanged);
    }
    auto store = TargetStore::open(p.config.target->connection, "", p.model);
    REQUIRE(store.is_ok());
    auto cp = (*store)->checkpoint("ticket#1:ticket");
    REQUIRE(cp.is_ok());
    CHECK_FALSE(cp->has_value());
    auto runs = (*store)->list_runs(10);
    REQUIRE(runs.is_ok());
    CHECK(runs->size() == 2);
  }
}

TEST_CASE("migrate: run options") {
  SampleProject p;
  SUBCASE("dry run writes no target") {
    MigrateOptions o = p.options();
    o.dry_run = true;
    auto s = run_migration(p.config, p.loaded.set, p.model, o);
    REQUIRE(s.is_ok());
    CHECK(s->status == "dry_run");
    CHECK_FALSE(std::filesystem::exists(p.dir.path() / "cs.db"));
  }
  SUBCASE("a sample filters by the legacy key, and counts still reconcile") {
    MigrateOptions o = p.options();
    o.sample_percent = 30;
    o.entities = {"organization", "customer", "tag"};
    auto s = run_migration(p.config, p.loaded.set, p.model, o);
    REQUIRE(s.is_ok());
    const EntityCounts& c = p.entity(*s, "customer");
    CHECK(c.filtered > 30);
    CHECK(c.filtered < 110);
    CHECK(c.read == c.loaded + c.rejected + c.filtered);
  }
  SUBCASE("limit and where slice each block") {
    MigrateOptions o = p.options();
    o.entities = {"tag"};
    o.limit = 5;
    auto s = run_migration(p.config, p.loaded.set, p.model, o);
    REQUIRE(s.is_ok());
    CHECK(p.entity(*s, "tag").read == 5);
  }
  SUBCASE("too many rejects") {
    MigrateOptions o = p.options();
    o.max_rejects_percent = 0.1;
    auto s = run_migration(p.config, p.loaded.set, p.model, o);
    REQUIRE(s.is_ok());
    CHECK(s->status == "too_many_rejects");
  }
  SUBCASE("usage errors") {
    MigrateOptions o = p.options();
    o.entities = {"tickets"};
    CHECK(run_migration(p.config, p.loaded.set, p.model, o).status().message() ==
          "--entities: no mapping block loads 'tickets'");
    o = p.options();
    o.since = "2024-01-01";
    o.entities = {"tag"};
    CHECK(run_migration(p.config, p.loaded.set, p.model, o).status().message() ==
          "tag (tag.yaml#1): --since needs a 'watermark:' column in the mapping block");
    o = p.options();
    o.sample_percent = 0;
    CHECK(run_migration(p.config, p.loaded.set, p.model, o).status().code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("migrate: a target that cannot be reached fails with kUnreachable, naming it without the password") {
  SampleProject p;
  MigrateOptions o = p.options();
  o.target = "postgresql://csbridge:s3cret@127.0.0.1:1/nowhere?connect_timeout=2";
  auto s = run_migration(p.config, p.loaded.set, p.model, o);
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.status().code() == ErrorCode::kUnreachable);
  CHECK(s.status().message().find("s3cret") == std::string::npos);
}

}  // namespace
}  // namespace csbridge::migrate
