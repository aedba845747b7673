// Related rows (`from:` fields) read in the run's snapshot (connector/snapshot.h).
#include <doctest/doctest.h>

#include <unistd.h>

#include <fstream>
#include <string>

#include "connector/registry.h"
#include "connector/snapshot.h"
#include "mapping/loader.h"
#include "migrate/migrate.h"
#include "model/ddl.h"
#include "test_support.h"

namespace csbridge::migrate {
namespace {

// A PostgreSQL source that changes its related table through another session at its first
// read — after the run took its snapshot, before any related row is read.
class ChangingSource final : public connector::Connector, public connector::SnapshotSource {
 public:
  ChangingSource(std::unique_ptr<connector::Connector> inner, std::unique_ptr<connector::Connector> writer,
                 std::string change)
      : inner_(std::move(inner)), writer_(std::move(writer)), change_(std::move(change)) {}
  Result<std::string> hold_snapshot() override {
    return dynamic_cast<connector::SnapshotSource&>(*inner_).hold_snapshot();
  }
  bool concurrent_reads() const override {
    return dynamic_cast<const connector::SnapshotSource&>(*inner_).concurrent_reads();
  }
  Result<std::unique_ptr<connector::RowReader>> read(const connector::ReadRequest& request) override {
    if (!change_.empty()) {
      CSB_RETURN_IF_ERROR(writer_->execute(change_));
      change_.clear();
    }
    return inner_->read(request);
  }
  Result<connector::SourceInfo> info() override { return inner_->info(); }
  Result<std::vector<connector::TableRef>> list_tables() override { return inner_->list_tables(); }
  Result<connector::TableInfo> describe(const connector::TableRef& t) override { return inner_->describe(t); }
  Result<connector::RowCount> count(const connector::TableRef& t, bool estimate) override {
    return inner_->count(t, estimate);
  }
  std::string backend() const override { return inner_->backend(); }

 private:
  std::unique_ptr<connector::Connector> inner_, writer_;
  std::string change_;
};

TEST_CASE("migrate: the related rows of from: fields are read in the run's PostgreSQL snapshot") {
  std::string pg = test::require_env("CSBRIDGE_TEST_PG");
  test::TempDir dir;
  std::string schema = "csb_related_" + std::to_string(::getpid());
  auto admin = connector::open_connector(pg);
  REQUIRE(admin.is_ok());
  std::string s = model::quote_identifier(schema);
  REQUIRE((*admin)->execute("CREATE SCHEMA " + s + "; CREATE TABLE " + s + ".people (id integer PRIMARY KEY); " +
                            "CREATE TABLE " + s + ".names (person integer, name text); INSERT INTO " + s +
                            ".people VALUES (1), (2); INSERT INTO " + s + ".names VALUES (1, 'before'), (2, 'before')")
              .is_ok());

  model::Model model = model::builtin_model().value();
  config::Config config;
  config.sources.push_back({});
  config.sources[0].name = "legacy";
  config.sources[0].connection = pg;
  config.target = config::TargetConfig{};
  config.target->connection = "sqlite:" + (dir.path() / "cs.db").string();
  std::string file = (dir.path() / "customer.yaml").string();
  std::ofstream(file) << "entity: customer\nsource: legacy\ntable: " << schema
                      << ".people\nkey: id\nfields:\n  name:\n    from: {table: " << schema
                      << ".names, key: person, column: name}\ncustom: none\n";
  mapping::LoadResult loaded = mapping::load_mappings({file}, config, model);
  REQUIRE_FALSE(loaded.has_errors());

  MigrateOptions o;
  o.env = [](const std::string&) { return std::optional<std::string>(); };
  int opened = 0;
  o.open_source = [&](const config::SourceConfig& source) -> Result<std::unique_ptr<connector::Connector>> {
    CSB_ASSIGN_OR_RETURN(auto inner, connector::open_connector(source.connection));
    if (opened++ > 0) return inner;  // a second connection: outside the snapshot
    CSB_ASSIGN_OR_RETURN(auto writer, connector::open_connector(source.connection));
    return std::unique_ptr<connector::Connector>(std::make_unique<ChangingSource>(
        std::move(inner), std::move(writer), "UPDATE " + s + ".names SET name = 'after'"));
  };
  auto run = run_migration(config, loaded.set, model, o);
  REQUIRE_MESSAGE(run.is_ok(), run.status().message());
  CHECK(run->entities.at(0).loaded == 2);
  CHECK(run->entities.at(0).snapshot.find("PostgreSQL snapshot") == 0);
  CHECK(opened == 1);  // the related rows were read through the run's own source, not a second connection

  auto target = connector::open_connector(config.target->connection);
  REQUIRE(target.is_ok());
  connector::ReadRequest r;
  r.query = "SELECT group_concat(name, ',') FROM customer";
  auto reader = (*target)->read(r);
  REQUIRE(reader.is_ok());
  connector::Batch batch;
  REQUIRE((*reader)->next(batch).value());
  CHECK(batch.get(0, 0) == "before,before");  // as of the snapshot, not the change made after it
  (void)(*admin)->execute("DROP SCHEMA " + s + " CASCADE");
}

}  // namespace
}  // namespace csbridge::migrate
